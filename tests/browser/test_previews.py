"""Thumbnails of files the browser cannot decode (HEIF and TIFF in Chromium) are made by the kernel and shown
in the list; before, the list showed an empty thumbnail for them (issue 13, hopper.heif)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

ALL_STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"
# Every thumbnail of the list shows a decoded picture (an <img> whose pixels the browser has).
ALL_SHOWN = "(n) => { const t = [...document.querySelectorAll('.cm-item img.cm-thumb')];" \
    " return t.length === n && t.every(i => i.complete && i.naturalWidth > 0); }"


@pytest.fixture(scope="module")
def undecodable(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    folder = tmp_path_factory.mktemp("previews")
    picture = Image.radial_gradient("L").convert("RGB").resize((640, 480))
    heif, tiff = folder / "photo.heic", folder / "scan.tif"
    picture.save(heif, "HEIF")
    picture.save(tiff, "TIFF")
    return [heif, tiff]


def test_thumbnails_the_browser_cannot_decode_come_from_the_kernel(open_notebook, undecodable) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=3, sizeType=['original'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    # Chromium itself cannot show either: the page's own thumbnails fail first
    page.set_input_files(".cm-input", [str(p) for p in undecodable])
    page.wait_for_function(ALL_STORED, arg=2, timeout=60_000)
    page.wait_for_function(ALL_SHOWN, arg=2, timeout=30_000)
    sizes = page.eval_on_selector_all(".cm-item img.cm-thumb", "t => t.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes == [[160, 120], [160, 120]]  # the kernel's 160 px JPEG of each, upright
    assert page.locator(".cm-thumb-broken").count() == 0
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=60)
    assert [e["type"] for e in nb.eval_json("w.result")["tempFiles"]] == ["image", "image"]
