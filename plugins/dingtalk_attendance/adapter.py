"""The DingTalk attendance adapter: pre-hire entries and check-ins in DingTalk's documented shapes.

Owns the mapping between Candor and DingTalk: ``provision`` adds a pre-hire entry
(``/topapi/smartwork/hrm/employee/addpreentry``) and returns DingTalk's ``userid``; ``pull_check_ins``
reads ``/attendance/list`` in windows of at most 7 days, 50 users at a time, paging with offset/limit until
``hasMore`` is false, and turns each result into a check-in. Scheduled but unpunched shifts (``NotSigned``)
carry no punch and are skipped: the platform decides absence from its own rules. DingTalk takes no probation
rules here (``takes_rules`` is false), so the platform evaluates them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from candor_plugins.dingtalk_attendance.client import UNKNOWN_USER, DingTalkClient, DingTalkError

NAME = "dingtalk_attendance"
CHINA = ZoneInfo("Asia/Shanghai")  # DingTalk's request dates are China time
WINDOW = timedelta(days=7)
USERS_PER_CALL = 50
PAGE = 50
CHECK_TYPES = {"OnDuty": "on_duty", "OffDuty": "off_duty"}


class DingTalkAdapter:
    name = NAME
    takes_rules = False

    def __init__(self, client: DingTalkClient, *, op_userid: str = "", dept_id: str = "1") -> None:
        self.client = client
        self.op_userid, self.dept_id = op_userid, dept_id

    def provision(self, employee: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
        start = str(employee.get("start_date") or "")
        extend = {"depts": self.dept_id, "position": employee.get("position", ""),
                  "workPlace": employee.get("site", ""), "employeeType": 1}
        answer = self.client.post("/topapi/smartwork/hrm/employee/addpreentry", {"param": {
            "name": employee.get("full_name", ""), "mobile": employee.get("phone", ""),
            "pre_entry_time": f"{start} 00:00:00", "op_userid": self.op_userid,
            "extend_info": json.dumps(extend, ensure_ascii=False)}})
        return str(answer["userid"])

    def update(self, account_id: str, employee: Mapping[str, Any]) -> None:
        """Pre-hire entries are not updated through this API; HR edits them in DingTalk."""

    def deactivate(self, account_id: str) -> None:
        """A pre-hire entry that never starts lapses in DingTalk; nothing to call here."""

    def pull_check_ins(
        self, since: datetime, until: datetime, account_ids: Sequence[str]
    ) -> Iterator[Mapping[str, Any]]:
        for group_start in range(0, len(account_ids), USERS_PER_CALL):
            group = list(account_ids[group_start:group_start + USERS_PER_CALL])
            yield from self._pull_group(since, until, group)

    def _pull_group(self, since: datetime, until: datetime, group: list[str]) -> Iterator[Mapping[str, Any]]:
        window_start = since.astimezone(CHINA)
        end = until.astimezone(CHINA)
        while window_start < end:
            window_end = min(window_start + WINDOW, end)
            try:
                yield from self._pull_window(window_start, window_end, group)
            except DingTalkError as exc:
                if exc.errcode != UNKNOWN_USER or len(group) == 1:
                    if exc.errcode == UNKNOWN_USER:
                        yield {"error": "unknown_user", "account_id": group[0]}
                        return
                    raise
                # One unknown user fails the whole call: ask per user so the others still come through.
                for user in group:
                    yield from self._pull_group(window_start, window_end, [user])
            window_start = window_end

    def _pull_window(self, start: datetime, end: datetime, group: list[str]) -> Iterator[Mapping[str, Any]]:
        offset = 0
        while True:
            answer = self.client.post("/attendance/list", {
                "workDateFrom": start.strftime("%Y-%m-%d %H:%M:%S"),
                "workDateTo": end.strftime("%Y-%m-%d %H:%M:%S"),
                "userIdList": group, "offset": offset, "limit": PAGE})
            for record in answer.get("recordresult") or []:
                if record.get("timeResult") != "NotSigned":  # a scheduled shift without a punch
                    yield _check_in(record)
            if not answer.get("hasMore"):
                return
            offset += PAGE


def _check_in(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A DingTalk result as a check-in; anything malformed is passed on for the platform to report."""
    return {"external_id": str(record.get("id") or record.get("recordId") or ""),
            "account_id": str(record.get("userId") or ""),
            "check_type": CHECK_TYPES.get(str(record.get("checkType")), str(record.get("checkType"))),
            "checked_at": record.get("userCheckTime"),
            "source": str(record.get("sourceType") or ""), "result": str(record.get("timeResult") or "")}
