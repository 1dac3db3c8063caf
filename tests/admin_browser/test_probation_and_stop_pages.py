"""Probation attendance, the stop button and dead letters in Chromium on a 360 px phone screen: the pages never
scroll sideways, every field is reached by its label, and the forms work from the keyboard.

The app is served in-process (werkzeug on a free port, the test's SQLite database) with a new hire, an analysed
interview and a dead letter seeded through the core's models; screenshots go to ``test-artifacts/admin``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from admin.probation_seeding import seed_new_hire
from admin.seeding import seed_reviewable
from sqlalchemy import select
from werkzeug.serving import make_server

from candor.attendance.models import ProbationRules
from candor.db import utcnow
from candor.outbox.models import OutboxEvent, OutboxState
from candor.review.models import Suspension
from candor.state import get_state
from candor.testing import STAFF_PASSWORD

from .conftest import _chromium_missing
from .test_admin_flow import _no_sideways_scroll, _watch_console

pytestmark = pytest.mark.candor_backends("sqlite")


@pytest.fixture
def live(candor_app: Any) -> Iterator[str]:
    missing = _chromium_missing()
    if missing:
        pytest.skip(missing)
    server = make_server("127.0.0.1", 0, candor_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_an_administrator_uses_the_pages_on_a_phone(live: str, browser: Any, artifacts: Path, candor_app: Any,
                                                     make_staff: Any) -> None:
    hire = seed_new_hire(candor_app, full_name="Li Wei")
    seeded = seed_reviewable(candor_app)
    with get_state(candor_app).db.transaction() as session:
        session.add(OutboxEvent(idempotency_key="evt_browser_dead", event_type="decision.made",
                                subject=f"candidate:{seeded['candidate_id']}", plugin="webhooks",
                                connector="webhooks", data={}, state=OutboxState.DEAD, attempts=8,
                                last_error="HTTP 503 from the receiver after the eighth attempt", dead_at=utcnow()))
    admin = make_staff("admin")
    page = browser.new_page()
    problems = _watch_console(page)
    page.goto(f"{live}/admin/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live}/admin/")

    page.get_by_role("link", name="Probation attendance").click()
    page.wait_for_url(f"{live}/admin/probation")
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "01-probation-list-360.png", full_page=True)
    page.get_by_role("link", name="Li Wei").click()
    page.wait_for_url(f"{live}/admin/probation/{hire['employee_id']}")
    _no_sideways_scroll(page)
    # Every rules field is found by its label; the form is sent from the keyboard.
    page.get_by_label("Grace (minutes)", exact=True).fill("abc")
    page.get_by_label("Late days allowed").fill("2")
    page.get_by_label("Saturday").check()
    page.get_by_label("Work starts (local time, HH:MM)").fill("08:30")
    page.get_by_label("Documented penalties (shown, never applied)").fill("A talk with the manager.")
    page.get_by_role("button", name="Save as a new version").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("#err-grace_minutes").inner_text() == "A whole number from 0 to 240."
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "02-probation-refused-360.png", full_page=True)
    page.get_by_label("Grace (minutes)", exact=True).fill("10")
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_url(f"{live}/admin/probation/{hire['employee_id']}")
    assert "Probation rules saved as version 2 of standard" in page.locator(".flash.ok").inner_text()
    with get_state(candor_app).db.transaction() as session:
        newest = session.scalar(select(ProbationRules).order_by(ProbationRules.id.desc()))
        assert (newest.version, newest.work_start, newest.grace_minutes, newest.work_days) == (
            2, "08:30", 10, [1, 2, 3, 4, 5, 6])
    page.screenshot(path=artifacts / "03-probation-employee-360.png", full_page=True)

    page.get_by_role("link", name="Stop AI evaluation").click()
    page.wait_for_url(f"{live}/admin/suspensions")
    _no_sideways_scroll(page)
    page.get_by_label("one job", exact=True).check()
    page.get_by_label("Job (when suspending for one job)").select_option(str(seeded["job_id"]))
    page.get_by_label("What to stop").select_option("")
    page.get_by_label("Reason (kept, and shown to reviewers)").fill("Waiting for the bias audit.")
    page.get_by_role("button", name="Suspend now").click()
    page.wait_for_url(f"{live}/admin/suspensions")
    assert "is in force" in page.locator(".flash.ok").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "04-suspended-360.png", full_page=True)
    with get_state(candor_app).db.transaction() as session:
        suspension_id = session.scalar(select(Suspension.id))
    page.get_by_role("button", name=f"Lift suspension {suspension_id}").click()
    page.wait_for_url(f"{live}/admin/suspensions")
    assert "lifted" in page.locator(".flash.ok").inner_text()

    page.get_by_role("link", name="Dead letters").click()
    page.wait_for_url(f"{live}/admin/outbox")
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "05-dead-letters-360.png", full_page=True)
    page.get_by_role("button", name="Retry event").first.click()
    page.wait_for_url(f"{live}/admin/outbox")
    assert "queued for delivery again" in page.locator(".flash.ok").inner_text()
    # The refused form answers 422 on purpose (the page shows why); Chromium logs every 4xx document.
    assert [p for p in problems if "status of 422" not in p] == [], problems
