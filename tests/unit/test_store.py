"""The temp store: seed-shaped paths, resolution, no names from uploads, cleanup."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from choose_media.store import TempFileStore

SHAPE = re.compile(r"^ttfile://temp/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-([0-9a-f]{32})\.jpg$")


def test_adopted_file_gets_the_seed_shape_and_resolves(tmp_path: Path) -> None:
    store = TempFileStore(tmp_path / "store")
    src = tmp_path / "..%2F..%2Fetc%2Fpasswd.jpg"
    src.write_bytes(b"hello")
    incoming, md5 = store.import_file(src)
    stored = store.adopt(incoming, "jpg", md5)
    m = SHAPE.match(stored.temp_file_path)
    assert m and m.group(1) == hashlib.md5(b"hello").hexdigest() == stored.md5
    assert store.resolve(stored.temp_file_path) == stored.path
    assert stored.path.parent == store.root and stored.path.read_bytes() == b"hello"
    assert "passwd" not in stored.temp_file_path


@pytest.mark.parametrize(
    "bad",
    ["ttfile://temp/../secret", "file:///etc/passwd", "ttfile://temp/x.jpg", "ttfile://temp/.incoming/a.part"],
)
def test_resolve_refuses_anything_but_stored_names(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        TempFileStore(tmp_path).resolve(bad)


def test_store_directory_is_removed_when_the_kernel_process_exits(tmp_path: Path) -> None:
    code = (
        f"import tempfile, pathlib; tempfile.tempdir = {str(tmp_path)!r}\n"
        "from choose_media.store import default_store\n"
        "s = default_store(); (s.root / 'x').write_bytes(b'1'); print(s.root)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out and not Path(out).exists()


def test_a_killed_kernels_store_is_swept_by_the_next_one(tmp_path: Path) -> None:
    parent = tmp_path / "choose-media"
    parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = parent / f"kernel-{dead.pid}-abc"
    orphan.mkdir()
    alive = parent / f"kernel-{os.getpid()}-mine"
    alive.mkdir()
    code = f"import tempfile; tempfile.tempdir = {str(tmp_path)!r}\nfrom choose_media.store import TempFileStore; TempFileStore()"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not orphan.exists() and alive.exists()
