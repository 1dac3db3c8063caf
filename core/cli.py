"""The ``candor`` command line, built on Flask's CLI so plugins can add commands to ``app.cli``.

Each command loads the app through ``create_app`` like the web server does. Configuration and plugin errors
end the command with their message, never a traceback.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import signal
import subprocess
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from candor import audit
from candor.app import create_app
from candor.audit.cli import audit_group
from candor.config import ConfigError
from candor.dsar.cli import dsar_group
from candor.imports.cli import import_group
from candor.ops.cli import backup_command, restore_command
from candor.plugins import PluginError
from candor.policy import PolicyError
from candor.policy.cli import policies_group
from candor.questions.cli import questions_group
from candor.records.cli import records_group
from candor.recruiting.cli import ehr_group
from candor.redaction.cli import redact_command
from candor.retention.cli import retention_group
from candor.state import CandorState, get_state
from candor.vault.cli import keys_group


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _state() -> CandorState:
    return get_state(_app())


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False,
             add_version_option=False, load_dotenv=False, set_debug_flag=False)
def cli() -> None:
    """Candor: self-hosted AI job interviews with compliance in the core."""


# Flask's --app, --env-file and --debug options mean nothing here: the app is always create_app().
cli.params[:] = [param for param in cli.params if param.name not in {"app", "env_file", "debug"}]


# --- setup and serving ------------------------------------------------------------------------------------


@cli.command("init")
@click.option("--demo", is_flag=True, help="Also seed a demo organisation, job and interview, and print its link.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Prepare this installation: data folder, keys, database schema and a first administrator."""
    from candor.auth.models import Role, User
    from candor.db import migrate

    state = _state()
    upgraded = migrate.upgrade(state)
    click.echo(f"Database ready ({state.db.engine.dialect.name}); "
               f"{'upgraded: ' + ', '.join(upgraded) if upgraded else 'schema already current'}.")
    with state.db.transaction() as session:
        has_users = session.scalar(select(func.count()).select_from(User))
    if not has_users:
        email = os.environ.get("CANDOR_ADMIN_EMAIL", "admin@example.com")
        password = secrets.token_urlsafe(12)
        _create_user(email, password, Role.ADMIN)
        click.echo(f"First administrator: {email} with password {password}\n"
                   "  (shown once; change it after signing in, or create your own with candor users create-admin)")
    if demo:
        from candor.demo import seed_demo

        with state.db.transaction() as session:
            seeded = seed_demo(state, session)
        click.echo(f"Demo interview ({seeded.questions} questions), open as the candidate:\n  {seeded.link}\n"
                   "  (a new link each start; the admin pages show it in the review queue when it is done)")


@cli.command("demo")
@click.option("--questions", default=2, show_default=True, type=click.IntRange(1, 5))
def demo_command(questions: int) -> None:
    """Take the demo interview as a synthesized candidate (piper voice, packaged face) and print the report."""
    from candor.demo.media import DemoMediaMissing
    from candor.demo.run import take_demo_interview

    state = _state()
    expected = questions * 7 + 6  # units of work and uploads per answer, and the conclusion: a rough count
    with click.progressbar(length=expected, label="Demo interview", show_pos=False, width=30) as bar:
        def step(message: str) -> None:
            bar.update(1)
            bar.label = f"Demo interview: {message.strip()[:50]:<50}"
        try:
            report = take_demo_interview(state, progress=step, questions=questions)
        except DemoMediaMissing as exc:
            raise click.ClickException(str(exc)) from None
        bar.update(expected)
    click.echo(f"\nInterview {report.interview_id}: AI recommendation {report.recommendation}"
               f" (confidence {report.confidence if report.confidence is not None else 'n/a'}); a person decides.")
    click.echo(f"Why: {report.explanation}")
    for number, answer in enumerate(report.answers, start=1):
        label = "follow-up" if answer["follow_up"] else "question"
        click.echo(f"\n{number}. {label}: {answer['question']}\n   {answer['duration_s']} s; heard: "
                   f"{answer['transcript'] or '(no transcript)'}")
        for analysis in answer["analyses"]:
            extra = f", score {analysis['score']}" if analysis["score"] is not None else ""
            flags = f", flags {', '.join(analysis['flags'])}" if analysis["flags"] else ""
            click.echo(f"   - {analysis['analyzer']} {analysis['version']} [{analysis['model'] or '-'}]: "
                       f"{analysis['state']} in {analysis['seconds']} s{extra}{flags}")
    click.echo("\nSeconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Also start a task worker (the embedded default).")
@with_appcontext
def run_command(host: str, port: int, threads: int, worker: bool) -> None:
    """Serve the web app with a production WSGI server, and a worker beside it."""
    import waitress

    from candor.db.migrate import pending_histories
    from candor.serving import waitress_options

    pending = pending_histories(_state())
    if pending:
        raise click.ClickException(f"The database schema is behind ({', '.join(pending)}). Run: candor db upgrade")
    child = None
    if worker:
        child = subprocess.Popen([sys.executable, "-m", "candor.cli", "worker"], env=os.environ.copy(),
                                 preexec_fn=_die_with_parent if sys.platform == "linux" else None)  # noqa: PLW1509
    # SIGTERM (a service manager stopping us) must run the ``finally`` below, which stops the worker too.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for display
    click.echo(f"Candor is running. Open http://{shown_host}:{port}/admin/  (Ctrl+C stops it)")
    try:
        waitress.serve(_app(), host=host, port=port, threads=threads, ident="candor", _quiet=True,
                       **waitress_options())
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def _die_with_parent() -> None:
    """In the worker child: the kernel sends it SIGTERM when ``candor run`` dies, even by SIGKILL."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@cli.command("worker")
@click.option("--concurrency", type=int, default=None, help="Worker processes (default: the setting).")
@click.option("--pool", type=click.Choice(["prefork", "solo", "threads"]), default="prefork", show_default=True)
@with_appcontext
def worker_command(concurrency: int | None, pool: str) -> None:
    """Run a task worker: executes queued units of work and recovers abandoned ones."""
    from candor.tasks.worker import start_worker

    start_worker(_app(), concurrency=concurrency, pool=pool)


# --- database ---------------------------------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Database schema: migrations of the core and of plugins that own tables."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every pending migration (core first, then each plugin's history)."""
    from candor.db import migrate

    upgraded = migrate.upgrade(_state())
    click.echo(f"Upgraded: {', '.join(upgraded)}." if upgraded else "Already up to date.")


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail when the models and the migrations disagree (a migration is missing)."""
    from candor.db import migrate

    problems = {name: diffs for name, diffs in migrate.differences(_state()).items() if diffs}
    if problems:
        for name, diffs in problems.items():
            click.echo(f"{name}: {len(diffs)} difference(s)")
            for diff in diffs:
                click.echo(f"  {diff}")
        raise click.ClickException("Models and migrations disagree: write a migration (candor db revision).")
    click.echo("Models and migrations agree.")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--history", default="core", show_default=True, help="'core' or a plugin's name.")
@with_appcontext
def db_revision(message: str, history: str) -> None:
    """Write a migration from the difference between the models and the database (for developers)."""
    from candor.db import migrate

    migrate.revision(_state(), message, history)


# --- plugins and diagnostics ------------------------------------------------------------------------------


@cli.group("plugins")
def plugins_group() -> None:
    """Installed plugins."""


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as GET /api/v1/plugins does.")
@with_appcontext
def plugins_list(as_json: bool) -> None:
    """Show every installed plugin, whether it is enabled, and what it declares."""
    plugins = _state().plugins.all()
    if as_json:
        click.echo(json.dumps([p.to_public_dict() for p in plugins], indent=2))
        return
    for info in plugins:
        mark = "enabled " if info.enabled else "disabled"
        title = info.declaration.title if info.declaration else "(not loaded)"
        kind = "built-in" if info.builtin else info.distribution
        click.echo(f"{mark}  {info.name:<20} {info.version:<12} {kind:<16} {title}")
        if info.declaration is not None and info.declaration.capabilities:
            click.echo(f"          capabilities: {', '.join(sorted(info.declaration.capabilities))}")


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def doctor(as_json: bool) -> None:
    """Check the installation: database, schema, broker, storage, keys and each plugin's own checks."""
    from candor.health.checks import run_checks
    from candor.interfaces import CheckStatus

    outcomes = run_checks(_app())
    if as_json:
        click.echo(json.dumps([o.to_dict() for o in outcomes], indent=2))
    else:
        for outcome in outcomes:
            result = outcome.result
            colour = {"ok": "green", "warning": "yellow", "failed": "red"}[result.status.value]
            label = click.style(f"{result.status.value.upper():<8}", fg=colour)
            click.echo(f"{label}{outcome.name:<14} {result.detail}  [{outcome.plugin}]")
            if result.hint and result.status != CheckStatus.OK:
                click.echo(f"{'':<22} -> {result.hint}")
    if any(o.result.status == CheckStatus.FAILED for o in outcomes):
        sys.exit(1)


# --- users and tokens -------------------------------------------------------------------------------------


@cli.group("users")
def users_group() -> None:
    """Staff accounts."""


def _create_user(email: str, password: str, role: Any) -> None:
    from candor.auth.models import User
    from candor.auth.passwords import WeakPassword, hash_password

    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("give an e-mail address", param_hint="--email")
    try:
        password_hash = hash_password(password)
    except WeakPassword as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None
    with _state().db.transaction() as session, audit.acting_as("system:cli"):
        if session.scalar(select(User).where(User.email == email)) is not None:
            raise click.ClickException("A user with that e-mail exists already.")
        user = User(email=email, password_hash=password_hash, role=role)
        session.add(user)
        session.flush()
        audit.record(session, "admin.user_create", f"user:{user.id}", purpose="administration",
                     details={"role": str(role)})


@users_group.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@with_appcontext
def create_admin(email: str, password: str | None) -> None:
    """Create an administrator."""
    from candor.auth.models import Role

    _create_user(email, password or _prompt_password(), Role.ADMIN)
    click.echo("Administrator created.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "recruiter", "reviewer", "auditor"]), required=True)
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@with_appcontext
def create_user(email: str, role: str, password: str | None) -> None:
    """Create a staff user with one role."""
    from candor.auth.models import Role

    _create_user(email, password or _prompt_password(), Role(role))
    click.echo(f"User created with role {role}.")


def _prompt_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise click.UsageError("No password given: pass --password or type it on standard input.")
        return line
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise click.UsageError("The two passwords differ.")
    return first


@cli.group("tokens")
def tokens_group() -> None:
    """API tokens for integrations."""


@tokens_group.command("create")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", required=True, help="What will use it, e.g. 'SuccessFactors sync'.")
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat for each scope.")
@click.option("--days", type=int, default=90, show_default=True)
@with_appcontext
def create_token_command(email: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Create a scoped, expiring API token and print it once."""
    from candor.auth.models import User
    from candor.auth.tokens import TokenError, create_token

    with _state().db.transaction() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException("No user with that e-mail.")
        try:
            plaintext, token = create_token(session, user, name, scopes, days)
        except TokenError as exc:
            raise click.ClickException(str(exc)) from None
        with audit.acting_as("system:cli"):
            audit.record(session, "admin.token_create", f"token:{token.id}", purpose="administration",
                         details={"user": user.id, "scopes": token.scopes})
        expires = token.expires_at.date().isoformat()
    click.echo(plaintext)
    click.echo(f"(expires {expires}; store it now, it is not shown again)", err=True)


cli.add_command(policies_group)
cli.add_command(questions_group)
cli.add_command(redact_command)
cli.add_command(audit_group)
cli.add_command(keys_group)
cli.add_command(dsar_group)
cli.add_command(retention_group)
cli.add_command(records_group)
cli.add_command(import_group)
cli.add_command(ehr_group)
cli.add_command(backup_command)
cli.add_command(restore_command)


def main() -> None:
    # Files this process creates (database, media, keys, logs) are for its own user only.
    os.umask(0o077)
    try:
        cli.main(prog_name="candor")
    except (ConfigError, PluginError, PolicyError) as exc:
        click.echo(f"candor: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
