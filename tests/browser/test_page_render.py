"""The page as the server renders it, before any script runs: its language, what a bad link says, and that
it keeps to the app's Content-Security-Policy (no inline script or handlers, only data blocks)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from candor.db import utcnow
from candor.interviews.page_text import TEXT, choose_language
from candor.state import get_state

from .seeding import seed_interview


def test_both_languages_have_every_string_with_the_same_placeholders() -> None:
    english, chinese = TEXT["en"], TEXT["zh-CN"]
    assert set(english) == set(chinese)
    for key in english:
        assert set(re.findall(r"\{\w+\}", english[key])) == set(re.findall(r"\{\w+\}", chinese[key])), key


def test_language_comes_from_the_query_then_the_interview_then_the_browser() -> None:
    assert choose_language("zh-CN", "en", ["en"]) == "zh-CN"
    assert choose_language("xx", "zh", ["en"]) == "zh-CN"
    assert choose_language(None, None, ["fr", "zh-Hans-CN", "en"]) == "zh-CN"
    assert choose_language(None, None, ["fr"]) == "en"


def test_the_page_follows_the_interview_language_and_keeps_to_the_policy(candor_app, candor_client) -> None:
    token = seed_interview(candor_app, language="zh-CN")["token"]
    response = candor_client.get(f"/interview?t={token}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and TEXT["zh-CN"]["notice_title"] in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('type="application/json"' in attrs or not body.strip() for attrs, body in scripts), scripts
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers are refused by the policy"
    assert token not in html  # the token stays in the address bar only until the script moves it

    # The switch to the other language, and the browser's own preference without a link.
    assert '<html lang="en">' in candor_client.get("/interview?lang=en").get_data(as_text=True)
    chinese = candor_client.get("/interview", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in chinese.get_data(as_text=True)
    assert candor_client.get("/interview/static/interview.js").status_code == 200


def test_a_link_that_cannot_open_says_why_without_the_script(candor_app, candor_client) -> None:
    from candor.interviews.links import issue_link_token
    from candor.interviews.models import Interview

    token = seed_interview(candor_app)["token"]
    broken = candor_client.get(f"/interview?t={token[:-4]}")
    assert broken.status_code == 403
    assert "This link is not valid" in broken.get_data(as_text=True)

    state = get_state(candor_app)
    with state.db.transaction() as session:
        interview = session.scalars(select(Interview)).one()
        issue_link_token(state.app_secret, interview)  # a newer link replaces this one
    replaced = candor_client.get(f"/interview?t={token}")
    assert replaced.status_code == 403 and "A newer link was sent" in replaced.get_data(as_text=True)

    with state.db.transaction() as session:
        interview = session.scalars(select(Interview)).one()
        fresh = issue_link_token(state.app_secret, interview)
        interview.expires_at = utcnow() - timedelta(minutes=1)
    expired = candor_client.get(f"/interview?t={fresh}")
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
