"""The same pick in each front-end we claim, in real Chromium: Voilà (the live demo page) and Notebook 7.

JupyterLab 4 is covered by ``test_album.py`` (the same pick: ``set_input_files`` on ``.cm-input``, every item
``[data-state=stored]``, Confirm, the files checked from the kernel side).

Each server here runs on a free 127.0.0.1 port with its settings, runtime dir, kernelspec and root dir in a temp dir
(the harness's ``Lab`` object holds them, so its ``stop()`` shuts kernels down and fails on a leftover kernel).

``CHOOSE_MEDIA_SCREENSHOT=1`` also writes ``docs/screenshot.png`` (the README's picture of the widget) from the Voilà
page, with two photos and a video added and before Confirm.
"""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support import harness
from tests.support.harness import Lab, NotebookSession

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "notebooks" / "demo.ipynb"
SCREENSHOT = ROOT / "docs" / "screenshot.png"
SHARED_MEDIA = ROOT.parent / "shared" / "media"
ALL_STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"
# every thumbnail decoded (images) or showing a frame (videos), so a screenshot shows them
THUMBS_READY = """() => Array.from(document.querySelectorAll('.cm-item .cm-thumb')).every(t =>
  t.tagName === 'IMG' ? t.complete && t.naturalWidth > 0 : t.readyState >= 2 && !t.seeking)"""


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two photos and a video: the shared samples when present, else made here.

    The first is a 3072x2304 photo stored sideways (EXIF orientation 6): compressed, it comes out 1440x1920.
    """
    if SHARED_MEDIA.is_dir():
        return [
            SHARED_MEDIA / "images" / "rommel.jpg",
            SHARED_MEDIA / "images" / "chelsea.jpg",
            SHARED_MEDIA / "videos" / "cockatoo.mp4",
        ]
    from choose_media.samples import make_photo, make_video

    folder = tmp_path_factory.mktemp("frontend-media")
    return [
        make_photo(folder / "photo.jpg", (3072, 2304)),
        make_photo(folder / "landscape.jpg", (1600, 1200), orientation=1, gps=False),
        make_video(folder / "clip.mp4"),
    ]


# ------------------------------------------------------------------------------------------------
# servers
# ------------------------------------------------------------------------------------------------


def start_server(name: str, args: Sequence[str], files: Sequence[Path] = (), ready_path: str | None = None,
                 timeout: float = 60) -> Lab:
    """Start ``python -m <args...> --port=P`` like the harness starts JupyterLab: temp dirs, 127.0.0.1, a free port."""
    return Lab.launch(name, args, files=files, ready_path=ready_path, timeout=timeout)


@pytest.fixture(scope="module")
def voila() -> Iterator[Lab]:
    """``voila demo.ipynb`` (a copy of notebooks/demo.ipynb) on 127.0.0.1, no browser, no token.

    Voilà keeps kernel connection files in ``<connection_dir_root>/voila_*/`` (the system temp dir by default):
    put them in the runtime dir so ``stop()`` finds (and fails on) a kernel left running."""
    server = start_server(
        "voila",
        ["voila", DEMO.name, "--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
         "--Voila.connection_dir_root={runtime}", "--VoilaConfiguration.show_tracebacks=True"],
        files=[DEMO],
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notebook7() -> Iterator[Lab]:
    """``jupyter notebook`` (Notebook 7) with the lab fixture's safe flags, ``window.jupyterapp`` exposed."""
    server = start_server(
        "notebook7",
        ["notebook", "--allow-root", "--no-browser", "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--ServerApp.root_dir=.",
         "--ServerApp.terminals_enabled=False", "--JupyterNotebookApp.expose_app_in_browser=True"],
        ready_path="/api/status",
    )
    yield server
    server.stop()


class Notebook7Session(NotebookSession):
    """A ``NotebookSession`` opened the Notebook 7 way (``/notebooks/<name>``); the rest is shared: Notebook 7's
    shell has the same ``widgets('main')`` and the same ``notebook:run-all-cells`` command as JupyterLab."""

    def page_path(self) -> str:
        return f"/notebooks/{urllib.parse.quote(self.name)}"


@contextlib.contextmanager
def artifacts_on_failure(stem: str, server: Lab, sessions: Sequence[NotebookSession]) -> Iterator[None]:
    """Screenshot, browser console and server log into test-artifacts/ when the block raises."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            print("artifacts:", *harness.save_artifacts(sessions, stem, lab=server), sep="\n  ")
        raise


class PageOnly(NotebookSession):
    """A browser page that is not a notebook (the Voilà page): console capture, screenshots, close."""


# ------------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------------


def pick(page, files: Sequence[Path], timeout_ms: int = 120_000) -> None:
    """The pick every front-end test does: choose the files, wait until all arrived whole in the kernel."""
    page.wait_for_selector(".cm-root", timeout=timeout_ms)
    page.set_input_files(".cm-input", [str(p) for p in files])
    page.wait_for_function("(n) => document.querySelectorAll('.cm-item').length === n", arg=len(files))
    page.wait_for_function(ALL_STORED, arg=len(files), timeout=timeout_ms)


def test_voila_demo_page_picks_and_shows_the_gallery(voila: Lab, browser, media: list[Path]) -> None:
    shoot = os.environ.get("CHOOSE_MEDIA_SCREENSHOT") == "1"
    ctx = browser.new_context(viewport={"width": 1000, "height": 900}, color_scheme="light", locale="en-US",
                              device_scale_factor=2 if shoot else 1)
    view = PageOnly(voila, ctx, "voila:demo.ipynb")
    try:
        with artifacts_on_failure("test_frontends_voila", voila, [view]):
            page = view.page
            page.goto(f"{voila.url}/", timeout=120_000)
            pick(page, media)
            assert page.locator(".cm-choose").is_visible() and page.locator(".cm-cam-open").is_visible()  # both sources
            if shoot:
                page.wait_for_function(THUMBS_READY, timeout=30_000)
                page.mouse.move(0, 0)  # no hover styles in the picture
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.locator(".cm-root").screenshot(path=str(SCREENSHOT), animations="disabled")
                print(f"\nwrote {SCREENSHOT}")
            page.click(".cm-confirm")
            # The kernel's observer puts result_object's gallery into the page: one card per file.
            gallery = page.locator(".widget-html-content")
            gallery.locator("figure").nth(len(media) - 1).wait_for(timeout=60_000)
            text = gallery.inner_text()
            assert f"{len(media)} files received in Python" in text
            captions = [c.inner_text() for c in gallery.locator("figcaption").all()]
            assert [c.split(" · ")[0] for c in captions] == ["image", "image", "video"], captions
            assert "1440×1920" in captions[0], captions  # 3072x2304 sideways photo: upright, long edge 1920
            assert captions[2].rstrip().endswith(" s"), captions  # the video's duration
            thumbs = gallery.locator("img")
            assert thumbs.count() == len(media)
            assert all(src.startswith("data:image/jpeg;base64,") for src in
                       (thumbs.nth(i).get_attribute("src") for i in range(len(media))))
            assert page.locator(".cm-done:not([hidden])").count() == 1
    finally:
        view.close()
    assert not [m for m in view.console_messages if m.startswith("[pageerror]")], view.format_console()


def test_notebook7_pick_reaches_the_kernel(notebook7: Lab, browser, media: list[Path]) -> None:
    name = "notebook7-pick.ipynb"
    harness.write_notebook(notebook7.root_dir / name,
                           ["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=3)\nw"])
    nb = Notebook7Session(notebook7, browser.new_context(), name)
    try:
        with artifacts_on_failure("test_frontends_notebook7", notebook7, [nb]):
            nb.open(timeout=120)
            nb.run_all(timeout=120)
            pick(nb.page, media)
            nb.page.click(".cm-confirm")
            nb.wait_for("w.result is not None", timeout=120)
            result = nb.eval_json("w.result")
            assert result["errMsg"] == "chooseMedia:ok", result
            assert [e["type"] for e in result["tempFiles"]] == ["image", "image", "video"]
            assert (result["tempFiles"][0]["width"], result["tempFiles"][0]["height"]) == (1440, 1920)
            assert nb.eval_json("[f.path.is_file() and f.path.stat().st_size == f.size for f in w.temp_files]") == [
                True, True, True]
            nb.page.wait_for_selector(".cm-done:not([hidden])")
    finally:
        nb.close()
