"""A real platform and a real browser for the candidate page.

``candor run`` serves the app with its worker from a data folder of the test's own (SQLite, embedded broker);
the test seeds a job, a candidate and an invitation with the core's own functions; Debian Chromium, driven by
Playwright, has a fake camera showing a face and a fake microphone speaking piper-synthesized English.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.live import free_port, wait_http

from .seeding import seed_interview

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

#: What the fake microphone says, over and over (Chromium loops the file). Distinctive words are easy to find
#: in a transcript. "I" and the result words ("result" twice, so that any few seconds hold one; past tenses
#: like "reduced" often lose their ending in recognition) keep the follow-up rules about a missing personal
#: action or result quiet, so only an answer short for its time limit gets a follow-up.
SENTENCE = "The result: I fixed the billing system and cut the errors by half, a good result for delivery."
SPOKEN_WORDS = ("result", "billing", "system", "errors", "half", "delivery", "fixed")


@dataclass
class Fixtures:
    face: Path
    speech: Path
    speech_seconds: float


@dataclass
class LiveServer:
    base_url: str
    data_dir: Path
    env: dict[str, str]
    log: Path
    seeded: dict[str, Any] = field(default_factory=dict)

    def app(self) -> Any:
        from candor.app import create_app

        return create_app({"data_dir": self.data_dir, "public_url": self.base_url})


def _chromium_missing() -> str | None:
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it); "
                "the candidate page tests need a real browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def media_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    """The face as Y4M and the answer as 48 kHz mono s16 WAV, made here from scratch."""
    from scipy.signal import resample_poly
    from speech.media import english, silence, trim, write_wav
    from support.faces import face_y4m

    folder = tmp_path_factory.mktemp("browser-media")
    face = face_y4m(folder / "face.y4m", seconds=4.0)
    said = trim(english(SENTENCE))
    one = np.concatenate([silence(0.4), said, silence(0.8)])
    at_48k = np.clip(resample_poly(one.astype(np.float32), 3, 1), -32768, 32767).astype(np.int16)
    speech = write_wav(folder / "speech.wav", at_48k, rate=48_000)
    return Fixtures(face=face, speech=speech, speech_seconds=len(one) / 16_000)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """``candor run`` (web server and worker) on a free port, with a seeded interview invitation."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    env = {**os.environ, "CANDOR_DATA_DIR": str(data_dir), "CANDOR_PUBLIC_URL": base,
           "CANDOR_LOG_FORMAT": "json", "CANDOR_SWEEP_INTERVAL_SECONDS": "2"}
    for name in ("CANDOR_DATABASE_URL", "CANDOR_BROKER_URL", "CANDOR_CONFIG"):
        env.pop(name, None)
    init = subprocess.run([sys.executable, "-m", "candor.cli", "init"], env=env, capture_output=True, text=True,
                          timeout=180)
    assert init.returncode == 0, init.stdout + init.stderr
    server = LiveServer(base_url=base, data_dir=data_dir, env=env, log=tmp_path / "server.log")

    from candor.state import get_state

    app = server.app()
    try:
        server.seeded = seed_interview(app)
    finally:
        get_state(app).db.dispose()

    process = subprocess.Popen([sys.executable, "-m", "candor.cli", "run", "--port", str(port)], env=env,
                               stdout=server.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"{base}/healthz", server.log)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def browser(media_fixtures: Fixtures, tmp_path: Path) -> Iterator[Any]:
    """A persistent Chromium context (IndexedDB and sessionStorage survive reloads) with fake devices."""
    missing = _chromium_missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    args = [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={media_fixtures.face}",
        f"--use-file-for-fake-audio-capture={media_fixtures.speech}",
    ]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=args,
            viewport={"width": 360, "height": 740}, locale="en-US")
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where this test's screenshots go (CI keeps ``test-artifacts/``)."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
