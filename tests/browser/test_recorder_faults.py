"""A recorder that gives no video must end visibly, with its errno, and never hang (issue 13 saw WebKitGTK's
recorder stop with one 0-byte chunk, and the widget sit at "Recording, 1 second left").

Chromium's recorder works, so the page is staged from the test's side: an init script makes every
MediaRecorder hand over empty chunks, or ignore ``stop()``. Nothing of this is in the bundle.
"""

from __future__ import annotations

import pytest

from tests.support.harness import InitScriptBrowser

EMPTY_CHUNKS = """(() => {
  const add = MediaRecorder.prototype.addEventListener;
  MediaRecorder.prototype.addEventListener = function (type, listener, options) {
    if (type !== "dataavailable") return add.call(this, type, listener, options);
    return add.call(this, type, (e) => listener({ data: new Blob([]), timecode: e.timecode }), options);
  };
})();"""
NEVER_STOPS = "MediaRecorder.prototype.stop = function () {};"


@pytest.mark.parametrize(
    ("staging", "words"),
    [(EMPTY_CHUNKS, "came out empty"), (NEVER_STOPS, "did not stop")],
    ids=["empty-recording", "recorder-never-stops"],
)
def test_a_recording_without_video_ends_in_a_visible_error_and_the_camera_stays_usable(
    open_notebook, launch_browser, staging: str, words: str
) -> None:
    browser = InitScriptBrowser(launch_browser(), staging)
    nb = open_notebook(
        ["from choose_media import ChooseMediaWidget\n"
         "w = ChooseMediaWidget(sourceType=['camera'], mediaType=['image', 'video'], maxDuration=3, sizeType=['original'])\nw"],
        browser=browser,
    )
    page = nb.page
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    page.click(".cm-cam-record")
    message = page.locator(".cm-cam-message:not([hidden])")
    message.wait_for(timeout=30_000)  # maxDuration 3 s, plus at most the recorder's 5 s bound
    assert words in message.inner_text() and "errno 1107014" in message.inner_text()
    assert words in page.inner_text(".cm-cam-say")  # said to screen readers too, not left at "1 second left"
    error = nb.wait_for("w.camera_error", timeout=30)
    assert error["errno"] == 1107014 and error["errMsg"].startswith("chooseMedia:fail ") and words in error["errMsg"]
    # nothing half was reported, the pick was not failed, and the camera still shoots
    assert nb.eval_json("(w.result, [s.type for s in w.pick.stored])") == [None, []]
    assert page.get_attribute(".cm-camera", "data-state") == "live"
    assert page.locator(".cm-cam-record").is_enabled()
    page.click(".cm-cam-shutter")
    nb.wait_for("[s.type for s in w.pick.stored] == ['image']", timeout=30)
