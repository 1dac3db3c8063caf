"""``candor redact``: read text on standard input and print it with personal data replaced by its type.

For operators and auditors checking what the redaction service removes. The findings summary goes to
standard error as types and counts only.
"""

from __future__ import annotations

import sys
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("redact")
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the text.",
)
@click.option("--no-ner", is_flag=True, help="Patterns only: faster, but finds no names or places.")
@click.option("--summary", is_flag=True, help="Also print the number of findings per type on standard error.")
@with_appcontext
def redact_command(language: str, no_ner: bool, summary: bool) -> None:
    """Redact personal data from standard input (English or Chinese) and print the result."""
    from candor.redaction.redactor import redactor_for  # presidio and spaCy load only for this command

    text = sys.stdin.read()
    result = redactor_for(current_app, ner=not no_ner).redact(text, language)
    click.echo(result.text, nl=False)
    if summary:
        counts = Counter(finding.entity_type for finding in result.findings)
        click.echo(
            ", ".join(f"{name}: {count}" for name, count in sorted(counts.items())) or "nothing found",
            err=True,
        )
