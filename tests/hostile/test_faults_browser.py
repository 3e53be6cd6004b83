"""Faults in a real browser: a page reload in the middle of a transfer never yields a partial file,
and the transfer resumes from what the kernel already has when the same file is chosen again."""

from __future__ import annotations

from pathlib import Path

import pytest

from choose_media.store import file_md5
from tests.support.big_media import big_mp4

STORED = "(n) => document.querySelectorAll('.cm-item[data-state=stored]').length === n"


md5 = file_md5


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_mp4(tmp_path_factory.mktemp("faults") / "big.mp4", 200 * 1024 * 1024)


def test_reload_mid_transfer_resumes_and_never_reports_a_partial_file(open_notebook, big: Path) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=2, sizeType=['original'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")  # so the view comes back
    page.set_input_files(".cm-input", [str(big)])
    page.wait_for_function("() => { const b = document.querySelector('.cm-progress'); return b && b.value > b.max * 0.2 }",
                           timeout=120_000)
    page.reload()
    page.locator(".cm-item[data-state=interrupted]").first.wait_for(timeout=60_000)
    assert "choose this file again to resume" in page.locator(".cm-item[data-state=interrupted]").first.inner_text()
    held = nb.eval_json("[t.received for t in w.pick.transfers]")
    assert len(held) == 1 and 0 < held[0] < big.stat().st_size
    assert nb.eval_json("w.result") is None and nb.eval_json("w.temp_files") == []
    # the same file again: the transfer goes on from what the kernel has
    page.locator(".cm-input").first.set_input_files([str(big)])
    page.wait_for_function(STORED, arg=1, timeout=240_000)
    assert nb.eval_json("[s.resumed_from for s in w.pick.stored]")[0] >= held[0]
    page.locator(".cm-confirm").first.click()
    nb.wait_for("w.result is not None", timeout=60)
    assert nb.eval_json("w.temp_files[0].md5") == md5(big)
    assert nb.eval_json("[p.name for p in w.store.incoming_dir.iterdir()]") == []


def test_a_different_file_with_the_same_name_starts_over_instead_of_mixing_bytes(open_notebook, big: Path, tmp_path: Path) -> None:
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=2, sizeType=['original'])\nw"])
    page = nb.page
    page.wait_for_selector(".cm-root")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.set_input_files(".cm-input", [str(big)])
    page.wait_for_function("() => { const b = document.querySelector('.cm-progress'); return b && b.value > b.max * 0.1 }",
                           timeout=120_000)
    page.reload()
    page.locator(".cm-item[data-state=interrupted]").first.wait_for(timeout=60_000)
    impostor = tmp_path / big.name
    data = bytearray(big.read_bytes())
    data[1000:1010] = b"0123456789"  # same name, same size, other bytes at the start
    impostor.write_bytes(bytes(data))
    page.locator(".cm-input").first.set_input_files([str(impostor)])
    page.wait_for_function(STORED, arg=1, timeout=240_000)
    assert nb.eval_json("[s.resumed_from for s in w.pick.stored]") == [0]
    page.locator(".cm-confirm").first.click()
    nb.wait_for("w.result is not None", timeout=60)
    assert nb.eval_json("w.temp_files[0].md5") == md5(impostor)


# The server publishes no "restarting" for a restart through its REST API, and the new kernel's own
# "starting" can be published before the server's subscription reaches it. This makes the front end
# miss both, as happens when the race is lost, so the view must notice the new kernel by other means.
MISS_RESTART_STATUSES = """() => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const update = kernel._updateStatus.bind(kernel);
  kernel._updateStatus = (s) => { if (s !== "starting" && s !== "restarting") update(s); };
}"""


@pytest.mark.parametrize("starting_status", ["seen", "missed"])
def test_kernel_restart_mid_pick_is_shown_and_leaves_no_files_behind(
    open_notebook, lab, tmp_path: Path, starting_status: str
) -> None:
    from choose_media.samples import make_photo

    photo = make_photo(tmp_path / "photo.jpg", (640, 480), orientation=1)
    nb = open_notebook(["from choose_media import ChooseMediaWidget\nw = ChooseMediaWidget(count=2)\nw"])
    page = nb.page
    if starting_status == "missed":
        page.evaluate(MISS_RESTART_STATUSES)
    page.set_input_files(".cm-input", [str(photo)])
    page.wait_for_function(STORED, arg=1, timeout=60_000)
    store = Path(nb.eval_json("str(w.store.root)"))
    assert store.is_dir() and any(store.rglob("*.part"))
    lab.api("POST", f"/api/kernels/{nb.kernel_id}/restart")
    page.wait_for_selector(".cm-root.cm-kernel-lost", timeout=60_000)
    assert "Run the cell again to start over" in page.inner_text(".cm-notice")
    assert page.locator(".cm-confirm").is_disabled()
    for _ in range(100):  # the old kernel removes its store as it exits
        if not store.exists():
            break
        page.wait_for_timeout(100)
    assert not store.exists(), "no orphaned temp files after the kernel that owned them exits"
