"""Faults while storing: a full disk gives a clear error, loses nothing else, leaves nothing half-written."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from choose_media import ChooseMediaWidget, Errno
from choose_media.album.folder import save_to_album
from choose_media.store import TempFileStore
from tests.support import media_fixtures as fx
from tests.support.fake_page import FakePage


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for this test (needs root); the test is skipped where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_during_an_upload_is_a_clear_error_and_the_other_files_survive(small_disk: Path, tmp_path: Path) -> None:
    small = fx.photo_jpeg(tmp_path, (320, 240)).read_bytes()
    big = os.urandom(3 * 1024 * 1024)
    b = FakePage(store_dir=small_disk / "store", sizeType=["original"])
    assert b.upload("ok1", small)[-1]["kind"] == "stored"
    replies = b.upload("big", big, name="big.jpg", chunk=256 * 1024)
    errors = [r for r in replies if r["kind"] == "error"]
    assert errors[0]["errno"] == Errno.STORAGE_FAILED
    assert "No space left on device" in errors[0]["errMsg"]
    # only ok1's received file is left in the incoming area: the failed transfer's partial file is gone
    assert [s.id for s in b.widget.pick.stored] == ["ok1"] and b.widget.pick.transfers == ()
    [kept] = list((small_disk / "store" / ".incoming").iterdir())
    assert kept.read_bytes() == small  # ok1's received bytes, whole
    assert b.upload("ok2", small)[-1]["kind"] == "stored", "space is given back when a transfer fails"
    result = b.confirm(["ok1", "ok2"], original=True)
    assert [e["size"] for e in result["tempFiles"]] == [len(small), len(small)]
    assert all(f.md5 == hashlib.md5(small).hexdigest() for f in b.widget.temp_files)


def test_disk_full_in_a_headless_pick_fails_that_file_only(small_disk: Path, tmp_path: Path) -> None:
    small = fx.photo_jpeg(tmp_path, (320, 240))
    big = tmp_path / "big.mp4"
    big.write_bytes(fx.mp4_with_audio(tmp_path).read_bytes() + os.urandom(3 * 1024 * 1024))
    w = ChooseMediaWidget(store=TempFileStore(small_disk / "store"), sizeType=["original"])
    result = w.pick_files([small, big, small])
    assert len(result["tempFiles"]) == 2
    (failure,) = result["failedFiles"]
    assert failure["errno"] == Errno.STORAGE_FAILED and "No space left" in failure["errMsg"]
    assert not list((small_disk / "store" / ".incoming").glob("*"))


def test_album_writes_never_overwrite_and_appear_whole(tmp_path: Path) -> None:
    shot = fx.photo_jpeg(tmp_path, (320, 240))
    album = tmp_path / "album"
    album.mkdir()
    first = save_to_album(shot, album, "jpg", when=0)
    (album / "keep.jpg").write_bytes(b"mine")
    second = save_to_album(shot, album, "jpg", when=0)  # same second: a new name, not a replacement
    assert first != second and first.read_bytes() == second.read_bytes() == shot.read_bytes()
    assert (album / "keep.jpg").read_bytes() == b"mine"
    assert not [p for p in album.iterdir() if p.name.startswith(".")], "no temporary file is left in the album"


def test_album_on_a_full_disk_fails_clearly_and_leaves_no_partial_file(small_disk: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    with pytest.raises(Exception) as info:
        save_to_album(big, small_disk / "album", "jpg")
    assert getattr(info.value, "errno", None) == Errno.SAVE_TO_ALBUM_FAILED
    assert list((small_disk / "album").iterdir()) == []
