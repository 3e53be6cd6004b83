"""The kernel's temp store: where picked media lives, under ``ttfile://temp/`` paths.

One directory per kernel process, removed when the kernel exits.  A directory
left behind by a kernel that was killed is swept by the next store that starts.
Uploaded file names never become paths: every stored name is ``<uuid>-<md5>.<ext>``.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = "ttfile://temp/"
_STORE_PARENT_NAME = "choose-media"
_STORED_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]{32}\.[a-z0-9]{1,5}$")
_EXT = re.compile(r"^[a-z0-9]{1,5}$")
_COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    temp_file_path: str
    path: Path
    md5: str
    size: int


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_orphans(parent: Path) -> None:
    """Remove store directories whose kernel process is gone."""
    for child in parent.glob("kernel-*"):
        try:
            pid = int(child.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(child, ignore_errors=True)


class TempFileStore:
    """Per-kernel storage for picked media. ``cleanup()`` removes everything."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            parent = Path(tempfile.gettempdir()) / _STORE_PARENT_NAME
            parent.mkdir(mode=0o700, exist_ok=True)
            _sweep_orphans(parent)
            root = Path(tempfile.mkdtemp(prefix=f"kernel-{os.getpid()}-", dir=parent))
        else:
            root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.incoming_dir = root / ".incoming"
        self.work_dir = root / ".work"
        self.incoming_dir.mkdir(exist_ok=True)
        self.work_dir.mkdir(exist_ok=True)

    def new_incoming_path(self) -> Path:
        """A fresh path for bytes still arriving (never a stored name, so never resolvable)."""
        return self.incoming_dir / f"{uuid.uuid4()}.part"

    def adopt(self, path: Path, ext: str, md5: str | None = None) -> StoredFile:
        """Move a finished file into the store under its ``<uuid>-<md5>.<ext>`` name."""
        if not _EXT.match(ext):
            raise ValueError(f"bad extension {ext!r}")
        if md5 is None:
            md5 = file_md5(path)
        name = f"{uuid.uuid4()}-{md5}.{ext}"
        dest = self.root / name
        os.replace(path, dest)
        return StoredFile(TEMP_PREFIX + name, dest, md5, dest.stat().st_size)

    def import_file(self, src: Path) -> tuple[Path, str]:
        """Copy a local file into the incoming area, hashing as it goes; returns ``(path, md5)``."""
        dest = self.new_incoming_path()
        digest = hashlib.md5()
        try:
            with open(src, "rb") as fin, open(dest, "xb") as fout:
                while block := fin.read(_COPY_BLOCK):
                    digest.update(block)
                    fout.write(block)
        except BaseException:
            dest.unlink(missing_ok=True)  # never leave a partial copy behind
            raise
        return dest, digest.hexdigest()

    def resolve(self, temp_file_path: str) -> Path:
        """The local path of a ``ttfile://temp/...`` path from this store."""
        if not temp_file_path.startswith(TEMP_PREFIX):
            raise ValueError(f"not a ttfile temp path: {temp_file_path!r}")
        name = temp_file_path[len(TEMP_PREFIX) :]
        if not _STORED_NAME.match(name):
            raise ValueError(f"not a stored file name: {name!r}")
        path = self.root / name
        if not path.is_file():
            raise FileNotFoundError(temp_file_path)
        return path

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fin:
        while block := fin.read(_COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


_default_store: TempFileStore | None = None
_default_lock = threading.Lock()


def default_store() -> TempFileStore:
    """The store of this kernel process, created on first use and removed at exit."""
    global _default_store
    with _default_lock:
        if _default_store is None:
            _default_store = TempFileStore()
            atexit.register(_default_store.cleanup)
        return _default_store


def resolve_temp_file_path(temp_file_path: str) -> Path:
    """Resolve a ``ttfile://temp/...`` path handed out in this kernel to a local path."""
    return default_store().resolve(temp_file_path)
