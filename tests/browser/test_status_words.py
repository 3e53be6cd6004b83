"""The kernel sends status as codes and numbers; the page words them in its own language, from the first
file sent to the result (issue 11: a zh-CN user used to see the kernel's English while a pick processed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from choose_media.samples import make_photo

ALL_STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"
# Test-side instrumentation (nothing in the bundle): every text the footer's status line ever showed.
WATCH_STATUS = """() => {
  window.__statusSeen = [];
  const status = document.querySelector('.cm-status');
  const note = () => { const t = status.textContent; if (t && window.__statusSeen.at(-1) !== t) window.__statusSeen.push(t); };
  new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
  note();
}"""
ENGLISH = re.compile(r"Compressing|Processing|Sending|ready|Processed", re.I)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("status-words")
    # big enough that compressing them takes a while, so the processing state is really shown
    return [make_photo(folder / f"photo-{i}.jpg", (4000, 3000)) for i in range(6)]


@pytest.mark.parametrize(("lang", "compressing", "wrong"), [("zh-CN", "正在压缩", ENGLISH), ("en", "Compressing", re.compile("[\u4e00-\u9fff]"))])
def test_status_is_worded_by_the_page_in_its_language_from_start_to_end(open_notebook, photos, lang, compressing, wrong) -> None:
    nb = open_notebook([f"from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=9, lang={lang!r}, sizeType=['compressed'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.evaluate(WATCH_STATUS)
    page.set_input_files(".cm-input", [str(p) for p in photos])
    page.wait_for_function(ALL_STORED, arg=len(photos), timeout=120_000)
    page.click(".cm-confirm")
    page.wait_for_selector(".cm-done:not([hidden])", timeout=120_000)
    seen = page.evaluate("() => window.__statusSeen")
    assert any(compressing in text for text in seen), f"never showed the processing state: {seen}"
    assert not [t for t in seen if wrong.search(t)], f"words from the other language: {seen}"
    assert nb.eval_json("w.result['errMsg']") == "chooseMedia:ok"
    assert nb.eval_json("w.status_detail") == {}  # the numbers are gone once the pick is done


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Nine 12 MP noisy JPEGs (about 6 MB each): compressing them takes seconds on two cores."""
    folder = tmp_path_factory.mktemp("noisy")
    size = (4000, 3000)
    noise = Image.effect_noise(size, 40)
    base = Image.merge("RGB", (Image.linear_gradient("L").resize(size), noise, noise.transpose(Image.Transpose.ROTATE_180)))
    paths = []
    for i in range(9):
        base.paste((i * 25, 255 - i * 25, 0), (0, 0, 64, 64))  # distinct files
        paths.append(folder / f"noisy-{i}.jpg")
        base.save(paths[-1], "JPEG", quality=85)
    return paths


def test_cancel_while_the_pick_is_processed_answers_at_once_and_leaves_nothing(open_notebook, noisy) -> None:
    photos = noisy
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=9, sizeType=['original'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.set_input_files(".cm-input", [str(p) for p in photos])
    page.wait_for_function(ALL_STORED, arg=len(photos), timeout=120_000)
    nb.run("w.size_type = ['compressed']")  # so all the compressing happens after Confirm
    page.click(".cm-confirm")
    page.wait_for_function("() => document.querySelector('.cm-status').textContent.startsWith('Compressing')")
    assert page.locator(".cm-cancel").is_enabled()  # Cancel stays usable while the kernel works
    page.click(".cm-cancel")
    page.wait_for_selector(".cm-done:not([hidden])", timeout=30_000)
    assert "errno 1107001" in page.inner_text(".cm-summary")
    assert nb.eval_json("w.result") == {"errMsg": "chooseMedia:fail cancel", "errno": 1107001}
    # the background work notices, throws its output away, and never replaces the cancel result
    nb.wait_for("not [p for p in w.store.root.rglob('*') if p.is_file()]", timeout=120)
    assert nb.eval_json("(w.result, w.temp_files)") == [{"errMsg": "chooseMedia:fail cancel", "errno": 1107001}, []]
