"""Accessible and bilingual: the axe-core audit, keyboard only, English and Simplified Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from choose_media.samples import make_photo

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"
AUDIT = """async () => {
  const result = await axe.run(document.querySelector('.cm-root'), { resultTypes: ['violations'] });
  return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}"""


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_photo(tmp_path_factory.mktemp("a11y") / "photo.jpg", (800, 600), orientation=1)


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is installed by npm ci")
def test_album_view_has_no_serious_accessibility_violations(open_notebook, photo: Path) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(sourceType=['album'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.add_script_tag(path=str(AXE))
    assert serious(page.evaluate(AUDIT)) == []
    page.set_input_files(".cm-input", [str(photo)])
    page.wait_for_function(STORED, arg=1, timeout=60_000)
    assert serious(page.evaluate(AUDIT)) == []  # with a file, its thumbnail, progress and buttons


def test_keyboard_alone_picks_and_confirms(open_notebook, photo: Path) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(sourceType=['album'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    with page.expect_file_chooser() as chooser:
        page.focus(".cm-choose")
        page.keyboard.press("Enter")
    chooser.value.set_files([str(photo)])
    page.wait_for_function(STORED, arg=1, timeout=60_000)
    page.focus(".cm-confirm")
    page.keyboard.press("Space")
    nb.wait_for("w.result is not None")
    assert nb.eval_json("w.result['errMsg']") == "chooseMedia:ok"


def test_escape_cancels(open_notebook) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget()\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.focus(".cm-choose")
    page.keyboard.press("Escape")
    nb.wait_for("w.result is not None")
    assert nb.eval_json("w.result") == {"errMsg": "chooseMedia:fail cancel", "errno": 1107001}


def test_simplified_chinese_ui(open_notebook, photo: Path) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=3, lang='zh-CN')\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    assert page.get_attribute(".cm-root", "lang") == "zh-CN"
    assert page.inner_text(".cm-title") == "选择图片或视频 · 最多 3 个"
    assert page.inner_text(".cm-confirm") == "确定" and page.inner_text(".cm-cancel") == "取消"
    page.set_input_files(".cm-input", [str(photo)])
    page.wait_for_function(STORED, arg=1, timeout=60_000)
    page.click(".cm-confirm")
    page.wait_for_selector(".cm-done:not([hidden])")
    assert "1 个文件已可在 Python 中使用" in page.inner_text(".cm-summary")
