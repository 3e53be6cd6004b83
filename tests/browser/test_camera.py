"""The camera in real JupyterLab and Chromium, with Chromium's fake camera playing a picture of known colours.

The fake camera (``--use-file-for-fake-video-capture``) plays a 640x480 y4m made here: four coloured
quadrants, so a photo, a video or a frame shows whether its pixels are the camera's and whether it was
mirrored (only the front camera's preview may be).  Everything is asserted from the kernel side.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from choose_media.media.videos import ffmpeg_exe
from tests.support.harness import CAMERA_PROBE_JS, FAKE_CAMERA, InitScriptBrowser

SIZE = (640, 480)
#: Quadrant colours as the fake camera delivers them (after its YUV 4:2:0 round trip).
TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT = (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 240, 240)
TOLERANCE = 24
MAX_DURATION = 3
FPS = 30


def quadrant_points(width: int, height: int) -> dict[tuple[int, int, int], tuple[int, int]]:
    """The centre of each quadrant, keyed by the colour it must have."""
    return {
        TOP_LEFT: (width // 4, height // 4),
        TOP_RIGHT: (3 * width // 4, height // 4),
        BOTTOM_LEFT: (width // 4, 3 * height // 4),
        BOTTOM_RIGHT: (3 * width // 4, 3 * height // 4),
    }


def assert_pattern(pixels: dict[str, list[int]] | Any, width: int, height: int, where: str) -> None:
    """``pixels`` maps "x,y" to an RGB triple read in the kernel."""
    for colour, (x, y) in quadrant_points(width, height).items():
        got = pixels[f"{x},{y}"][:3]
        assert all(abs(a - b) <= TOLERANCE for a, b in zip(got, colour, strict=False)), f"{where}: pixel {x},{y} is {got}, not {colour}"


def kernel_pixels(expr: str, width: int, height: int) -> str:
    """Python (for the kernel) reading the quadrant centres of the PIL image ``expr``."""
    points = list(quadrant_points(width, height).values())
    return f"(lambda im: {{f'{{x}},{{y}}': list(im.getpixel((x, y)))[:3] for x, y in {points!r}}})({expr})"


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of the four-quadrant picture, 640x480 at 30 fps (Chromium loops it)."""
    folder = tmp_path_factory.mktemp("camera")
    png = folder / "pattern.png"
    im = Image.new("RGB", SIZE)
    for colour, (x, y) in quadrant_points(*SIZE).items():
        im.paste(colour, (x - SIZE[0] // 4, y - SIZE[1] // 4, x + SIZE[0] // 4, y + SIZE[1] // 4))
    im.save(png)
    y4m = folder / "camera.y4m"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", str(png),
         "-t", "1", "-r", str(FPS), "-pix_fmt", "yuv420p", str(y4m)],
        check=True, timeout=60,
    )
    return y4m


@pytest.fixture
def camera_browser(launch_browser, camera_file: Path):
    """Chromium whose (fake, auto-allowed) camera plays ``camera_file``; its pages carry ``CAMERA_PROBE_JS``."""
    return InitScriptBrowser(launch_browser([f"--use-file-for-fake-video-capture={camera_file}"]), CAMERA_PROBE_JS)


def widget_cells(options: str, *extra: str) -> list[str]:
    return [f"from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget({options})\nw", *extra]


def open_live_camera(open_notebook, browser, options: str, *extra: str):
    """A notebook showing ``ChooseMediaWidget(<options>)`` as ``w`` (then the ``extra`` cells), once its camera is live."""
    nb = open_notebook(widget_cells(options, *extra), browser=browser)
    nb.page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    return nb


#: The kinds of the live tracks of every stream getUserMedia gave this page (camera and microphone).
LIVE_TRACKS_JS = "() => window.__cmProbe.liveTracks()"
#: Kernel expression: the constraints the page asked getUserMedia for, once the camera they opened is live (the page
#: reports them in ``camera_state``; ipywebrtc's WebRTC adapter rewrites them before the browser's own call).
LIVE_CONSTRAINTS = "w.camera_state.get('state') == 'live' and w.camera_state['constraints']"


def test_front_camera_photo_is_full_size_unmirrored_and_arrives_in_the_kernel(open_notebook, camera_browser) -> None:
    nb = open_live_camera(
        open_notebook, camera_browser, "sourceType=['camera'], mediaType=['image'], cameraDevice='front', sizeType=['original']"
    )
    page = nb.page
    # cameraDevice reaches getUserMedia as facingMode (ideal: any camera if there is no front one).
    constraints = nb.wait_for(LIVE_CONSTRAINTS)
    assert constraints["video"]["facingMode"] == {"ideal": "user"}
    assert constraints["audio"] is False  # image only: no microphone asked for
    state = nb.wait_for("w.camera_state.get('state') == 'live' and w.camera_state")
    assert state["constraints"]["video"]["facingMode"] == {"ideal": "user"}
    assert state["settings"]["width"] == 640 and state["settings"]["height"] == 480
    # The front camera's preview is mirrored; the photo must not be.
    assert page.get_attribute(".cm-cam-preview", "data-mirrored") == "true"
    assert page.eval_on_selector(".cm-cam-preview", "v => getComputedStyle(v).transform").startswith("matrix(-1")
    assert page.locator(".cm-cam-record").is_hidden()  # mediaType has no video
    assert page.evaluate(LIVE_TRACKS_JS) == ["video"]  # (so "off" below means it was stopped)

    page.click(".cm-cam-shutter")
    page.wait_for_selector(".cm-item[data-state=stored]", timeout=30_000)
    timing = page.evaluate("() => window.__cmProbe.lastPhoto()")
    assert timing["pressed"] < timing["encoded"] <= timing["stored"], timing
    page.click(".cm-confirm")
    result = nb.wait_for("w.result")
    assert result["errMsg"] == "chooseMedia:ok"
    [entry] = result["tempFiles"]
    assert (entry["type"], entry["width"], entry["height"]) == ("image", 640, 480)
    assert nb.eval_json("w.temp_files[0].path.suffix") == ".jpg"
    assert_pattern(nb.eval_json(kernel_pixels("w.temp_files[0].to_pil()", *SIZE)), *SIZE, "photo")
    print(f"\nphoto shutter-to-kernel latency: {timing['stored'] - timing['pressed']:.0f} ms "
          f"(encoded after {timing['encoded'] - timing['pressed']:.0f} ms, via {timing['method']})")
    # Done: the picker is hidden, so the camera is off.
    page.wait_for_function(f"() => ({LIVE_TRACKS_JS})().length === 0", timeout=10_000)


def test_the_photo_is_taken_when_the_shutter_goes_down(open_notebook, camera_browser) -> None:
    """As in camera apps, the photo is of the moment the shutter is pressed, encoded while the finger is still
    on it; the release (the click) adds it to the pick. A press that slides off the shutter adds nothing, and
    the next tap takes a new photo."""
    nb = open_live_camera(open_notebook, camera_browser, "sourceType=['camera'], mediaType=['image'], sizeType=['original']")
    page = nb.page
    box = page.locator(".cm-cam-shutter").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    encodes = "() => window.__cmProbe.encodes.filter(e => e.type === 'image/jpeg').length"
    before = page.evaluate(encodes)
    page.mouse.move(x, y)
    page.mouse.down()
    page.wait_for_function(f"() => ({encodes})() === {before + 1}", timeout=10_000)  # encoded, finger still down
    assert page.locator(".cm-item").count() == 0  # not in the pick before the release
    page.mouse.up()
    page.wait_for_selector(".cm-item[data-state=stored]", timeout=30_000)
    assert page.evaluate(encodes) == before + 1  # the click used the photo of the press
    timing = page.evaluate("() => window.__cmProbe.lastPhoto()")
    assert timing["pressed"] < timing["encoded"] <= timing["stored"], timing
    # pressed, then slid off the shutter before the release: no photo
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 400, steps=4)
    page.mouse.up()
    page.wait_for_timeout(600)
    assert page.locator(".cm-item").count() == 1
    # the next tap takes a new photo, not the abandoned press's
    page.click(".cm-cam-shutter")
    page.wait_for_function("() => document.querySelectorAll('.cm-item[data-state=stored]').length === 2", timeout=30_000)
    assert page.evaluate(encodes) == before + 3
    page.click(".cm-confirm")
    assert len(nb.wait_for("w.result")["tempFiles"]) == 2


def probe_expr(index: int) -> str:
    return (
        "(lambda i: {'codec': i.codec, 'audio': i.has_audio, 'duration': i.duration, 'w': i.width, 'h': i.height})"
        f"(__import__('choose_media.media.videos', fromlist=['x']).probe_video(w.temp_files[{index}].path))"
    )


def poster_pixels(index: int) -> str:
    """Kernel code: the quadrant pixels of the first frame of video ``index`` (decoded by ffmpeg)."""
    return (
        "import tempfile, pathlib\nfrom choose_media.media.videos import poster_frame\nfrom PIL import Image\n"
        "_poster = pathlib.Path(tempfile.mkdtemp()) / 'poster.jpg'\n"
        f"poster_frame(w.temp_files[{index}].path, _poster, max_long_edge=640)\n"
        "_im = Image.open(_poster).convert('RGB')\n"
    )


def test_video_stops_by_itself_at_max_duration_with_audio_and_a_countdown(open_notebook, camera_browser) -> None:
    nb = open_live_camera(
        open_notebook, camera_browser, f"sourceType=['camera'], mediaType=['video'], maxDuration={MAX_DURATION}, sizeType=['original']"
    )
    page = nb.page
    constraints = nb.wait_for(LIVE_CONSTRAINTS)
    assert constraints["video"]["facingMode"] == {"ideal": "environment"}  # cameraDevice defaults to back
    assert constraints["audio"] is False  # the microphone opens only while recording
    assert page.evaluate(LIVE_TRACKS_JS) == ["video"]
    assert page.get_attribute(".cm-cam-preview", "data-mirrored") == "false"
    assert page.locator(".cm-cam-shutter").is_hidden()  # mediaType has no image

    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    assert sorted(page.evaluate(LIVE_TRACKS_JS)) == ["audio", "video"]
    assert page.inner_text(".cm-cam-record") == "Stop"
    # The countdown counts down (observed, not timed), then the recorder stops by itself.
    page.wait_for_function("() => document.querySelector('.cm-camera').dataset.remaining === '1'", timeout=10_000)
    assert page.inner_text(".cm-cam-badge").endswith("0:01 left")
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=15_000)
    page.wait_for_function(f"() => JSON.stringify(({LIVE_TRACKS_JS})()) === '[\"video\"]'")  # microphone off again
    page.wait_for_selector(".cm-item[data-state=stored]", timeout=30_000)
    [recording] = page.evaluate("() => window.__cmProbe.recordings")  # one recorder, stopped by itself
    assert recording["size"] > 0
    assert recording["mimeType"].startswith("video/mp4;codecs=avc1")  # the preferred type
    page.click(".cm-confirm")
    result = nb.wait_for("w.result")
    [entry] = result["tempFiles"]
    assert entry["type"] == "video" and (entry["width"], entry["height"]) == SIZE
    frame = 1 / FPS
    assert MAX_DURATION - frame <= entry["duration"] <= MAX_DURATION + frame, entry
    info = nb.eval_json(probe_expr(0))
    assert info["codec"] == "h264" and info["audio"] is True
    pixels = nb._marked(kernel_pixels("_im", *SIZE), 60, prelude=poster_pixels(0))
    assert_pattern(pixels, *SIZE, "video frame")
    print(f"\nrecorded {entry['duration']} s for maxDuration={MAX_DURATION} ({recording['mimeType']}, "
          f"recorder ran {recording['ms']:.0f} ms)")


def test_compressed_camera_video_is_h264_mp4_with_faststart(open_notebook, camera_browser) -> None:
    nb = open_live_camera(
        open_notebook, camera_browser, f"sourceType=['camera'], mediaType=['video'], maxDuration={MAX_DURATION}, sizeType=['compressed']"
    )
    page = nb.page
    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-item[data-state=stored]", timeout=30_000)
    page.click(".cm-confirm")
    result = nb.wait_for("w.result")
    [entry] = result["tempFiles"]
    assert MAX_DURATION - 1 / FPS <= entry["duration"] <= MAX_DURATION + 1 / FPS, entry
    assert nb.eval_json("(w.temp_files[0].compressed, w.temp_files[0].path.suffix)") == [True, ".mp4"]
    assert nb.eval_json(probe_expr(0))["codec"] == "h264"
    head = nb.eval_json("(lambda b: [b.find(b'moov'), b.find(b'mdat')])(w.temp_files[0].read_bytes())")
    assert 0 < head[0] < head[1], "moov must come before mdat (+faststart)"


#: Two fake cameras, the first facing the world and the second the user (Chromium's fake ones have no
#: facing), and getUserMedia slowed down on demand so a stale answer can be staged.
TWO_CAMERAS_JS = r"""
(() => {
  const proto = globalThis.InputDeviceInfo && InputDeviceInfo.prototype;
  if (proto) {
    const original = proto.getCapabilities;
    proto.getCapabilities = function () {
      const caps = original.call(this);
      if (this.kind === "videoinput") caps.facingMode = [this.label.endsWith("1") ? "user" : "environment"];
      return caps;
    };
  }
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    const delay = window.__slowNextGetUserMedia || 0;
    window.__slowNextGetUserMedia = 0;
    const stream = await gum(c);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    (window.__gumAnswers = window.__gumAnswers || []).push(stream);
    return stream;
  };
})();
"""

LIVE_VIDEO_DEVICES_JS = (
    "() => (window.__gumAnswers ?? []).flatMap(s => s.getVideoTracks())"
    ".filter(t => t.readyState === 'live').map(t => t.getSettings().deviceId)"
)


def test_device_picker_switch_and_stale_answers(open_notebook, launch_browser) -> None:
    browser = launch_browser(
        ["--use-fake-device-for-media-stream=device-count=2,fps=30"], drop_args=[FAKE_CAMERA]
    )
    nb = open_notebook(
        widget_cells("sourceType=['camera'], mediaType=['image']"), browser=InitScriptBrowser(browser, CAMERA_PROBE_JS, TWO_CAMERAS_JS)
    )
    page = nb.page
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    assert nb.wait_for(LIVE_CONSTRAINTS)["video"]["facingMode"] == {"ideal": "environment"}
    page.wait_for_selector(".cm-cam-device:not([hidden])")
    options = page.eval_on_selector_all(".cm-cam-device option", "os => os.map(o => [o.value, o.textContent])")
    assert [label for _, label in options] == ["fake_device_0", "fake_device_1"]
    back, front = options[0][0], options[1][0]
    assert page.locator(".cm-cam-switch").is_visible()

    page.click(".cm-cam-switch")  # back → front: that camera, by id
    nb.wait_for(f"({LIVE_CONSTRAINTS})['video'].get('deviceId') == {{'exact': {front!r}}}")
    page.wait_for_selector(".cm-cam-preview[data-mirrored=true]")
    page.wait_for_function(f"() => JSON.stringify(({LIVE_VIDEO_DEVICES_JS})()) === JSON.stringify([{front!r}])")
    nb.wait_for("w.camera_state.get('facing') == 'user'")

    # A slow answer for an older request (switch, then at once the picker) is dropped and its tracks stopped.
    page.evaluate(
        """(front) => {
          window.__slowNextGetUserMedia = 1500;
          document.querySelector('.cm-cam-switch').click();  // asks for the back camera, slowly
          const picker = document.querySelector('.cm-cam-device');
          picker.value = front;  // and at once the front one: the newer request
          picker.dispatchEvent(new Event('change'));
        }""",
        front,
    )
    page.wait_for_function("() => (window.__gumAnswers ?? []).length >= 4", timeout=10_000)
    page.wait_for_selector(".cm-camera[data-state=live]")
    answers = page.evaluate(
        "() => window.__gumAnswers.map(s => s.getVideoTracks().map(t => [t.getSettings().deviceId, t.readyState])[0])"
    )
    assert answers[-1] == [back, "ended"], answers  # the late answer for the older request was stopped
    assert page.evaluate(LIVE_VIDEO_DEVICES_JS) == [front]
    assert page.eval_on_selector(".cm-cam-device", "s => s.value") == front


PERMISSION_CELLS = [
    "from choose_media import ChooseMediaWidget\ncamera_only = ChooseMediaWidget(sourceType=['camera'])\ncamera_only",
    "both = ChooseMediaWidget(sourceType=['album', 'camera'], mediaType=['image'])\nboth",
]


def test_permission_denied_fails_a_camera_only_pick_and_keeps_the_album(open_notebook, launch_browser, tmp_path) -> None:
    browser = launch_browser(drop_args=["--use-fake-ui-for-media-stream"])  # nobody grants the camera
    nb = open_notebook(PERMISSION_CELLS, browser=browser)
    page = nb.page
    result = nb.wait_for("camera_only.result", timeout=30)
    assert result["errno"] == 1107003 and result["errMsg"].startswith("chooseMedia:fail camera permission was denied")
    first, second = page.locator(".cm-root").nth(0), page.locator(".cm-root").nth(1)
    first.locator(".cm-summary", has_text="1107003").wait_for()  # the result reaches the page just after the kernel

    # With the album offered too, the camera waits to be asked for; a refusal is explained, the album stays.
    assert second.locator(".cm-cam-open").is_visible()
    second.locator(".cm-cam-open").click()
    second.locator(".cm-cam-message:not([hidden])").wait_for()
    assert "permission was denied" in second.locator(".cm-cam-message").inner_text()
    assert second.locator(".cm-cam-retry").is_visible()
    assert nb.wait_for("both.camera_error")["errno"] == 1107003
    assert nb.eval_json("both.result") is None
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), TOP_LEFT).save(photo)
    second.locator(".cm-input").set_input_files(str(photo))
    second.locator(".cm-item[data-state=stored]").wait_for(timeout=30_000)
    second.locator(".cm-confirm").click()
    assert nb.wait_for("both.result")["errMsg"] == "chooseMedia:ok"


def test_insecure_context_is_explained(open_notebook, browser) -> None:
    staged = InitScriptBrowser(browser, "Object.defineProperty(window, 'isSecureContext', {get: () => false});")
    nb = open_notebook(PERMISSION_CELLS, browser=staged)
    page = nb.page
    result = nb.wait_for("camera_only.result", timeout=30)
    assert result["errno"] == 1107005
    for words in ("not a secure context", "HTTPS", "localhost", "127.0.0.1"):
        assert words in result["errMsg"]
    second = page.locator(".cm-root").nth(1)
    second.locator(".cm-cam-open").click()
    message = second.locator(".cm-cam-message:not([hidden])")
    message.wait_for()
    assert "http://localhost or http://127.0.0.1" in message.inner_text()
    assert second.locator(".cm-cam-retry").is_hidden()  # retrying cannot help here
    assert nb.wait_for("both.camera_error")["errno"] == 1107005
    assert nb.eval_json("both.result") is None


def test_camera_errors_in_chinese_keep_the_english_errmsg(open_notebook, browser) -> None:
    staged = InitScriptBrowser(browser, "Object.defineProperty(window, 'isSecureContext', {get: () => false});")
    nb = open_notebook(
        widget_cells("sourceType=['album', 'camera'], mediaType=['image'], lang='zh-CN'"), browser=staged
    )
    page = nb.page
    page.click(".cm-cam-open")
    message = page.locator(".cm-cam-message:not([hidden])")
    message.wait_for()
    text = message.inner_text()
    assert text.startswith("无法使用相机：此页面") and "不是安全上下文" in text and "(errno 1107005)" in text
    assert "http://localhost 或 http://127.0.0.1" in text
    error = nb.wait_for("w.camera_error")
    assert error["errno"] == 1107005 and "is not a secure context" in error["errMsg"]  # the kernel's stays English


FRAME_RECORDER = (
    "import time\n"
    "def recorder(store):\n"
    "    def callback(frame):\n"
    "        store.append((frame, time.monotonic()))\n"
    "    return callback\n"
    "rgba_frames, jpeg_frames, fitted_frames, ok_frames = [], [], [], []\n"
    "on_rgba, on_jpeg, on_fitted, on_ok = map(recorder, (rgba_frames, jpeg_frames, fitted_frames, ok_frames))\n"
    "def measured_fps(frames, skip=10):\n"
    "    arrivals = [t for _, t in frames[skip:]]\n"
    "    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])\n"
)


def test_on_frame_delivers_live_frames_with_back_pressure(open_notebook, camera_browser) -> None:
    nb = open_live_camera(
        open_notebook, camera_browser, "sourceType=['camera'], mediaType=['image'], cameraDevice='front'", FRAME_RECORDER
    )

    nb.run("w.on_frame(on_rgba, fps=30, size=(640, 480), format='rgba')")
    assert nb.eval_json("w.frame_request") == {"fps": 30.0, "width": 640, "height": 480, "format": "rgba"}
    nb.wait_for("len(rgba_frames) >= 70", timeout=60)
    nb.run("w.on_frame(on_rgba, remove=True)")
    frames = nb.eval_json(
        "[(f.seq, f.width, f.height, f.format, len(f.data), f.timestamp) for f, _ in rgba_frames]"
    )
    assert all((w, h, fmt, n) == (640, 480, "rgba", 640 * 480 * 4) for _, w, h, fmt, n, _ in frames)
    seqs = [f[0] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    stamps = [f[5] for f in frames]
    assert stamps == sorted(stamps)
    now = nb.eval_json("time.time()")
    assert abs(now - stamps[-1]) < 600, "timestamps are Unix-epoch seconds"
    # The frames are the camera's pixels, unmirrored although the front preview is mirrored.
    assert_pattern(nb.eval_json(kernel_pixels("rgba_frames[-1][0].to_pil()", *SIZE)), *SIZE, "frame")
    assert nb.eval_json("rgba_frames[-1][0].to_numpy()[120, 160].tolist()") == list(
        nb.eval_json("list(rgba_frames[-1][0].to_pil().getpixel((160, 120)))")
    )
    assert nb.eval_json("rgba_frames[-1][0].to_numpy().shape") == [480, 640, 3]
    rgba_fps = nb.eval_json("measured_fps(rgba_frames)")

    nb.run("w.on_frame(on_jpeg, fps=30, size=(640, 480))")  # JPEG is the default
    assert nb.eval_json("w.frame_request['format']") == "jpeg"
    nb.wait_for("len(jpeg_frames) >= 70", timeout=60)
    nb.run("w.on_frame(on_jpeg, remove=True)")
    assert_pattern(nb.eval_json(kernel_pixels("jpeg_frames[-1][0].to_pil()", *SIZE)), *SIZE, "jpeg frame")
    jpeg_fps = nb.eval_json("measured_fps(jpeg_frames)")
    jpeg_bytes = nb.eval_json("sum(len(f.data) for f, _ in jpeg_frames) // len(jpeg_frames)")

    # size is a box: the aspect ratio is kept.
    nb.run("w.on_frame(on_fitted, fps=10, size=(320, 320), format='rgba')")
    nb.wait_for("len(fitted_frames) >= 3")
    nb.run("w.on_frame(on_fitted, remove=True)")
    assert nb.eval_json("sorted({(f.width, f.height, f.format) for f, _ in fitted_frames})") == [[320, 240, "rgba"]]
    print(f"\non_frame at 640x480 (fps=30 asked, camera 30 fps, through Playwright): RGBA {rgba_fps:.1f} frames/s, "
          f"JPEG {jpeg_fps:.1f} frames/s ({jpeg_bytes / 1024:.0f} KiB a frame)")

    # A failing callback is reported and the stream goes on for the others.
    nb.run(
        "def broken(frame):\n    raise ValueError('boom')\n"
        "w.on_frame(broken, fps=30)\nw.on_frame(on_ok, fps=30)"
    )
    nb.wait_for("len(ok_frames) >= 10 and w.frame_stats['errors'] >= 10")
    nb.run("w.on_frame(broken, remove=True)")

    # Back-pressure: with a callback slower than the camera, the page drops frames instead of queueing them,
    # so the frames a slow callback sees stay fresh (with a queue their age would grow without bound).
    nb.run(
        "import threading\nages, slow_seqs, threads = [], [], set()\n"
        "def slow(frame):\n"
        "    ages.append(time.time() - frame.timestamp)\n"
        "    slow_seqs.append(frame.seq)\n"
        "    threads.add(threading.current_thread().name)\n"
        "    time.sleep(0.25)\n"
        "w.on_frame(on_ok, remove=True)\nw.on_frame(slow, fps=30)"
    )
    nb.wait_for("len(ages) >= 16", timeout=60)
    nb.run("w.on_frame(slow, remove=True)")
    ages = nb.eval_json("ages")
    seqs = nb.eval_json("slow_seqs")
    print(f"slow callback (0.25 s a frame): frame ages {ages[2]:.2f} s → {ages[-1]:.2f} s, "
          f"{nb.eval_json('w.frame_stats')['dropped_in_browser']} frames dropped by the page, "
          f"callbacks ran on {nb.eval_json('sorted(threads)')}")
    assert ages[-1] - ages[2] < 1.0, ages
    assert (seqs[-1] - seqs[0]) / (len(seqs) - 1) > 2, "the page must have dropped frames between them"
    assert nb.eval_json("w.frame_stats['dropped_in_browser']") >= 20
    assert nb.eval_json("w.frame_request") == {}


def test_closing_hiding_or_removing_the_view_stops_the_camera(open_notebook, camera_browser) -> None:
    nb = open_notebook(
        widget_cells(f"sourceType=['camera'], mediaType=['image', 'video'], maxDuration={MAX_DURATION}"),
        browser=camera_browser,
    )
    page = nb.page
    no_live = f"() => ({LIVE_TRACKS_JS})().length === 0"
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    assert page.evaluate(LIVE_TRACKS_JS) == ["video"]  # no microphone until a video is recorded

    # Another JupyterLab tab in front: the notebook is hidden (display: none), so its camera stops ...
    panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    page.wait_for_function(no_live, timeout=10_000)
    nb.wait_for("w.camera_state.get('state') == 'stopped'")
    # ... and opens again when the notebook comes back to the front.
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", panel_id)
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    assert page.evaluate(LIVE_TRACKS_JS) == ["video"]  # no microphone until a video is recorded
    nb.wait_for("w.camera_state.get('state') == 'live'")
    # Hidden while recording: the recording runs to its end and arrives, then the camera stops.
    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    nb.wait_for("[m.type for m in w.pick.stored] == ['video']", timeout=30)
    # whole: hiding did not cut it short (it ran to maxDuration)
    assert nb.eval_json("w.pick.stored[0].duration") >= MAX_DURATION - 2 / FPS
    page.wait_for_function(no_live, timeout=10_000)
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", panel_id)
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)

    nb.run("w.source_type = ['album']")  # the camera section is hidden
    page.wait_for_function(no_live, timeout=10_000)
    nb.wait_for("w.camera_state.get('state') == 'stopped'")
    nb.run("w.source_type = ['camera']")  # shown again: it opens again
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    assert page.evaluate(LIVE_TRACKS_JS) == ["video"]

    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")  # view removed
    page.wait_for_function(no_live, timeout=10_000)
    assert page.locator(".cm-root").count() == 0

    # Closing the widget from Python ends its camera too.
    nb.run("w2 = ChooseMediaWidget(sourceType=['camera'])")
    page.evaluate(
        "() => { const app = window.jupyterapp; const p = app.shell.currentWidget; "
        "p.content.activeCellIndex = 0; p.content.activeCell.model.sharedModel.setSource('w2'); "
        "return app.commands.execute('notebook:run-cell'); }"
    )
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    nb.run("w2.close()")
    page.wait_for_function(no_live, timeout=10_000)


SAVE_CELLS = [
    (
        "import os, tempfile\nos.environ['CHOOSE_MEDIA_ALBUM'] = album = tempfile.mkdtemp()\n"
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(sourceType=['camera'], isSaveToAlbum='1', sizeType=['original'], "
        f"maxDuration={MAX_DURATION})\nw"
    ),
]


def test_save_to_album_retake_and_discard(open_notebook, camera_browser) -> None:
    nb = open_notebook(SAVE_CELLS, browser=camera_browser)
    page = nb.page
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    page.click(".cm-cam-shutter")
    page.wait_for_function("() => document.querySelectorAll('.cm-item').length === 1")
    page.wait_for_selector(".cm-cam-shutter:not([disabled]):not([aria-disabled=true])")  # busy: aria-disabled
    page.click(".cm-cam-shutter")
    page.wait_for_function("() => document.querySelectorAll('.cm-item').length === 2")
    page.click(".cm-cam-retake")  # discards the last shot
    page.wait_for_function("() => document.querySelectorAll('.cm-item').length === 1")

    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    assert page.inner_text(".cm-cam-retake") == "Discard"
    page.click(".cm-cam-retake")  # throws the recording away
    page.wait_for_selector(".cm-camera[data-state=live]")
    page.click(".cm-cam-record")
    page.wait_for_selector(".cm-camera[data-state=recording]")
    # A second in (a stop at once may come before the recorder's first frame: then there is no video at all).
    page.wait_for_function("() => document.querySelector('.cm-camera').dataset.remaining === '2'")
    page.click(".cm-cam-record")  # stopped by hand before maxDuration
    page.wait_for_function("() => document.querySelectorAll('.cm-item[data-state=stored]').length === 2", timeout=30_000)
    # Two recorders ran (the discarded one and this one), and only this one's video is in the list.
    assert len(page.evaluate("() => window.__cmProbe.recordings")) == 2
    assert page.locator(".cm-item").count() == 2

    page.click(".cm-confirm")
    result = nb.wait_for("w.result")
    assert [e["type"] for e in result["tempFiles"]] == ["image", "video"]
    assert result["tempFiles"][1]["duration"] < MAX_DURATION
    saved = nb.eval_json("[(p.parent == __import__('pathlib').Path(album), p.name) for p in w.saved_to_album]")
    assert [in_album for in_album, _ in saved] == [True, True]
    names = [name for _, name in saved]
    assert names[0].startswith("IMG_") and names[0].endswith(".jpg")
    assert names[1].startswith("VID_") and names[1].endswith(".mp4")
    # The album holds exactly the shot bytes, and nothing half-written.
    assert nb.eval_json("[p.read_bytes() == f.read_bytes() for p, f in zip(w.saved_to_album, w.temp_files)]") == [
        True, True
    ]
    assert nb.eval_json("sorted(os.listdir(album))") == sorted(names)


#: How many getUserMedia calls the page made, and whether every preview showed the first call's tracks.
OWN_REQUESTS_JS = """() => {
  const p = window.__cmProbe;
  const first = new Set((p.requests[0]?.stream?.getTracks() ?? []).map(t => t.id));
  const shown = p.previews.flatMap(s => s.getTracks()).map(t => t.id);
  return {requests: p.requests.length, preview_is_that_stream: shown.length > 0 && shown.every(id => first.has(id))};
}"""

IPYWEBRTC_CELLS = [
    (
        "from ipywebrtc import CameraStream\nfrom choose_media import ChooseMediaWidget\n"
        "cs = CameraStream.facing_user(audio=False)\n"
        "w = ChooseMediaWidget(sourceType=['camera'], camera_stream=cs, sizeType=['original'], "
        f"maxDuration={MAX_DURATION})\n"
        "frames = []\nw.on_frame(frames.append, fps=15)\nw"
    ),
]


def test_ipywebrtc_camera_stream_feeds_preview_photo_video_and_frames(open_notebook, camera_browser) -> None:
    nb = open_notebook(IPYWEBRTC_CELLS, browser=camera_browser)
    page = nb.page
    page.wait_for_selector(".cm-camera[data-state=live]", timeout=30_000)
    state = nb.wait_for("w.camera_state.get('state') == 'live' and w.camera_state")
    assert state["source"] == "ipywebrtc" and state["facing"] == "user"
    assert page.get_attribute(".cm-cam-preview", "data-mirrored") == "true"
    # No camera of our own: the page made one getUserMedia call (the CameraStream's), and the preview shows it.
    assert page.evaluate(OWN_REQUESTS_JS) == {"requests": 1, "preview_is_that_stream": True}
    assert page.locator(".cm-cam-device").is_hidden() and page.locator(".cm-cam-switch").is_hidden()

    nb.wait_for("len(frames) >= 5")
    assert_pattern(nb.eval_json(kernel_pixels("frames[-1].to_pil()", *SIZE)), *SIZE, "ipywebrtc frame")

    page.click(".cm-cam-shutter")
    page.wait_for_function("() => document.querySelectorAll('.cm-item[data-state=stored]').length === 1", timeout=30_000)
    page.click(".cm-cam-record")
    page.wait_for_function("() => document.querySelectorAll('.cm-item[data-state=stored]').length === 2", timeout=30_000)
    page.click(".cm-confirm")
    result = nb.wait_for("w.result")
    photo, clip = result["tempFiles"]
    assert (photo["width"], photo["height"]) == SIZE
    assert_pattern(nb.eval_json(kernel_pixels("w.temp_files[0].to_pil()", *SIZE)), *SIZE, "ipywebrtc photo")
    assert MAX_DURATION - 1 / FPS <= clip["duration"] <= MAX_DURATION + 1 / FPS
    assert nb.eval_json(probe_expr(1))["audio"] is False  # the CameraStream has no audio
    assert page.evaluate(OWN_REQUESTS_JS) == {"requests": 1, "preview_is_that_stream": True}  # nor a microphone

    # The stream is ipywebrtc's: our view let go of it, and it ends only when its widget closes.
    borrowed = "() => [...new Set(window.__cmProbe.previews.flatMap(s => s.getTracks()))].map(t => t.readyState)"
    assert page.evaluate(borrowed) == ["live"]
    nb.run("cs.close()")
    page.wait_for_function(f"() => ({borrowed})().every(s => s === 'ended')", timeout=10_000)
