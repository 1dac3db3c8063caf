"""The employee's onboarding page and HR's employment actions.

``/employee/onboarding?t=<link token>`` (public; the token from the onboarding message is the credential, and
only paths are logged) shows the onboarding notice in English or Chinese and takes the decisions through a
CSRF-protected form: one explicit yes/no per purpose, nothing pre-selected, biometric clock-in apart with its
PIN-or-card alternative. The same page shows the current decisions, so changing one later (a withdrawal) is
done where it was given. ``POST /api/v1/employees/<id>/end`` ends an employment (accounts deactivated) and
``POST /api/v1/employees/<id>/erase`` erases an employee (``candor.onboarding.erasure``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, make_response, render_template, request

from candor.auth import Permission, current_identity, public, requires
from candor.consent.service import ConsentError
from candor.onboarding.consent import (
    build_notice,
    current_decisions,
    decide,
    evidence_from,
    pick_language,
)
from candor.onboarding.links import EmployeeLinkError, resolve_employee_link
from candor.onboarding.models import Employee, EmployeeState
from candor.state import get_state

bp = Blueprint("onboarding", __name__, template_folder="templates")

PAGE_TEXT = {
    "en": {"systems": "Systems that receive your data", "separate": "(separate consent)",
           "alternative": "Alternative:", "yes": "I agree", "no": "I do not agree",
           "yes_biometric": "I agree to face or fingerprint clock-in",
           "no_biometric": "I do not agree: I will clock in with a PIN or my employee card",
           "submit": "Save my decisions", "saved": "Your decisions are saved.",
           "accounts": "Your attendance accounts", "biometric_on": "face or fingerprint clock-in",
           "pin_or_card": "PIN or card clock-in", "changed": "The notice changed since it was shown. Read it "
           "again and decide on the new version.", "ended": "Your employment record is closed; nothing is "
           "processed under this page any more. Contact HR with questions."},
    "zh-CN": {"systems": "接收您个人信息的系统", "separate": "（单独同意）", "alternative": "替代方式：",
              "yes": "我同意", "no": "我不同意", "yes_biometric": "我同意使用人脸或指纹打卡",
              "no_biometric": "我不同意：我将使用密码（PIN）或工卡打卡", "submit": "保存我的选择",
              "saved": "您的选择已保存。", "accounts": "您的考勤账号", "biometric_on": "人脸或指纹打卡",
              "pin_or_card": "密码或工卡打卡", "changed": "告知内容在您阅读后已更新，请重新阅读并对新版本作出选择。",
              "ended": "您的员工记录已关闭，本页面不再进行任何处理。如有疑问请联系人力资源部门。"},
}


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"  # the page holds the link token and personal choices
    return response


def _employee(token: str, language: str) -> Employee | Any:
    state = get_state()
    if not token:
        return _link_error("Open this page from the link in your onboarding message.", language, 401)
    try:
        employee = resolve_employee_link(state.app_secret, state.db.session, token)
    except EmployeeLinkError as exc:
        return _link_error(str(exc), language, 403)
    if employee.subject.erased or employee.state == EmployeeState.ENDED:
        return _link_error(PAGE_TEXT[language]["ended"], language, 410)
    return employee


def _link_error(message: str, language: str, status: int) -> Any:
    return _no_store(make_response(render_template("onboarding/link_error.html", message=message,
                                                   language=language), status))


def _page(employee: Employee, token: str, language: str, *, status: int = 200, saved: bool = False,
          errors: list[str] | None = None, chosen: dict[str, bool] | None = None) -> Any:
    state = get_state()
    session = state.db.session
    notice = build_notice(state, session, employee, language)
    titles = {}
    from candor.onboarding.provisioning import adapters

    for name, (plugin, _adapter) in adapters(state).items():
        titles[name] = state.plugins.declaration(plugin).title
    accounts = [{"title": titles.get(a.adapter, a.adapter), "state": str(a.state), "biometric": a.biometric_clock_in}
                for a in employee.accounts]
    html = render_template("onboarding/consent.html", notice=notice, token=token, t=PAGE_TEXT[language],
                           saved=saved, errors=errors or [], accounts=accounts,
                           chosen=chosen if chosen is not None else current_decisions(session, employee))
    return _no_store(make_response(html, status))


@bp.route("/employee/onboarding", methods=["GET", "POST"])
@public
def onboarding_page() -> Any:
    token = request.args.get("t", "")
    state = get_state()
    session = state.db.session
    requested = request.form.get("language") if request.method == "POST" else request.args.get("lang")
    best = request.accept_languages.best_match(["en", "zh"])
    language = pick_language(requested, "zh-CN" if best == "zh" else "en")
    employee = _employee(token, language)
    if not isinstance(employee, Employee):
        return employee
    if request.args.get("lang") is None and request.method == "GET" and not best:
        language = pick_language(None, employee.language)
    if request.method == "GET":
        return _page(employee, token, language)
    notice = build_notice(state, session, employee, language)
    text = PAGE_TEXT[language]
    decisions: dict[str, bool] = {}
    errors: list[str] = []
    for item in notice.purposes:
        answer = request.form.get(f"decision.{item.purpose.value}")
        if answer in ("yes", "no"):
            decisions[item.purpose.value] = answer == "yes"
        else:
            errors.append(f"{item.label}: " + ("请选择同意或不同意。" if language == "zh-CN"
                                               else "choose whether you agree."))
    if request.form.get("notice_hash") != notice.hash:
        return _page(employee, token, language, status=409, errors=[text["changed"]], chosen=decisions)
    if errors:
        return _page(employee, token, language, status=422, errors=errors, chosen=decisions)
    evidence = evidence_from(language, request.headers.get("User-Agent"), request.remote_addr)
    try:
        decide(state, session, employee, notice, decisions, evidence)
    except ConsentError as exc:
        session.rollback()
        return _page(employee, token, language, status=422, errors=[str(exc)], chosen=decisions)
    session.commit()
    return _page(employee, token, language, saved=True)


def _staff_employee(employee_id: int) -> Employee:
    employee = get_state().db.session.get(Employee, employee_id)
    if employee is None:
        abort(404, f"No employee {employee_id}.")
    return employee


@bp.post("/api/v1/employees/<int:employee_id>/end")
@requires(Permission.ATTENDANCE_MANAGE)
def end(employee_id: int) -> Any:
    """The employment ended or the hire was withdrawn: accounts are deactivated in every system."""
    from candor.onboarding.provisioning import end_employment

    state = get_state()
    employee = _staff_employee(employee_id)
    identity = current_identity()
    queued = end_employment(state, state.db.session, employee, actor=identity.actor if identity else "staff")
    state.db.session.commit()
    return jsonify({"employee": employee.id, "state": str(employee.state), "queued": queued})


@bp.post("/api/v1/employees/<int:employee_id>/erase")
@requires(Permission.DSAR_MANAGE)
def erase(employee_id: int) -> Any:
    """Erase the employee: accounts deactivated, check-ins and evaluations deleted, the data key destroyed."""
    from candor.onboarding.erasure import erase_employee

    _staff_employee(employee_id)
    get_state().db.session.rollback()  # the erasure runs its own transactions
    identity = current_identity()
    return jsonify(erase_employee(get_state(), employee_id, actor=identity.actor if identity else "staff"))
