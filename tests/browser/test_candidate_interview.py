"""A candidate takes the interview in Debian Chromium, and the upload survives a network drop and a reload.

The browser has a fake camera (the astronaut's face) and a fake microphone (piper speaking a sentence with
distinctive words). After the page says the interview is complete, the test opens the platform's database and
checks what a reviewer relies on: every answer arrived, decrypts, decodes to the length that was recorded, its
transcript holds words that were spoken, the analyzers ran with their versions recorded, and the interview
waits for a person in the review queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from .conftest import SPOKEN_WORDS, LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

#: How long the test speaks for each answer; the recording's decoded length must match it.
ANSWER_SECONDS = 6.0
#: Timers in the browser and the recorder's start-up: the decoded length may differ this much from the
#: time between the clicks.
DURATION_TOLERANCE = 1.5


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def _shooter(page: Any, folder: Path) -> Callable[[str], None]:
    count = iter(range(1, 100))

    def shoot(name: str) -> None:
        page.screenshot(path=str(folder / f"{next(count):02d}-{name}.png"), full_page=True)
        # Nothing wider than the screen (360 px, a small phone): no sideways scrolling on any step.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"

    return shoot


def _consent_to_everything(page: Any) -> list[str]:
    from playwright.sync_api import expect

    expect(page.locator("#screen-notice")).to_be_visible()
    expect(page.locator("#notice-text h3")).not_to_have_count(0)
    page.click("#notice-continue")
    expect(page.locator("#screen-consent")).to_be_visible()
    boxes = page.locator("#consent-purposes input[type=checkbox]")
    purposes = [boxes.nth(i).get_attribute("name") for i in range(boxes.count())]
    return purposes


def _record(page: Any, seconds: float) -> float:
    """Answer the question on screen for ``seconds``; returns the time between starting and stopping."""
    from playwright.sync_api import expect

    expect(page.locator("#think-panel")).to_be_visible()
    page.click("#answer-now")
    expect(page.locator("#answer-panel")).to_be_visible()
    started = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    page.click("#answer-stop")
    return time.monotonic() - started


def _wait_js(page: Any, expression: str, timeout: float) -> None:
    """Poll ``expression`` in the page. (``wait_for_function`` evaluates with ``eval``, which the page's
    Content-Security-Policy rightly refuses; ``evaluate`` goes through the debugging protocol.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"{expression} stayed false for {timeout} s"
        page.wait_for_timeout(100)


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout} s; server log:\n{log.read_text()[-4000:]}")


def _server_view(server: LiveServer) -> dict[str, Any]:
    """The interview as the platform holds it: its state and, per asked question, the latest answer decrypted
    and decoded, its transcript and its analyses.

    Reading personal data appends to the audit log; on SQLite that write fails with "database is locked" when
    the running worker committed after this read began, so the read starts over, as the platform's own do.
    """
    from sqlalchemy.exc import OperationalError

    for _ in range(10):
        try:
            return _read_server_view(server)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.5)
    return _read_server_view(server)


def _read_server_view(server: LiveServer) -> dict[str, Any]:
    from candor.analysis.media import probe
    from candor.analysis.transcripts import Transcript
    from candor.interviews.models import Analysis, Answer, Candidate, Interview
    from candor.questions.models import InterviewQuestion
    from candor.state import get_state
    from candor.vault.media import decrypted_media

    app = server.app()
    state = get_state(app)
    try:
        with app.app_context(), state.db.transaction() as session:
            interview = session.get(Interview, server.seeded["interview_id"])
            subject = session.get(Candidate, interview.candidate_id).subject
            asked = session.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)
                                    .order_by(InterviewQuestion.position, InterviewQuestion.step)).all()
            questions = []
            for question in asked:
                answers = session.scalars(select(Answer).where(Answer.interview_question_id == question.id)
                                          .order_by(Answer.attempt)).all()
                entry: dict[str, Any] = {"id": question.id, "kind": question.kind, "position": question.position,
                                         "step": question.step, "follow_up_of": question.follow_up_of_id,
                                         "answers": len(answers)}
                if answers:
                    answer = answers[-1]
                    entry.update(state=str(answer.state), received=answer.received_bytes, total=answer.total_bytes,
                                 recorded_seconds=answer.recorded_seconds)
                    if answer.media_key:
                        with decrypted_media(state, subject, answer.media_key) as path:
                            info = probe(path, need_video=True, max_seconds=3600)
                        entry.update(duration=info.duration, video=info.video_codec, audio=info.audio_codec,
                                     width=info.width, height=info.height)
                    transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
                    entry["transcript"] = transcript.full_text if transcript else None
                    entry["analyses"] = [
                        {"analyzer": a.analyzer, "plugin": a.plugin, "version": a.plugin_version, "state": a.state}
                        for a in session.scalars(select(Analysis).where(Analysis.answer_id == answer.id))]
                questions.append(entry)
            return {"state": str(interview.state), "questions": questions}
    finally:
        state.db.dispose()


def test_a_candidate_takes_the_whole_interview(browser: Any, live_server: LiveServer, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = browser.pages[0] if browser.pages else browser.new_page()
    errors = _console_errors(page)
    shoot = _shooter(page, artifacts)
    page.goto(f"{live_server.base_url}/interview?t={live_server.seeded['token']}")

    # 1. The notice; the token has left the address bar.
    expect(page.locator("#screen-notice")).to_be_visible()
    assert "t=" not in page.url and live_server.seeded["token"] not in page.url
    expect(page.locator("#job-title")).to_have_text("Billing Systems Engineer")
    shoot("notice")

    # 2. Consent: nothing ticked for the candidate; the biometric choice is separate when it is asked.
    purposes = _consent_to_everything(page)
    assert "recruitment" in purposes or "ai_evaluation" in purposes, purposes
    boxes = page.locator("#consent-purposes input[type=checkbox]")
    assert all(not boxes.nth(i).is_checked() for i in range(boxes.count()))
    if "biometric_analysis" in purposes:
        expect(page.locator("#consent-biometric_analysis")).not_to_be_checked()
        assert "separate" in page.locator("#consent-biometric_analysis").locator("xpath=..").get_attribute("class")
    expect(page.locator("label[for=alternative-process]")).to_be_visible()
    for i in range(boxes.count()):
        boxes.nth(i).check()
    shoot("consent")
    page.click("#consent-submit")

    # 3. Device check: a live picture and a moving level meter.
    expect(page.locator("#screen-device")).to_be_visible()
    shoot("device-check-start")
    page.click("#device-start")
    expect(page.locator("#device-continue")).to_be_visible(timeout=15_000)
    _wait_js(page, "document.getElementById('device-preview').videoWidth > 0", 10)
    assert page.evaluate("document.getElementById('device-level').value") > 0
    shoot("device-check")
    page.click("#device-continue")

    # 4. Practice: recorded and played back here, never sent.
    expect(page.locator("#screen-practice")).to_be_visible()
    uploads_before_practice = []
    page.on("request", lambda request: uploads_before_practice.append(request.url)
            if "/answers" in request.url else None)
    page.click("#practice-record")
    page.wait_for_timeout(2000)
    page.click("#practice-stop")
    expect(page.locator("#practice-playback")).to_be_visible()
    _wait_js(page, "document.getElementById('practice-playback').readyState >= 1", 10)
    shoot("practice")
    assert uploads_before_practice == [], "the practice answer must not be uploaded"
    page.click("#practice-done")

    # 5-7. The questions in order, with the follow-up right after the question it follows.
    asked: list[dict[str, Any]] = []
    for _ in range(6):
        _wait_js(page, "!document.getElementById('screen-question').hidden && "
                       "!document.getElementById('think-panel').hidden || "
                       "!document.getElementById('screen-done').hidden", 90)
        if page.locator("#screen-done").is_visible():
            break
        text = page.text_content("#question-text")
        follow_up = page.locator("#question-kind").is_visible()
        shoot(f"question-{len(asked) + 1}")
        seconds = _record(page, ANSWER_SECONDS)
        expect(page.locator("#upload-panel")).to_be_visible()
        expect(page.locator("#question-next")).to_be_visible(timeout=30_000)
        assert page.evaluate("document.getElementById('upload-progress').value") == 1
        shoot(f"answer-{len(asked) + 1}-sent")
        asked.append({"text": text, "follow_up": follow_up, "seconds": seconds})
        page.click("#question-next")
    expect(page.locator("#screen-done")).to_be_visible(timeout=90_000)
    shoot("done")
    page.set_viewport_size({"width": 1280, "height": 800})
    shoot("done-desktop")

    # 8. Completion: what happens next and the withdrawal link.
    assert page.get_attribute("#done-withdraw", "href").startswith("/candidate/withdraw?t=")
    expect(page.locator("#done-contact")).to_contain_text("privacy@prairie.example")

    seeded = live_server.seeded["questions"]
    assert [q["text"] for q in asked if not q["follow_up"]] == seeded
    # Question 1's answer is short for its two minutes: its follow-up comes right after it. Question 2's is
    # long enough for ten seconds and names a result: none.
    assert [q["follow_up"] for q in asked] == [False, True, False]
    assert errors == [], errors

    # The platform's side: analysed, in the review queue, every answer whole.
    view = _wait_for(lambda: (v := _server_view(live_server))["state"] == "awaiting_review" and v,
                     90, "the interview reaching the review queue", live_server.log)
    (artifacts / "server-view.json").write_text(json.dumps({"page": asked, "server": view}, indent=2, default=str))
    answered = [q for q in view["questions"] if q["answers"]]
    assert len(answered) == len(asked), view
    assert [(q["kind"], q["follow_up_of"]) for q in answered] == [
        ("behavioural", None), ("follow_up", answered[0]["id"]), ("behavioural", None)]
    for on_page, stored in zip(asked, answered, strict=True):
        assert stored["state"] == "analysed", stored
        assert stored["received"] == stored["total"] > 0
        assert (stored["video"], stored["audio"]) == ("vp8", "opus")
        assert abs(stored["duration"] - on_page["seconds"]) <= DURATION_TOLERANCE, (stored, on_page)
        heard = [w for w in SPOKEN_WORDS if w in (stored["transcript"] or "").lower()]
        assert len(heard) >= 2, (stored, live_server.log.read_text()[-6000:])
        assert any(a["state"] == "done" for a in stored["analyses"]), stored["analyses"]
        for analysis in stored["analyses"]:
            assert analysis["version"] and analysis["state"] in {"done", "skipped"}, analysis


def test_an_upload_resumes_after_the_network_drops_and_the_page_reloads(browser: Any, live_server: LiveServer,
                                                                          artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = browser.pages[0] if browser.pages else browser.new_page()
    shoot = _shooter(page, artifacts)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url)
            if request.method == "POST" and request.url.endswith("/answers") else None)
    page.goto(f"{live_server.base_url}/interview?t={live_server.seeded['token']}")
    _consent_to_everything(page)
    for box in page.locator("#consent-purposes input[type=checkbox]").all():
        box.check()
    page.click("#consent-submit")
    page.click("#device-start")
    expect(page.locator("#device-continue")).to_be_visible(timeout=15_000)
    page.click("#device-continue")
    page.click("#practice-skip")

    # The first piece gets through; every later one fails until the network comes back.
    pieces = {"sent": 0, "cut": 0}
    cut = {"on": True}

    def network(route: Any) -> None:
        if route.request.method == "PUT" and (pieces["sent"] == 0 or not cut["on"]):
            pieces["sent"] += 1
            route.continue_()
        else:
            pieces["cut"] += 1
            route.abort("internetdisconnected")

    browser.route("**/api/v1/candidate/answers/*/content", network)
    seconds = _record(page, 8.0)
    expect(page.locator("#upload-status")).to_contain_text("connection dropped", timeout=15_000)
    assert 0 < page.evaluate("document.getElementById('upload-progress').value") < 1
    shoot("upload-interrupted")

    browser.set_offline(True)
    expect(page.locator("#upload-status")).to_contain_text("offline", timeout=20_000)
    shoot("upload-offline")
    browser.set_offline(False)

    # A reload while the upload still cannot get through: the recording waits in IndexedDB.
    page.reload()
    expect(page.locator("#screen-resume")).to_be_visible()
    expect(page.locator("#resume-status")).to_contain_text("connection dropped", timeout=15_000)
    shoot("upload-after-reload")
    cut["on"] = False
    expect(page.locator("#screen-device")).to_be_visible(timeout=30_000)
    shoot("upload-resumed")
    assert pieces["cut"] >= 2 and pieces["sent"] >= 2, pieces
    assert len(posts) == 1, "the resumed upload continues the same answer, it does not start another"

    view = _server_view(live_server)
    first = view["questions"][0]
    assert first["answers"] == 1
    assert first["state"] in {"uploaded", "processing", "analysed"}, first
    assert first["received"] == first["total"] > 0
    assert abs(first["duration"] - seconds) <= DURATION_TOLERANCE, (first, seconds)
