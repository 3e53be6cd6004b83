"""Plays the browser's side of the wire protocol against a widget, in-process, recording replies."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from choose_media import ChooseMediaWidget
from choose_media.store import TempFileStore


class FakeBrowser:
    def __init__(self, store_dir: Path, **options: Any) -> None:
        self.widget = ChooseMediaWidget(store=TempFileStore(store_dir), **options)
        self.replies: list[dict[str, Any]] = []
        self.widget.send = lambda content, buffers=None: self.replies.append(content)  # type: ignore[method-assign]

    def msg(self, content: Any, buffers: list[Any] | None = None) -> list[dict[str, Any]]:
        """Send one message; returns the replies it caused."""
        start = len(self.replies)
        self.widget._on_message(self.widget, content, buffers or [])
        return self.replies[start:]

    def upload(self, tid: str, data: bytes, *, name: str = "file", source: str = "album", chunk: int = 1 << 20,
               md5: bool = False) -> list[dict[str, Any]]:
        """Send ``data`` as the shipped front-end does: ``end`` carries no md5 (``md5=True``: as a client may)."""
        replies = self.msg({"kind": "begin", "id": tid, "size": len(data), "source": source, "name": name})
        for offset in range(0, len(data), chunk):
            replies += self.msg({"kind": "chunk", "id": tid, "offset": offset}, [memoryview(data[offset : offset + chunk])])
        end = {"kind": "end", "id": tid} | ({"md5": hashlib.md5(data).hexdigest()} if md5 else {})
        replies += self.msg(end)
        return replies

    def confirm(self, ids: list[str], original: bool = False) -> dict[str, Any]:
        self.msg({"kind": "confirm", "ids": ids, "original": original})
        assert self.widget.result is not None
        return self.widget.result

    def files_in_store(self) -> list[Path]:
        return sorted(p for p in self.widget._store.root.rglob("*") if p.is_file())
