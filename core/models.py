"""Every core model, imported in one place so that the metadata (and Alembic) sees all tables."""

from candor.analysis.transcripts import Transcript
from candor.attendance.models import AttendanceDay, AttendancePullLock, CheckIn, ProbationRules
from candor.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from candor.auth.models import ApiToken, Role, User
from candor.consent.models import ConsentRecord, GateDecision
from candor.dsar.models import ConnectorDisclosure, DataSubjectRequest, ErasureReceipt, ExportPackage
from candor.fairness.models import DemographicRecord, InterviewOutcome
from candor.imports.models import ImportRun
from candor.interviews.models import Analysis, Answer, Candidate, Interview, InterviewTransition, Question
from candor.jobs.models import Job
from candor.onboarding.models import AttendanceAccount, Employee
from candor.orgs.models import Organization
from candor.outbox.models import DeliveryAttempt, InboundMessage, OutboxEvent
from candor.questions.models import CodeRun, InterviewQuestion, QuestionSet
from candor.records.models import GeneratedRecord
from candor.recruiting.models import Application, Invitation, SyncCursor
from candor.retention.models import LegalHold, RetentionLock, RetentionPurge
from candor.review.models import (
    BlindReviewSetting,
    InterviewRecommendation,
    ReviewAssignment,
    ReviewDecision,
    ReviewerRating,
    ReviewRequest,
    Suspension,
)
from candor.tasks.models import WorkItem
from candor.vault.models import DataSubject

__all__ = [
    "AuditChainHead", "AuditCheckpoint", "AuditEntry",
    "ConnectorDisclosure", "DataSubjectRequest", "ErasureReceipt", "ExportPackage",
    "LegalHold", "RetentionLock", "RetentionPurge",
    "ConsentRecord", "GateDecision", "Transcript", "DemographicRecord", "InterviewOutcome",
    "Analysis", "Answer", "ApiToken", "Candidate", "DataSubject", "Interview", "InterviewTransition", "Job",
    "Organization", "Question", "QuestionSet", "InterviewQuestion", "CodeRun", "Role", "User", "WorkItem",
    "BlindReviewSetting", "InterviewRecommendation", "ReviewAssignment", "ReviewDecision", "ReviewerRating",
    "ReviewRequest", "Suspension", "GeneratedRecord",
    "ImportRun",
    "DeliveryAttempt", "InboundMessage", "OutboxEvent",
    "Application", "Invitation", "SyncCursor",
    "AttendanceDay", "AttendancePullLock", "CheckIn", "ProbationRules",
    "AttendanceAccount", "Employee",
]
