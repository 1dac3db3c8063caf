"""Hostile and honest code in the Python sandbox: each attack contained with the right reason, the machine
unharmed, correct and wrong solutions scored correctly. Runs real processes; the namespace cases need root."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from candor.interfaces import CodeTest, SandboxLimits
from candor_plugins.python_sandbox import PythonSandbox
from candor_plugins.python_sandbox.launch import UID_RANGE, namespaces_available

TESTS = [
    CodeTest("adds", "assert add(2, 3) == 5"),
    CodeTest("negatives", "assert add(-4, 1) == -3"),
    CodeTest("floats", "assert abs(add(0.1, 0.2) - 0.3) < 1e-9"),
]
LIMITS = SandboxLimits(cpu_seconds=2, wall_seconds=6, memory_mb=256)
ISOLATIONS = ["namespaces", "process"]
needs_root = pytest.mark.skipif(
    not namespaces_available(), reason="namespaces need root and util-linux unshare"
)


def runner(isolation: str) -> PythonSandbox:
    if isolation == "namespaces" and not namespaces_available():
        pytest.skip("namespaces need root and util-linux unshare")
    return PythonSandbox({"isolation": isolation})


def gone_soon(seconds: float = 5.0) -> bool:
    """True once no sandbox process is left; killed processes may take a moment to exit on a busy machine."""
    deadline = time.monotonic() + seconds
    while sandbox_processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def sandbox_processes() -> list[int]:
    """Processes still running under a sandbox uid anywhere on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid, state = int(fields["Uid"].split()[0]), fields["State"].split()[0]
        if UID_RANGE[0] <= uid < UID_RANGE[1] and state != "Z":  # a zombie holds nothing but its pid
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_correct_solution_scores_full(isolation):
    result = runner(isolation).run("def add(a, b):\n    return a + b\n", TESTS, LIMITS)
    assert (result.score, result.passed, result.stopped) == (1.0, 3, "")
    assert result.isolation == isolation


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_wrong_solution_scores_what_it_passes(isolation):
    result = runner(isolation).run("def add(a, b):\n    return int(a) + int(b)\n", TESTS, LIMITS)
    assert [t.passed for t in result.tests] == [True, True, False]
    assert result.score == pytest.approx(2 / 3)
    assert "AssertionError" in result.tests[2].message


def test_code_that_does_not_load_fails_every_test():
    result = runner("process").run("def add(a, b) return a\n", TESTS, LIMITS)
    assert result.score == 0 and all("did not load: SyntaxError" in t.message for t in result.tests)


HOSTILE = {
    "infinite loop": ("while True:\n    pass\n", "time"),
    "sleeping forever": ("import time\ntime.sleep(3600)\n", "time"),
    "memory hog": ("hog = []\nwhile True:\n    hog.append(bytearray(10**7))\n", "memory"),
    "huge print": ("while True:\n    print('x' * 10000)\n", "output"),
    "huge raw output": ("import os\nwhile True:\n    os.write(1, b'x' * 65536)\n", "output"),
    "fork bomb": ("import os\nwhile True:\n    os.fork()\n", "forbidden"),
    "subprocess": ("import subprocess\nsubprocess.run(['sh', '-c', 'echo hi'])\n", "forbidden"),
    "read /etc/passwd": (
        "data = open('/etc/passwd').read()\ndef add(a, b):\n    return a + b\n",
        "forbidden",
    ),
    "read the repository": (f"data = open({str(Path(__file__).resolve())!r}).read()\n", "forbidden"),
    "write outside": ("open('/var/tmp/candor-escape', 'w').write('x')\n", "forbidden"),
    "socket to localhost": (
        "import socket\nsocket.create_connection(('127.0.0.1', 5432), timeout=1)\n",
        "forbidden",
    ),
    "native code": ("import ctypes\nctypes.CDLL(None).system(b'id')\n", "forbidden"),
    "swallowed violation": (
        "try:\n    open('/etc/passwd')\nexcept Exception:\n    pass\ndef add(a, b):\n    return a + b\n",
        "forbidden",
    ),
}


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_code_is_contained_with_its_reason(isolation, name):
    source, reason = HOSTILE[name]
    started = time.monotonic()
    result = runner(isolation).run(source, TESTS, LIMITS)
    if name == "read the repository" and isolation == "namespaces" and str(Path(__file__)).startswith("/tmp/"):
        # A checkout under /tmp: the sandbox's /tmp is its own empty tmpfs, so the file is simply not there.
        assert "FileNotFoundError" in result.tests[0].message, result.tests
    else:
        assert result.stopped == reason, (result.stopped, result.detail, result.tests)
    assert result.score == 0
    assert time.monotonic() - started < LIMITS.wall_seconds + 5
    assert not Path("/var/tmp/candor-escape").exists()
    assert gone_soon(), sandbox_processes()


# The outer layers alone: the same attacks with the audit hook switched off must still be contained by the
# namespaces, the private root, the unprivileged uid and the resource limits.


@needs_root
def test_without_audit_hook_the_fork_bomb_hits_the_process_limit():
    result = PythonSandbox({"isolation": "namespaces"}).run(
        "import os\nfor _ in range(10000):\n    os.fork()\n", TESTS, LIMITS, audit_hook=False
    )
    assert result.score == 0
    assert any(
        "Resource temporarily unavailable" in t.message or t.message.startswith("not run")
        for t in result.tests
    ), result.tests
    assert gone_soon(), sandbox_processes()


@needs_root
@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("open('/etc/passwd').read()", "FileNotFoundError"),
        (f"open({str(Path(__file__).resolve())!r}).read()", "FileNotFoundError"),
        ("open('/usr/candor-escape', 'w')", "Read-only file system"),
        ("import socket\nsocket.create_connection(('127.0.0.1', 5432), timeout=1)", "Network is unreachable"),
        ("import os\nos.listdir('/proc')", "FileNotFoundError"),
    ],
)
def test_without_audit_hook_the_namespaces_still_contain(source, error):
    result = PythonSandbox({"isolation": "namespaces"}).run(source + "\n", TESTS, LIMITS, audit_hook=False)
    assert result.score == 0
    assert error in result.tests[0].message, result.tests[0].message


@needs_root
def test_writes_inside_the_temporary_folder_work_and_vanish():
    source = (
        "import os\nopen('notes.txt', 'w').write('scratch')\n"
        "def add(a, b):\n    return a + b if open('notes.txt').read() == 'scratch' else None\n"
    )
    result = PythonSandbox({"isolation": "namespaces"}).run(source, TESTS, LIMITS)
    assert result.score == 1.0
    assert not list(Path("/tmp").glob("candor-sandbox-*"))


@needs_root
def test_runs_when_the_caller_has_a_private_umask():
    # The command line sets umask 077 for everything it creates; the sandbox must still reach its interpreter.
    previous = os.umask(0o077)
    try:
        result = PythonSandbox({"isolation": "namespaces"}).run("def add(a, b):\n    return a + b\n", TESTS, LIMITS)
    finally:
        os.umask(previous)
    assert result.score == 1.0, result


def test_questions_cannot_raise_the_operators_ceiling():
    sandbox = PythonSandbox({"isolation": "process", "cpu_seconds": 1})
    assert sandbox.clamp(SandboxLimits(cpu_seconds=60)).cpu_seconds == 1


def test_unknown_isolation_is_refused_with_the_choices():
    with pytest.raises(RuntimeError, match="auto, namespaces, process"):
        PythonSandbox({"isolation": "docker"})


def test_suite_process_is_unharmed():
    # After every attack above, this process can still fork and read its own files.
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert Path(__file__).read_text()
