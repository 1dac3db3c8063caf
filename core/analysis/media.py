"""Reading recorded answers: checking an upload, and decoding it for analyzers.

Owns the one place where containers and codecs are read (PyAV, which bundles FFmpeg). ``probe`` checks an
upload before it is accepted: a container PyAV can open, an audio stream (and a video stream where the question
asks for video), codecs it can decode, a duration within limits, counted from packet timestamps because
MediaRecorder's WebM carries no duration. ``decode_audio`` resamples the whole answer to 16 kHz mono signed
16-bit PCM, the form the speech engines and the delivery analyzer read. ``VideoSource`` hands analyzers frames
at the rate they ask for, as RGB arrays with their time in seconds, decoding lazily so memory stays flat.

Errors are ``MediaError`` with a message a candidate can act on; they never quote file contents.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

SAMPLE_RATE = 16_000
#: The largest picture accepted (4K): a frame's size is what decoders allocate, and a tiny crafted file can declare
#: a huge one. Checked on what the container declares, and set as the decoder's own limit for every frame.
MAX_VIDEO_PIXELS = 3840 * 2160
#: What browsers' MediaRecorder produces (WebM: VP8/VP9/AV1 with Opus; MP4: H.264/HEVC with AAC), by the names of
#: PyAV's decoders. Anything else FFmpeg could decode is refused: fewer decoders, less attack surface.
VIDEO_CODECS = frozenset({"vp8", "vp9", "libvpx", "libvpx-vp9", "av1", "libdav1d", "libaom-av1", "h264", "hevc"})
AUDIO_CODECS = frozenset({"opus", "libopus", "vorbis", "libvorbis", "aac", "mp3", "mp3float"})


class MediaError(ValueError):
    """The recording cannot be used; the message says what is wrong and what to do (record again)."""


@dataclass(frozen=True)
class MediaInfo:
    """What ``probe`` found: container, codecs, duration in seconds, and the picture size when there is video."""

    container: str
    duration: float
    audio_codec: str | None
    video_codec: str | None
    width: int | None = None
    height: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "duration_s": round(self.duration, 3),
            "audio_codec": self.audio_codec,
            "video_codec": self.video_codec,
            "width": self.width,
            "height": self.height,
        }


def _open(path: str | Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise MediaError(
            "The recording could not be read: it is not a video or audio file we recognise, or it is damaged. "
            "Record the answer again."
        ) from None


def _seconds(timestamp: int | None, time_base: Fraction | None) -> float | None:
    if timestamp is None or time_base is None:
        return None
    return float(timestamp * time_base)


def probe(path: str | Path, *, need_video: bool, max_seconds: float, min_seconds: float = 0.5) -> MediaInfo:
    """Check a recording by reading every packet and decoding the first frame of each stream.

    Reading packets (without decoding) is fast and finds truncation anywhere in the file; decoding a frame proves
    the codec is one we can decode.
    """
    with _open(path) as container:
        audio = next(iter(container.streams.audio), None)
        video = next(iter(container.streams.video), None)
        if audio is None:
            raise MediaError("The recording has no sound. Check that the microphone is allowed and record again.")
        if need_video and video is None:
            raise MediaError("The recording has no picture. Check that the camera is allowed and record again.")
        _check_codecs(audio, video)
        streams = [s for s in (audio, video) if s is not None]
        # Per stream, the earliest timestamp and the latest end, in the stream's own time base: integers per
        # packet, seconds once at the end (a minute of video is ~5,000 packets; exact fractions per packet cost
        # more than reading them).
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        undecoded = {s.index for s in streams}
        try:
            for packet in container.demux(streams):
                timestamp = packet.pts if packet.pts is not None else packet.dts
                if timestamp is None:
                    continue  # flush packet at the end of a stream
                index = packet.stream_index
                end = timestamp + (packet.duration or 0)
                if index not in first or timestamp < first[index]:
                    first[index] = timestamp
                if index not in last or end > last[index]:
                    last[index] = end
                if index in undecoded and packet.decode():
                    undecoded.discard(index)  # one decoded frame proves the stream's codec
        except av.FFmpegError:
            raise MediaError(
                "The recording is damaged part of the way through (the upload may have been cut). "
                "Record the answer again."
            ) from None
        missing = [s.type for s in streams if s.index in undecoded]
        if missing:
            raise MediaError(
                f"The recording's {' and '.join(missing)} could not be decoded. Record the answer again; if this "
                "keeps happening, try another browser."
            )
        time_bases = {s.index: s.time_base for s in streams}
        starts = [t for i, ts in first.items() if (t := _seconds(ts, time_bases[i])) is not None]
        ends = [t for i, ts in last.items() if (t := _seconds(ts, time_bases[i])) is not None]
        duration = max(ends) - min(starts) if ends and starts else 0.0
        if duration < min_seconds:
            raise MediaError("The recording is too short to be an answer. Record the answer again.")
        if duration > max_seconds + 2.0:  # a little slack: recorders stop a moment after the countdown
            raise MediaError(
                f"The recording is {duration:.0f} s long; answers to this question may last {max_seconds:.0f} s. "
                "Record a shorter answer."
            )
        return MediaInfo(
            container=container.format.name,
            duration=duration,
            audio_codec=audio.codec_context.name,
            video_codec=video.codec_context.name if video is not None else None,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
        )


def _check_codecs(audio: Any, video: Any) -> None:
    if audio.codec_context.name not in AUDIO_CODECS or (
            video is not None and video.codec_context.name not in VIDEO_CODECS):
        raise MediaError("The recording is in a format browsers do not record in. Record the answer again in a "
                         "current Chrome, Edge, Firefox or Safari.")
    if video is not None:
        width, height = int(video.codec_context.width or 0), int(video.codec_context.height or 0)
        if width * height > MAX_VIDEO_PIXELS:
            raise MediaError(f"The recording's picture is {width}x{height}; the largest accepted is 3840x2160. "
                             "Lower the camera resolution and record again.")
        _limit_frame_size(video)


def _limit_frame_size(video: Any) -> None:
    # FFmpeg refuses, before allocating, any frame above this, even one the container did not declare.
    video.codec_context.options = {"max_pixels": str(MAX_VIDEO_PIXELS)}


def decode_audio(path: str | Path) -> bytes:
    """The answer's sound as 16 kHz mono signed 16-bit little-endian PCM."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pieces: list[bytes] = []
    with _open(path) as container:
        stream = next(iter(container.streams.audio), None)
        if stream is None:
            raise MediaError("The recording has no sound.")
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    pieces.append(bytes(out.planes[0])[: out.samples * 2])
            for out in resampler.resample(None):
                pieces.append(bytes(out.planes[0])[: out.samples * 2])
        except av.FFmpegError:
            raise MediaError("The recording's sound is damaged. Record the answer again.") from None
    return b"".join(pieces)


@dataclass(frozen=True)
class Frame:
    """One video frame: seconds from the start of the recording and the picture as an HxWx3 uint8 RGB array."""

    t: float
    rgb: np.ndarray


class VideoSource:
    """The pictures of a recording, for analyzers that ``need`` ``video``.

    ``frames(fps)`` yields frames sampled at about ``fps`` per second (every decoded frame when ``fps`` is 0 or
    above the recording's rate), decoding as it goes. It may be called more than once.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with _open(self.path) as container:
            stream = next(iter(container.streams.video), None)
            if stream is None:
                raise MediaError("The recording has no picture.")
            self.width = int(stream.codec_context.width)
            self.height = int(stream.codec_context.height)

    @classmethod
    def from_path(cls, path: str | Path) -> VideoSource:
        return cls(path)

    def frames(self, fps: float = 0.0) -> Iterator[Frame]:
        step = 1.0 / fps if fps > 0 else 0.0
        with _open(self.path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            _limit_frame_size(stream)
            origin: float | None = None
            next_t = 0.0
            try:
                for frame in container.decode(stream):
                    if frame.pts is None:
                        continue
                    when = float(frame.pts * stream.time_base)
                    origin = when if origin is None else origin
                    t = when - origin
                    if t + 1e-6 < next_t:
                        continue
                    next_t = (next_t + step) if step else t
                    if step and next_t <= t:  # a gap in the recording: sample again from here
                        next_t = t + step
                    yield Frame(t=round(t, 3), rgb=frame.to_ndarray(format="rgb24"))
            except av.FFmpegError:
                raise MediaError("The recording's picture is damaged. Record the answer again.") from None
