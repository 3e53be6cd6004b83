"""Accessible and bilingual: the axe-core audit, keyboard only, English and Simplified Chinese.

The camera tests use Chromium's fake camera (``--use-fake-device-for-media-stream``, on by default, its
permission auto-granted): two of them for the audit, so that the device picker is shown and audited too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from choose_media.samples import make_photo
from tests.support.harness import FAKE_CAMERA

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"
FOCUSED = "() => document.activeElement?.classList[0] ?? ''"
#: The camera's controls a user can use now (shown and enabled), in document order.
CAMERA_CONTROLS = (
    "() => [...document.querySelectorAll('.cm-camera button, .cm-camera select')]"
    ".filter(e => !e.disabled && e.offsetParent !== null).map(e => e.classList[0])"
)
#: Records what the camera's live region says, one entry per change.
LISTEN = """() => {
  window.__said = [];
  const region = document.querySelector('.cm-cam-say');
  new MutationObserver(() => window.__said.push(region.textContent.trim()))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""
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


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is installed by npm ci")
def test_camera_view_by_keyboard_with_no_serious_accessibility_violations(open_notebook, launch_browser) -> None:
    two_cameras = launch_browser(
        ["--use-fake-device-for-media-stream=device-count=2,fps=30"], drop_args=[FAKE_CAMERA]
    )
    nb = open_notebook(
        ["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(maxDuration=3)\nw"], browser=two_cameras
    )
    page = nb.page
    page.wait_for_selector(".cm-cam-open")
    page.add_script_tag(path=str(AXE))
    page.focus(".cm-cam-open")
    page.keyboard.press("Enter")
    page.wait_for_selector(".cm-camera[data-state=live] .cm-cam-device:not([hidden])", timeout=30_000)
    page.wait_for_function(f"() => ({FOCUSED})() === 'cm-cam-shutter'")  # not left on the hidden Open button
    assert page.get_attribute(".cm-cam-preview", "aria-label") == "Camera preview"
    assert serious(page.evaluate(AUDIT)) == []  # live: preview, shutter, record, device picker, close

    # Tab reaches every control, in order.
    controls = page.evaluate(CAMERA_CONTROLS)
    assert controls == ["cm-cam-shutter", "cm-cam-record", "cm-cam-device", "cm-cam-close"]
    reached = [page.evaluate(FOCUSED)]
    for _ in controls[1:]:
        page.keyboard.press("Tab")
        reached.append(page.evaluate(FOCUSED))
    assert reached == controls

    # The device picker works from the keyboard, and keeps the focus while the other camera opens.
    page.focus(".cm-cam-device")
    first = page.eval_on_selector(".cm-cam-device", "s => s.value")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "(first) => document.querySelector('.cm-cam-device').value !== first", arg=first, timeout=30_000
    )
    chosen = page.eval_on_selector(".cm-cam-device", "s => s.value")
    # The camera opened again, asked for by the chosen id (as the page reports it to the kernel).
    nb.wait_for(f"w.camera_state.get('state') == 'live' and w.camera_state['constraints']['video'].get('deviceId')"
                f" == {{'exact': {chosen!r}}}", timeout=30)
    page.wait_for_selector(".cm-camera[data-state=live]")
    page.wait_for_function(f"() => ({FOCUSED})() === 'cm-cam-device'")

    # Recording, started with Space: audited, and the countdown is announced politely in whole seconds.
    page.evaluate(LISTEN)
    page.focus(".cm-cam-record")
    page.keyboard.press("Space")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    assert page.get_attribute(".cm-cam-say", "aria-live") == "polite"
    assert serious(page.evaluate(AUDIT)) == []  # recording: Stop, Discard, the countdown badge
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=15_000)  # stopped by itself at maxDuration
    page.wait_for_function(STORED, arg=1, timeout=30_000)
    assert page.evaluate(FOCUSED) == "cm-cam-record"
    assert page.evaluate("() => window.__said") == [
        "Recording, 3 seconds left", "Recording, 2 seconds left", "Recording, 1 second left", "Video recorded",
    ]


def test_keyboard_shutter_takes_photos_and_keeps_the_focus(open_notebook) -> None:
    nb = open_notebook(
        ["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(sourceType=['camera'], mediaType=['image'])\nw"]
    )
    page = nb.page
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    page.evaluate(LISTEN)
    page.focus(".cm-cam-shutter")
    page.keyboard.press("Enter")
    page.wait_for_function(STORED, arg=1, timeout=30_000)
    assert page.locator(".cm-item img.cm-thumb").count() == 1  # a photo
    page.wait_for_selector(".cm-cam-shutter:not([aria-disabled])")
    assert page.evaluate(FOCUSED) == "cm-cam-shutter"  # busy meanwhile, yet still focused: Enter again
    page.keyboard.press("Enter")
    page.wait_for_function(STORED, arg=2, timeout=30_000)
    assert page.evaluate("() => window.__said") == ["Photo taken", "Photo taken"]


def test_simplified_chinese_camera(open_notebook) -> None:
    nb = open_notebook(
        ["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(lang='zh-CN', maxDuration=30)\nw"]
    )
    page = nb.page
    page.wait_for_selector(".cm-cam-open")
    assert page.inner_text(".cm-cam-open") == "打开相机"
    assert page.get_attribute(".cm-camera", "aria-label") == "相机"
    page.click(".cm-cam-open")
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    assert page.get_attribute(".cm-cam-preview", "aria-label") == "相机预览"
    assert page.inner_text(".cm-cam-shutter") == "拍照" and page.inner_text(".cm-cam-record") == "录像"
    assert page.inner_text(".cm-cam-close") == "关闭相机"
    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    assert page.inner_text(".cm-cam-record") == "停止" and page.inner_text(".cm-cam-retake") == "放弃"
    page.wait_for_function("() => document.querySelector('.cm-cam-say').textContent === '正在录像，还剩 30 秒'")
    assert page.inner_text(".cm-cam-badge").startswith("● 录像中 · 剩余 0:")
    page.click(".cm-cam-retake")
    page.wait_for_selector(".cm-camera[data-state=live]")
    assert page.inner_text(".cm-cam-say") == "已放弃本段录像"
