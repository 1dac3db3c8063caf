"""Hostile uploads against the candidate upload API, with real recordings made here: oversized totals and pieces,
bodies longer than they claim, truncated and mistyped recordings, formats no browser records, decompression bombs
(a huge declared picture, a picture larger than declared, an absurd duration), names with path traversal in every
field the client sends, and slow clients against the production WSGI server."""

from __future__ import annotations

import contextlib
import re
import resource
import socket
import threading
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import waitress
from sqlalchemy import select

from candor.interviews.models import Answer
from candor.serving import waitress_options
from candor.state import get_state

from .conftest import World

CHUNK = 64 * 1024
MAX_BYTES = 512 * 1024
#: The only names media ever gets: ids chosen by the server and an extension from a fixed table.
STORED_NAME = re.compile(r"^answers/\d+/(\d+-\d+\.(webm|mkv|mp4|m4a|ogg|bin)|\d+\.part-\d{12})$")


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    return {**candor_settings, "answer_chunk_bytes": CHUNK, "answer_max_bytes": MAX_BYTES,
            "rate_limit_enabled": False}


def recording(path: Path, *, size: tuple[int, int] = (64, 48), seconds: float = 2.0, fps: int = 10,
              video_codec: str = "libvpx", audio_codec: str = "libopus", container: str = "webm",
              jump_to: float | None = None) -> bytes:
    """A small real recording: moving grey frames and a tone; ``jump_to`` puts the last frame that late."""
    width, height = size
    with av.open(str(path), "w", format=container) as out:
        video = out.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream(audio_codec, rate=48000)
        audio.layout = "mono"
        frames = int(seconds * fps)
        for index in range(frames):
            picture = np.full((height, width, 3), (index * 25) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = int(jump_to * fps) if jump_to is not None and index == frames - 1 else index
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        tone = (np.sin(np.arange(960) / 48000 * 2 * np.pi * 440) * 8000).astype(np.int16).reshape(1, -1)
        for index in range(int(seconds * 50)):
            sound = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
            sound.sample_rate, sound.pts = 48000, index * 960
            for packet in audio.encode(sound):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    return path.read_bytes()


def _consent(client: Any, headers: dict[str, str]) -> None:
    notice = client.get("/api/v1/candidate/notice", headers=headers).get_json()
    reply = client.post("/api/v1/candidate/consent", headers=headers, json={
        "notice_hash": notice["hash"], "language": "en", "decisions": {p["purpose"]: True for p in notice["purposes"]}})
    assert reply.status_code == 201


def _start(client: Any, world: World, total: int, mime_type: str = "video/webm;codecs=vp8,opus",
           question: int = 0, recorded_seconds: float | None = None) -> Any:
    body: dict[str, Any] = {"mime_type": mime_type, "total_bytes": total}
    if recorded_seconds is not None:  # what the page's recorder measured, sent with every answer
        body["recorded_seconds"] = recorded_seconds
    return client.post(f"/api/v1/candidate/questions/{world.questions_a[question]}/answers",
                       headers=world.candidate("a"), json=body)


def _send_all(client: Any, world: World, answer_id: int, data: bytes, total: int | None = None) -> Any:
    total = total if total is not None else len(data)
    reply = None
    for start in range(0, len(data), CHUNK):
        piece = data[start:start + CHUNK]
        reply = client.put(f"/api/v1/candidate/answers/{answer_id}/content", data=piece, headers={
            **world.candidate("a"), "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{total}"})
        if reply.status_code != 200 or start + len(piece) >= total:
            break
    return reply


def _upload(client: Any, world: World, data: bytes, question: int = 0, **kwargs: Any) -> Any:
    created = _start(client, world, len(data), question=question, **kwargs)
    assert created.status_code == 201, created.get_json()
    return _send_all(client, world, created.get_json()["answer"]["id"], data)


def _stored(app: Any) -> list[str]:
    root = Path(get_state(app).settings.data_dir) / "media"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def client(candor_app: Any, world: World) -> Any:
    client = candor_app.test_client()
    _consent(client, world.candidate("a"))
    return client


def test_oversized_totals_and_pieces_are_refused_before_they_are_read(candor_app: Any, world: World,
                                                                      client: Any, tmp_path: Path) -> None:
    too_big = _start(client, world, MAX_BYTES + 1)
    assert too_big.status_code == 413 and "larger than" in too_big.get_json()["message"]
    total = 4 * CHUNK
    answer_id = _start(client, world, total).get_json()["answer"]["id"]
    url, headers = f"/api/v1/candidate/answers/{answer_id}/content", world.candidate("a")
    # A range wider than a piece, then a body longer than a piece behind a small range.
    wide = client.put(url, data=b"\0" * 10, headers={**headers, "Content-Range": f"bytes 0-{CHUNK}/{total}"})
    assert wide.status_code == 413 and f"at most {CHUNK} bytes" in wide.get_json()["message"]
    long_body = client.put(url, data=b"\0" * (CHUNK + 1), headers={**headers, "Content-Range": f"bytes 0-9/{total}"})
    assert long_body.status_code == 413 and long_body.get_json()["answer"]["received_bytes"] == 0
    short_body = client.put(url, data=b"\0" * 5, headers={**headers, "Content-Range": f"bytes 0-9/{total}"})
    assert short_body.status_code == 400 and "length differs" in short_body.get_json()["message"]
    other_total = client.put(url, data=b"\0" * 10, headers={**headers, "Content-Range": "bytes 0-9/999999"})
    assert other_total.status_code == 400
    assert _stored(candor_app) == []
    # The question is still answered normally afterwards.
    assert _upload(client, world, recording(tmp_path / "ok.webm")).status_code == 200


def test_truncated_and_mistyped_recordings_are_refused_and_leave_nothing(candor_app: Any, world: World, client: Any,
                                                                         tmp_path: Path) -> None:
    data = recording(tmp_path / "whole.webm", seconds=3.0)
    cut = _upload(client, world, data[: int(len(data) * 0.3)], recorded_seconds=3.0)
    assert cut.status_code == 422 and "Record the answer again" in cut.get_json()["message"]

    wrong_type = _start(client, world, 1000, mime_type="application/x-msdownload")
    assert wrong_type.status_code == 415 and "not accepted" in wrong_type.get_json()["message"]
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    refused = _upload(client, world, png)
    assert refused.status_code == 422 and refused.get_json()["answer"]["state"] == "rejected"

    # A well-formed file in codecs no browser records (MPEG-4 Part 2 and MP2 in Matroska) is refused too.
    foreign = recording(tmp_path / "foreign.mkv", video_codec="mpeg4", audio_codec="mp2", container="matroska")
    reply = _upload(client, world, foreign, mime_type="video/x-matroska")
    assert reply.status_code == 422 and "format browsers do not record in" in reply.get_json()["message"]
    assert _stored(candor_app) == []  # rejected recordings and their pieces are deleted

    # An interrupted upload keeps its pieces, encrypted: nothing readable of the recording is on disk.
    created = _start(client, world, len(data), question=1).get_json()["answer"]["id"]
    first = data[: len(data) // 2]
    assert client.put(f"/api/v1/candidate/answers/{created}/content", data=first, headers={
        **world.candidate("a"), "Content-Range": f"bytes 0-{len(first) - 1}/{len(data)}"}).status_code == 200
    root = Path(get_state(candor_app).settings.data_dir) / "media"
    (part,) = _stored(candor_app)
    assert STORED_NAME.match(part) and first[:64] not in (root / part).read_bytes()


def _patch_declared_size(data: bytes, width: int, height: int, new_width: int, new_height: int) -> bytes:
    """Rewrite the WebM's PixelWidth/PixelHeight elements (EBML ids 0xB0, 0xBA), leaving the VP8 frames alone."""
    patched = bytearray(data)
    for element, old, new in ((b"\xb0", width, new_width), (b"\xba", height, new_height)):
        needle = element + b"\x82" + old.to_bytes(2, "big")
        at = patched.find(needle)
        assert at >= 0, f"no 2-byte element {element.hex()} = {old}"
        patched[at + 2:at + 4] = new.to_bytes(2, "big")
    return bytes(patched)


def test_decompression_bombs_are_refused_fast_without_allocating(candor_app: Any, world: World, client: Any,
                                                                 tmp_path: Path) -> None:
    # 1. Frames of 4160x2340 (above 4K) in a container that declares 320x240: only the decoder can see it.
    large = recording(tmp_path / "large.webm", size=(4160, 2340), seconds=1.0, fps=2)
    hidden_large = _patch_declared_size(large, 4160, 2340, 320, 256)
    # 2. A two-second recording whose last frame claims to come ten hours later.
    endless = recording(tmp_path / "endless.webm", jump_to=36000.0)
    # 3. A few kilobytes whose container declares a 60000x60000 picture (10 GB a frame) over small frames.
    small = recording(tmp_path / "small.webm", size=(320, 256))
    declared_huge = _patch_declared_size(small, 320, 256, 60000, 60000)
    assert max(len(declared_huge), len(hidden_large), len(endless)) < 200 * 1024

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB; encoding the large file came first
    for data, message in ((hidden_large, "Record the answer again"), (large, "largest accepted is 3840x2160"),
                          (endless, "long")):
        began = time.monotonic()
        reply = _upload(client, world, data)
        elapsed = time.monotonic() - began
        assert reply.status_code == 422 and message in reply.get_json()["message"], reply.get_json()
        assert elapsed < 5.0, f"refusing took {elapsed:.1f} s"
    # The decoders size pictures from the frames, not from the container's claim: this one is harmless.
    assert _upload(client, world, declared_huge, question=1).status_code == 200
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 150, f"peak memory grew by {grown_mb:.0f} MB while refusing bombs"
    assert len(_stored(candor_app)) == 1  # the harmless one; nothing of the refused


def test_names_from_the_client_never_reach_the_storage_path(candor_app: Any, world: World, client: Any,
                                                            tmp_path: Path) -> None:
    headers = world.candidate("a")
    for hostile in ("../../../../etc/passwd", "video/../../webm", "..\\..\\video\\webm", "video/webm/../../x",
                    "/etc/passwd", "video/webm\x00.sh"):
        assert _start(client, world, 1000, mime_type=hostile).status_code in (400, 415)
    for header in ("bytes 0-9/../../10", "bytes ../0-9/10", "bytes 0-9/10; filename=../../x", "bytes -1-9/10"):
        answer_id = _start(client, world, 10).get_json()["answer"]["id"]
        reply = client.put(f"/api/v1/candidate/answers/{answer_id}/content", data=b"\0" * 10,
                           headers={**headers, "Content-Range": header})
        assert reply.status_code == 400, header
    # A type the server accepts, carrying a traversal in its parameters and in every other header sent.
    data = recording(tmp_path / "fine.webm")
    sneaky = 'video/webm;codecs="../../../../tmp/candor-evil";name=../../x'
    accepted = client.post(f"/api/v1/candidate/questions/{world.questions_a[0]}/answers", json={
        "mime_type": sneaky, "total_bytes": len(data)}, headers={
        **headers, "X-Request-Id": "../../../tmp/candor-evil", "Content-Disposition": 'attachment; filename="../x"'})
    assert accepted.status_code == 201
    answer_id = accepted.get_json()["answer"]["id"]
    assert _send_all(client, world, answer_id, data).status_code == 200
    stored = _stored(candor_app)
    assert stored and all(STORED_NAME.match(name) for name in stored), stored
    data_dir = Path(get_state(candor_app).settings.data_dir)
    assert not [p for p in data_dir.rglob("*") if "evil" in p.name or p.name in ("passwd", "x")]
    assert not Path("/tmp/candor-evil").exists()
    with get_state(candor_app).db.transaction() as session:
        media_key = session.scalar(select(Answer.media_key).where(Answer.id == answer_id))
    assert re.fullmatch(rf"answers/{world.interview_a}/{answer_id}-\d+\.webm", media_key)


def _serve(app: Any, **overrides: Any) -> tuple[Any, int]:
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2,
                                    **{**waitress_options(), **overrides})

    def run() -> None:
        # Closing the server from the test thread pulls the sockets from under its select loop.
        with contextlib.suppress(OSError):
            server.run()

    threading.Thread(target=run, daemon=True).start()
    return server, server.effective_port


def _slow_client(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"PUT /api/v1/candidate/answers/1/content HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n")
    return sock  # the rest of the headers and the body never come


def test_slow_clients_hold_no_application_thread_and_are_cut_off(candor_app: Any) -> None:
    # The production server with the options `candor run` uses, its timeouts shortened to fit a test.
    server, port = _serve(candor_app, channel_timeout=2, cleanup_interval=1)
    try:
        slow = [_slow_client(port) for _ in range(8)]  # four times the application threads
        began = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as normal:
            normal.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert normal.recv(100).startswith(b"HTTP/1.1 200")
        assert time.monotonic() - began < 2.0  # served while eight slow clients are connected
        deadline = time.monotonic() + 10
        for sock in slow:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            assert sock.recv(100) == b""  # closed by the server after channel_timeout of silence
            sock.close()
        assert time.monotonic() - began < 8.0

        # A body larger than the app ever accepts is refused by the server before the app reads it.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as huge:
            huge.sendall(b"PUT /api/v1/candidate/answers/1/content HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: 10000000000\r\n\r\n")
            assert huge.recv(100).startswith(b"HTTP/1.1 413")
    finally:
        server.close()
