"""How long the check of an uploaded recording takes (``candor.analysis.media.probe``), the work the last piece of
every answer does inside its request.

For recordings of 3, 60 and 180 seconds (WebM, VP8 + Opus, the candidate page's format), it prints milliseconds per
check and the ratio to a baseline measured in the same process: PyAV reading every packet of the same file with no
work per packet, the least a check that finds truncation anywhere can do.

Run: .venv/bin/python bench/upload_check_bench.py [--seconds 3 60 180]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import av  # noqa: E402

from candor.analysis.media import probe  # noqa: E402
from candor.demo.media import speak, write_recording  # noqa: E402


def _demux_only(path: Path) -> None:
    with av.open(str(path)) as container:
        for _packet in container.demux():
            pass


def _per_call(function: Callable[[], object], budget: float = 2.0) -> float:
    function()  # warm up (codec and file caches)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < budget or calls < 3:
        function()
        calls += 1
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[3, 60, 180])
    args = parser.parse_args()
    samples, rate = speak("I led a team of five engineers through a database migration without downtime.")
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'recording':>10} {'size':>8} {'check':>9} {'demux only':>11} {'ratio':>6}")
        for seconds in args.seconds:
            path = Path(folder) / f"answer-{seconds:g}.webm"
            spoken = samples[: int(rate * max(0.5, seconds - 0.3))]  # the speech ends before the recording does
            write_recording(path, spoken, rate, seconds=seconds)
            info = probe(path, need_video=True, max_seconds=seconds)
            assert abs(info.duration - seconds) < 0.5, info
            check = _per_call(lambda p=path, s=seconds: probe(p, need_video=True, max_seconds=s))
            baseline = _per_call(lambda p=path: _demux_only(p))
            print(f"{seconds:>9g}s {path.stat().st_size / 1e6:>6.2f}MB {1000 * check:>7.1f}ms "
                  f"{1000 * baseline:>9.1f}ms {check / baseline:>6.2f}")


if __name__ == "__main__":
    main()
