"""The onboarding notice and consent step: what a new hire reads and decides, per purpose, before anything
about them goes to an attendance system.

Recruiting consent does not carry over: the employee is a data subject of its own and decides again, against
a new notice that names the employer, the attendance systems that would receive their data (from the enabled
adapters' declarations: which data, where), check-in evaluation against the probation rules, retention and
rights. Face or fingerprint clock-in is asked separately (PIPL Art. 29) and always has a visible non-biometric
alternative (PIN or employee card), which is what happens without that consent. An adapter abroad adds a
separate cross-border question (PIPL Art. 39). Decisions go through the consent service
(``candor.consent.service``) under the employee's subject; turning a granted purpose off is a withdrawal (it
cancels queued work); and every decision re-synchronises the attendance accounts
(``candor.onboarding.provisioning``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from candor.consent.models import ConsentChannel
from candor.consent.service import ConsentError, Evidence, granted_purposes, record_decisions, withdraw
from candor.declarations import DataCategory, Purpose
from candor.onboarding.gate import employee_location, takes_biometrics
from candor.onboarding.models import Employee
from candor.orgs.models import Organization
from candor.policy.jurisdictions import jurisdictions_of

if TYPE_CHECKING:
    from candor.state import CandorState

LANGUAGES = ("en", "zh-CN")
NOTICE_VERSION = "onboarding-2025.1"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Before you start: how {organization} handles your information",
        "intro": ("This notice is new: what you agreed to as a candidate does not carry over to your "
                  "employment. Read it and decide on each point below; nothing is pre-selected."),
        "onboarding": ("Onboarding: your start date, site, position, the documents to bring and your probation "
                       "period are kept in your employee record so that HR can prepare your first day."),
        "attendance": ("Attendance accounts and probation attendance: we create your account in the attendance "
                       "systems below and read your clock-in and clock-out times back. They are compared with "
                       "the probation rules (working hours, grace minutes, what counts as late or absent); HR "
                       "sees on-time, late and absent days and flags, and a person decides what follows."),
        "systems": "Systems that receive your data",
        "receives": "{system} receives: {categories}",
        "biometrics": ("Face or fingerprint clock-in (sensitive personal information, asked separately): your "
                       "face or fingerprint template is enrolled in the attendance system for clock-in only."),
        "alternative": ("Without this consent you clock in with a PIN or your employee card instead; nothing "
                        "else changes, and you can change your mind at any time on this page."),
        "no_biometric_systems": ("None of the attendance systems in use enrols faces or fingerprints: you clock "
                                 "in with a PIN or your employee card."),
        "abroad": ("Transfer abroad (asked separately): {systems} keep data outside the country or region where "
                   "you work."),
        "retention": ("Check-in records are kept for your probation and then as long as the retention rules of "
                      "your employer's policy allow; they are erased with your employee record."),
        "rights": ("You may see, correct, export or erase your data and withdraw any consent on this page at "
                   "any time; processing under it stops and your accounts are switched off."),
        "contact": "Contact: {contact}",
        "categories.contact": "name, work e-mail, phone",
        "categories.identity": "employee number",
        "categories.employment": "position, site, start date, time zone",
        "categories.attendance": "clock-in and clock-out times",
        "categories.biometric": "face or fingerprint template (only with the separate consent)",
    },
    "zh-CN": {
        "title": "入职前须知：{organization}如何处理您的个人信息",
        "intro": ("本告知为新的告知：您作为候选人时的同意不适用于入职后的处理。"
                  "请阅读后逐项作出选择，所有选项均未预先勾选。"),
        "onboarding": ("入职：您的入职日期、工作地点、岗位、需携带的材料及试用期保存在您的员工记录中，"
                       "以便人力资源部门为您的第一天做准备。"),
        "attendance": ("考勤账号与试用期考勤：我们在下列考勤系统中为您创建账号，并读取您的上下班打卡时间，"
                       "与试用期规则（工作时间、宽限分钟数、迟到和缺勤的认定）进行比对；人力资源部门可看到准时、"
                       "迟到、缺勤的天数及提示，后续处理由人工决定。"),
        "systems": "接收您个人信息的系统",
        "receives": "{system} 接收：{categories}",
        "biometrics": "人脸或指纹打卡（敏感个人信息，单独同意）：您的人脸或指纹模板将录入考勤系统，仅用于打卡。",
        "alternative": "如不同意，您将改用密码（PIN）或工卡打卡，其他一切不受影响；您可随时在本页面更改选择。",
        "no_biometric_systems": "当前使用的考勤系统均不录入人脸或指纹：您使用密码（PIN）或工卡打卡。",
        "abroad": "向境外提供（单独同意）：{systems} 将数据存储于您工作所在国家或地区之外。",
        "retention": "打卡记录在试用期内保存，之后按照用人单位政策规定的保存期限保存；删除员工记录时一并删除。",
        "rights": ("您可以随时在本页面查阅、更正、导出或删除您的个人信息并撤回任何同意；"
                   "撤回后相关处理立即停止，您的账号将被停用。"),
        "contact": "联系方式：{contact}",
        "categories.contact": "姓名、工作邮箱、电话",
        "categories.identity": "员工编号",
        "categories.employment": "岗位、工作地点、入职日期、时区",
        "categories.attendance": "上下班打卡时间",
        "categories.biometric": "人脸或指纹模板（仅在单独同意后）",
    },
}

#: The labels of each purpose's question on the page.
PURPOSE_LABELS = {
    "en": {Purpose.ONBOARDING: "Onboarding record", Purpose.ATTENDANCE: "Attendance accounts and probation "
           "attendance", Purpose.ATTENDANCE_BIOMETRICS: "Face or fingerprint clock-in",
           Purpose.CROSS_BORDER_TRANSFER: "Transfer abroad"},
    "zh-CN": {Purpose.ONBOARDING: "入职记录", Purpose.ATTENDANCE: "考勤账号与试用期考勤",
              Purpose.ATTENDANCE_BIOMETRICS: "人脸或指纹打卡", Purpose.CROSS_BORDER_TRANSFER: "向境外提供"},
}


def pick_language(requested: str | None, fallback: str) -> str:
    for value in (requested, fallback):
        if value in LANGUAGES:
            return value
        if value and value.lower().startswith("zh"):
            return "zh-CN"
    return "en"


@dataclass(frozen=True)
class NoticePurpose:
    purpose: Purpose
    label: str
    text: str
    separate: bool = False
    alternative: str = ""


@dataclass(frozen=True)
class OnboardingNotice:
    language: str
    title: str
    intro: str
    purposes: tuple[NoticePurpose, ...]
    systems: tuple[str, ...]
    closing: tuple[str, ...]
    version: str
    hash: str = field(default="")

    @property
    def offered(self) -> list[Purpose]:
        return [item.purpose for item in self.purposes]


def build_notice(state: CandorState, session: Session, employee: Employee, language: str) -> OnboardingNotice:
    """The notice for this employee now; its hash changes whenever the text or the systems named change."""
    from candor.onboarding.provisioning import adapters

    text = _TEXT[language]
    organization = session.get(Organization, employee.organization_id)
    location = employee_location(session, employee)
    systems, abroad, biometric = [], [], False
    for _name, (plugin, adapter) in sorted(adapters(state).items()):
        declaration = state.plugins.declaration(plugin)
        # Every adapter gets the employee number; the rest only as its declaration says.
        shown = sorted(declaration.data_categories | {DataCategory.IDENTITY})
        categories = [text[f"categories.{c.value}"] for c in shown if f"categories.{c.value}" in text]
        systems.append(text["receives"].format(system=declaration.title, categories="; ".join(categories)))
        region = getattr(adapter, "region", None) or declaration.region
        if region and region not in jurisdictions_of(location):
            abroad.append(f"{declaration.title} ({region})")
        biometric = biometric or takes_biometrics(state, plugin)
    purposes = [NoticePurpose(Purpose.ONBOARDING, PURPOSE_LABELS[language][Purpose.ONBOARDING], text["onboarding"]),
                NoticePurpose(Purpose.ATTENDANCE, PURPOSE_LABELS[language][Purpose.ATTENDANCE], text["attendance"])]
    if biometric:
        purposes.append(NoticePurpose(Purpose.ATTENDANCE_BIOMETRICS,
                                      PURPOSE_LABELS[language][Purpose.ATTENDANCE_BIOMETRICS],
                                      text["biometrics"], separate=True, alternative=text["alternative"]))
    if abroad:
        purposes.append(NoticePurpose(Purpose.CROSS_BORDER_TRANSFER,
                                      PURPOSE_LABELS[language][Purpose.CROSS_BORDER_TRANSFER],
                                      text["abroad"].format(systems=", ".join(abroad)), separate=True))
    closing = [] if biometric else [text["no_biometric_systems"]]
    closing += [text["retention"], text["rights"]]
    if organization is not None and organization.contact_email:
        closing.append(text["contact"].format(contact=organization.contact_email))
    notice = OnboardingNotice(
        language=language, title=text["title"].format(organization=organization.name if organization else ""),
        intro=text["intro"], purposes=tuple(purposes), systems=tuple(systems), closing=tuple(closing),
        version=f"{NOTICE_VERSION}+" + ",".join(sorted(adapters(state))))
    body = "\n".join([notice.title, notice.intro, *[f"{p.purpose}|{p.label}|{p.text}|{p.alternative}"
                                                    for p in notice.purposes], *notice.systems, *notice.closing])
    return OnboardingNotice(**{**notice.__dict__, "hash": hashlib.sha256(body.encode()).hexdigest()})


@dataclass(frozen=True)
class ConsentOutcome:
    granted: frozenset[Purpose]
    withdrawn: tuple[Purpose, ...]
    accounts: Mapping[str, str]


def decide(
    state: CandorState, session: Session, employee: Employee, notice: OnboardingNotice,
    decisions: Mapping[str, bool], evidence: Evidence,
) -> ConsentOutcome:
    """Record the employee's decisions on ``notice`` (every purpose it asks about must be decided), withdraw
    what they turned off, and queue the account changes that follow. The caller commits."""
    missing = [p.value for p in notice.offered if p.value not in decisions]
    if missing:
        raise ConsentError(f"Decide on every point: {', '.join(missing)} has no answer yet.")
    before = granted_purposes(session, employee_id=employee.id)
    turned_off = sorted(p for p in before if p.value in decisions and not decisions[p.value])
    if turned_off:
        withdraw(session, employee_id=employee.id, purposes=turned_off, channel=evidence.channel)
    record_decisions(session, employee_id=employee.id, interview_id=None, decisions=dict(decisions),
                     notice_version=notice.version, notice_hash=notice.hash, offered=notice.offered,
                     evidence=evidence, ip_key=state.consent_ip_key)
    from candor.onboarding.provisioning import sync_accounts

    accounts = sync_accounts(state, session, employee)
    return ConsentOutcome(frozenset(granted_purposes(session, employee_id=employee.id)), tuple(turned_off),
                          accounts)


def evidence_from(language: str, user_agent: str | None, ip_address: str | None) -> Evidence:
    return Evidence(language=language, channel=ConsentChannel.WEB, user_agent=user_agent, ip_address=ip_address)


def current_decisions(session: Session, employee: Employee) -> dict[str, bool]:
    """Where the employee stands on each purpose decided before (True: consents now), for the page."""
    from sqlalchemy import select

    from candor.consent.models import ConsentRecord

    decided = set(session.scalars(select(ConsentRecord.purpose).where(ConsentRecord.employee_id == employee.id)))
    granted = {p.value for p in granted_purposes(session, employee_id=employee.id)}
    return {purpose: purpose in granted for purpose in decided}
