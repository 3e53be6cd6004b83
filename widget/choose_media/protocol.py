"""The wire protocol between the page and the kernel: every message kind, its fields, and the kernel's builders.

One table (:data:`MESSAGES`) declares every kind in both directions.  The kernel routes by it (the widget's
dispatch table must name exactly the browser→kernel kinds), builds what it sends with the functions below,
and the docs (``docs/design.md``) and the page (``js/protocol_table.js``) are generated from it, with tests
that keep all three equal.  File bytes travel only as binary buffers of custom messages: never base64, never
in a synced trait, so they are never saved into the notebook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from .errors import Errno, fail_message

Direction = Literal["browser", "kernel"]
"""Who sends the message: ``browser`` (page → kernel) or ``kernel`` (kernel → page)."""


@dataclass(frozen=True)
class MessageKind:
    """One message kind: who sends it, its fields (besides ``kind``), its binary buffers and what it means."""

    kind: str
    sender: Direction
    fields: tuple[str, ...]
    buffers: str
    meaning: str


def _m(kind: str, sender: Direction, fields: str, buffers: str, meaning: str) -> MessageKind:
    return MessageKind(kind, sender, tuple(fields.split()), buffers, meaning)


#: Every message kind, in both directions.
MESSAGES: Final[tuple[MessageKind, ...]] = (
    _m("begin", "browser", "id name mime size source", "–",
       "a file transfer starts; `id` is chosen by the browser; `source` is `album` or `camera` "
       "(`count` limits album files only)"),
    _m("file", "browser", "id name mime size source", "one `ArrayBuffer`: the whole file",
       "a file no larger than `chunk_size` in one message: `begin`, its one chunk and `end` at once, answered "
       "with `stored` or `error` only (a 1 MiB photo costs one message instead of three)"),
    _m("chunk", "browser", "id offset", "one `ArrayBuffer`", "bytes `[offset, offset+len)` of the file"),
    _m("end", "browser", "id md5", "–",
       "the browser sent everything; an `md5` (hex, whole file) is optional and checked when sent: the shipped "
       "page sends none (hashing on its main thread cost about a fifth of the throughput)"),
    _m("remove", "browser", "id", "–", "the user removed the file (or aborted its transfer)"),
    _m("album_list", "browser", "", "–", "send the album folder's entries (the shelf beside the file chooser)"),
    _m("album_pick", "browser", "id key", "–",
       "add an album folder entry to the pick (copied in the kernel; no bytes cross the wire)"),
    _m("confirm", "browser", "ids original", "–",
       "the user pressed Confirm; `original` is the state of the Original toggle. Processing runs off the "
       "comm, so other messages (frames, Cancel) keep flowing"),
    _m("cancel", "browser", "", "–", "the user pressed Cancel (also while the pick is being processed)"),
    _m("reset", "browser", "", "–", "Pick again after a result: forget the finished pick"),
    _m("hello", "browser", "", "–", "a view appeared (first render or page reload): the kernel answers `pending`"),
    _m("resume_query", "browser", "id", "–",
       "how many bytes of this interrupted transfer does the kernel hold? (answered with `ack`)"),
    _m("resume", "browser", "id size received prefix_md5", "–",
       "go on with an interrupted transfer; the kernel restarts it from 0 when the browser's prefix differs"),
    _m("ping", "browser", "", "–",
       "liveness: sent only while a pick is open and the kernel has been silent for 5 s; the kernel's status "
       "messages answer it"),
    _m("frame", "browser", "seq timestamp width height format dropped", "one encoded frame",
       "a live camera frame for `on_frame` (answered with `frame_ack`; at most two in flight); `dropped`: "
       "frames the page skipped since the last one it sent"),
    _m("preview", "browser", "id", "–",
       "the page cannot show this stored file's thumbnail itself (HEIF, TIFF, a video codec it lacks), or "
       "should not (an image over 1 MiB: decoding it costs the page more than sending it): the kernel makes one"),
    _m("camera_state", "browser",
       "state source constraints settings label facing mirrored audio devices", "–",
       "what the camera is doing (kept as `w.camera_state`)"),
    _m("camera_error", "browser", "errno detail", "–",
       "the camera could not start (permission, no device, insecure page): `detail` in English; the kernel "
       "writes the `errMsg`"),
    _m("ack", "kernel", "id received", "–",
       "bytes stored on disk so far (flow control: the browser keeps a few chunks in flight)"),
    _m("stored", "kernel", "id name source type size width height duration", "–",
       "the file arrived whole and was recognised"),
    _m("error", "kernel", "id errno errMsg", "–", "this transfer (or, with `id` null, this request) failed; "
       "the others carry on"),
    _m("album_list", "kernel", "items", "one JPEG thumbnail per item", "the album folder's entries"),
    _m("pending", "kernel", "transfers stored", "–",
       "answer to `hello`: unfinished transfers (resumable) and files already stored (each like `stored`)"),
    _m("frame_ack", "kernel", "seq", "–", "the frame reached `on_frame`; the browser may send the next"),
    _m("clear", "kernel", "", "–", "the pick was emptied from Python (`w.clear()`): the page empties its list"),
    _m("preview", "kernel", "id", "one JPEG (none when it could not be made)",
       "the kernel's thumbnail of a stored file, answering `preview`"),
)

BROWSER_KINDS: Final = frozenset(m.kind for m in MESSAGES if m.sender == "browser")
_BY_KEY: Final = {(m.sender, m.kind): m for m in MESSAGES}


def spec(sender: Direction, kind: str) -> MessageKind:
    """The table's entry for ``kind`` sent by ``sender``; ``KeyError`` for a kind the protocol lacks."""
    return _BY_KEY[(sender, kind)]


def _message(kind: str, **fields: Any) -> dict[str, Any]:
    declared = spec("kernel", kind).fields
    unknown = set(fields) - set(declared)
    if unknown:  # a programming error: the table is the contract
        raise ValueError(f"{kind} has no field(s) {sorted(unknown)}")
    return {"kind": kind, **fields}


# -- what the kernel sends -------------------------------------------------------------------------------
def ack(transfer_id: str, received: int) -> dict[str, Any]:
    return _message("ack", id=transfer_id, received=received)


def stored(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry``: a stored file's fields, as :meth:`choose_media.session.StoredFileState.to_message` gives."""
    return _message("stored", **entry)


def error(transfer_id: str | None, errno: int, detail: str) -> dict[str, Any]:
    """The kernel writes every ``errMsg`` (the page sends its reasons as ``detail``)."""
    return _message("error", id=transfer_id, errno=int(Errno(errno)), errMsg=fail_message(detail))


def album_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return _message("album_list", items=items)


def pending(transfers: list[dict[str, Any]], stored_files: list[dict[str, Any]]) -> dict[str, Any]:
    return _message("pending", transfers=transfers, stored=stored_files)


def frame_ack(seq: int) -> dict[str, Any]:
    return _message("frame_ack", seq=seq)


def clear() -> dict[str, Any]:
    return _message("clear")


def preview(transfer_id: str) -> dict[str, Any]:
    return _message("preview", id=transfer_id)


# -- docs and the page -----------------------------------------------------------------------------------
def protocol_table_markdown() -> str:
    """The wire protocol tables of ``docs/design.md``, one per direction."""
    out: list[str] = []
    for sender, title in (("browser", "Browser → kernel"), ("kernel", "Kernel → browser")):
        out += [f"{title}:", "", "| kind | fields | buffers | meaning |", "|---|---|---|---|"]
        for m in MESSAGES:
            if m.sender == sender:
                fields = ", ".join(f"`{f}`" for f in m.fields) or "–"
                out.append(f"| `{m.kind}` | {fields} | {m.buffers} | {m.meaning} |")
        out.append("")
    return "\n".join(out).rstrip()


def protocol_table_js() -> str:
    """``js/protocol_table.js``: the kinds and fields the page may send and receive."""
    lines = ["// Generated from widget/choose_media/protocol.py by `python scripts/generate.py`; do not edit.", ""]
    for sender, name in (("browser", "BROWSER_TO_KERNEL"), ("kernel", "KERNEL_TO_BROWSER")):
        lines.append(f"/** Field names of each message kind the {sender} sends. @type {{Readonly<Record<string, readonly string[]>>}} */")
        lines.append(f"export const {name} = Object.freeze({{")
        for m in MESSAGES:
            if m.sender == sender:
                lines.append(f"  {m.kind}: Object.freeze({json.dumps(list(m.fields))}),")
        lines += ["});", ""]
    return "\n".join(lines)
