"""The Python call styles in a real notebook: ``await choose_media(...)`` in one cell, and ``w.wait()``."""

from __future__ import annotations

from pathlib import Path

import pytest

from choose_media.samples import make_photo

ALL_STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_photo(tmp_path_factory.mktemp("calls") / "photo.jpg", (800, 600), orientation=1)


def pick_and_confirm_while_the_cell_runs(open_notebook, cell: str, photo: Path):
    """Runs ``cell`` (which waits for the pick), picks ``photo`` in its widget, confirms, waits for the cell."""
    nb = open_notebook([cell], wait=False)
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.set_input_files(".cm-input", [str(photo)])
    page.wait_for_function(ALL_STORED, arg=1, timeout=60_000)
    page.click(".cm-confirm")
    nb.wait_until_run_done(60)
    return nb


def test_await_choose_media_resolves_in_the_same_cell(open_notebook, photo: Path) -> None:
    cell = (
        "from choose_media import choose_media\n"
        "result = await choose_media(count=1, mediaType=['image'])\n"
        "print('resolved', result['errMsg'], len(result['tempFiles']))"
    )
    nb = pick_and_confirm_while_the_cell_runs(open_notebook, cell, photo)
    assert nb.eval_json("result['errMsg']") == "chooseMedia:ok"
    nb.page.wait_for_selector("text=resolved chooseMedia:ok 1")


def test_await_choose_media_raises_on_cancel(open_notebook) -> None:
    cell = (
        "from choose_media import choose_media, ChooseMediaError\n"
        "try:\n"
        "    await choose_media()\n"
        "except ChooseMediaError as exc:\n"
        "    caught = (exc.errno, exc.errMsg)"
    )
    nb = open_notebook([cell], wait=False)
    nb.page.wait_for_selector(".cm-root")
    nb.page.click(".cm-cancel")
    nb.wait_until_run_done(60)
    assert nb.eval_json("caught") == [1107001, "chooseMedia:fail cancel"]


def test_blocking_wait_receives_the_pick_in_the_same_cell(open_notebook, photo: Path) -> None:
    cell = (
        "from IPython.display import display\n"
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(count=1, mediaType=['image'])\n"
        "display(w)\n"
        "channel = getattr(get_ipython().kernel, 'shell_channel_thread', None)  # ipykernel 7\n"
        "subshells = channel.manager.list_subshell if channel else list\n"
        "before = set(subshells())\n"
        "res = w.wait(timeout=120)\n"
        "after = set(subshells())\n"
        "print('waited', res['errMsg'])"
    )
    nb = pick_and_confirm_while_the_cell_runs(open_notebook, cell, photo)
    assert nb.eval_json("res['errMsg']") == "chooseMedia:ok"
    assert nb.eval_json("len(w.temp_files)") == 1
    private = nb.eval_json("__import__('importlib').import_module('choose_media._blocking').last_private_subshell")
    if private is not None:  # ipykernel 7: the wait's own subshell is gone again
        assert private not in nb.eval_json("sorted(after)")


def test_blocking_wait_times_out_cleanly(open_notebook) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget()\nw"])
    out = nb.run("try:\n    w.wait(timeout=1)\nexcept TimeoutError as e:\n    print('timeout:', e)")
    assert out.startswith("timeout: no answer from the widget within 1")
