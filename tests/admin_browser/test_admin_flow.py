"""The admin pages in Chromium: a reviewer signs in with the keyboard, reviews the analysed demo interview on a
360 px screen and decides; an auditor exports the signed audit bundle, which ``candor.audit.verify`` accepts
and which holds the decision; the language switches to Chinese; the page logs no console error."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

from candor.audit.verify import verify_bundle

from .conftest import PASSWORD, AdminServer


def _watch_console(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def _sign_in(page: Any, server: AdminServer, role: str) -> None:
    page.goto(f"{server.base_url}/admin/login")
    page.get_by_label("E-mail").fill(server.users[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # the keyboard submits the form
    page.wait_for_url(f"{server.base_url}/admin/")


def _no_sideways_scroll(page: Any) -> None:
    """At 360 px the page itself never scrolls sideways (wide tables scroll inside their own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at a 360 px viewport"


def _play(page: Any, url: str) -> Any:
    """Fetch an answer video as the player would. On SQLite the media view reads, then appends its audit entry
    in the same deferred transaction, so a worker's write in between makes SQLite refuse the stale snapshot
    (a 500 with "database is locked" in the server log); the player's retry is what a person would do."""
    for _attempt in range(3):
        response = page.request.get(url)
        if response.status != 500:
            return response
        time.sleep(0.5)
    return response


def test_review_decide_export_verify_and_switch_language(admin_server: AdminServer, browser: Any,
                                                         artifacts: Path) -> None:
    page = browser.new_page()
    problems = _watch_console(page)
    base = admin_server.base_url

    page.goto(f"{base}/admin/login")
    assert page.locator(":focus").get_attribute("id") == "email"  # the form is ready to type into
    page.screenshot(path=artifacts / "01-login-360.png", full_page=True)

    _sign_in(page, admin_server, "reviewer")
    page.keyboard.press("Tab")  # keyboard users reach the skip link first
    assert page.locator(":focus").inner_text() == "Skip to content"
    page.screenshot(path=artifacts / "02-dashboard-360.png", full_page=True)
    assert "1 awaiting review, 1 assigned to you." in page.inner_text("main")
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Open my queue").click()
    page.get_by_role("link", name=f"#{admin_server.interview_id}").click()
    page.wait_for_url(f"{base}/admin/interviews/{admin_server.interview_id}")
    assert page.locator("#interview-state").inner_text() == "awaiting_review"
    assert page.locator("#recommendation").count() == 1  # the AI's view is shown (blind-first is off)
    assert page.locator(".transcript").count() >= 2 and page.locator(".transcript mark").count() >= 1
    assert page.get_by_text("What the analyzers cannot do").count() == 1
    videos = page.locator("video.player")
    assert videos.count() >= 2  # the assigned reviewer may play the answers
    media = _play(page, base + videos.first.get_attribute("src"))
    assert media.status == 200 and media.headers["content-type"].startswith("video/") and len(media.body()) > 1000
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "03-interview-360.png", full_page=True)

    page.get_by_label("hold").check()
    page.get_by_label("Reason (kept, and may be explained to the candidate)").fill(
        "Clear example of a fix; ask about teamwork in a second interview.")
    page.get_by_role("button", name="Record the decision").click()
    assert page.get_by_text("Decision recorded: hold.").is_visible()
    assert page.locator("#interview-state").inner_text() == "decided"
    page.screenshot(path=artifacts / "04-decided-360.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    # The auditor exports the signed bundle and the platform's verifier accepts it.
    _sign_in(page, admin_server, "auditor")
    page.get_by_role("link", name="Audit log").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the signed bundle").click()
    bundle = artifacts / "audit-bundle.zip"
    info.value.save_as(bundle)
    report = verify_bundle(str(bundle))
    assert report.included > 0 and report.checkpoints >= 1
    with zipfile.ZipFile(bundle) as archive:
        entries = [json.loads(line) for line in archive.read("entries.jsonl").splitlines()]
    assert any(e.get("action") == "admin.review_decision" and e.get("details", {}).get("outcome") == "hold"
               for e in entries)
    page.get_by_role("button", name="Verify the whole chain now").click()
    assert page.locator("#verification").inner_text() == "The audit log verifies."
    page.go_back()

    # The auditor checks the bundle through the page too.
    page.get_by_label("Check an exported bundle").set_input_files(str(bundle))
    page.get_by_role("button", name="Check the bundle").click()
    assert page.locator("#verification").inner_text() == "The bundle verifies."
    page.go_back()

    # An auditor never sees interviews or videos.
    assert page.request.get(f"{base}/admin/interviews/{admin_server.interview_id}").status == 403

    # Chinese, from the switch in the header, and it stays on the page that was open.
    page.get_by_label("Language").select_option("zh_CN")
    page.get_by_role("button", name="Switch language").click()
    page.wait_for_url(f"{base}/admin/audit")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="审计日志", exact=True).is_visible()
    page.screenshot(path=artifacts / "05-audit-zh-360.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=artifacts / "06-audit-zh-desktop.png", full_page=True)

    assert not problems, problems
