"""Starting one sandboxed Python process, feeding it, watching it and reading its verdict.

Owns the outer layers of containment: namespaces and a private root through ``unshare`` + ``jail.sh`` (when
this process may create them), a fresh unprivileged uid per run (so ``RLIMIT_NPROC`` counts only that run's
processes), a wall-clock deadline that kills the whole process group, and caps on what is read back. The inner
layers (resource limits, the audit hook) are in ``harness.py``. It never runs the submission in this process.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from candor.interfaces import CodeRunResult, CodeTest, SandboxLimits, TestOutcome

HERE = Path(__file__).parent
HARNESS = (HERE / "harness.py").read_text()
JAIL = (HERE / "jail.sh").read_text()
#: Sandbox uids are drawn from this range, above any real account's, so no file on the host belongs to them.
UID_RANGE = (3_000_000, 3_900_000)
NAMESPACES = "namespaces"  # private root, no network, own PID space, unprivileged uid
PROCESS = "process"  # resource limits and the audit hook only (when namespaces are not available)


@cache
def namespaces_available() -> bool:
    """Whether this process may build the full sandbox (root, or the capabilities unshare and mount need)."""
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("chroot")):
        return False
    probe = subprocess.run(
        ["unshare", "--net", "--mount", "--pid", "--fork", "true"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return probe.returncode == 0


def python_executable(configured: str = "") -> tuple[str, str]:
    """The interpreter to run submissions with (the real one behind a virtualenv) and its prefix."""
    executable = os.path.realpath(configured or getattr(sys, "_base_executable", sys.executable))
    prefix = sys.base_prefix if not configured else str(Path(executable).parent.parent)
    return executable, os.path.realpath(prefix)


def run_sandboxed(
    source: str,
    tests: list[CodeTest],
    limits: SandboxLimits,
    *,
    isolation: str,
    python: str = "",
    audit_hook: bool = True,
) -> CodeRunResult:
    """Run ``source`` against ``tests``; ``audit_hook=False`` exists only to test the outer layers alone."""
    executable, prefix = python_executable(python)
    uid = secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0]
    host_dir = Path(tempfile.mkdtemp(prefix="candor-sandbox-"))
    harness = HARNESS if audit_hook else HARNESS.replace("sys.addaudithook(_audit)", "pass")
    payload = {"source": source, "tests": [asdict(t) for t in tests], "limits": asdict(limits)}
    if isolation == NAMESPACES:
        tmp_mb = max(limits.file_mb * 2, 8)
        command = [
            "unshare",
            "--net",
            "--mount",
            "--pid",
            "--ipc",
            "--uts",
            "--fork",
            "--kill-child",
            "--propagation",
            "private",
            "sh",
            "-c",
            JAIL,
            "jail",
            str(host_dir),
            str(uid),
            str(tmp_mb),
            executable,
            prefix,
            harness,
        ]
        workdir = "/tmp"  # noqa: S108 - inside the namespace: the run's own tmpfs
    else:
        work = host_dir / "work"
        work.mkdir(mode=0o700)
        command = [executable, "-I", "-S", "-X", "utf8", "-c", harness]
        workdir = str(work)
    payload["workdir"] = workdir
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=host_dir,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
        )
        stdout, stderr, cut = _watch(process, json.dumps(payload).encode(), limits)
    finally:
        if isolation == NAMESPACES:
            _sweep(uid)
        shutil.rmtree(host_dir, ignore_errors=True)
    elapsed = time.monotonic() - started
    return _verdict(process.returncode, stdout, stderr, cut, tests, limits, isolation, elapsed)


def _watch(
    process: subprocess.Popen[bytes], payload: bytes, limits: SandboxLimits
) -> tuple[bytes, bytes, str]:
    """Feed the payload and read both pipes until exit, the deadline or the output cap; kill on the last
    two."""
    assert process.stdin and process.stdout and process.stderr
    try:
        process.stdin.write(payload)
        process.stdin.close()
    except BrokenPipeError:  # it died before reading; the verdict comes from its exit status
        pass
    # The harness keeps the candidate's prints; the pipes carry only its verdict and an interpreter crash.
    cap = limits.output_kb * 1024 + 256 * 1024
    out_fd, err_fd = process.stdout.fileno(), process.stderr.fileno()
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    sizes = dict.fromkeys(chunks, 0)
    deadline = time.monotonic() + limits.wall_seconds
    cut = ""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                cut = "time"
                break
            for key, _ in selector.select(timeout=min(remaining, 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                sizes[key.fd] += len(data)
                if sizes[key.fd] > cap:
                    cut = "output"
                    break
                chunks[key.fd].append(data)
            if cut:
                break
    if cut:
        _kill_group(process)
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0) + 5)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
        cut = cut or "time"
    process.stdout.close()
    process.stderr.close()
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd]), cut


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole group: unshare, and through --kill-child and the PID namespace, all it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _processes_of(uid: int) -> list[int]:
    """Live (not zombie) processes whose real uid is ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            lines = (entry / "status").read_text().splitlines()
        except OSError:  # it ended while we looked
            continue
        fields = {line.split(":", 1)[0]: line.split(":", 1)[1].split() for line in lines if ":" in line}
        if int(fields["Uid"][0]) == uid and fields["State"][0] != "Z":
            found.append(int(entry.name))
    return found


def _sweep(uid: int, patience: float = 10.0) -> None:
    """Make sure nothing of the run survives it: the uid was fresh, so every process it owns is the run's."""
    deadline = time.monotonic() + patience
    while (survivors := _processes_of(uid)) and time.monotonic() < deadline:
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _verdict(
    returncode: int | None,
    stdout: bytes,
    stderr: bytes,
    cut: str,
    tests: list[CodeTest],
    limits: SandboxLimits,
    isolation: str,
    elapsed: float,
) -> CodeRunResult:
    report = _last_report(stdout)
    if cut:
        detail = (
            f"ran longer than {limits.wall_seconds:g} s"
            if cut == "time"
            else f"printed more than {limits.output_kb} KiB"
        )
        return _all_failed(tests, cut, detail, isolation, elapsed)
    if report is None:
        text = stderr.decode("utf-8", "replace")
        if (
            returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL)
            and "MemoryError" not in text
        ):
            return _all_failed(
                tests, "time", f"used more than {limits.cpu_seconds} s of CPU", isolation, elapsed
            )
        if "MemoryError" in text:
            return _all_failed(
                tests, "memory", f"needed more than {limits.memory_mb} MiB", isolation, elapsed
            )
        return _all_failed(
            tests, "crashed", f"the sandbox ended without a result (exit {returncode})", isolation, elapsed
        )
    outcomes = [
        TestOutcome(str(t["name"]), bool(t["passed"]), str(t.get("message", ""))[:300])
        for t in report["tests"]
    ]
    return CodeRunResult(
        outcomes, str(report.get("reason", "")), str(report.get("detail", ""))[:300], isolation, elapsed
    )


def _last_report(stdout: bytes) -> dict[str, Any] | None:
    for line in reversed(stdout.decode("utf-8", "replace").splitlines()):
        if line.startswith('{"candor_sandbox"'):
            try:
                report = json.loads(line)
            except ValueError:
                return None
            return report if isinstance(report, dict) and isinstance(report.get("tests"), list) else None
    return None


def _all_failed(
    tests: list[CodeTest], reason: str, detail: str, isolation: str, elapsed: float
) -> CodeRunResult:
    return CodeRunResult(
        [TestOutcome(t.name, False, f"not run: {detail}") for t in tests], reason, detail, isolation, elapsed
    )
