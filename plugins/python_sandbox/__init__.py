"""Python code runner: candidate code against hidden tests in a separate, contained process.

Layers, outermost first (see ``launch.py``, ``jail.sh`` and ``harness.py``): fresh network, mount, PID, IPC
and
UTS namespaces with a private read-only root holding only ``/usr`` and the interpreter, an empty size-limited
``/tmp``, a fresh unprivileged uid, a wall-clock deadline that kills the process group, capped output; inside,
``python -I -S``, resource limits (CPU, address space, processes, file size, open files) and an audit hook
that
refuses processes, sockets, native code and paths outside ``/tmp``. Without the privileges for namespaces, the
``process`` isolation keeps the inner layers only, and ``candor doctor`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import PluginDeclaration, Setting, hookimpl
from candor.interfaces import (
    CheckResult,
    CheckStatus,
    CodeRunner,
    CodeRunResult,
    CodeTest,
    DoctorCheck,
    SandboxLimits,
)
from candor_plugins.python_sandbox.launch import NAMESPACES, PROCESS, namespaces_available, run_sandboxed

ISOLATIONS = ("auto", NAMESPACES, PROCESS)


class SandboxUnavailable(RuntimeError):
    """The configured isolation cannot be had on this machine; the message says what to do."""


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="python_sandbox",
        title="Python code runner (sandboxed)",
        description="Runs the code a candidate writes for a coding question against hidden tests, "
        "in a separate "
        "process without network or access to other files, and reports which tests pass.",
        capabilities=frozenset({"code_execution", "diagnostics"}),
        settings=(
            Setting(
                "isolation",
                "auto",
                "namespaces (private root, no network; needs root), process (limits "
                "and audit hook only), or auto (namespaces when possible).",
            ),
            Setting("python", "", "Interpreter for submissions; empty means the one running Candor."),
            Setting("cpu_seconds", 5, "Upper bound of CPU seconds a question may set."),
            Setting("wall_seconds", 10.0, "Upper bound of elapsed seconds a question may set."),
            Setting("memory_mb", 256, "Upper bound of address space in MiB a question may set."),
        ),
        limits=(
            "Scores only what the hidden tests check; a reviewer should read the code.",
            "The submission shares its process with the test harness: a candidate who studies the harness "
            "could forge results; runs are recorded so that reviewers can rerun them.",
        ),
    )


class PythonSandbox:
    name = "python_sandbox"
    language = "python"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        isolation = str(settings.get("isolation", "auto"))
        if isolation not in ISOLATIONS:
            raise SandboxUnavailable(
                f"python_sandbox isolation {isolation!r} is unknown; use one of {', '.join(ISOLATIONS)}."
            )
        self.requested = isolation
        self.python = str(settings.get("python", ""))
        self.ceiling = SandboxLimits(
            cpu_seconds=int(settings.get("cpu_seconds", 5)),
            wall_seconds=float(settings.get("wall_seconds", 10.0)),
            memory_mb=int(settings.get("memory_mb", 256)),
        )

    @property
    def isolation(self) -> str:
        if self.requested == "auto":
            return NAMESPACES if namespaces_available() else PROCESS
        if self.requested == NAMESPACES and not namespaces_available():
            raise SandboxUnavailable(
                "python_sandbox isolation 'namespaces' needs root (or CAP_SYS_ADMIN) and "
                "util-linux unshare; run Candor's worker as root or set isolation=process."
            )
        return self.requested

    def clamp(self, limits: SandboxLimits) -> SandboxLimits:
        """A question may ask for less than the operator's ceiling, never more."""
        return SandboxLimits(
            cpu_seconds=min(limits.cpu_seconds, self.ceiling.cpu_seconds),
            wall_seconds=min(limits.wall_seconds, self.ceiling.wall_seconds),
            memory_mb=min(limits.memory_mb, self.ceiling.memory_mb),
            processes=limits.processes,
            output_kb=limits.output_kb,
            file_mb=limits.file_mb,
            open_files=limits.open_files,
        )

    def run(
        self, source: str, tests: Sequence[CodeTest], limits: SandboxLimits, *, audit_hook: bool = True
    ) -> CodeRunResult:
        if not tests:
            raise ValueError("A coding question needs at least one hidden test; add tests to the question.")
        return run_sandboxed(
            source,
            list(tests),
            self.clamp(limits),
            isolation=self.isolation,
            python=self.python,
            audit_hook=audit_hook,
        )


@hookimpl
def candor_register_code_runners(settings: Mapping[str, Any]) -> Sequence[CodeRunner]:
    return [PythonSandbox(settings)]


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    def sandbox(app: Any) -> CheckResult:
        runner = PythonSandbox(settings)
        try:
            isolation = runner.isolation
        except SandboxUnavailable as exc:
            return CheckResult(CheckStatus.FAILED, "the configured isolation is unavailable", str(exc))
        result = runner.run(
            "def ok():\n    return 1\n", [CodeTest("ok", "assert ok() == 1")], SandboxLimits()
        )
        if result.score != 1.0:
            return CheckResult(
                CheckStatus.FAILED,
                f"a known-good submission failed ({result.stopped or 'tests'})",
                "Check that the configured interpreter runs: python_sandbox.python.",
            )
        if isolation != NAMESPACES:
            return CheckResult(
                CheckStatus.WARNING,
                "coding answers run with limits and an audit hook only",
                "Run the worker as root with util-linux for network and file-system isolation.",
            )
        return CheckResult(
            CheckStatus.OK, f"submissions run isolated ({isolation}) in {result.wall_seconds:.2f} s"
        )

    return [DoctorCheck("python_sandbox", sandbox)]
