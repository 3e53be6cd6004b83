"""The album picker in real JupyterLab and Chromium: files chosen in the page arrive whole in the kernel."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from choose_media.store import file_md5
from tests.support.big_media import big_mp4

SHARED_MEDIA = Path(__file__).resolve().parents[2].parent / "shared" / "media"
SHAPE = re.compile(r"^ttfile://temp/[0-9a-f-]{36}-([0-9a-f]{32})\.([a-z0-9]+)$")
BIG = 200 * 1024 * 1024
ALL_STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"


md5 = file_md5


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real files: the shared samples when present (CI), else ones made here; plus a 200 MiB video."""
    folder = tmp_path_factory.mktemp("media")
    if SHARED_MEDIA.is_dir():
        files = {
            "photo": SHARED_MEDIA / "images" / "rommel.jpg",
            "alpha": SHARED_MEDIA / "images" / "transparent.png",
            "video": SHARED_MEDIA / "videos" / "cockatoo.mp4",
        }
    else:
        from choose_media.samples import make_photo, make_transparent_png, make_video

        files = {
            "photo": make_photo(folder / "photo.jpg", (3072, 2304)),
            "alpha": make_transparent_png(folder / "transparent.png"),
            "video": make_video(folder / "video.mp4"),
        }
    # 200 MiB of real media that every byte of has to arrive (see big_media.big_mp4)
    big = big_mp4(folder / "big.mp4", BIG)
    files["big"] = big
    return files


def widget_cell(options: str) -> list[str]:
    return [
        "import resource\nfrom choose_media import ChooseMediaWidget\n"
        f"w = ChooseMediaWidget({options})\n"
        "rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\nw"
    ]


def test_original_pick_arrives_byte_for_byte_including_200_mib(open_notebook, media) -> None:
    nb = open_notebook(widget_cell("count=4"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    assert page.get_attribute(".cm-input", "accept") == "image/*,video/*"
    assert page.eval_on_selector(".cm-input", "el => el.multiple") is True
    page.check(".cm-original-input")
    chosen = [media["photo"], media["alpha"], media["video"], media["big"]]
    chosen_at = time.monotonic()
    page.set_input_files(".cm-input", [str(p) for p in chosen])
    # Thumbnails and per-file progress bars appear while the bytes stream (the 200 MiB file is still sending).
    expect(page.locator(".cm-item")).to_have_count(4, timeout=5_000)
    assert page.locator(".cm-item .cm-thumb").count() == 4
    assert page.locator(".cm-item").nth(3).get_attribute("data-state") in ("queued", "sending")
    assert page.locator(".cm-item").nth(3).locator("progress").is_visible()
    page.wait_for_function(ALL_STORED, arg=4, timeout=240_000)
    seconds = time.monotonic() - chosen_at
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=120)

    result = nb.eval_json("w.result")
    assert result["errMsg"] == "chooseMedia:ok"
    entries = result["tempFiles"]
    assert [e["type"] for e in entries] == ["image", "image", "video", "video"]
    for entry, src in zip(entries, chosen, strict=True):
        m = SHAPE.match(entry["tempFilePath"])
        assert m, entry["tempFilePath"]
        assert entry["size"] == src.stat().st_size
        assert m.group(1) == md5(src), f"{src.name} did not arrive byte for byte"
    kernel_md5s = nb.eval_json("[__import__('choose_media').store.file_md5(f.path) for f in w.temp_files]")
    assert kernel_md5s == [md5(p) for p in chosen]
    video = entries[2]
    assert video["duration"] > 0 and video["width"] > 0 and video["height"] > 0

    # Transfer figures for the closing note (not asserted: tests never assert wall-clock times).
    growth = nb.eval_json("(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024")
    total = sum(p.stat().st_size for p in chosen)
    print(f"\n{total / 2**20:.0f} MiB chosen to stored: {total / 2**20 / seconds:.1f} MiB/s (through Playwright), "
          f"kernel peak RSS growth {growth:.1f} MiB")
    assert growth < 150, "kernel memory must be bounded by the chunk size, not the file size"


def test_compressed_pick_is_upright_capped_and_done_is_shown(open_notebook, media) -> None:
    nb = open_notebook(widget_cell("count=3, mediaType=['image']"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    assert page.get_attribute(".cm-input", "accept") == "image/*"
    page.set_input_files(".cm-input", [str(media["photo"]), str(media["alpha"])])
    page.wait_for_function(ALL_STORED, arg=2, timeout=60_000)
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None")
    page.wait_for_selector(".cm-done:not([hidden])")
    assert "2 files ready in Python" in page.inner_text(".cm-summary")
    files = nb.eval_json("[(f.type, f.width, f.height, f.path.suffix) for f in w.temp_files]")
    assert files[0] == ["image", 1440, 1920, ".jpg"]  # 3072x2304 photo, orientation 6: upright and capped
    assert files[1][3] in (".webp", ".png")  # alpha kept
    assert nb.eval_json("w.temp_files[1].to_pil().getpixel((0, 0))[3]") == 0


def test_count_limits_what_can_be_kept_and_type_filter_is_enforced_by_the_kernel(open_notebook, media) -> None:
    nb = open_notebook(widget_cell("count=2, mediaType=['image'], sizeType=['compressed']"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    assert page.locator(".cm-original").is_hidden()
    # A video forced past the chooser's accept filter is refused by the kernel from its bytes.
    page.set_input_files(".cm-input", [str(media["photo"]), str(media["video"]), str(media["alpha"])])
    expect(page.locator(".cm-item")).to_have_count(2, timeout=5_000)
    assert "Only 2 files can be chosen" in page.inner_text(".cm-notice")
    page.wait_for_selector(".cm-item[data-state=error]", timeout=60_000)
    assert "1107006" in page.inner_text(".cm-item[data-state=error]")
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    page.click(".cm-item[data-state=error] .cm-remove")
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None")
    assert nb.eval_json("[e['type'] for e in w.result['tempFiles']]") == ["image"]


def test_cancel_gives_the_seeds_fail_result_and_leaves_no_files(open_notebook, media) -> None:
    nb = open_notebook(widget_cell("count=2"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.set_input_files(".cm-input", [str(media["photo"])])
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    page.click(".cm-cancel")
    nb.wait_for("w.result is not None")
    assert nb.eval_json("w.result") == {"errMsg": "chooseMedia:fail cancel", "errno": 1107001}
    # The answer does not wait for a compression already running ahead of Confirm; its output goes when it ends.
    nb.wait_for("not [p for p in w.store.root.rglob('*') if p.is_file()]", timeout=120)


def test_an_empty_file_shows_the_kernels_refusal_and_the_others_go_on(open_notebook, media, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    nb = open_notebook(widget_cell("count=2, sizeType=['original']"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.set_input_files(".cm-input", [str(empty), str(media["photo"])])
    page.wait_for_selector(".cm-item[data-state=error]", timeout=60_000)
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    refused = page.inner_text(".cm-item[data-state=error]")
    assert "chooseMedia:fail the file is empty" in refused and "errno 1107011" in refused  # the kernel's own words
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=60)
    assert [e["size"] for e in nb.eval_json("w.result")["tempFiles"]] == [media["photo"].stat().st_size]


def test_kernel_side_album_is_offered_and_picked_like_an_upload(open_notebook, media, tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    (album / "IMG_1.jpg").write_bytes(media["photo"].read_bytes())
    (album / "VID_1.mp4").write_bytes(media["video"].read_bytes())
    (album / "notes.txt").write_text("not media")
    nb = open_notebook(widget_cell(f"count=2, sizeType=['original'], album_dir={str(album)!r}"))
    page = nb.page
    page.wait_for_selector(".cm-shelf:not([hidden])")
    assert page.locator(".cm-shelf-item").count() == 2  # the text file is not offered
    assert "In the album (2)" in page.inner_text(".cm-shelf-title")
    page.click(".cm-shelf-item[title='IMG_1.jpg']")
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None")
    entries = nb.eval_json("w.result['tempFiles']")
    assert len(entries) == 1 and entries[0]["type"] == "image"
    assert SHAPE.match(entries[0]["tempFilePath"]).group(1) == md5(media["photo"])
    assert (album / "IMG_1.jpg").exists(), "picking from the album never moves the album's file"


def test_clear_from_python_empties_the_list_and_the_same_file_can_be_chosen_again(open_notebook, media) -> None:
    nb = open_notebook(widget_cell("count=3, sizeType=['original']"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.set_input_files(".cm-input", [str(media["photo"]), str(media["alpha"])])
    page.wait_for_function(ALL_STORED, arg=2, timeout=60_000)
    nb.run("w.clear()")
    page.wait_for_function("() => document.querySelectorAll('.cm-item').length === 0", timeout=30_000)
    assert nb.eval_json("(len(w.pick.stored), w.result)") == [0, None]
    page.set_input_files(".cm-input", [str(media["photo"])])  # ipywidgets #2653: the same file again
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=60)
    assert [e["size"] for e in nb.eval_json("w.result")["tempFiles"]] == [media["photo"].stat().st_size]


ORDER_PROBE = """() => {
  window.__order = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if ((data.byteLength ?? data.size ?? 0) > 100_000) window.__order.push("file sent");
    return send.call(this, data);
  };
  new MutationObserver(() => {
    if (document.querySelector(".cm-item") && !window.__order.includes("row shown")) window.__order.push("row shown");
  }).observe(document.querySelector(".cm-items"), { childList: true });
}"""


def test_a_small_file_leaves_before_its_row_is_laid_out(open_notebook, media) -> None:
    """Laying out the notebook for a new row kept the main thread from sending: the row waits (<= 100 ms)."""
    nb = open_notebook(widget_cell("count=1, sizeType=['original']"))
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.evaluate(ORDER_PROBE)
    page.set_input_files(".cm-input", [str(media["photo"])])
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    assert page.evaluate("window.__order") == ["file sent", "row shown"]
    assert page.locator(".cm-item .cm-thumb").count() == 1
