"""The kernel never trusts the front-end: generated message sequences, tampered and garbled.

Whatever arrives, every message gets a well-formed reply or none (never an internal exception), the
kernel keeps running and never stays half-way through a pick, and a file is only ever reported when
every byte of it arrived in order (and with the right md5, when one was sent).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from choose_media.errors import Errno
from tests.support.fake_page import FakePage, wait_until


def _payload() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


PAYLOAD = _payload()
MD5 = hashlib.md5(PAYLOAD).hexdigest()
IDS = st.sampled_from(["a", "b", "c", "../x", "", "z" * 100])

begin = st.builds(
    lambda tid, size, source: ({"kind": "begin", "id": tid, "size": size, "source": source, "name": "p.jpg"}, []),
    IDS,
    st.one_of(st.just(len(PAYLOAD)), st.integers(-5, 3 * len(PAYLOAD)), st.none(), st.text(max_size=3)),
    st.sampled_from(["album", "camera", "elsewhere", None]),
)
chunk = st.builds(
    lambda tid, start, length, claimed: (
        {"kind": "chunk", "id": tid, "offset": start if claimed is None else claimed},
        [memoryview(PAYLOAD[start : start + length])],
    ),
    IDS,
    st.integers(0, len(PAYLOAD)),
    st.integers(0, len(PAYLOAD)),
    st.one_of(st.none(), st.integers(-3, 2 * len(PAYLOAD)), st.text(max_size=2)),
)
whole = st.builds(lambda tid: ({"kind": "chunk", "id": tid, "offset": 0}, [memoryview(PAYLOAD)]), IDS)
one_message = st.builds(  # a whole file in one message, its claimed size and buffers possibly wrong
    lambda tid, size, buffers: ({"kind": "file", "id": tid, "size": size, "source": "album", "name": "p.jpg"},
                                buffers),
    IDS,
    st.one_of(st.just(len(PAYLOAD)), st.integers(-5, 3 * len(PAYLOAD)), st.none(), st.text(max_size=3)),
    st.sampled_from([
        [memoryview(PAYLOAD)], [memoryview(PAYLOAD[:500])], [memoryview(PAYLOAD + b"x")], [],
        [memoryview(PAYLOAD[:10]), memoryview(PAYLOAD[10:])], [memoryview(b"")],
    ]),
)
end = st.builds(
    lambda tid, md5: ({"kind": "end", "id": tid} | ({} if md5 is None else {"md5": md5}), []),
    IDS,
    st.sampled_from([MD5, "0" * 32, None]),  # None: the shipped front-end sends no md5
)
other = st.one_of(
    st.builds(lambda tid: ({"kind": "remove", "id": tid}, []), IDS),
    st.builds(lambda ids: ({"kind": "confirm", "ids": ids, "original": True}, []), st.lists(IDS, max_size=4)),
    st.just(({"kind": "cancel"}, [])),
    st.just(({"kind": "reset"}, [])),
    st.just(({"kind": "confirm", "ids": "a"}, [])),
    st.builds(lambda junk: (junk, []), st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers()))),
    st.builds(lambda kind: ({"kind": kind}, []), st.text(max_size=40)),
    st.just(({"kind": "chunk", "id": "a", "offset": 0}, [memoryview(b"x"), memoryview(b"y")])),
    st.just(({"kind": "begin", "id": "a", "size": 10, "source": "album", "name": "n" * 100_000}, [])),
)
upload = st.builds(
    lambda tid, source: [
        ({"kind": "begin", "id": tid, "size": len(PAYLOAD), "source": source, "name": "p.jpg"}, []),
        ({"kind": "chunk", "id": tid, "offset": 0}, [memoryview(PAYLOAD[:700])]),
        ({"kind": "chunk", "id": tid, "offset": 700}, [memoryview(PAYLOAD[700:])]),
        ({"kind": "end", "id": tid}, []),  # as the shipped front-end: no md5
    ],
    IDS,
    st.sampled_from(["album", "camera"]),
)
confirm = st.builds(lambda ids: [({"kind": "confirm", "ids": ids, "original": True}, [])], st.lists(IDS, max_size=4))
single = st.one_of(begin, chunk, whole, one_message, end, other).map(lambda m: [m])
step = st.one_of(single, single, upload, confirm)


def _happy(tid: str, md5: str | None = None) -> list[tuple[Any, list[memoryview]]]:
    return [
        ({"kind": "begin", "id": tid, "size": len(PAYLOAD), "source": "album", "name": "p.jpg"}, []),
        ({"kind": "chunk", "id": tid, "offset": 0}, [memoryview(PAYLOAD)]),
        ({"kind": "end", "id": tid} | ({} if md5 is None else {"md5": md5}), []),
    ]


def _tampered(content: Any, buffers: list[memoryview]) -> bool:
    """A chunk whose bytes are not the payload's at the offset it claims (the kernel cannot know)."""
    if isinstance(content, dict) and content.get("kind") == "file" and len(buffers) == 1:
        return not PAYLOAD.startswith(bytes(buffers[0]))
    if not (isinstance(content, dict) and content.get("kind") == "chunk" and len(buffers) == 1):
        return False
    offset, data = content.get("offset"), bytes(buffers[0])
    return not (isinstance(offset, int) and PAYLOAD[offset : offset + len(data)] == data)


@example([_happy("a"), _happy("b"), [({"kind": "confirm", "ids": ["a", "b"], "original": True}, [])]])
@example([_happy("a"), [({"kind": "confirm", "ids": ["a", "a"], "original": True}, [])]])
@example([_happy("a", MD5), [({"kind": "confirm", "ids": ["a"], "original": True}, [])]])
@example([_happy("a", "0" * 32), [({"kind": "confirm", "ids": ["a"], "original": True}, [])]])
@example([_happy("a"), _happy("a"), _happy("b"), _happy("c"), [({"kind": "confirm", "ids": ["a", "b", "c"], "original": True}, [])]])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, max_size=20))
def test_any_message_sequence_keeps_the_kernel_consistent(steps: list[list[tuple[Any, list[memoryview]]]]) -> None:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        b = FakePage(store_dir=Path(tmp) / "store", count=2)
        tampered = False
        for content, buffers in (message for group in steps for message in group):
            tampered = tampered or _tampered(content, buffers)
            b.msg(content, buffers)  # an exception escaping the widget fails the test here
            # a confirmed pick is processed off the comm: it must end, with a result (never stay half-way)
            wait_until(lambda: b.widget.status != "processing", 30, "the end of the processing")
            assert b.widget.status != "processing", "a pick was left half-way"
            if b.widget.status == "done":
                assert b.widget.result is not None, "a pick ended without a result"
            for reply in b.replies:  # also what the processing sent later
                assert isinstance(reply, dict) and reply["kind"] in {"ack", "stored", "error"}
                if reply["kind"] == "error":
                    assert reply["errMsg"].startswith("chooseMedia:fail ") and isinstance(reply["errno"], int)
                    assert reply["errno"] != Errno.UNKNOWN_EXCEPTION, f"an internal exception: {reply['errMsg']}"
            # open transfers own at most one partial file each; nothing else is half-written
            partial = list(b.widget.store.incoming_dir.glob("*"))
            pick = b.widget.pick
            assert len(partial) <= len(pick.transfers) + len(pick.stored)
            result = b.widget.result
            if result is not None and result["errMsg"] == "chooseMedia:ok":
                for f in b.widget.temp_files:
                    # a reported file is what its name says, byte for byte ...
                    assert hashlib.md5(f.read_bytes()).hexdigest() == f.md5 and f.md5 in f.temp_file_path
                    # ... and, unless chunks lied about their offsets, the payload's bytes in order
                    if not tampered:
                        assert PAYLOAD.startswith(f.read_bytes())
                event(f"reported {len(result['tempFiles'])} files")


def test_a_file_sent_without_an_md5_is_checked_by_offsets_and_length(tmp_path: Path) -> None:
    b = FakePage(store_dir=tmp_path / "store")
    b.msg({"kind": "begin", "id": "a", "size": len(PAYLOAD), "source": "album", "name": "p.jpg"})
    b.msg({"kind": "chunk", "id": "a", "offset": 0}, [memoryview(PAYLOAD[:500])])
    short = b.msg({"kind": "end", "id": "a"})
    assert [r["kind"] for r in short] == ["error"] and f"500 of {len(PAYLOAD)} bytes" in short[0]["errMsg"]
    assert b.files_in_store() == []
    replies = b.msg({"kind": "begin", "id": "b", "size": len(PAYLOAD), "source": "album", "name": "p.jpg"})
    replies += b.msg({"kind": "chunk", "id": "b", "offset": 0}, [memoryview(PAYLOAD)])
    replies += b.msg({"kind": "end", "id": "b"})
    assert replies[-1]["kind"] == "stored"
    assert b.confirm(["b"], original=True)["tempFiles"][0]["tempFilePath"].endswith(f"-{MD5}.jpg")


def test_chunks_still_in_flight_after_a_refusal_get_no_reply(tmp_path: Path) -> None:
    """The browser sends begin, chunks and end back to back: one refusal is one error, not one per chunk."""
    b = FakePage(store_dir=tmp_path / "store", count=1)
    assert b.upload("a", PAYLOAD)[-1]["kind"] == "stored"
    refused = b.upload("b", PAYLOAD, chunk=256)  # over count: refused at begin
    assert [r["kind"] for r in refused] == ["error"]
    assert refused[0]["errMsg"] == "chooseMedia:fail no more than count=1 files can be picked (2 were)"
    # a transfer the user removed mid-way: the chunks already on the wire are dropped quietly
    b2 = FakePage(store_dir=tmp_path / "store2", count=2)
    b2.msg({"kind": "begin", "id": "c", "size": len(PAYLOAD), "source": "album", "name": "p.jpg"})
    b2.msg({"kind": "remove", "id": "c"})
    assert b2.msg({"kind": "chunk", "id": "c", "offset": 0}, [memoryview(PAYLOAD)]) == []
    assert b2.msg({"kind": "end", "id": "c"}) == [] and b2.files_in_store() == []
    # an id never seen is still an error
    assert b2.msg({"kind": "chunk", "id": "zz", "offset": 0}, [memoryview(PAYLOAD)])[0]["kind"] == "error"


def test_a_file_in_one_message_is_checked_like_one_sent_in_chunks(tmp_path: Path) -> None:
    """``file`` (begin + chunk + end at once): a wrong size, a missing, split or extra buffer is refused with
    a clear error, leaves nothing behind, and the same id (or another) can then send the file properly."""
    b = FakePage(store_dir=tmp_path / "store", count=2)
    msg = {"kind": "file", "id": "a", "size": len(PAYLOAD), "source": "album", "name": "p.jpg", "mime": ""}
    cases = [
        ({**msg, "size": len(PAYLOAD) + 10}, [PAYLOAD], f"only {len(PAYLOAD)} of {len(PAYLOAD) + 10} bytes arrived"),
        ({**msg, "size": 10}, [PAYLOAD], "past the declared size 10"),
        (msg, [], "exactly one buffer"),
        (msg, [PAYLOAD[:10], PAYLOAD[10:]], "exactly one buffer"),
        ({**msg, "size": 0}, [b""], "empty"),
    ]
    for content, buffers, why in cases:
        [reply] = b.msg(content, buffers)
        assert reply["kind"] == "error" and why in reply["errMsg"], reply
        assert reply["errno"] != Errno.UNKNOWN_EXCEPTION
        assert b.files_in_store() == [] and b.widget.pick.transfers == () and b.widget.pick.stored == ()
    [stored] = b.msg({**msg, "id": "b"}, [PAYLOAD])
    assert stored["kind"] == "stored" and stored["size"] == len(PAYLOAD) and stored["type"] == "image"
    # admission is the same as for a chunked file: a third file is over count=2
    assert b.msg({**msg, "id": "c"}, [PAYLOAD])[0]["kind"] == "stored"
    [over] = b.msg({**msg, "id": "d"}, [PAYLOAD])
    assert over["errMsg"] == "chooseMedia:fail no more than count=2 files can be picked (3 were)"
    assert [f["tempFilePath"].endswith(f"-{MD5}.jpg") for f in b.confirm(["b", "c"], original=True)["tempFiles"]] == [True, True]


def test_a_file_confirmed_twice_in_one_message_is_reported_once(tmp_path: Path) -> None:
    """A tampered confirm naming a file twice must not crash the pick half-way (stuck in "processing")."""
    b = FakePage(store_dir=tmp_path / "store", sizeType=["original"])  # no background compression to wait for
    assert b.upload("a", PAYLOAD)[-1]["kind"] == "stored"
    result = b.confirm(["a", "a"], original=True)
    assert result["errMsg"] == "chooseMedia:ok" and len(result["tempFiles"]) == 1
    assert b.widget.status == "done"
    [f] = b.widget.temp_files
    assert set(b.files_in_store()) == {f.path, f.thumb_path}  # nothing left behind
