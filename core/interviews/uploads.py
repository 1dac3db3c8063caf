"""Recorded answers arriving from the candidate page: attempts, resumable chunked uploads, and the check at the end.

Owns an answer's life from "the candidate pressed stop" to ``uploaded``. Each chunk is encrypted with the
candidate's data key as soon as it arrives and stored as its own part (``<answer>.part-<offset>``), and
``received_bytes`` moves on in the same transaction, so a page that lost its connection (or was reloaded) asks how
much arrived and continues from there; a chunk sent twice replaces its own part. The last chunk is not stored on
its own: it is joined, from memory, after the stored parts into one encrypted media file, while a private
plaintext copy is written for PyAV to check (``candor.analysis.media.probe``); the recording is then either
accepted (and its analysis starts) or rejected with a message the candidate can act on. If that request fails,
nothing of the last chunk was kept and the page sends it again. A rejected recording loses nothing
else: the candidate records that question again and every other answer stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.media import MediaError, probe
from candor.db import utcnow
from candor.interviews.models import Answer, AnswerState, Candidate, Interview
from candor.interviews.states import InterviewState
from candor.questions.models import InterviewQuestion
from candor.vault.media import iter_media, private_file, store_media

if TYPE_CHECKING:
    from candor.state import CandorState

#: Containers the candidate page records (MediaRecorder): WebM in Chromium and Firefox, MP4 in Safari.
ACCEPTED_TYPES = ("video/webm", "video/mp4", "audio/webm", "audio/mp4", "audio/ogg", "video/x-matroska")
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
#: A recording whose decoded length is this much shorter than what the recorder reported was cut.
CUT_TOLERANCE_SECONDS = 2.0
_EXTENSIONS = {"video/webm": "webm", "audio/webm": "webm", "video/x-matroska": "mkv", "video/mp4": "mp4",
               "audio/mp4": "m4a", "audio/ogg": "ogg"}


class UploadError(Exception):
    """A request the candidate page cannot make; ``status`` is the HTTP status, the message is for the candidate."""

    def __init__(self, status: int, message: str, answer: Answer | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.answer = answer


@dataclass(frozen=True)
class ChunkRange:
    first: int
    last: int
    total: int

    @classmethod
    def parse(cls, header: str | None) -> ChunkRange:
        match = _RANGE.match((header or "").strip())
        if not match:
            raise UploadError(400, "Send each piece with a header 'Content-Range: bytes FIRST-LAST/TOTAL'.")
        first, last, total = (int(group) for group in match.groups())
        if first > last or last >= total:
            raise UploadError(400, "The Content-Range header is inconsistent: FIRST <= LAST < TOTAL is required.")
        return cls(first, last, total)


def answer_view(answer: Answer | None) -> dict[str, Any] | None:
    """What the candidate page sees of an answer: its progress, never its content."""
    if answer is None:
        return None
    return {
        "id": answer.id,
        "attempt": answer.attempt,
        "state": str(answer.state),
        "received_bytes": answer.received_bytes or 0,
        "total_bytes": answer.total_bytes,
        "duration_s": round(answer.duration_seconds, 2) if answer.duration_seconds is not None else None,
        "error": answer.error,
    }


def _media_key(answer: Answer, extension: str) -> str:
    return f"answers/{answer.interview_id}/{answer.id}-{answer.attempt}.{extension}"


def _part_key(answer: Answer, offset: int) -> str:
    return f"answers/{answer.interview_id}/{answer.id}.part-{offset:012d}"


def start_answer(
    state: CandorState,
    session: Session,
    interview: Interview,
    asked: InterviewQuestion,
    *,
    mime_type: str,
    total_bytes: int,
    recorded_seconds: float | None,
) -> Answer:
    """A new attempt at ``asked``. Re-recording is allowed up to the question's ``max_retakes``; recording again
    after a rejected or failed upload does not count as a retake."""
    if interview.state not in (InterviewState.INVITED, InterviewState.IN_PROGRESS):
        raise UploadError(409, "This interview is not taking answers any more.")
    if asked.interview_id != interview.id:
        raise UploadError(404, "There is no such question in this interview.")
    base_type = mime_type.split(";")[0].strip().lower()
    if base_type not in ACCEPTED_TYPES:
        raise UploadError(415, f"Recordings of type {base_type or 'unknown'} are not accepted; use a current "
                               "Chrome, Edge, Firefox or Safari.")
    if total_bytes <= 0:
        raise UploadError(400, "The recording is empty. Record the answer again.")
    if total_bytes > state.settings.answer_max_bytes:
        raise UploadError(413, f"The recording is larger than {state.settings.answer_max_bytes // (1024 * 1024)} "
                               "MB. Record a shorter answer or lower the camera resolution.")
    attempts = list(session.scalars(select(Answer).where(Answer.interview_question_id == asked.id)))
    counted = [a for a in attempts if a.state not in (AnswerState.REJECTED, AnswerState.FAILED)]
    if any(a.state == AnswerState.UPLOADING for a in attempts):
        pending = next(a for a in attempts if a.state == AnswerState.UPLOADING)
        pending.state = AnswerState.REJECTED  # replaced by the new recording before it finished uploading
        pending.error = "Replaced by a new recording."
        counted.remove(pending)
    if len(counted) > asked.max_retakes:
        raise UploadError(409, "This question cannot be recorded again; your earlier answer is kept.")
    if interview.state == InterviewState.INVITED:
        interview.move_to(InterviewState.IN_PROGRESS, actor="candidate", reason="first answer started")
    answer = Answer(
        interview_id=interview.id,
        question_id=asked.question_id,
        interview_question_id=asked.id,
        attempt=max((a.attempt for a in attempts), default=0) + 1,
        state=AnswerState.UPLOADING,
        mime_type=mime_type[:100],
        total_bytes=total_bytes,
        received_bytes=0,
        recorded_seconds=recorded_seconds,
    )
    session.add(answer)
    session.flush()
    return answer


def _subject(session: Session, interview: Interview) -> Any:
    candidate = session.get(Candidate, interview.candidate_id)
    assert candidate is not None
    return candidate.subject


def receive_chunk(state: CandorState, session: Session, answer: Answer, chunk: ChunkRange, data: bytes, *,
                  need_video: bool) -> Answer:
    """Store one piece; the last one completes the recording, which is then accepted or rejected.

    :raises UploadError: 409 with the answer when the piece does not start where the server's copy ends.
    """
    if answer.state != AnswerState.UPLOADING:
        raise UploadError(409, "This recording is complete already.", answer)
    if chunk.total != answer.total_bytes:
        raise UploadError(400, "The total size differs from the size announced when the answer started.", answer)
    if len(data) != chunk.last - chunk.first + 1:
        raise UploadError(400, "The piece's length differs from its Content-Range; send it again.", answer)
    if len(data) > state.settings.answer_chunk_bytes:
        raise UploadError(413, f"Send pieces of at most {state.settings.answer_chunk_bytes} bytes.", answer)
    if chunk.first != answer.received_bytes:
        raise UploadError(409, f"The server has {answer.received_bytes} bytes of this recording; continue from "
                               "there.", answer)
    interview = session.get(Interview, answer.interview_id)
    subject = _subject(session, interview)
    answer.received_bytes = chunk.last + 1
    if answer.received_bytes < answer.total_bytes:
        store_media(state, subject, _part_key(answer, chunk.first), [data])
        return answer
    asked = session.get(InterviewQuestion, answer.interview_question_id)
    return _finish_upload(state, session, interview, subject, answer, asked, data, need_video=need_video)


def _joined(state: CandorState, subject: Any, answer: Answer, last_piece: bytes, seen: list[str]
            ) -> Iterator[bytes]:
    """The stored parts in order, decrypted, then the last piece; ``seen`` collects the parts' keys for deletion
    afterwards."""
    offset = 0
    last_offset = (answer.total_bytes or 0) - len(last_piece)
    while offset < last_offset:
        key = _part_key(answer, offset)
        if not state.storage.exists(key):
            raise MediaError("A piece of the recording is missing on the server. Record the answer again.")
        seen.append(key)
        size = 0
        for piece in iter_media(state, subject, key):
            size += len(piece)
            yield piece
        if size == 0:
            raise MediaError("A piece of the recording is empty on the server. Record the answer again.")
        offset += size
    if offset != last_offset:
        raise MediaError("The pieces of the recording on the server do not fit together. Record the answer again.")
    stale = _part_key(answer, last_offset)  # stored by an earlier version that kept the last piece too
    if state.storage.exists(stale):
        seen.append(stale)
    yield last_piece


def _delete(state: CandorState, keys: list[str]) -> None:
    for key in keys:
        if state.storage.exists(key):
            state.storage.delete(key)


_DELETE_KEY = "candor.uploads.delete_after_commit"


def _delete_after_commit(state: CandorState, session: Session, keys: list[str]) -> None:
    """Remove stored files once the transaction that stops pointing at them has committed: if it fails, the
    candidate's retry still finds every piece. (Kept in ``session.info``: listeners added per session at run
    time are shared by every thread's session and must not change while others commit.)"""
    session.info.setdefault(_DELETE_KEY, []).append((state, list(keys)))


@event.listens_for(Session, "after_commit")
def _deletions_committed(session: Session) -> None:
    for state, keys in session.info.pop(_DELETE_KEY, ()):
        _delete(state, keys)


@event.listens_for(Session, "after_rollback")
def _deletions_dropped(session: Session) -> None:
    session.info.pop(_DELETE_KEY, None)


def _finish_upload(state: CandorState, session: Session, interview: Interview, subject: Any, answer: Answer,
                   asked: InterviewQuestion, last_piece: bytes, *, need_video: bool) -> Answer:
    """Join the parts and the last piece into one encrypted recording, check it, and accept or reject it.

    Accepting queues the answer's processing in the same transaction (``candor.analysis.pipeline``).
    """
    from candor.analysis.pipeline import schedule_processing

    extension = _EXTENSIONS.get((answer.mime_type or "").split(";")[0].strip().lower(), "bin")
    media_key = _media_key(answer, extension)
    parts: list[str] = []
    try:
        # The check reads a plaintext copy written while the recording is encrypted, rather than decrypting
        # the stored file again: the last piece of every answer is on the candidate's path.
        with private_file(state, suffix=f".{extension}") as (path, plaintext):
            store_media(state, subject, media_key, _copied(_joined(state, subject, answer, last_piece, parts),
                                                         plaintext))
            plaintext.close()
            info = probe(path, need_video=need_video, max_seconds=float(asked.answer_seconds))
        if answer.recorded_seconds and info.duration + CUT_TOLERANCE_SECONDS < answer.recorded_seconds:
            raise MediaError("The recording arrived shorter than it was recorded (it may have been cut). "
                             "Record the answer again.")
    except MediaError as exc:
        answer.state, answer.error = AnswerState.REJECTED, str(exc)
        _delete_after_commit(state, session, [media_key, *parts])
        audit.record(session, "system.answer_rejected", f"candidate:{interview.candidate_id}", purpose="recruitment",
                     details={"answer": answer.id, "interview": interview.id})
        return answer
    _delete_after_commit(state, session, parts)
    answer.media_key = media_key
    answer.media_info = info.to_dict()
    answer.duration_seconds = info.duration
    answer.state, answer.error, answer.uploaded_at = AnswerState.UPLOADED, None, utcnow()
    audit.record(session, "system.answer_received", f"candidate:{interview.candidate_id}", purpose="recruitment",
                 details={"answer": answer.id, "interview": interview.id, "bytes": answer.total_bytes})
    schedule_processing(state, session, answer)
    return answer


def _copied(pieces: Iterator[bytes], sink: IO[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        sink.write(piece)
        yield piece


def interview_complete(session: Session, interview: Interview) -> list[InterviewQuestion]:
    """The interview's questions still without an accepted answer (empty when the candidate may finish)."""
    asked = session.scalars(
        select(InterviewQuestion)
        .where(InterviewQuestion.interview_id == interview.id)
        .order_by(InterviewQuestion.position, InterviewQuestion.step)
    ).all()
    done = set(
        session.scalars(
            select(Answer.interview_question_id).where(
                Answer.interview_id == interview.id,
                Answer.state.in_([AnswerState.UPLOADED, AnswerState.PROCESSING, AnswerState.ANALYSED]),
            )
        )
    )
    return [q for q in asked if q.id not in done]
