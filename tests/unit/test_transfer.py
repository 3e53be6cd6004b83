"""The chunk protocol's kernel side: whole files or nothing, never trusting the sender."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from choose_media import Errno
from choose_media.errors import MediaError
from choose_media.transfer import IncomingTransfer, TransferError
from tests.support.fake_page import FakePage

DATA = bytes(range(256)) * 40  # 10240 bytes


def new(tmp_path: Path, size: int = len(DATA), **kw: object) -> IncomingTransfer:
    return IncomingTransfer("t1", size, tmp_path / "in.part", **kw)  # type: ignore[arg-type]


def test_in_order_chunks_make_the_whole_file(tmp_path: Path) -> None:
    t = new(tmp_path)
    for off in range(0, len(DATA), 4096):
        assert t.write_chunk(off, memoryview(DATA)[off : off + 4096]) == min(off + 4096, len(DATA))
    path, md5 = t.finish(hashlib.md5(DATA).hexdigest())
    assert path.read_bytes() == DATA and md5 == hashlib.md5(DATA).hexdigest()


def test_duplicate_chunk_is_ignored(tmp_path: Path) -> None:
    t = new(tmp_path)
    t.write_chunk(0, DATA[:4096])
    assert t.write_chunk(0, DATA[:4096]) == 4096
    t.write_chunk(4096, DATA[4096:])
    assert t.finish(hashlib.md5(DATA).hexdigest())[0].read_bytes() == DATA


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ((0, 4096), (8192, 1024), "gap"),
        ((0, 4096), (2048, 4096), "overlaps"),
    ],
)
def test_out_of_order_or_overlapping_chunk_fails_and_deletes(
    tmp_path: Path, first: tuple[int, int], second: tuple[int, int], words: str
) -> None:
    t = new(tmp_path)
    t.write_chunk(first[0], DATA[first[0] : first[0] + first[1]])
    with pytest.raises(TransferError, match=words) as info:
        t.write_chunk(second[0], DATA[second[0] : second[0] + second[1]])
    assert info.value.errno == Errno.TRANSFER_INTERRUPTED
    assert not (tmp_path / "in.part").exists()


def test_chunk_past_declared_size_fails(tmp_path: Path) -> None:
    t = new(tmp_path, size=100)
    with pytest.raises(TransferError, match="past the declared size"):
        t.write_chunk(0, DATA[:101])
    assert not (tmp_path / "in.part").exists()


def test_missing_bytes_fail_at_the_end(tmp_path: Path) -> None:
    t = new(tmp_path)
    t.write_chunk(0, DATA[:4096])
    with pytest.raises(TransferError, match="only 4096 of 10240"):
        t.finish(hashlib.md5(DATA).hexdigest())
    assert not (tmp_path / "in.part").exists()


def test_md5_mismatch_fails_and_deletes(tmp_path: Path) -> None:
    t = new(tmp_path)
    t.write_chunk(0, DATA)
    with pytest.raises(TransferError, match="md5 mismatch"):
        t.finish("0" * 32)
    assert not (tmp_path / "in.part").exists()


def test_empty_and_oversized_files_are_refused_before_any_byte(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as empty:
        new(tmp_path, size=0)
    assert empty.value.errno == Errno.EMPTY_FILE
    assert not (tmp_path / "in.part").exists()
    # the per-file limit is the pick's admission: a begin over max_file_size is refused, no file is opened
    page = FakePage(store_dir=tmp_path / "store", max_file_size=999)
    (refused,) = page.send("begin", id="big", size=1000, source="album", name="big.jpg", mime="")
    assert refused["kind"] == "error" and refused["id"] == "big" and refused["errno"] == Errno.FILE_TOO_LARGE
    assert "over the limit of 999 bytes" in refused["errMsg"]
    assert page.files_in_store() == [] and page.widget.pick.transfers == ()
    # the chunks already on their way are dropped quietly; at the limit a file is accepted
    assert page.send("chunk", [DATA[:1000]], id="big", offset=0) == []
    assert page.send("begin", id="ok", size=999, source="album", name="ok.jpg", mime="").kinds() == ["ack"]
    assert [(t.id, t.size, t.received) for t in page.widget.pick.transfers] == [("ok", 999, 0)]


@pytest.mark.parametrize("size", [-1, "10", None, True, 1.5])
def test_declared_size_must_be_a_byte_count(tmp_path: Path, size: object) -> None:
    with pytest.raises(TransferError):
        new(tmp_path, size=size)  # type: ignore[arg-type]


def test_abort_removes_the_partial_file(tmp_path: Path) -> None:
    t = new(tmp_path)
    t.write_chunk(0, DATA[:10])
    t.abort()
    t.abort()
    assert not (tmp_path / "in.part").exists()
    with pytest.raises(TransferError):
        t.write_chunk(10, DATA[10:20])
