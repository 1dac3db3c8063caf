"""The plugin API: every hook a Candor plugin may implement, typed and documented, grouped by concern.

This module is the contract with plugin authors. Arguments may be added; none is ever renamed or removed.
Hooks are synchronous. Registration hooks (``candor_register_*``) are called once per plugin so that the core
knows whose object it holds; it then calls those objects only through the purpose gate. Every hook here is
described in ``docs/plugins.md`` (a test fails otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask

    from candor.declarations import PluginDeclaration
    from candor.interfaces import (
        Analyzer,
        AttendanceAdapter,
        CodeRunner,
        DoctorCheck,
        EhrConnector,
        KeyProvider,
        Notifier,
        PayrollCalculator,
        QuestionGenerator,
        StorageBackend,
        WorkHandler,
    )

hookspec = pluggy.HookspecMarker("candor")

# --- declaration and lifecycle ----------------------------------------------------------------------------


@hookspec
def candor_declare() -> PluginDeclaration:
    """Say what the plugin is. Required of every plugin.

    :returns: the plugin's ``PluginDeclaration``: name, title, capabilities, data categories, purposes,
        settings, limits, accuracy and the tables it owns. The core refuses to start on an invalid one.
    """


@hookspec
def candor_startup(app: Flask, settings: Mapping[str, Any]) -> None:
    """Called once after every enabled plugin is loaded and the app is configured.

    :param app: the Flask application.
    :param settings: this plugin's resolved settings (defaults merged with configuration).
    """


# --- analysis ---------------------------------------------------------------------------------------------


@hookspec
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    """Offer analyzers (speech-to-text, delivery, video cues, scoring).

    :param settings: this plugin's resolved settings.
    :returns: ``Analyzer`` objects; each runs only for purposes the candidate consented to.
    """


# --- questions --------------------------------------------------------------------------------------------


@hookspec
def candor_register_question_generators(settings: Mapping[str, Any]) -> Sequence[QuestionGenerator]:
    """Offer question generators, which write questions for a job and follow-ups after answers.

    :param settings: this plugin's resolved settings.
    :returns: ``QuestionGenerator`` objects. Those that also have ``personalise`` (``PersonalisingGenerator``)
        are asked for targeted questions from a redacted resume, only with consent for ``personalisation``.
    """


@hookspec
def candor_register_competency_libraries(settings: Mapping[str, Any]) -> Sequence[Path]:
    """Offer competency library files (YAML) that extend the built-in library.

    :param settings: this plugin's resolved settings.
    :returns: paths of YAML files in the library format (see ``candor.questions.library``); loaded after the
        built-in library and before the organisation's ``competency_dirs``.
    """


# --- skill tasks ------------------------------------------------------------------------------------------


@hookspec
def candor_register_code_runners(settings: Mapping[str, Any]) -> Sequence[CodeRunner]:
    """Offer sandboxes that run candidate code against hidden tests, one language each.

    :param settings: this plugin's resolved settings.
    :returns: ``CodeRunner`` objects; the core picks one by the question's language. A runner must contain
        hostile code (time, memory, processes, output, network, files) and report why a run was stopped.
    """


# --- HR systems and attendance ----------------------------------------------------------------------------


@hookspec
def candor_register_ehr_connectors(settings: Mapping[str, Any]) -> Sequence[EhrConnector]:
    """Offer connectors to HR systems (EHR/HRIS/ATS).

    :param settings: this plugin's resolved settings.
    :returns: ``EhrConnector`` objects; the declaration's ``region`` governs cross-border transfer.
    """


@hookspec
def candor_register_attendance_adapters(settings: Mapping[str, Any]) -> Sequence[AttendanceAdapter]:
    """Offer adapters to attendance systems.

    :param settings: this plugin's resolved settings.
    :returns: ``AttendanceAdapter`` objects.
    """


@hookspec
def candor_register_payroll_calculators(settings: Mapping[str, Any]) -> Sequence[PayrollCalculator]:
    """Offer calculators of probation pay from a hire's position, pay terms and probation rules.

    :param settings: this plugin's resolved settings.
    :returns: ``PayrollCalculator`` objects; the first whose ``probation_pay`` returns a result is used, and
        the result goes to the HR systems in the ``onboarding.started`` event.
    """


# --- notifications ----------------------------------------------------------------------------------------


@hookspec
def candor_register_notifiers(settings: Mapping[str, Any]) -> Sequence[Notifier]:
    """Offer channels that deliver messages to candidates and staff (e-mail, SMS).

    :param settings: this plugin's resolved settings.
    :returns: ``Notifier`` objects.
    """


# --- personal data recognition ----------------------------------------------------------------------------


@hookspec
def candor_register_pii_recognizers(language: str, settings: Mapping[str, Any]) -> Sequence[Any]:
    """Offer extra recognizers for the redaction service.

    :param language: ``"en"`` or ``"zh"``.
    :param settings: this plugin's resolved settings.
    :returns: presidio ``EntityRecognizer`` objects for that language.
    """


# --- storage and keys -------------------------------------------------------------------------------------


@hookspec
def candor_register_storage_backends(settings: Mapping[str, Any], data_dir: Path) -> Sequence[StorageBackend]:
    """Offer places to keep encrypted media (local folders, object stores).

    :param settings: this plugin's resolved settings.
    :param data_dir: the installation's data folder.
    :returns: ``StorageBackend`` objects; the configured one is chosen by name.
    """


@hookspec
def candor_register_key_providers(settings: Mapping[str, Any], data_dir: Path) -> Sequence[KeyProvider]:
    """Offer key providers that hold key-encryption keys (a key-ring file, an external KMS).

    :param settings: this plugin's resolved settings.
    :param data_dir: the installation's data folder.
    :returns: ``KeyProvider`` objects; the configured one is chosen by name.
    """


# --- background work --------------------------------------------------------------------------------------


@hookspec
def candor_register_work_handlers(settings: Mapping[str, Any]) -> Mapping[str, WorkHandler]:
    """Offer handlers for durable units of work run by the task queue.

    :param settings: this plugin's resolved settings.
    :returns: a mapping from work kind (``"<plugin name>.<verb>"``) to a handler. A handler must be
        idempotent: after a crash it may run again. Its database writes commit together with the unit's
        completion.
    """


# --- web and command-line extensions ----------------------------------------------------------------------


@hookspec
def candor_register_blueprints(settings: Mapping[str, Any]) -> Sequence[Blueprint]:
    """Add pages or API endpoints.

    :param settings: this plugin's resolved settings.
    :returns: Flask blueprints whose ``url_prefix`` is ``/plugins/<plugin name>``. Every view must declare
        its access with ``candor.auth.requires`` or ``candor.auth.public`` or the app refuses to start.
    """


@hookspec
def candor_register_commands(cli: click.Group, settings: Mapping[str, Any]) -> None:
    """Add commands to the ``candor`` command line.

    :param cli: the group to add commands to; name them after the plugin.
    :param settings: this plugin's resolved settings.
    """


# --- diagnostics ------------------------------------------------------------------------------------------


@hookspec
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    """Offer checks for ``candor doctor`` (and ``/readyz`` for those marked ``readiness``).

    :param settings: this plugin's resolved settings.
    :returns: ``DoctorCheck`` objects, e.g. that a model directory exists and loads.
    """
