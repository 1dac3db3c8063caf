"""The application factory: settings, logging, database, plugins, task queue, auth and blueprints.

``create_app`` is the only way an app comes to be, in the web server, in workers, on the command line and
in tests; each builds its own plugin manager.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask

from candor import audit, http, ratelimit
from candor.analysis.pipeline import PREPARE_KIND, TRANSCRIBE_KIND, run_prepare, run_transcribe
from candor.analysis.steps import ANALYSE_KIND, run_analysis_step
from candor.attendance.pull import PULL_KIND, run_pull
from candor.auth import access
from candor.config import Settings, ensure_data_dir, load_settings, secret_key
from candor.db import Database
from candor.interfaces import Analyzer, DoctorCheck
from candor.logs import configure_logging
from candor.onboarding.messages import work_handlers as onboarding_work_handlers
from candor.onboarding.provisioning import work_handlers as provisioning_work_handlers
from candor.ops import metrics
from candor.outbox.checks import check_dead_letters
from candor.outbox.delivery import deliver
from candor.outbox.emit import DELIVER_KIND
from candor.plugins import PluginError, build_plugin_registry
from candor.policy import load_policy_set
from candor.recruiting.work import work_handlers as recruiting_work_handlers
from candor.state import CandorState, merge_named
from candor.tasks.celery_app import make_celery


def create_app(config: Settings | Mapping[str, Any] | None = None, *, plugins: Iterable[object] = ()) -> Flask:
    """Build the app.

    :param config: a ``Settings`` object, or overrides applied on top of the environment and config file.
    :param plugins: extra plugin objects to register (tests register throwaway plugins this way).
    """
    settings = config if isinstance(config, Settings) else load_settings(dict(config or {}))
    configure_logging(settings)
    ensure_data_dir(settings)

    app = Flask("candor", static_folder=None)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        TESTING=settings.testing,
        SESSION_COOKIE_NAME="candor_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )

    policies = load_policy_set(settings.policy_dirs)  # a broken pack stops startup with its PolicyError
    registry = build_plugin_registry(settings, plugins)
    db = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
    celery = make_celery(settings)
    state = CandorState(settings=settings, db=db, plugins=registry, celery=celery,
                        app_secret=app.config["SECRET_KEY"])
    state.policies = policies
    state.app = app
    app.extensions["candor"] = state
    celery.flask_app = app  # type: ignore[attr-defined]
    # Every session, per request or per unit of work, knows its app (enqueue and the vault need it).
    db.session_factory.configure(info={"candor.state": state})
    app.teardown_appcontext(db.remove_session)

    http.init_app(app)
    access.init_app(app)
    audit.init_app(app)  # after access: the acting context comes from the identity
    metrics.init_app(app)  # /metrics and request timing
    _register_core_blueprints(app)
    _collect_plugin_contributions(app, state)
    ratelimit.init_app(app, settings)  # after every blueprint: limits attach to the endpoints found
    access.verify_access_declared(app)
    return app


def _register_core_blueprints(app: Flask) -> None:
    from candor.attendance.views import bp as attendance_api
    from candor.auth.views import bp as auth_api
    from candor.consent.views import bp as consent
    from candor.dsar.views import bp as dsar
    from candor.fairness.views import bp as fairness
    from candor.health.views import bp as health
    from candor.interviews.api import bp as interview_api
    from candor.interviews.page import bp as candidate_page
    from candor.onboarding.views import bp as onboarding
    from candor.openapi import bp as openapi
    from candor.outbox.views import bp as outbox
    from candor.plugin_views import bp as plugins_api
    from candor.records.views import bp as records
    from candor.review.views import bp as review
    from candor_admin import bp as admin

    for blueprint in (health, auth_api, plugins_api, consent, review, records, fairness, dsar, outbox, admin,
                      candidate_page, interview_api):
        app.register_blueprint(blueprint)
    for blueprint in (onboarding, attendance_api, openapi):
        app.register_blueprint(blueprint)


def _collect_plugin_contributions(app: Flask, state: CandorState) -> None:
    """Ask every plugin for what it offers, check namespaces, and remember who offered what."""
    registry = state.plugins
    offered = registry.call_each("candor_register_work_handlers")
    for plugin, handlers in offered:
        for kind, handler in handlers.items():
            if not kind.startswith(f"{plugin}."):
                raise PluginError(f"Plugin {plugin!r} offers work kind {kind!r}; name it '{plugin}.<verb>'.")
            if not callable(handler):
                raise PluginError(f"Plugin {plugin!r}: the handler for work kind {kind!r} is not callable.")
    state.work_handlers.update(merge_named(offered, "work kind"))
    state.work_handlers[ANALYSE_KIND] = lambda context: run_analysis_step(state, context)
    state.work_handlers[PREPARE_KIND] = lambda context: run_prepare(state, context)
    state.work_handlers[TRANSCRIBE_KIND] = lambda context: run_transcribe(state, context)
    state.work_handlers[DELIVER_KIND] = lambda context: deliver(state, context)
    state.work_handlers[PULL_KIND] = lambda context: run_pull(state, context)
    state.work_handlers.update(recruiting_work_handlers(state))
    state.work_handlers.update(onboarding_work_handlers(state))
    state.work_handlers.update(provisioning_work_handlers(state))

    for plugin, analyzers in registry.call_each("candor_register_analyzers"):
        for analyzer in analyzers:
            if not isinstance(analyzer, Analyzer):
                raise PluginError(f"Plugin {plugin!r} offered {type(analyzer).__name__}, which is not an Analyzer.")
            if (plugin, analyzer.name) in state.analyzers:
                raise PluginError(f"Plugin {plugin!r} offers two analyzers named {analyzer.name!r}.")
            state.analyzers[(plugin, analyzer.name)] = analyzer

    state.doctor_checks.append(("core", DoctorCheck("outbox_dead_letters", check_dead_letters)))
    for plugin, checks in registry.call_each("candor_doctor_checks"):
        state.doctor_checks.extend((plugin, check) for check in checks)

    data_dir = state.settings.data_dir
    for plugin, backends in registry.call_each("candor_register_storage_backends", data_dir=data_dir):
        state.storage_backends.update(merge_named([(plugin, {b.name: b for b in backends})], "storage backend"))
    if state.settings.storage_backend not in state.storage_backends:
        raise PluginError(
            f"The storage backend {state.settings.storage_backend!r} is not offered by any enabled plugin; "
            f"offered: {', '.join(state.storage_backends) or 'none'}."
        )

    for plugin, blueprints in registry.call_each("candor_register_blueprints"):
        for blueprint in blueprints:
            _register_plugin_blueprint(app, plugin, blueprint)

    registry.call_each("candor_register_commands", cli=app.cli)
    registry.call_each("candor_startup", app=app)


def _register_plugin_blueprint(app: Flask, plugin: str, blueprint: Blueprint) -> None:
    prefix = f"/plugins/{plugin}"
    if not isinstance(blueprint, Blueprint):
        raise PluginError(f"Plugin {plugin!r} offered {type(blueprint).__name__} where a Blueprint was expected.")
    if not (blueprint.url_prefix or "").startswith(prefix):
        raise PluginError(f"Plugin {plugin!r}: blueprint {blueprint.name!r} must use url_prefix {prefix!r}.")
    app.register_blueprint(blueprint, name=f"{plugin}.{blueprint.name}")
