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


def test_a_large_photo_is_never_decoded_by_the_page_its_thumbnail_comes_from_the_kernel(
    open_notebook, tmp_path: Path
) -> None:
    """A 12 MP phone photo costs the page more CPU to decode than to send: its list thumbnail is the kernel's,
    upright (EXIF orientation 6), made from the pixels the kernel decodes anyway; a small photo keeps the
    page's own thumbnail, at once."""
    import numpy as np

    rng = np.random.default_rng(1)
    noisy = Image.fromarray(rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8))  # > 1 MiB as JPEG
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown upright, 1500 wide
    big, small = tmp_path / "big.jpg", tmp_path / "small.jpg"
    noisy.save(big, "JPEG", quality=90, exif=exif.tobytes())
    noisy.resize((200, 150)).save(small, "JPEG")
    assert big.stat().st_size > 1024 * 1024 > small.stat().st_size
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=3, sizeType=['original'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    # every picture the list's images are ever pointed at, from before the files are chosen
    page.evaluate("""() => { window.__thumbSrcs = []; new MutationObserver((records) => {
        for (const r of records) for (const n of [r.target, ...r.addedNodes])
          for (const img of n instanceof HTMLImageElement ? [n] : n.querySelectorAll?.('img') ?? [])
            if (img.src) window.__thumbSrcs.push(img.src);
      }).observe(document.querySelector('.cm-root'), {subtree: true, childList: true, attributes: true,
                                                        attributeFilter: ['src']}); }""")
    page.set_input_files(".cm-input", [str(big), str(small)])
    page.wait_for_function(ALL_STORED, arg=2, timeout=60_000)
    page.wait_for_function(ALL_SHOWN, arg=2, timeout=30_000)
    thumbs = page.eval_on_selector_all(
        ".cm-item img.cm-thumb", "t => t.map(i => [i.naturalWidth, i.naturalHeight, i.src.startsWith('blob:')])")
    assert thumbs[0] == [120, 160, True]  # the kernel's 160 px JPEG, upright (portrait)
    assert thumbs[1] == [200, 150, True]  # the page's own: the file itself
    # the page never pointed an image at the big file: only at the kernel's preview and the small file
    shown = page.evaluate("""async () => Promise.all([...new Set(window.__thumbSrcs)].map(
        async (url) => (await (await fetch(url)).blob()).size))""")
    assert big.stat().st_size not in shown and small.stat().st_size in shown and len(shown) == 2
    page.click(".cm-confirm")
    nb.wait_for("w.result is not None", timeout=60)
    assert [e["size"] for e in nb.eval_json("w.result")["tempFiles"]] == [big.stat().st_size, small.stat().st_size]
