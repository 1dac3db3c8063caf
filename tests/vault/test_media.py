"""Streamed media encryption: round trip with flat memory, tampering detected, no plaintext left behind."""

import errno
import hashlib
import os
import tracemalloc

import pytest

from candor.interviews.models import Candidate
from candor.vault import DecryptionError
from candor.vault.media import decrypted_media, iter_media, store_media

CHUNK = 64 * 1024
RECORD = 12 + CHUNK + 16
HEADER = 12


@pytest.fixture
def subject(state, add_candidate):
    candidate_id = add_candidate()
    with state.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        _ = candidate.subject.handle
        return candidate.subject


def _random_source(size, seed=b"media"):
    """A deterministic stream of ``size`` pseudo-random bytes produced on the fly (never all in memory)."""
    counter = 0
    produced = 0
    while produced < size:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest() * 2048  # 64 KiB
        block = block[: size - produced]
        produced += len(block)
        counter += 1
        yield block


def _digest(chunks):
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def test_large_file_round_trips_with_flat_memory(state, subject):
    size = 48 * 1024 * 1024  # 768 chunks
    tracemalloc.start()
    try:
        stored = store_media(state, subject, "answers/big.webm", _random_source(size), chunk_size=CHUNK)
        _, store_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got = _digest(iter_media(state, subject, "answers/big.webm"))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored == size
    assert got == _digest(_random_source(size))
    on_disk = state.storage.path_for("answers/big.webm").stat().st_size
    assert on_disk == HEADER + size // CHUNK * RECORD  # the last full chunk carries the final mark
    # A few chunks at most, whatever the file size (48 MiB here): memory does not grow with it.
    assert store_peak < 8 * CHUNK, store_peak
    assert read_peak < 8 * CHUNK, read_peak


def test_memory_does_not_grow_with_file_size(state, subject):
    peaks = []
    for size in (2 * 1024 * 1024, 32 * 1024 * 1024):
        tracemalloc.start()
        store_media(state, subject, f"answers/{size}.webm", _random_source(size), chunk_size=CHUNK)
        for _ in iter_media(state, subject, f"answers/{size}.webm"):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5 + CHUNK, peaks


def _store_small(state, subject, key="answers/a.webm", chunks=4):
    data = os.urandom(CHUNK * chunks - 100)
    store_media(state, subject, key, [data], chunk_size=CHUNK)
    return data, state.storage.path_for(key)


def test_round_trip_of_empty_and_odd_sizes(state, subject):
    for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1):
        data = os.urandom(size)
        store_media(state, subject, f"answers/{size}", [data], chunk_size=CHUNK)
        assert b"".join(iter_media(state, subject, f"answers/{size}")) == data


@pytest.mark.parametrize("damage", ["drop_last_chunk", "cut_mid_chunk", "swap_chunks", "flip_a_bit",
                                    "drop_a_middle_chunk", "append_a_chunk"])
def test_damaged_media_fails(state, subject, damage):
    _, path = _store_small(state, subject)
    raw = path.read_bytes()
    records = [raw[HEADER + i * RECORD: HEADER + (i + 1) * RECORD] for i in range(4)]
    if damage == "drop_last_chunk":
        damaged = raw[:HEADER] + b"".join(records[:3])
    elif damage == "cut_mid_chunk":
        damaged = raw[: HEADER + RECORD + 1000]
    elif damage == "swap_chunks":
        damaged = raw[:HEADER] + records[1] + records[0] + records[2] + records[3]
    elif damage == "flip_a_bit":
        damaged = bytearray(raw)
        damaged[HEADER + RECORD + 40] ^= 1
        damaged = bytes(damaged)
    elif damage == "drop_a_middle_chunk":
        damaged = raw[:HEADER] + records[0] + records[2] + records[3]
    else:
        damaged = raw + records[0]
    path.write_bytes(damaged)
    with pytest.raises(DecryptionError):
        for _ in iter_media(state, subject, "answers/a.webm"):
            pass


def test_media_moved_to_another_key_or_subject_fails(state, subject, add_candidate):
    _, path = _store_small(state, subject)
    moved = state.storage.path_for("answers/b.webm")
    moved.parent.mkdir(parents=True, exist_ok=True)
    moved.write_bytes(path.read_bytes())
    with pytest.raises(DecryptionError):
        list(iter_media(state, subject, "answers/b.webm"))
    with state.db.transaction() as session:
        other = session.get(Candidate, add_candidate(full_name="Other")).subject
        _ = other.handle
    with pytest.raises(DecryptionError):
        list(iter_media(state, other, "answers/a.webm"))


def test_decrypted_file_is_private_and_removed_afterwards(state, subject):
    data, _ = _store_small(state, subject)
    with decrypted_media(state, subject, "answers/a.webm", suffix=".webm") as path:
        assert path.read_bytes() == data
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
        assert path.parent == state.settings.data_dir / "tmp"
    assert not path.exists()
    with pytest.raises(RuntimeError), decrypted_media(state, subject, "answers/a.webm") as path:
        raise RuntimeError("the analysis failed")
    assert not path.exists()
    assert list((state.settings.data_dir / "tmp").iterdir()) == []


def test_failed_decryption_leaves_no_partial_plaintext(state, subject):
    _, path = _store_small(state, subject)
    path.write_bytes(path.read_bytes()[:-RECORD])  # the last chunk is gone
    with pytest.raises(DecryptionError), decrypted_media(state, subject, "answers/a.webm"):
        pass
    assert list((state.settings.data_dir / "tmp").iterdir()) == []



@pytest.fixture
def small_volume(tmp_path):
    """A 64 KiB tmpfs, small enough to fill (needs root to mount)."""
    import subprocess

    folder = tmp_path / "volume"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("size", [100, 300_000], ids=["fails-at-flush", "fails-at-write"])
def test_full_disk_leaves_no_half_written_file(small_volume, size):
    from candor_plugins.local_storage import LocalStorage

    storage = LocalStorage(small_volume)
    storage.open_write("answers/warm").close()  # the folder exists before the disk fills
    with open(small_volume / "filler", "wb", buffering=0) as filler, pytest.raises(OSError):
        while True:
            filler.write(b"\0" * 512)
    with pytest.raises(OSError) as raised, storage.open_write("answers/piece") as out:
        out.write(b"x" * size)  # a small write sits in the buffer: the disk is found full only at close
    assert raised.value.errno == errno.ENOSPC  # which the upload answers with 507
    assert not storage.exists("answers/piece")
    assert [p.name for p in small_volume.rglob(".part-*")] == []
