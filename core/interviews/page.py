"""The candidate's interview page: ``GET /interview?t=<token>``, server-rendered, with a script that does the rest.

Owns the page's HTML, script and styles and the choice of its language. It holds no interview logic: the
script talks to the candidate API (``/api/v1/candidate/...``) with the link token in ``Authorization``. The
token arrives in the query string once; the script moves it to the tab's session storage and removes it from
the address bar, and the app logs paths only, so it lands in no log and no history. A link that cannot open
says why here already, so a candidate without a working script still learns what to do.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, request
from sqlalchemy import select

from candor.auth import public
from candor.interviews.links import LinkError, LinkProblem, resolve_link
from candor.interviews.page_text import LANGUAGES, TEXT, choose_language
from candor.jobs.models import Job
from candor.state import get_state

bp = Blueprint("candidate_page", __name__, template_folder="templates", static_folder="static",
               static_url_path="/interview/static")

API_ROOT = "/api/v1/candidate"


def _link_state(token: str) -> tuple[str | None, str | None, int]:
    """The interview's language and a problem message (with its status) for the link in the address."""
    if not token:
        return None, None, 200
    state = get_state()
    session = state.db.session
    try:
        interview = resolve_link(state.app_secret, session, token)
    except LinkError as exc:
        return None, str(exc), 410 if exc.problem == LinkProblem.EXPIRED else 403
    from candor.recruiting.invitations import refusal_before_open

    language = session.scalar(select(Job.language).where(Job.id == interview.job_id))  # the questions' language
    early = refusal_before_open(session, interview)
    return language, early, 403 if early else 200


@bp.get("/interview")
@public
def interview_page() -> Any:
    token = request.args.get("t", "")
    interview_language, problem, status = _link_state(token)
    language = choose_language(request.args.get("lang"), interview_language, request.accept_languages.values())
    text = TEXT[language]
    other = next(code for code in LANGUAGES if code != language)
    config = {"lang": language, "api": API_ROOT, "text": text, "linkProblem": problem}
    response = make_response(
        render_template("interview/page.html", language=language, text=text, other_language=other,
                        config=config, problem=problem),
        status,
    )
    # The page carries a link token in its address on first load: keep it out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response
