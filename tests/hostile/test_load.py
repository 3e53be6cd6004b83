"""Load in a real notebook: 20 files in one pick, four widgets at once, and (slow) a 2 GiB file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from choose_media.store import file_md5
from tests.support import media_fixtures as fx
from tests.support.big_media import big_mp4

STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"


md5 = file_md5


def test_twenty_files_in_one_pick(open_notebook, tmp_path: Path) -> None:
    photos = []
    for i in range(20):
        photos.append(fx.photo_jpeg(tmp_path, (400 + i, 300)).rename(tmp_path / f"p{i:02}.jpg"))
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=20, sizeType=['original'])\nw"])
    nb.page.set_input_files(".cm-input", [str(p) for p in photos])
    nb.page.wait_for_function(STORED, arg=20, timeout=120_000)
    nb.page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=120)
    assert nb.eval_json("[f.md5 for f in w.temp_files]") == [md5(p) for p in photos]


def test_four_widgets_transfer_and_compress_at_once(open_notebook, tmp_path: Path) -> None:
    photo = fx.photo_jpeg(tmp_path, (4000, 3000))
    video = fx.mp4_with_audio(tmp_path)
    nb = open_notebook([
        "from IPython.display import display\nfrom choose_media import ChooseMediaWidget\n"
        "ws = [ChooseMediaWidget(count=2) for _ in range(4)]\nfor w in ws:\n    display(w)"
    ])
    page = nb.page
    page.wait_for_function("() => document.querySelectorAll('.cm-root').length === 4")
    inputs = page.locator(".cm-input")
    for i in range(4):
        inputs.nth(i).set_input_files([str(photo), str(video)])
    page.wait_for_function(STORED, arg=8, timeout=180_000)
    confirms = page.locator(".cm-confirm")
    for i in range(4):
        confirms.nth(i).click()
    try:
        nb.wait_for("all(w.result is not None for w in ws)", timeout=180)
    except AssertionError as exc:  # say which widget is stuck where, in the kernel and on the page
        kernel = nb.eval_json("[(w.status, w.status_detail, w.result and w.result['errMsg']) for w in ws]")
        page_state = page.evaluate(
            "() => Array.from(document.querySelectorAll('.cm-root')).map(r => [r.className, "
            "r.querySelector('.cm-notice')?.textContent, "
            "Array.from(r.querySelectorAll('.cm-item')).map(i => i.dataset.state)])"
        )
        raise AssertionError(f"{exc}\nkernel: {kernel}\npage: {page_state}") from exc
    results = nb.eval_json("[[(e['type'], e.get('width'), e.get('height')) for e in w.result['tempFiles']] for w in ws]")
    assert results == [[["image", 1920, 1440], ["video", 320, 240]]] * 4
    assert nb.eval_json("[w.result['errMsg'] for w in ws]") == ["chooseMedia:ok"] * 4


@pytest.mark.slow
def test_two_gib_file_streams_with_bounded_kernel_memory(open_notebook, tmp_path: Path) -> None:
    big = big_mp4(tmp_path / "big.mp4", 2 * 1024**3)
    nb = open_notebook([
        "import resource\nfrom choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(count=1, sizeType=['original'])\n"
        "rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\nw"
    ])
    chosen_at = time.monotonic()
    nb.page.set_input_files(".cm-input", [str(big)])
    nb.page.wait_for_function(STORED, arg=1, timeout=1_200_000)
    seconds = time.monotonic() - chosen_at
    nb.page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=120)
    assert nb.eval_json("w.temp_files[0].md5") == md5(big)
    growth = nb.eval_json("(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024")
    print(f"\n2 GiB: {2048 / seconds:.1f} MiB/s through Playwright, kernel peak RSS growth {growth:.1f} MiB")
    assert growth < 200, "kernel memory must be bounded by chunk and pipeline sizes, not the file size"
