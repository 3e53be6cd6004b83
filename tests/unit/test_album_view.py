"""The kernel-side album source: only media directly in album_dir, never links out, newest first."""

from __future__ import annotations

import os
from pathlib import Path

from choose_media.album.folder import list_album
from choose_media.samples import make_photo


def test_only_media_directly_in_the_album_is_listed_newest_first(tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    old = make_photo(album / "old.jpg", (64, 48), orientation=1, gps=False)
    new = make_photo(album / "new.jpg", (64, 48), orientation=1, gps=False)
    os.utime(old, (1_000_000, 1_000_000))
    (album / "script.jpg").write_text("#!/bin/sh\n")  # not media, whatever its name says
    (album / ".hidden.jpg").write_bytes(new.read_bytes())
    (album / "sub").mkdir()
    make_photo(album / "sub" / "deep.jpg", (64, 48), orientation=1, gps=False)
    outside = make_photo(tmp_path / "secret.jpg", (64, 48), orientation=1, gps=False)
    (album / "link.jpg").symlink_to(outside)
    entries = list_album(album, ["image", "video"])
    assert [e.path.name for e in entries] == ["new.jpg", "old.jpg"]
    assert all(len(e.key) == 32 and "/" not in e.key for e in entries)


def test_media_type_filters_the_album(tmp_path: Path) -> None:
    make_photo(tmp_path / "a.jpg", (64, 48), orientation=1, gps=False)
    assert list_album(tmp_path, ["video"]) == []
    assert list_album(tmp_path / "missing", ["image"]) == []
