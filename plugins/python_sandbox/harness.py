"""The program that runs inside the sandbox: it limits itself, guards itself, runs the submission and the
hidden tests, and prints one JSON line of results.

It is passed to ``python -I -S -c`` as text and must use the standard library only. It reads its payload
(``source``, ``tests``, ``limits``) from standard input. Order matters: resource limits first, then the audit
hook (which can never be removed), then the candidate's code. Everything the candidate prints goes to a capped
buffer, so the one line the harness prints on the real standard output is its own.
"""

import io
import json
import os
import resource
import signal
import sys

payload = json.loads(sys.stdin.read())
limits = payload["limits"]
MB = 1024 * 1024


def _limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
_limit(resource.RLIMIT_AS, limits["memory_mb"] * MB)
_limit(resource.RLIMIT_NPROC, limits["processes"])
_limit(resource.RLIMIT_FSIZE, limits["file_mb"] * MB)
_limit(resource.RLIMIT_NOFILE, limits["open_files"])
_limit(resource.RLIMIT_CORE, 0)

WORK = os.path.realpath(payload.get("workdir") or "/tmp")  # noqa: S108 - the sandbox's own private tmpfs
LIBRARY = os.path.realpath(os.path.dirname(os.__file__))
os.chdir(WORK)


class Stopped(BaseException):
    """Ends the run; a BaseException so that the candidate's ``except Exception`` does not swallow it."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


violations: list[str] = []

# Events refused outright: processes, network, native code, and changing who we are.
FORBIDDEN = (
    "os.fork",
    "os.forkpty",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.system",
    "os.kill",
    "os.killpg",
    "subprocess.",
    "socket.",
    "ctypes.",
    "os.setuid",
    "os.setgid",
    "os.chroot",
    "pty.",
    "resource.setrlimit",
    "resource.prlimit",
    "sys.addaudithook",
    "mmap.",
)
FORBIDDEN_IMPORTS = {"ctypes", "_ctypes", "_posixsubprocess", "_socket", "socket", "mmap", "_multiprocessing"}
# Events that touch paths: allowed inside the working folder; reading is also allowed in the standard library.
PATH_EVENTS = {
    "open",
    "os.listdir",
    "os.scandir",
    "os.chdir",
    "os.remove",
    "os.rename",
    "os.mkdir",
    "os.rmdir",
    "os.symlink",
    "os.link",
    "os.chmod",
    "os.chown",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.move",
    "glob.glob",
    "os.walk",
}
READ_ONLY_EVENTS = {"os.listdir", "os.scandir", "os.chdir", "glob.glob", "os.walk"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def _allowed_path(value: object, writing: bool) -> bool:
    if isinstance(value, int):  # an already open descriptor
        return True
    try:
        path = os.path.realpath(os.fsdecode(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if _inside(path, WORK):
        return True
    return not writing and _inside(path, LIBRARY)


def _refuse(event: str, what: str) -> None:
    violations.append(what)
    raise PermissionError(f"not allowed in this exercise: {what}")


def _audit(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event.startswith(FORBIDDEN):
        _refuse(event, event)
    if event == "import" and args and str(args[0]).split(".")[0] in FORBIDDEN_IMPORTS:
        _refuse(event, f"import {args[0]}")
    if event in PATH_EVENTS:
        writing = event not in READ_ONLY_EVENTS
        if event == "open":
            mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
            writing = bool((flags or 0) & WRITE_FLAGS) or any(c in str(mode or "") for c in "wax+")
        for value in (
            args[:2]
            if event in {"os.rename", "os.symlink", "os.link", "shutil.copyfile", "shutil.move"}
            else args[:1]
        ):
            if not _allowed_path(value, writing):
                _refuse(event, f"{event} outside the working folder")


class CappedText(io.TextIOBase):
    """The candidate's standard output and error: kept up to the cap, then the run stops."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.size += len(text)
        if self.size > self.cap:
            raise Stopped("output", f"printed more than {self.cap // 1024} KiB")
        self.parts.append(text)
        return len(text)


def _on_cpu_limit(signum: int, frame: object) -> None:
    raise Stopped("time", f"used more than {limits['cpu_seconds']} s of CPU")


signal.signal(signal.SIGXCPU, _on_cpu_limit)
real_stdout = sys.stdout
captured = CappedText(limits["output_kb"] * 1024)
results: list[dict] = []  # type: ignore[type-arg]
stopped = {"reason": "", "detail": ""}


def _stop(reason: str, detail: str) -> None:
    if not stopped["reason"]:
        stopped.update(reason=reason, detail=detail)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


sys.stdin = io.StringIO("")
sys.stdout = sys.stderr = captured
sys.addaudithook(_audit)
namespace: dict = {"__name__": "solution"}  # type: ignore[type-arg]
try:
    try:
        exec(compile(payload["source"], "solution.py", "exec"), namespace)  # noqa: S102 - running the submission is the point
        loaded = True
    except MemoryError:
        raise
    except Exception as exc:
        loaded = False
        load_error = _short(exc)
    for test in payload["tests"]:
        if not loaded:
            results.append(
                {"name": test["name"], "passed": False, "message": f"the code did not load: {load_error}"}
            )
            continue
        try:
            exec(compile(test["code"], f"<test {test['name']}>", "exec"), dict(namespace))  # noqa: S102 - running the submission is the point
            results.append({"name": test["name"], "passed": True, "message": ""})
        except MemoryError:
            raise
        except AssertionError as exc:
            results.append({"name": test["name"], "passed": False, "message": _short(exc)})
        except Exception as exc:
            results.append({"name": test["name"], "passed": False, "message": _short(exc)})
except Stopped as exc:
    _stop(exc.reason, exc.detail)
except MemoryError:
    _stop("memory", f"needed more than {limits['memory_mb']} MiB")
except RecursionError:
    _stop("crashed", "recursion too deep")
except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by the submission
    _stop("crashed", _short(exc))
signal.signal(signal.SIGXCPU, signal.SIG_DFL)
if violations:  # a run that tried a forbidden operation scores nothing, whatever it caught
    _stop("forbidden", violations[0])
    for result in results:
        result.update(passed=False, message=f"blocked: {violations[0]}")
done = {result["name"] for result in results}
for test in payload["tests"]:
    if test["name"] not in done:
        results.append({"name": test["name"], "passed": False, "message": f"not run: {stopped['detail']}"})
real_stdout.write("\n" + json.dumps({"candor_sandbox": 1, "tests": results, **stopped}) + "\n")
real_stdout.flush()
