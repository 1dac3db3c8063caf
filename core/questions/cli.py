"""``candor questions``: preview what the generators propose for a job, as JSON, without storing anything."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.questions.library import LANGUAGES, LibraryError
from candor.questions.sets import QuestionSetError, propose
from candor.state import get_state


@click.group("questions")
def questions_group() -> None:
    """Interview questions from job requirements."""


@questions_group.command("generate")
@click.option(
    "--lang", "language", type=click.Choice(LANGUAGES), required=True, help="Language of the job text."
)
@click.option("--title", required=True, help="The job title.")
@click.option(
    "--description-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="A UTF-8 text file with the job description and requirements.",
)
@with_appcontext
def generate_command(language: str, title: str, description_file: Path) -> None:
    """Print the competencies, indicators and questions the enabled generators propose for a job."""
    try:
        description = description_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.BadParameter(
            "the file is not UTF-8 text; save it as UTF-8", param_hint="--description-file"
        ) from None
    try:
        proposal = propose(get_state(current_app), {"title": title, "description": description}, language)
    except (QuestionSetError, LibraryError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(proposal.to_dict(), ensure_ascii=False, indent=2))
