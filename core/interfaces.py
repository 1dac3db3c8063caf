"""The shapes of the objects plugins hand to the core through the registration hooks.

Owns the typing Protocols and small value types that hook return values must satisfy. The core calls these
objects only through its purpose gate, one plugin at a time, so it always knows whose object it is calling.
Nothing here touches the database or the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import IO, Any, Protocol, runtime_checkable

# --- diagnostics ------------------------------------------------------------------------------------------


class CheckStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckResult:
    """What one check found; ``hint`` says what to do when it is not OK. Never holds personal data."""

    status: CheckStatus
    detail: str
    hint: str = ""


@dataclass(frozen=True)
class DoctorCheck:
    """A named check run by ``candor doctor``; ``readiness`` ones also decide ``/readyz``."""

    name: str
    run: Callable[[Any], CheckResult]  # receives the Flask app
    readiness: bool = False


# --- background work --------------------------------------------------------------------------------------


class WorkContextLike(Protocol):
    """What a work handler receives; see ``candor.tasks.work.WorkContext``."""

    payload: Mapping[str, Any]

    def heartbeat(self) -> None: ...


WorkHandler = Callable[[WorkContextLike], Any]


# --- analysis ---------------------------------------------------------------------------------------------


@runtime_checkable
class Analyzer(Protocol):
    """Measures something in an answer. ``needs`` names its inputs: ``audio``, ``video``, ``transcript``."""

    name: str
    needs: frozenset[str]

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]: ...


@runtime_checkable
class SpeechToText(Protocol):
    """Second face of an analyzer with the ``speech_to_text`` capability: the transcript itself.

    ``audio`` is a WAV or raw file path of 16 kHz mono s16 PCM, those bytes, or an iterable of byte chunks
    (``candor.analysis.speech.AudioSource``); the result is a ``candor.analysis.speech.SpeechResult`` with
    per-word times and confidences. It is personal data: store it with ``store_transcript``, never in an
    analysis output. Raises ``SpeechModelMissing`` when no model serves ``language``.
    """

    name: str

    def transcribe(self, audio: Any, language: str) -> Any: ...


# --- questions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedQuestion:
    """A question a generator proposes. ``competencies`` are library ids; ``indicators`` what the scorer looks
    for; ``reason`` says why it was asked (a matched requirement phrase, a follow-up rule), never personal
    data; ``details`` carries kind-specific data (hidden tests of a coding question, the rubric of a case)."""

    text: str
    competencies: Sequence[str] = ()
    indicators: Sequence[str] = ()
    kind: str = "behavioural"
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class QuestionGenerator(Protocol):
    """Writes questions for a job, targeted ones from a redacted resume, and follow-ups after an answer.

    ``job`` has ``title``, ``description``, ``requirements``; ``job["library"]`` is the loaded competency library
    (``candor.questions.library.CompetencyLibrary``). ``personalise`` is called only when the candidate
    consented to the ``personalisation`` purpose, and receives resume text with personal data already
    redacted.
    """

    name: str

    def generate(self, job: Mapping[str, Any], language: str) -> Sequence[GeneratedQuestion]: ...

    def follow_up(
        self, question: Mapping[str, Any], transcript: str, language: str
    ) -> GeneratedQuestion | None: ...


@runtime_checkable
class PersonalisingGenerator(Protocol):
    """Optional second face of a ``QuestionGenerator``: targeted questions from a redacted resume."""

    name: str

    def personalise(
        self, job: Mapping[str, Any], resume_text: str, language: str
    ) -> Sequence[GeneratedQuestion]: ...


# --- skill tasks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxLimits:
    """What one run of candidate code may use. Sizes in MiB, times in seconds."""

    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_mb: int = 256
    processes: int = 8
    output_kb: int = 64
    file_mb: int = 4
    open_files: int = 32


@dataclass(frozen=True)
class CodeTest:
    """One hidden test: code run after the submission, in its namespace; it passes when it raises nothing."""

    name: str
    code: str


@dataclass(frozen=True)
class TestOutcome:
    """One hidden test's result. ``message`` is the assertion or error, cut short."""

    name: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class CodeRunResult:
    """A run's outcome. ``stopped`` says why the run was cut short: ``time``, ``memory``, ``output``,
    ``forbidden`` (a blocked operation), ``crashed``, or ``""`` when it ran to the end."""

    tests: Sequence[TestOutcome]
    stopped: str = ""
    detail: str = ""
    isolation: str = ""
    wall_seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for test in self.tests if test.passed)

    @property
    def score(self) -> float:
        return self.passed / len(self.tests) if self.tests else 0.0


@runtime_checkable
class CodeRunner(Protocol):
    """Runs candidate code of one language against hidden tests in a sandbox."""

    name: str
    language: str

    def run(self, source: str, tests: Sequence[CodeTest], limits: SandboxLimits) -> CodeRunResult: ...


# --- integrations -----------------------------------------------------------------------------------------


@runtime_checkable
class EhrConnector(Protocol):
    """Talks to one kind of HR system: pulls jobs and applicants, pushes results.

    Optional: ``erase(reference: str) -> Mapping[str, Any]`` deletes the record the HR system holds under
    ``reference`` (its own id, as recorded when data was disclosed to it) when the candidate's erasure request
    is carried out, and returns a confirmation such as ``{"receipt": "<the system's confirmation id>"}``. It
    should raise when the system refuses or cannot be reached; Candor stores a ``failed`` receipt and goes on.
    Connectors without it get an ``unsupported`` receipt telling staff to delete the record by hand. It is not
    part of the protocol's required methods, so existing connectors stay valid; Candor looks it up with
    ``getattr``.
    """

    name: str

    def pull_jobs(self, since: str | None) -> Iterator[Mapping[str, Any]]: ...

    def pull_applicants(self, since: str | None) -> Iterator[Mapping[str, Any]]: ...

    def push_event(self, event: Mapping[str, Any], idempotency_key: str) -> Mapping[str, Any]: ...


@runtime_checkable
class AttendanceAdapter(Protocol):
    """Provisions accounts in an attendance system and reads check-ins back."""

    name: str

    def provision(self, employee: Mapping[str, Any], rules: Mapping[str, Any]) -> str: ...

    def deactivate(self, account_id: str) -> None: ...

    def pull_check_ins(
        self, since: datetime, until: datetime, account_ids: Sequence[str]
    ) -> Iterator[Mapping[str, Any]]:
        """Punches of ``account_ids`` between ``since`` and ``until`` (aware datetimes), each as
        ``{"external_id", "account_id", "check_type": "on_duty"|"off_duty", "checked_at": epoch ms or ISO 8601
        with offset, "source", "result"}``; an account the system does not know is yielded as
        ``{"error": "unknown_user", "account_id": ...}`` so the others go on. Raises when the system is
        down."""
        ...

    #: Whether the system takes probation rules itself; when false the platform evaluates them.
    takes_rules: bool


@runtime_checkable
class PayrollCalculator(Protocol):
    """Pre-computes probation pay. ``terms`` holds the position, ``base_pay`` (a decimal string or None),
    ``currency``, the start and probation end dates; ``rules`` the probation rules as data. Returns
    ``{"monthly": "<decimal>", "currency": "...", "basis": "<how it was computed>"}`` or ``None`` when the
    calculator does not apply."""

    name: str

    def probation_pay(self, terms: Mapping[str, Any], rules: Mapping[str, Any]) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Message:
    """A message to one person. ``body`` is already rendered in the recipient's language."""

    to: str
    subject: str
    body: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Notifier(Protocol):
    """Delivers messages over one channel (``email``, ``sms``...)."""

    name: str
    channel: str

    def send(self, message: Message) -> str: ...


# --- storage and keys -------------------------------------------------------------------------------------


@runtime_checkable
class StorageBackend(Protocol):
    """Holds opaque blobs by key. The core encrypts before writing; a backend never sees plaintext media."""

    name: str

    def open_write(self, key: str) -> IO[bytes]: ...

    def open_read(self, key: str) -> IO[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class KeyInfo:
    """One key-encryption key as a key provider reports it: its id and state (``active`` or ``retired``)."""

    key_id: str
    state: str
    created_at: str = ""


@runtime_checkable
class KeyProvider(Protocol):
    """Holds key-encryption keys (KEKs), the blind-index key and one erasable secret per data subject.

    A data subject's key is derived from two halves: one wrapped by a KEK and kept in the database, and one
    secret kept by the provider and destroyed on erasure, so that a database backup alone can never bring an
    erased subject's data back. ``context`` binds a wrapped key to its subject.
    """

    name: str

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap with the active KEK; returns ``(kek id, wrapped bytes)``."""
        ...

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Unwrap with the named KEK, active or retired."""
        ...

    def list_keys(self) -> Sequence[KeyInfo]:
        """Every KEK the provider can still unwrap with."""
        ...

    def rotate(self) -> str:
        """Make a new active KEK, retiring (not destroying) the previous one; returns the new id."""
        ...

    def index_key(self) -> bytes:
        """The key of the blind indexes (HMAC-SHA256), separate from every KEK."""
        ...

    def create_subject_secret(self, handle: str) -> bytes:
        """Create and keep a new random secret for a data subject; refuse if one exists."""
        ...

    def subject_secret(self, handle: str) -> bytes:
        """The subject's secret; raise ``LookupError`` if it was destroyed or never existed."""
        ...

    def destroy_subject_secret(self, handle: str) -> None:
        """Destroy the subject's secret for good (crypto-shredding); no error if it is already gone."""
        ...
