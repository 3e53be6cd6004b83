"""A pick through the page's messages, after the restructuring (``PickSession``): Confirm runs off the comm,
so Cancel and live frames keep flowing; ``w.pick`` shows what the pick holds; ``pick_files`` and the browser's
Confirm give the same result. Everything through :class:`FakePage` and real files."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from choose_media import ChooseMediaWidget
from choose_media.camera.frames import Frame
from choose_media.media.pipeline import COMPRESSION_WORKERS, shared_executor
from choose_media.samples import make_photo, make_video
from choose_media.session import StoredFileState, TransferState
from tests.support.fake_page import FakePage, wait_until

CANCEL = {"errMsg": "chooseMedia:fail cancel", "errno": 1107001}
PHOTOS = 9
ENTRY_FIELDS = ("type", "size", "width", "height", "duration")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Nine distinct 12 MP noisy JPEGs (about 6 MB each): compressing them all takes a while."""
    folder = tmp_path_factory.mktemp("photos")
    size = (4000, 3000)
    tile = Image.effect_noise((1000, 750), 40)
    noise = Image.new("L", size)
    for x in range(0, size[0], tile.width):
        for y in range(0, size[1], tile.height):
            noise.paste(tile, (x, y))
    base = Image.merge("RGB", (Image.linear_gradient("L").resize(size), noise, noise.transpose(Image.Transpose.ROTATE_180)))
    paths = []
    for i in range(PHOTOS):
        im = base.copy()
        im.paste((i * 25, 255 - i * 25, 0), (0, 0, 64, 64))  # distinct bytes, distinct md5
        path = folder / f"photo-{i}.jpg"
        im.save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("small")
    return [
        make_photo(folder / "photo.jpg", (2400, 1800)),
        make_photo(folder / "level.jpg", (640, 480), orientation=1, gps=False),
        make_video(folder / "clip.mp4", seconds=1.0, size=(320, 240)),
    ]


def jpeg_frame(seq: int) -> tuple[dict[str, Any], bytes]:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 20, 20)).save(out, "JPEG", quality=95)
    fields = {"seq": seq, "timestamp": 1000.0 + seq, "width": 8, "height": 6, "format": "jpeg", "dropped": 0}
    return fields, out.getvalue()


def upload_all(page: FakePage, paths: list[Path]) -> list[str]:
    ids = [f"p{i}" for i in range(len(paths))]
    for tid, path in zip(ids, paths, strict=True):
        page.stored(page.upload_file(tid, path))
    return ids


def slow_pick(page: FakePage, paths: list[Path]) -> list[str]:
    """Upload ``paths`` with sizeType original (nothing compresses early), then ask for compression: the
    Confirm that follows compresses every photo, all of it after the Confirm."""
    page.widget.size_type = ["original"]
    ids = upload_all(page, paths)
    page.widget.size_type = ["compressed"]
    return ids


def confirm_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "choose-media-confirm"]


def wait_for_the_pipeline() -> None:
    """Until every compression queued so far has ended (and its clean-up ran): one task per worker of the
    shared pool, each waiting for all the others, can only run once the tasks before them are done."""
    pool = shared_executor()
    workers = COMPRESSION_WORKERS  # one task for every worker of the pool
    barrier = threading.Barrier(workers)
    for job in [pool.submit(barrier.wait, 60) for _ in range(workers)]:
        job.result(timeout=120)


def entries(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(e.get(k) for k in ENTRY_FIELDS) for e in result["tempFiles"]]


# -- Confirm runs off the comm ---------------------------------------------------------------------------


def test_cancel_while_nine_photos_compress_ends_the_pick_at_once_and_leaves_nothing(
    photos: list[Path], tmp_path: Path
) -> None:
    page = FakePage(store_dir=tmp_path / "store")
    w = page.widget
    ids = slow_pick(page, photos)
    changes: list[Any] = []
    assert page.send("confirm", ids=ids, original=False) == []
    assert w.status == "processing" and w.result is None and w.status_detail["total"] == PHOTOS
    w.observe(lambda c: changes.append(c["new"]), names="result")
    assert page.cancel() == CANCEL  # answered at once, while the photos are still compressing
    assert w.status == "done" and w.status_detail == {} and w.progress == 0.0
    assert w.pick.transfers == () and w.pick.stored == ()
    # the background work ends later: it must not replace the cancel result, and must leave nothing behind
    wait_until(lambda: not confirm_workers(), what="the end of the Confirm's processing")
    wait_for_the_pipeline()
    wait_until(lambda: page.files_in_store() == [], what="an empty store")
    assert w.result == CANCEL and changes == [CANCEL] and w.temp_files == []
    assert page.replies.errors() == []
    # the widget is free for the next pick
    page.stored(page.upload_file("next", photos[0]))
    assert w.result is None and w.status == "idle"


def test_on_frame_keeps_flowing_while_a_pick_is_processed(photos: list[Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path / "store", sourceType=["album", "camera"])
    w = page.widget
    got: list[Frame] = []
    w.on_frame(got.append, fps=30, size=(640, 480))
    ids = slow_pick(page, photos[:4])
    assert page.send("confirm", ids=ids, original=False) == []
    for seq in (7, 8):
        assert w.status == "processing"
        fields, data = jpeg_frame(seq)
        # the ack comes back at once, from the message itself, with the callback already called
        assert page.send("frame", [data], **fields) == [{"kind": "frame_ack", "seq": seq}]
        assert [f.seq for f in got][-1] == seq
    assert [(f.seq, f.width, f.height, f.format) for f in got] == [(7, 8, 6, "jpeg"), (8, 8, 6, "jpeg")]
    assert got[0].to_pil().getpixel((4, 3))[0] > 150
    assert w.frame_stats["delivered"] == 2
    result = page.wait_result()
    assert result["errMsg"] == "chooseMedia:ok" and len(result["tempFiles"]) == 4
    assert all(f.compressed and (f.width, f.height) == (1920, 1440) for f in w.temp_files)
    assert w.progress == 1.0 and w.status == "done"


def test_a_second_confirm_while_processing_is_refused_and_the_first_pick_still_arrives(
    photos: list[Path], tmp_path: Path
) -> None:
    page = FakePage(store_dir=tmp_path / "store")
    w = page.widget
    ids = slow_pick(page, photos[:3])
    assert page.send("confirm", ids=ids, original=False) == []
    page.stored(page.upload_file("late", photos[3]))  # a file of the next pick, chosen meanwhile
    refused = page.send("confirm", ids=["late"], original=False).errors()
    assert [(r["id"], r["errno"]) for r in refused] == [(None, 100)] and "still being processed" in refused[0]["errMsg"]
    result = page.wait_result()
    assert result["errMsg"] == "chooseMedia:ok" and len(result["tempFiles"]) == 3
    assert [s.id for s in w.pick.stored] == ["late"]  # kept for the next pick, not lost


# -- one result, however the files came ----------------------------------------------------------------


def test_pick_files_and_confirm_give_the_same_entries(small: list[Path], tmp_path: Path) -> None:
    headless = ChooseMediaWidget(platform="ios", sizeType=["compressed"])  # ios: videos are compressed too
    by_path = headless.pick_files(small)
    page = FakePage(store_dir=tmp_path / "store", platform="ios", sizeType=["compressed"])
    by_page = page.confirm(upload_all(page, small))
    assert by_path["errMsg"] == by_page["errMsg"] == "chooseMedia:ok"
    assert entries(by_page) == entries(by_path)
    assert [e["type"] for e in by_page["tempFiles"]] == ["image", "image", "video"]
    assert all(f.compressed for f in [*headless.temp_files, *page.widget.temp_files])
    assert [f.md5 for f in page.widget.temp_files] == [f.md5 for f in headless.temp_files]
    assert [f.name for f in page.widget.temp_files] == [f.name for f in headless.temp_files] == [p.name for p in small]


# -- w.pick ------------------------------------------------------------------------------------------


def test_pick_shows_a_transfer_in_progress_then_a_stored_file(small: list[Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path / "store", sizeType=["original"])
    w = page.widget
    data = small[0].read_bytes()
    half = len(data) // 2
    assert w.pick.transfers == () and w.pick.stored == ()
    page.send("begin", id="a", size=len(data), source="album", name="photo.jpg", mime="image/jpeg")
    assert page.send("chunk", [data[:half]], id="a", offset=0) == [{"kind": "ack", "id": "a", "received": half}]
    assert w.pick.transfers == (TransferState("a", "photo.jpg", "album", len(data), half, None),)
    assert w.pick.stored == ()
    # a reloaded view is told the same
    (pending,) = page.send("hello")
    assert pending["transfers"] == [{"id": "a", "name": "photo.jpg", "size": len(data), "received": half,
                                     "source": "album"}]
    # the page was reloaded and resumes where the kernel is
    prefix = hashlib.md5(data[:half]).hexdigest()
    assert page.send("resume", id="a", size=len(data), received=half, prefix_md5=prefix)[0]["received"] == half
    assert w.pick.transfers[0].resumed_from == half
    page.send("chunk", [data[half:]], id="a", offset=half)
    stored = page.stored(page.send("end", id="a"))
    assert w.pick.transfers == ()
    expected = StoredFileState("a", "photo.jpg", "album", "image", len(data), 1800, 2400, None, resumed_from=half)
    assert w.pick.stored == (expected,)
    assert stored == {"kind": "stored", **w.pick.stored[0].to_message()}
    (pending,) = page.send("hello")
    assert pending["transfers"] == [] and pending["stored"] == [w.pick.stored[0].to_message()]
    result = page.confirm(["a"])
    assert result["tempFiles"][0]["size"] == len(data)
    assert w.pick.stored == ()  # the confirmed files left the pick


# -- marimo delivers buffers as bytes -----------------------------------------------------------------


def test_buffers_as_bytes_work_like_memoryviews(small: list[Path], tmp_path: Path) -> None:
    results = []
    for as_bytes in (False, True):
        page = FakePage(store_dir=tmp_path / f"store-{as_bytes}", as_bytes=as_bytes)
        got: list[Frame] = []
        page.widget.on_frame(got.append)
        fields, data = jpeg_frame(1)
        assert page.send("frame", [data], **fields) == [{"kind": "frame_ack", "seq": 1}] and len(got) == 1
        for tid, path in zip("ab", small[:2], strict=True):
            replies = page.upload(tid, path.read_bytes(), name=path.name, chunk=100_000, md5=True)
            assert [r["kind"] for r in replies][-1] == "stored" and replies.errors() == []
        results.append(page.confirm(["a", "b"]))
        assert [f.name for f in page.widget.temp_files] == [p.name for p in small[:2]]
    assert results[0]["errMsg"] == results[1]["errMsg"] == "chooseMedia:ok"
    assert entries(results[0]) == entries(results[1])


def test_the_kernel_makes_a_thumbnail_the_page_cannot_decode(small: list[Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path / "store")
    page.stored(page.upload_file("photo", small[0]))
    replies = page.send("preview", id="photo")
    assert replies == [{"kind": "preview", "id": "photo"}]
    with Image.open(io.BytesIO(bytes(page.reply_buffers[-1][0]))) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 160
    # an id that holds no stored file gets an answer without a picture, and the pick is untouched
    assert page.send("preview", id="nothing") == [{"kind": "preview", "id": "nothing"}] and page.reply_buffers[-1] == []
    assert [s.id for s in page.widget.pick.stored] == ["photo"]


def test_clear_empties_the_pick_here_and_in_the_page_and_the_same_file_can_come_again(
    small: list[Path], tmp_path: Path
) -> None:
    page = FakePage(store_dir=tmp_path / "store", sizeType=["original"])
    w = page.widget
    page.stored(page.upload_file("a", small[0]))
    data = small[1].read_bytes()
    page.send("begin", id="half", size=len(data), source="album", name="level.jpg")
    page.send("chunk", [data[:1000]], id="half", offset=0)
    assert len(w.pick.stored) == 1 and len(w.pick.transfers) == 1
    w.clear()
    assert page.replies[-1] == {"kind": "clear"}
    assert w.pick.transfers == () and w.pick.stored == () and w.result is None and w.status == "idle"
    assert [p for p in page.files_in_store()] == []
    assert page.send("chunk", [data[1000:2000]], id="half", offset=1000) == []  # late bytes: dropped quietly
    # the same file again, under the same id too, is a new file of the new pick
    page.stored(page.upload_file("a", small[0]))
    result = page.confirm(["a"])
    assert result["errMsg"] == "chooseMedia:ok" and [e["size"] for e in result["tempFiles"]] == [small[0].stat().st_size]
