"""The notice a candidate reads before deciding, generated for one job's location in one language.

It is assembled from the applicable policy packs' notices and from the enabled plugins' own declarations
(what each analyzer measures, in plain language, and its limits), plus retention, rights, the alternative
process and the operator's contact. Its version names every part it was built from and its hash is stored
with each consent record, so what the candidate saw can be shown again word for word.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from candor.consent.gate import BIOMETRIC_CAPABILITIES, CONSENT_ALWAYS, is_biometric
from candor.declarations import KNOWN_CAPABILITIES, Purpose

if TYPE_CHECKING:
    from candor.state import CandorState

LANGUAGES = ("en", "zh-CN")

_TEXT = {
    "en": {
        "title": "How this interview uses AI and your data",
        "ai": "What the automated analysis does",
        "not_used": "Not used for this job",
        "limits": "Known limits",
        "retention": "How long we keep your data",
        "days": "{category}: at most {days} days",
        "rights": "Your rights",
        "rights_text": ("You may see, correct, export or erase your data, ask for an explanation of the "
                        "recommendation, contest a decision and ask for a person to review it. You can "
                        "withdraw consent at any time from any page or message; processing under it stops."),
        "deadline": "We answer {kind} requests within {days} days.",
        "alternative": ("You may decline AI evaluation and ask for an alternative process or an accommodation; "
                        "a person then reviews your answers without automated scoring."),
        "decision": "A named person makes every decision; the AI only recommends.",
        "contact": "Contact: {contact}",
        "purposes": "What we ask your consent for",
        "separate": "(asked separately)",
        "abroad": "HR systems outside this job's country or region that receive your results",
    },
    "zh-CN": {
        "title": "本次面试如何使用人工智能及您的个人信息",
        "ai": "自动分析的内容",
        "not_used": "本职位不使用",
        "limits": "已知局限",
        "retention": "保存期限",
        "days": "{category}：最长 {days} 天",
        "rights": "您的权利",
        "rights_text": ("您可以查阅、更正、导出或删除您的个人信息，要求解释推荐结果，对决定提出异议并要求人工复核。"
                        "您可以随时在任何页面或邮件中撤回同意，撤回后相关处理立即停止。"),
        "deadline": "我们将在 {days} 天内答复 {kind} 请求。",
        "alternative": "您可以拒绝人工智能评估，并申请替代流程或合理便利；届时将由人工审阅您的回答，不进行自动评分。",
        "decision": "所有决定均由具名的工作人员作出，人工智能仅提供建议。",
        "contact": "联系方式：{contact}",
        "purposes": "我们请求您同意的事项",
        "separate": "（单独同意）",
        "abroad": "接收您面试结果的境外人力资源系统",
    },
}

PURPOSE_TEXT = {
    "en": {
        Purpose.RECRUITMENT: "Processing your application and answers for this job",
        Purpose.AI_EVALUATION: "Automated analysis and scoring of your answers",
        Purpose.BIOMETRIC_ANALYSIS: "Analysis of your face in the video (biometric data)",
        Purpose.PERSONALISATION: "Questions tailored from your resume",
        Purpose.CROSS_BORDER_TRANSFER: "Transfer of your data to another country or region",
        Purpose.BIAS_AUDIT: "Use of your voluntary demographic answers in aggregate bias audits",
    },
    "zh-CN": {
        Purpose.RECRUITMENT: "为本职位处理您的申请及回答",
        Purpose.AI_EVALUATION: "对您的回答进行自动分析和评分",
        Purpose.BIOMETRIC_ANALYSIS: "分析视频中的面部信息（生物识别信息）",
        Purpose.PERSONALISATION: "根据您的简历定制问题",
        Purpose.CROSS_BORDER_TRANSFER: "将您的个人信息向境外或其他地区提供",
        Purpose.BIAS_AUDIT: "在汇总的偏差审计中使用您自愿提供的人口统计信息",
    },
}


@dataclass(frozen=True)
class OfferedPurpose:
    purpose: Purpose
    separate: bool
    text: str


@dataclass(frozen=True)
class Notice:
    location: str
    language: str
    version: str
    text: str
    purposes: tuple[OfferedPurpose, ...]
    alternative_process: bool

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, object]:
        return {
            "location": self.location, "language": self.language, "version": self.version, "hash": self.hash,
            "text": self.text, "alternative_process_offered": self.alternative_process,
            "purposes": [{"purpose": p.purpose.value, "separate": p.separate, "text": p.text}
                         for p in self.purposes],
        }


class NoticeError(ValueError):
    pass


def build_notice(state: CandorState, location: str, language: str, *, contact: str | None = None) -> Notice:
    if language not in LANGUAGES:
        raise NoticeError(f"No notice in {language!r}; available: {', '.join(LANGUAGES)}.")
    words = _TEXT[language]
    policy = state.policies.for_location(location)
    packs = state.policies.applicable(location)
    lines = [f"# {words['title']}", ""]
    for pack in packs:
        lines += [f"## {pack.title}", pack.notice.en if language == "en" else pack.notice.zh_cn, ""]

    analyzers, refused = [], []
    for info in state.plugins.enabled():
        declaration = info.declaration
        if declaration is None or not declaration.purposes & {Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS}:
            continue
        (refused if declaration.capabilities & policy.prohibited_capabilities else analyzers).append(info)
    lines += [f"## {words['ai']}"]
    for info in analyzers:
        declaration = info.declaration
        assert declaration is not None
        measured = [KNOWN_CAPABILITIES.get(c, c.replace("_", " ")) for c in sorted(declaration.capabilities)
                    if c in KNOWN_CAPABILITIES and c not in ("diagnostics",)]
        lines.append(f"- {declaration.title} ({info.version}): {declaration.description} "
                     f"[{'; '.join(measured)}]")
        if declaration.limits:
            lines.append(f"  {words['limits']}: {' '.join(declaration.limits)}")
    for info in refused:
        assert info.declaration is not None
        lines.append(f"- {words['not_used']}: {info.declaration.title}")
    lines += ["", words["decision"], ""]

    lines += [f"## {words['retention']}"]
    for subject, rule in sorted(policy.retention.items(), key=lambda item: str(item[0])):
        if rule.max_days is not None:
            lines.append("- " + words["days"].format(category=str(subject), days=rule.max_days))
    lines += ["", f"## {words['rights']}", words["rights_text"]]
    for kind, deadline in sorted(policy.request_deadlines.items(), key=lambda item: str(item[0])):
        lines.append(words["deadline"].format(kind=str(kind), days=deadline.days))
    lines += ["", words["alternative"]]
    if contact:
        lines += ["", words["contact"].format(contact=contact)]

    offered = _offered_purposes(state, policy.consent_required, policy.consent_separate, analyzers, language)
    abroad = _connectors_abroad(state, location)
    if abroad and all(p.purpose != Purpose.CROSS_BORDER_TRANSFER for p in offered):
        offered.append(OfferedPurpose(Purpose.CROSS_BORDER_TRANSFER, True,
                                      PURPOSE_TEXT[language][Purpose.CROSS_BORDER_TRANSFER]))
    if abroad:
        lines += ["", f"## {words['abroad']}", *(f"- {name}: {region}" for name, region in abroad)]
    lines += ["", f"## {words['purposes']}"]
    lines += [f"- {p.text}{' ' + words['separate'] if p.separate else ''}" for p in offered]
    plugin_part = ",".join(f"{i.name}@{i.version}" for i in analyzers)
    version = "+".join(f"{p.pack}:{p.notice.version}" for p in packs) + f";analyzers:{plugin_part or 'none'}"
    return Notice(location=policy.location, language=language, version=version[:200], text="\n".join(lines),
                  purposes=tuple(offered), alternative_process=True)


def _connectors_abroad(state: CandorState, location: str) -> list[tuple[str, str]]:
    """HR-system connectors whose data ends up outside the job's jurisdictions (PIPL Art. 38-39)."""
    from candor.outbox.connectors import ehr_connectors
    from candor.policy.jurisdictions import jurisdictions_of

    here = set(jurisdictions_of(location))
    return sorted((c.name, c.region) for c in ehr_connectors(state).values() if c.region and c.region not in here)


def _offered_purposes(state: CandorState, required: frozenset[Purpose], separate: frozenset[Purpose],
                      analyzers: list, language: str) -> list[OfferedPurpose]:
    # The voluntary demographic questions behind bias audits (NYC LL144) are asked of every candidate, so their
    # purpose is always offered, always separately: the answers are special-category data (GDPR Art. 9).
    wanted: set[Purpose] = set(required) | {Purpose.BIAS_AUDIT}
    for info in analyzers:
        declaration = info.declaration
        wanted |= {p for p in declaration.purposes if p in CONSENT_ALWAYS}
        if is_biometric(declaration) or declaration.capabilities & BIOMETRIC_CAPABILITIES:
            wanted.add(Purpose.BIOMETRIC_ANALYSIS)
    texts = PURPOSE_TEXT[language]
    ordered = sorted(wanted, key=lambda p: list(Purpose).index(p))
    always_separate = {Purpose.BIOMETRIC_ANALYSIS, Purpose.BIAS_AUDIT}
    return [OfferedPurpose(p, p in separate or p in always_separate, texts.get(p, p.value)) for p in ordered]
