"""``ChooseMediaWidget``: the traits, the seed's callbacks, and the routing of the page's messages.

The work is done elsewhere: a :class:`~choose_media.session.PickSession` owns the pick, a
:class:`~choose_media.camera.captures.CameraCaptures` the camera's kernel side, an
:class:`~choose_media.album.shelf.AlbumShelf` the album folder as a source; ``protocol`` declares and
builds the messages. Data flows one way: page → messages → session → pipeline → result.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets  # type: ignore[import-untyped]
import traitlets

from . import protocol, waiting
from .album.folder import default_album_dir
from .album.shelf import AlbumShelf
from .camera.captures import CAMERA_OPEN_ERRNOS, CameraCaptures, CameraRules
from .camera.frames import FrameCallback, FrameRequest
from .confirming import Confirmation
from .errors import ChooseMediaError, Errno, MediaError, fail_message, fail_result
from .media.images import ImageSettings
from .media.pipeline import PipelineSettings
from .media.videos import VideoSettings
from .options import OPTION_TABLE, OPTIONS_BY_ATTR, accept_attribute, lookup_option, normalize_options, validate_option
from .profiles import Profile, apply_profile, effective_value
from .result import ChooseMediaResult, FailedFile, TempFile, success_result
from .rules import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PICK_SIZE
from .session import (
    PickRules,
    PickSession,
    PickState,
    transfer_id,
    valid_transfer_id,
)
from .store import TempFileStore, default_store
from .transfer import CHUNK_SIZE, CHUNKS_IN_FLIGHT

_STATIC = Path(__file__).parent / "static"

ResultCallback = Callable[[dict[str, Any]], Any]
Handler = Callable[[dict[str, Any], Sequence[memoryview]], None]


def _is_media_stream_widget(value: Any) -> bool:
    try:
        from ipywebrtc import MediaStream  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - ipywebrtc is a dependency; any DOM widget then
        return True
    return isinstance(value, MediaStream)


class ChooseMediaWidget(anywidget.AnyWidget):
    """Pick images or videos from the album, or shoot them with the camera (Feishu ``tt.chooseMedia``).

    Seed options, by the seed's name or the snake_case twin (see ``choose_media.options.OPTION_TABLE``):
    ``mediaType: list[str]``, ``sourceType: list[str]``, ``count: int``, ``sizeType: list[str]``,
    ``maxDuration: float``, ``cameraDevice: str``, ``isSaveToAlbum: str``. The seed's call style:
    ``success``/``fail``/``complete: Callable[[dict], Any]``. Beyond the seed: ``platform: str | None`` and
    ``client_version: str | None`` (emulate a Feishu client), ``max_file_size: int`` and ``max_pick_size: int``
    (bytes), ``image_settings: ImageSettings``, ``video_settings: VideoSettings``, ``album_dir: str | Path``,
    ``camera_stream`` (an ipywebrtc ``MediaStream``), ``lang: str`` (``"en"``, ``"zh-CN"``; default: the
    browser's). ``result`` (the seed's result object) is ``None`` until the user confirms or cancels.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    media_type = traitlets.List(traitlets.Unicode(), help="mediaType: 'image' and/or 'video'.").tag(sync=True)
    source_type = traitlets.List(traitlets.Unicode(), help="sourceType: 'album' and/or 'camera'.").tag(sync=True)
    count = traitlets.Int(help="count: most files picked from the album (the camera is not limited).").tag(sync=True)
    size_type = traitlets.List(traitlets.Unicode(), help="sizeType: 'original' and/or 'compressed'.").tag(sync=True)
    max_duration = traitlets.Any(help="maxDuration in seconds, or None (no limit, on PC/Harmony).").tag(sync=True)
    camera_device = traitlets.Unicode(help="cameraDevice: 'back' or 'front'.").tag(sync=True)
    is_save_to_album = traitlets.Unicode(help="isSaveToAlbum: '1' saves camera shots into album_dir.").tag(sync=True)

    accept = traitlets.Unicode(help="The file chooser's accept attribute, from mediaType.").tag(sync=True)
    lang = traitlets.Enum(
        ("", "en", "zh-CN", "zh"), default_value="", help="UI language; empty: the browser's language."
    ).tag(sync=True)
    max_file_size = traitlets.Int(DEFAULT_MAX_FILE_SIZE, help="Bytes one file may have.").tag(sync=True)
    max_pick_size = traitlets.Int(DEFAULT_MAX_PICK_SIZE, help="Bytes all files of one pick may add up to.").tag(sync=True)
    chunk_size = traitlets.Int(CHUNK_SIZE, help="Bytes per transfer chunk the page sends.").tag(sync=True)
    chunks_in_flight = traitlets.Int(CHUNKS_IN_FLIGHT, help="Chunks the page sends before it waits for an ack.").tag(sync=True)
    status = traitlets.Unicode("idle", help="idle, processing or done").tag(sync=True)
    status_detail = traitlets.Dict(
        {}, help="While processing: {'done': files finished, 'total': files}; the page words it in its language."
    ).tag(sync=True)
    progress = traitlets.Float(0.0, help="Share of the confirm-time processing done, 0..1.").tag(sync=True)
    result = traitlets.Dict(default_value=None, allow_none=True, help="The seed's result object.").tag(sync=True)
    frame_request = traitlets.Dict(
        {}, help="What the page streams to on_frame callbacks: {fps, width, height, format}, or {} for nothing."
    ).tag(sync=True)
    camera_stream = traitlets.Instance(
        ipywidgets.DOMWidget, allow_none=True,
        help="An ipywebrtc media stream (CameraStream, VideoStream, ...) used instead of opening a camera.",
    ).tag(sync=True, **ipywidgets.widget_serialization)

    def __init__(
        self,
        *,
        success: ResultCallback | None = None,
        fail: ResultCallback | None = None,
        complete: ResultCallback | None = None,
        platform: str | None = None,
        client_version: str | None = None,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        max_pick_size: int = DEFAULT_MAX_PICK_SIZE,
        image_settings: ImageSettings | None = None,
        video_settings: VideoSettings | None = None,
        store: TempFileStore | None = None,
        camera_stream: Any = None,
        album_dir: str | Path | None = None,
        lang: str = "",
        **options: Any,
    ) -> None:
        self._callbacks = {"success": success, "fail": fail, "complete": complete}
        #: Where ``isSaveToAlbum="1"`` saves shots, and whose media the album shelf offers.
        self.album_dir = Path(album_dir).expanduser() if album_dir is not None else default_album_dir()
        try:
            self._profile = Profile.create(platform, client_version)
            requested = normalize_options(options)
            values, notes = apply_profile(requested, self._profile)
        except ChooseMediaError as exc:
            # The seed reports bad input through fail/complete; Python also gets the exception, early.
            self._run_callbacks(exc.to_result())
            raise
        self.requested_options = requested
        self.profile_notes = notes
        super().__init__(
            **values, accept=accept_attribute(values["media_type"]), max_file_size=max_file_size,
            max_pick_size=max_pick_size, camera_stream=camera_stream, lang=lang,
        )
        self._store = store or default_store()
        settings = PipelineSettings(
            image=image_settings or ImageSettings(),
            video=video_settings or VideoSettings(),
            compress_video=self._profile.compresses_video,
        )
        self._camera = CameraCaptures(self._store, self._camera_rules, self._report_album_error)
        self._session = PickSession(self._store, settings, self._pick_rules, self._camera)
        self._shelf = AlbumShelf(lambda: self.album_dir, lambda: self.media_type)
        self._temp_files: list[TempFile] = []
        self._failed: list[FailedFile] = []
        self._confirmation = Confirmation(self._session, self._show_progress, self._conclude, self._set_result)
        self._routes: dict[str, Handler] = {
            "begin": self._on_begin, "file": self._on_file, "chunk": self._on_chunk, "end": self._on_end, "remove": self._on_remove,
            "album_list": self._on_album_list, "album_pick": self._on_album_pick, "confirm": self._on_confirm,
            "cancel": self._on_cancel, "reset": self._on_reset, "hello": self._on_hello,
            "resume_query": self._on_resume_query, "resume": self._on_resume, "ping": self._on_ping,
            "frame": self._on_frame, "camera_state": self._on_camera_state, "camera_error": self._on_camera_error,
            "preview": self._on_preview,
        }
        self.on_msg(self._on_message)

    # -- options -----------------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        """The emulated client (``platform=``/``client_version=``); the default is the notebook itself."""
        return self._profile

    @traitlets.validate(*(spec.attr for spec in OPTION_TABLE))
    def _validate_option(self, proposal: Any) -> Any:
        spec, value = OPTIONS_BY_ATTR[proposal["trait"].name], proposal["value"]
        rule = spec.platforms.get(self._profile.platform or "")
        if rule is not None and value == rule.value:
            return value  # what the emulated platform uses instead (may be None: no limit)
        return effective_value(spec, validate_option(spec, value), self._profile)[0]

    @traitlets.validate("camera_stream")
    def _validate_camera_stream(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and not _is_media_stream_widget(value):
            raise traitlets.TraitError(
                f"camera_stream must be an ipywebrtc media stream (e.g. CameraStream), not {type(value).__name__}"
            )
        return value

    @traitlets.observe("media_type")
    def _update_accept(self, change: Any) -> None:
        self.accept = accept_attribute(change["new"])

    @property
    def options(self) -> dict[str, Any]:
        """The current options under the seed's names."""
        return {spec.name: getattr(self, spec.attr) for spec in OPTION_TABLE}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"ChooseMediaWidget({shown})"

    def _pick_rules(self) -> PickRules:
        return PickRules(
            tuple(self.media_type), tuple(self.source_type), self.count, self.max_file_size, self.max_pick_size
        )

    def _camera_rules(self) -> CameraRules:
        return CameraRules(tuple(self.media_type), self.max_duration, self.is_save_to_album == "1", self.album_dir)

    # -- results and the pick ------------------------------------------------------------------------
    @property
    def temp_files(self) -> list[TempFile]:
        """The confirmed files, as ``TempFile`` objects (empty until the user confirms)."""
        return list(self._temp_files)

    @property
    def failed_files(self) -> list[FailedFile]:
        """Files of the last pick that could not be used (each with its errno); the others still were."""
        return list(self._failed)

    @property
    def result_object(self) -> ChooseMediaResult | None:
        """``result`` as an object (``None`` until the user confirms or cancels); shows as a gallery."""
        if self.result is None:
            return None
        return ChooseMediaResult(self.result, self.temp_files, self.failed_files)

    @property
    def pick(self) -> PickState:
        """What the open pick holds now: files still arriving (``transfers``) and files arrived whole (``stored``)."""
        return self._session.state()

    @property
    def store(self) -> TempFileStore:
        """The kernel's temp store, where picked files live under ``ttfile://temp/`` paths."""
        return self._store

    def pick_files(self, paths: Iterable[str | Path] | str | Path, *, original: bool = False) -> dict[str, Any]:
        """Run the pick on local files, without a browser; returns (and sets) the same result.

        ``original`` is the "Original" toggle: honoured only when ``sizeType`` allows both.
        """
        sources = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        try:
            self._session.check_batch(sources)
        except MediaError as exc:
            return self._set_result(fail_result(exc.errno, exc.detail))
        self._reset_pick()
        self.status = "processing"
        files, failed = self._session.pick_local_files(sources, self._compress(original), self._show_progress)
        return self._conclude(files, failed)

    def clear(self) -> None:
        """Empty the pick, here and in the page: files arriving or arrived are dropped, the result is forgotten
        (a Confirm still being processed is cancelled). The same files can then be chosen again."""
        self._reset_pick()
        self.send(protocol.clear())

    async def wait_async(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait (without blocking the kernel) until the user confirms or cancels.

        Returns the success object; raises ``ChooseMediaError`` for a ``fail`` result and
        ``TimeoutError`` after ``timeout`` seconds. On ipykernel 7 an awaiting cell still receives
        the widget's messages, so ``await w.wait_async()`` works in the same cell that shows ``w``.
        """
        return await waiting.wait_async(self, timeout)

    def wait(self, timeout: float | None = None) -> dict[str, Any]:
        """Block until the user confirms or cancels, in the same cell that shows the widget.

        Works on ipykernel 6 and 7 (see ``_blocking``); where the kernel's internals are not as
        expected it raises ``RuntimeError`` at once instead of hanging. Returns the success object,
        raises ``ChooseMediaError`` for a ``fail`` result and ``TimeoutError`` after ``timeout`` s.
        """
        return waiting.wait(self, timeout)

    def _compress(self, original: bool) -> bool:
        if self.size_type == ["original"]:
            return False
        if self.size_type == ["compressed"]:
            return True
        return not original

    def _show_progress(self, done: int, total: int, share: float) -> None:
        self.status_detail = {"done": done, "total": total}
        self.progress = share

    def _conclude(self, files: list[TempFile], failed: list[FailedFile]) -> dict[str, Any]:
        self._temp_files, self._failed = files, failed
        if not files and failed:
            detail = "; ".join(f.detail for f in failed)
            result = {"errMsg": fail_message(detail), "errno": failed[0].errno, "failedFiles": [f.to_dict() for f in failed]}
        else:
            result = success_result(files, failed)
        return self._set_result(result)

    def _set_result(self, result: dict[str, Any]) -> dict[str, Any]:
        if not self._profile.reports_media_metadata:  # PC returns no duration/width/height
            for entry in result.get("tempFiles", []):
                for key in ("duration", "width", "height"):
                    entry.pop(key, None)
        self.status_detail = {}
        self.status = "done"
        self.result = result
        self._run_callbacks(result)
        return result

    def _run_callbacks(self, result: dict[str, Any]) -> None:
        """The seed's call style: ``success`` or ``fail``, then ``complete``, with the same object."""
        ok = result["errMsg"].endswith(":ok")
        for name in ("success" if ok else "fail", "complete"):
            callback = self._callbacks[name]
            if callback is not None:
                try:
                    callback(result)
                except Exception:  # a user's callback must not break the widget
                    traceback.print_exc(file=sys.stderr)

    def _reset_pick(self) -> None:
        """Forget the pick, its files and its result (a Confirm still being processed is cancelled)."""
        with self._confirmation.lock:
            self._confirmation.cancel()
            self._session.reset()
            self._clear_result()

    def _clear_result(self) -> None:
        self._temp_files, self._failed = [], []
        self.result = None  # type: ignore[assignment]  # the trait allows None: no pick yet
        self.status = "idle"
        self.status_detail = {}
        self.progress = 0.0

    def _new_pick_if_done(self) -> None:
        """A file added after a result starts the next pick (files added while processing already belong to it)."""
        if self.status == "done":
            self._clear_result()

    # -- the camera ----------------------------------------------------------------------------------
    def on_frame(
        self,
        callback: FrameCallback,
        fps: float = 10,
        size: tuple[int, int] = (640, 480),
        remove: bool = False,
        format: str = "jpeg",
    ) -> None:
        """Call ``callback(frame)`` with live preview frames while the camera preview runs.

        Frames are fitted into ``size`` (aspect ratio kept, never enlarged), at most ``fps`` a second, as
        ``Frame`` objects (``.to_pil()``, ``.to_numpy()``, ``.timestamp``, ``.seq``).  They are never
        mirrored.  When callbacks are slower than the camera, the page drops frames instead of queueing
        them (at most two are on their way), so a callback always sees a recent frame.  An exception in
        a callback is printed (to the log console in JupyterLab) and the stream goes on.  Callbacks never
        run two at once, but may run on a kernel thread other than the main one (ipykernel 7 may deliver
        widget messages on a subshell thread).  ``remove=True`` unregisters ``callback``.
        Frames travel as JPEG (quality 0.85) by default: at 640x480 that reached the camera's 30 frames/s
        where raw RGBA (1.2 MB a frame) managed about 22; ``format="rgba"`` gives the exact pixels.
        """
        frames = self._camera.frames
        if remove:
            frames.remove(callback)
        else:
            frames.add(callback, FrameRequest.create(fps, size, format))
        self.frame_request = frames.request()

    @property
    def frame_stats(self) -> dict[str, Any]:
        """Frames received, delivered, dropped by the page (back-pressure), callback errors, recent fps."""
        return self._camera.frames.stats.to_dict()

    @property
    def camera_state(self) -> dict[str, Any]:
        """The page's last camera report: ``state`` (live/stopped/error), ``source``, ``constraints``, ``settings``."""
        return self._camera.state

    @property
    def camera_error(self) -> dict[str, Any] | None:
        """The last camera failure as the seed's fail object (also when the album kept the pick going)."""
        return self._camera.error

    @property
    def saved_to_album(self) -> list[Path]:
        """Files written to the album by ``isSaveToAlbum="1"`` (the last confirmed pick)."""
        return list(self._camera.saved_to_album)

    @property
    def album_errors(self) -> list[str]:
        """Why camera shots of the last confirmed pick could not be saved to the album (the pick went on)."""
        return list(self._camera.album_errors)

    def _report_album_error(self, detail: str) -> None:
        self.send(protocol.error(None, Errno.SAVE_TO_ALBUM_FAILED, detail))

    def close(self) -> None:
        """Closing the widget also ends the frame stream (the page stops every camera track it opened)."""
        camera = getattr(self, "_camera", None)
        if camera is not None:
            camera.frames.clear()
        super().close()

    # -- messages from the page ----------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, buffers: Sequence[memoryview]) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        handler = self._routes.get(kind) if isinstance(kind, str) else None
        if handler is None:
            self._reply_error(None, Errno.UNKNOWN_ERROR, f"unknown message kind {str(kind)[:40]!r}")
            return
        try:
            handler(content, buffers)
        except MediaError as exc:
            self._reply_error(content.get("id"), exc.errno, exc.detail)
        except Exception as exc:  # keep the widget alive, say what happened
            traceback.print_exc(file=sys.stderr)
            self._reply_error(content.get("id"), Errno.UNKNOWN_EXCEPTION, f"{type(exc).__name__}: {exc}")

    def _reply_error(self, raw_id: Any, errno: int, detail: str) -> None:
        tid = valid_transfer_id(raw_id)
        if tid is not None:
            self._session.refuse(tid)
        self.send(protocol.error(tid, errno, detail))

    def _on_begin(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        self._new_pick_if_done()
        self._session.begin(tid, content.get("source", "album"), content.get("size"), content.get("name"))
        self.send(protocol.ack(tid, 0))

    def _on_file(self, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        self._new_pick_if_done()
        stored = self._session.whole_file(
            tid, content.get("source", "album"), content.get("size"), content.get("name"), buffers
        )
        self._announce_stored(tid, stored.to_message())

    def _on_chunk(self, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        received = self._session.chunk(tid, content.get("offset"), buffers)
        if received is not None:
            self.send(protocol.ack(tid, received))

    def _on_end(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        stored = self._session.end(tid, content.get("md5"))
        if stored is not None:
            self._announce_stored(tid, stored.to_message())

    def _announce_stored(self, tid: str, entry: dict[str, Any]) -> None:
        if "compressed" in self.size_type:
            self._session.precompress(tid)  # most likely wanted: start now, on all cores
        self.send(protocol.stored(entry))

    def _on_remove(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        self._session.remove(transfer_id(content.get("id")))

    def _on_resume_query(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        self.send(protocol.ack(tid, self._session.resume_query(tid)))

    def _on_resume(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        received = self._session.resume(tid, content.get("size"), content.get("received"), content.get("prefix_md5"))
        self.send(protocol.ack(tid, received))

    def _on_hello(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """A view (re)appeared, e.g. after a page reload: tell it what the kernel already holds."""
        state = self._session.state()
        self.send(protocol.pending([t.to_message() for t in state.transfers], [s.to_message() for s in state.stored]))

    def _on_preview(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        thumb = self._session.preview(tid)
        self.send(protocol.preview(tid), [thumb] if thumb is not None else [])

    def _on_ping(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """Nothing to do: the view only needs this kernel's status messages, which carry its session id."""

    def _on_album_list(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        items, thumbs = self._shelf.listing(self._store.work_dir) if "album" in self.source_type else ([], [])
        self.send(protocol.album_list(items), thumbs)

    def _on_album_pick(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = transfer_id(content.get("id"))
        entry = self._shelf.find(content.get("key"))
        self._new_pick_if_done()
        stored = self._session.add_local_file(tid, entry.path, entry.path.name, "album")
        self._announce_stored(tid, stored.to_message())

    def _on_confirm(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """Takes the files now; compresses them on a worker thread, so the comm stays free (Cancel, frames)."""
        if self.status == "processing":  # the page offers no Confirm then; a second one must not lose the first
            raise MediaError(Errno.UNKNOWN_ERROR, "the last Confirm is still being processed")
        taken = self._session.take(content.get("ids"))
        self.status = "processing"
        self._confirmation.start(taken, self._compress(bool(content.get("original"))))

    def _on_cancel(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        with self._confirmation.lock:
            self._reset_pick()
            self._set_result(fail_result(Errno.CANCEL, "cancel"))

    def _on_reset(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        self._reset_pick()

    def _on_frame(self, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        seq = self._camera.frames.handle(content, buffers)
        if seq is not None:
            self.send(protocol.frame_ack(seq))

    def _on_camera_state(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        self._camera.report_state(content)

    def _on_camera_error(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        result = self._camera.report_error(content)
        # A camera that cannot open, as the only source and with nothing shot yet: the pick cannot go on, so it
        # fails, as the seed's fail callback expects. With the album offered too, the page says why and the
        # album stays; a failed recording leaves the camera usable.
        if result["errno"] not in CAMERA_OPEN_ERRNOS:
            return
        if self.source_type == ["camera"] and self.status != "done" and self._session.empty:
            self._set_result(result)


def option_names() -> list[str]:
    """Every accepted option keyword (seed names and snake_case twins)."""
    return [n for spec in OPTION_TABLE for n in (spec.name, spec.attr)]


__all__ = ["ChooseMediaWidget", "ChooseMediaError", "lookup_option", "option_names"]
