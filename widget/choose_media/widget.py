"""``ChooseMediaWidget``: the anywidget wiring of options, transfers, store and pipeline."""

from __future__ import annotations

import asyncio
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as futures_wait
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .album import default_album_dir
from .album_view import AlbumFeatures
from .camera import CameraFeatures
from .errors import ChooseMediaError, Errno, MediaError, fail_message, fail_result
from .images import ImageSettings
from .options import OPTION_TABLE, OPTIONS_BY_ATTR, accept_attribute, lookup_option, normalize_options, validate_option
from .pipeline import (
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_PICK_SIZE,
    MediaProcessor,
    PipelineSettings,
    ReceivedMedia,
    keep_original,
    process_local_files,
    recognise,
)
from .profiles import Profile, apply_profile, effective_value
from .result import ChooseMediaResult, FailedFile, TempFile, success_result
from .store import TempFileStore, default_store
from .transfer import CHUNK_SIZE, CHUNKS_IN_FLIGHT, IncomingTransfer, TransferError
from .videos import VideoSettings

_STATIC = Path(__file__).parent / "static"
_KIND = re.compile(r"^[a-z_]{1,32}$")
_TRANSFER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_CLOSED_IDS = 1024
_MAX_NAME = 255

ResultCallback = Callable[[dict[str, Any]], Any]


def _display_name(name: Any) -> str:
    """A picked file's name, for display only: a bounded string, never a path."""
    text = name if isinstance(name, str) else ""
    text = text.replace("\x00", "")
    return text[:_MAX_NAME]


class ChooseMediaWidget(CameraFeatures, AlbumFeatures, anywidget.AnyWidget):
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

    media_type = traitlets.List(traitlets.Unicode()).tag(sync=True)
    source_type = traitlets.List(traitlets.Unicode()).tag(sync=True)
    count = traitlets.Int().tag(sync=True)
    size_type = traitlets.List(traitlets.Unicode()).tag(sync=True)
    max_duration = traitlets.Any().tag(sync=True)  # a number, or None (no limit) on PC/Harmony
    camera_device = traitlets.Unicode().tag(sync=True)
    is_save_to_album = traitlets.Unicode().tag(sync=True)

    accept = traitlets.Unicode(help="The file chooser's accept attribute, from mediaType.").tag(sync=True)
    lang = traitlets.Enum(
        ("", "en", "zh-CN", "zh"), default_value="", help="UI language; empty: the browser's language."
    ).tag(sync=True)
    max_file_size = traitlets.Int(DEFAULT_MAX_FILE_SIZE).tag(sync=True)
    max_pick_size = traitlets.Int(DEFAULT_MAX_PICK_SIZE, help="Bytes all files of one pick may add up to.").tag(sync=True)
    chunk_size = traitlets.Int(CHUNK_SIZE).tag(sync=True)
    chunks_in_flight = traitlets.Int(CHUNKS_IN_FLIGHT).tag(sync=True)
    status = traitlets.Unicode("idle", help="idle, processing or done").tag(sync=True)
    status_text = traitlets.Unicode("").tag(sync=True)
    progress = traitlets.Float(0.0, help="Share of the confirm-time processing done, 0..1.").tag(sync=True)
    result = traitlets.Dict(default_value=None, allow_none=True, help="The seed's result object.").tag(sync=True)

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
        #: Where ``isSaveToAlbum="1"`` saves shots, and whose media the album source also offers.
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
            max_pick_size=max_pick_size,
            camera_stream=camera_stream, lang=lang,
        )
        self._settings = PipelineSettings(
            image=image_settings or ImageSettings(),
            video=video_settings or VideoSettings(),
            compress_video=self._profile.compresses_video,
            max_file_size=max_file_size,
        )
        self._store = store or default_store()
        self._processor = MediaProcessor(self._store, self._settings)
        self._transfers: dict[str, IncomingTransfer] = {}
        # Transfers refused or removed: the chunks the browser had in flight are dropped without a reply
        # (the browser already has its one error). Bounded: oldest forgotten first.
        self._closed_ids: dict[str, None] = {}
        self._received: dict[str, ReceivedMedia] = {}
        self._sources: dict[str, str] = {}
        self._temp_files: list[TempFile] = []
        self._failed: list[FailedFile] = []
        self.last_transfer_seconds: dict[str, float] = {}
        #: Byte offsets interrupted transfers were resumed from (0: started over), by transfer id.
        self.resumed_at: dict[str, int] = {}
        self.on_msg(self._on_message)
        self._init_camera()

    @property
    def profile(self) -> Profile:
        """The emulated client (``platform=``/``client_version=``); the default is the notebook itself."""
        return self._profile

    # -- options -----------------------------------------------------------------------------------
    @traitlets.validate(*(spec.attr for spec in OPTION_TABLE))
    def _validate_option(self, proposal: Any) -> Any:
        spec, value = OPTIONS_BY_ATTR[proposal["trait"].name], proposal["value"]
        rule = spec.platforms.get(self._profile.platform or "")
        if rule is not None and value == rule.value:
            return value  # what the emulated platform uses instead (may be None: no limit)
        return effective_value(spec, validate_option(spec, value), self._profile)[0]

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

    # -- results -----------------------------------------------------------------------------------
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

    def pick_files(self, paths: Iterable[str | Path] | str | Path, *, original: bool = False) -> dict[str, Any]:
        """Run the pick on local files, without a browser; returns (and sets) the same result.

        ``original`` is the "Original" toggle: honoured only when ``sizeType`` allows both.
        """
        sources = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if len(sources) > self.count:
            return self._set_result(
                fail_result(Errno.INVALID_PARAMETER, f"{len(sources)} files picked, but count is {self.count}")
            )
        total = sum(Path(p).stat().st_size for p in sources if Path(p).is_file())
        if total > self.max_pick_size:
            return self._set_result(
                fail_result(Errno.FILE_TOO_LARGE, f"the pick is {total} bytes, over its limit of {self.max_pick_size}")
            )
        self._reset_pick()
        self.status = "processing"

        def progress(done: int, total: int, name: str) -> None:
            self.status_text = f"Processing {done}/{total}" if done < total else f"Processed {total} files"

        files, failed = process_local_files(
            self._store, sources, media_types=self.media_type, compress=self._compress(original),
            settings=self._settings, on_progress=progress,
        )
        return self._conclude(files, failed)

    async def wait_async(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait (without blocking the kernel) until the user confirms or cancels.

        Returns the success object; raises ``ChooseMediaError`` for a ``fail`` result and
        ``TimeoutError`` after ``timeout`` seconds. On ipykernel 7 an awaiting cell still receives
        the widget's messages, so ``await w.wait_async()`` works in the same cell that shows ``w``.
        """
        if self.result is None:
            loop = asyncio.get_running_loop()
            arrived: asyncio.Future[dict[str, Any]] = loop.create_future()

            def resolve(value: dict[str, Any]) -> None:
                if not arrived.done():
                    arrived.set_result(value)

            def on_result(change: Any) -> None:
                if change["new"] is not None:
                    loop.call_soon_threadsafe(resolve, change["new"])

            self.observe(on_result, names="result")
            try:
                await asyncio.wait_for(self._arrival(arrived), timeout)
            finally:
                self.unobserve(on_result, names="result")
        return self._outcome()

    @staticmethod
    async def _arrival(arrived: asyncio.Future[dict[str, Any]]) -> None:
        from ._blocking import current_kernel_needs_pumping, pump_comm_messages

        kernel = current_kernel_needs_pumping()
        if kernel is None:  # ipykernel 7 hands comm messages to an awaiting cell by itself
            await arrived
            return
        while not arrived.done():  # ipykernel 6: an awaiting cell holds the queue, so pump it
            pump_comm_messages(kernel)
            await asyncio.sleep(0.02)

    def wait(self, timeout: float | None = None) -> dict[str, Any]:
        """Block until the user confirms or cancels, in the same cell that shows the widget.

        Works on ipykernel 6 and 7 (see ``_blocking``); where the kernel's internals are not as
        expected it raises ``RuntimeError`` at once instead of hanging. Returns the success object,
        raises ``ChooseMediaError`` for a ``fail`` result and ``TimeoutError`` after ``timeout`` s.
        """
        if self.result is not None:
            return self._outcome()
        from ._blocking import wait_for_result

        wait_for_result(self, timeout)
        return self._outcome()

    def _outcome(self) -> dict[str, Any]:
        result = self.result
        assert result is not None
        if result["errMsg"].endswith(":ok"):
            return result
        raise ChooseMediaError(result.get("errno", Errno.UNKNOWN_ERROR), result["errMsg"])

    def _compress(self, original: bool) -> bool:
        if self.size_type == ["original"]:
            return False
        if self.size_type == ["compressed"]:
            return True
        return not original

    def _conclude(self, files: list[TempFile], failed: list[FailedFile]) -> dict[str, Any]:
        self._temp_files, self._failed = files, failed
        if not files and failed:
            first = failed[0]
            names = "; ".join(f.errMsg.removeprefix("chooseMedia:fail ") for f in failed)
            result = {"errMsg": fail_message(names), "errno": first.errno, "failedFiles": [f.to_dict() for f in failed]}
        else:
            result = success_result(files, failed)
        return self._set_result(result)

    def _set_result(self, result: dict[str, Any]) -> dict[str, Any]:
        if not self._profile.reports_media_metadata:  # PC returns no duration/width/height
            for entry in result.get("tempFiles", []):
                for key in ("duration", "width", "height"):
                    entry.pop(key, None)
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
        for transfer in self._transfers.values():
            transfer.abort()
        for tid, media in self._received.items():
            self._processor.discard(tid)
            self._store.remove(media.path)
        self._transfers.clear()
        self._received.clear()
        self._sources.clear()
        self._temp_files, self._failed = [], []
        self.result = None  # type: ignore[assignment]  # the trait allows None: no pick yet
        self.status = "idle"
        self.status_text = ""

    # -- messages from the browser -----------------------------------------------------------------
    def _show_progress(self, keys: list[str]) -> None:
        """Update ``progress``/``status_text`` while the background compression finishes."""
        total = len(keys)
        while True:
            pending = self._processor.pending()
            done = sum(self._processor.progress.get(k, 1.0) for k in keys)
            self.progress = done / total if total else 1.0
            self.status_text = f"Compressing {total - len(pending)}/{total} · {self.progress:.0%}"
            if not pending:
                return
            futures_wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)

    def _on_message(self, _widget: Any, content: Any, buffers: Sequence[memoryview]) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        # Every message kind is handled by a method named _msg_<kind> (here or in a mixin).
        handler = getattr(self, f"_msg_{kind}", None) if isinstance(kind, str) and _KIND.match(kind) else None
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

    def _reply_error(self, transfer_id: Any, errno: int, detail: str) -> None:
        tid = transfer_id if isinstance(transfer_id, str) and _TRANSFER_ID.match(transfer_id) else None
        if tid is not None:
            self._drop(tid)
            self._close_id(tid)
        self.send({"kind": "error", "id": tid, "errno": int(errno), "errMsg": fail_message(detail)})

    def _transfer_on_the_wire(self, tid: str, *, pop: bool = False) -> IncomingTransfer | None:
        """The open transfer a chunk or ``end`` is for; None when it was refused or removed (what was still on
        its way for it is dropped without a reply); a TransferError for an id never seen."""
        transfer = self._transfers.pop(tid, None) if pop else self._transfers.get(tid)
        if transfer is None and tid not in self._closed_ids:
            raise TransferError(f"unknown transfer {tid}")
        return transfer

    def _close_id(self, transfer_id: str) -> None:
        self._closed_ids[transfer_id] = None
        if len(self._closed_ids) > _MAX_CLOSED_IDS:
            del self._closed_ids[next(iter(self._closed_ids))]

    def _album_pending(self) -> int:
        return sum(1 for tid in (*self._transfers, *self._received) if self._sources.get(tid) == "album")

    def _drop(self, transfer_id: str) -> None:
        self._sources.pop(transfer_id, None)
        transfer = self._transfers.pop(transfer_id, None)
        if transfer is not None:
            transfer.abort()
        media = self._received.pop(transfer_id, None)
        self._processor.discard(transfer_id)
        if media is not None:
            self._store.remove(media.path)

    @staticmethod
    def _transfer_id(content: dict[str, Any]) -> str:
        tid = content.get("id")
        if not isinstance(tid, str) or not _TRANSFER_ID.match(tid):
            raise TransferError("bad transfer id")
        return tid

    def _admit(self, tid: str, source: Any, size: Any) -> None:
        """Checks every new file must pass, however it arrives (upload, camera, kernel-side album)."""
        if tid in self._transfers or tid in self._received:
            raise TransferError(f"transfer {tid} already exists")
        if self.status == "done":
            self._reset_pick()
        if source not in self.source_type:
            raise MediaError(Errno.INVALID_PARAMETER, f"source {str(source)[:20]!r} is not in sourceType {self.source_type}")
        # count limits album picks only; the seed says it does not apply to the camera.
        if source == "album" and self._album_pending() >= self.count:
            raise MediaError(Errno.INVALID_PARAMETER, f"no more than count={self.count} files can be picked")
        if isinstance(size, int) and not isinstance(size, bool):
            if size > self.max_file_size:
                raise MediaError(Errno.FILE_TOO_LARGE, f"{size} bytes is over the limit of {self.max_file_size} bytes")
            held = sum(t.declared_size for t in self._transfers.values())
            held += sum(m.path.stat().st_size for m in self._received.values())
            if held + size > self.max_pick_size:
                raise MediaError(
                    Errno.FILE_TOO_LARGE,
                    f"the pick would be {held + size} bytes, over the limit of {self.max_pick_size} bytes for one pick",
                )

    def _msg_begin(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)
        source, size = content.get("source", "album"), content.get("size")
        self._admit(tid, source, size)
        transfer = IncomingTransfer(
            tid, size, self._store.new_incoming_path(),  # type: ignore[arg-type]
            max_size=self.max_file_size, name=_display_name(content.get("name")),
        )
        self._sources[tid] = source
        self._transfers[tid] = transfer
        self.send({"kind": "ack", "id": tid, "received": 0})

    def _msg_chunk(self, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)
        transfer = self._transfer_on_the_wire(tid)
        if transfer is None:
            return
        if len(buffers) != 1:
            self._drop(tid)
            raise TransferError("a chunk must carry exactly one buffer")
        try:
            received = transfer.write_chunk(content.get("offset"), buffers[0])  # type: ignore[arg-type]
        except TransferError:
            self._transfers.pop(tid, None)
            raise
        self.send({"kind": "ack", "id": tid, "received": received})

    def _msg_end(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)
        transfer = self._transfer_on_the_wire(tid, pop=True)
        if transfer is None:
            return
        path, md5 = transfer.finish(content.get("md5"))
        self.last_transfer_seconds[tid] = transfer.seconds
        self._accept(tid, path, md5, transfer.name)

    def _accept_local_file(self, tid: str, src: Path, name: str) -> None:
        """A file already on this machine (the kernel-side album) joins the pick as if uploaded."""
        self._admit(tid, "album", src.stat().st_size)
        path, md5 = self._store.import_file(src)
        self._sources[tid] = "album"
        self._accept(tid, path, md5, name)

    def _accept(self, tid: str, path: Path, md5: str, name: str) -> None:
        try:
            media = recognise(path, md5, media_types=self.media_type, name=name)
        except MediaError:
            self._store.remove(path)
            raise
        media = self._camera_received(tid, media)
        self._received[tid] = media
        if "compressed" in self.size_type:
            self._processor.start(tid, media)  # most likely wanted: start now, on all cores
        info = media.info
        self.send({
            "kind": "stored", "id": tid, "type": media.type, "size": media.path.stat().st_size,
            "width": info.width, "height": info.height, "duration": getattr(info, "duration", None),
        })

    def _msg_ping(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """Nothing to do: the view only needs this kernel's status messages, which carry its session id."""

    def _msg_hello(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """A view (re)appeared, e.g. after a page reload: tell it what the kernel already holds."""
        transfers = [
            {"id": tid, "name": t.name, "size": t.declared_size, "received": t.received, "source": self._sources.get(tid)}
            for tid, t in self._transfers.items()
        ]
        stored = [
            {"id": tid, "name": m.name, "type": m.type, "size": m.path.stat().st_size, "width": m.info.width,
             "height": m.info.height, "duration": getattr(m.info, "duration", None), "source": self._sources.get(tid)}
            for tid, m in self._received.items()
        ]
        self.send({"kind": "pending", "transfers": transfers, "stored": stored})

    def _msg_resume_query(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)
        transfer = self._transfers.get(tid)
        if transfer is None:
            raise TransferError(f"unknown transfer {tid}")
        self.send({"kind": "ack", "id": tid, "received": transfer.received})

    def _msg_resume(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        """Go on from the bytes received, if the browser's copy has the same ones; else start over."""
        tid = self._transfer_id(content)
        transfer = self._transfers.get(tid)
        if transfer is None:
            raise TransferError(f"unknown transfer {tid}")
        if content.get("size") != transfer.declared_size:
            self._drop(tid)
            raise TransferError("the file chosen again is not the one that was interrupted (its size differs)")
        if content.get("received") != transfer.received or content.get("prefix_md5") != transfer.prefix_md5():
            transfer.restart()
        self.resumed_at[tid] = transfer.received
        self.send({"kind": "ack", "id": tid, "received": transfer.received})

    def _msg_remove(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)
        self._drop(tid)
        self._close_id(tid)

    def _msg_confirm(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        ids = content.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise MediaError(Errno.UNKNOWN_ERROR, "confirm needs a list of transfer ids")
        ids = list(dict.fromkeys(ids))  # a file named twice is still one file
        if sum(1 for i in ids if self._sources.get(i) == "album") > self.count:
            raise MediaError(Errno.INVALID_PARAMETER, f"more files confirmed than count={self.count}")
        keys = [tid for tid in ids if tid in self._received]
        if not keys:
            raise MediaError(Errno.UNSUPPORTED_FILE, "no file arrived whole to confirm")
        self._camera_before_confirm(keys)
        compress = self._compress(bool(content.get("original")))
        self.status = "processing"
        if compress:
            for tid in keys:
                self._processor.start(tid, self._received[tid])
            self._show_progress(keys)
        files: list[TempFile] = []
        failed: list[FailedFile] = []
        for tid in keys:
            media = self._received[tid]
            try:
                if compress:
                    files.append(self._processor.take(tid, media))
                else:
                    self._processor.discard(tid)
                    files.append(keep_original(self._store, media))
            except MediaError as exc:
                self._store.remove(media.path)
                failed.append(FailedFile(media.name, exc.errno, fail_message(f"{media.name}: {exc.detail}")))
        for tid in ids:
            self._received.pop(tid, None)
        self._drop_all_pending()
        self._sources.clear()
        self.status_text = ""
        self._conclude(files, failed)

    def _msg_cancel(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        self._reset_pick()
        self._set_result(fail_result(Errno.CANCEL, "cancel"))

    def _msg_reset(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        self._reset_pick()

    def _drop_all_pending(self) -> None:
        for tid in list(self._transfers) + list(self._received):
            self._drop(tid)



def option_names() -> list[str]:
    """Every accepted option keyword (seed names and snake_case twins)."""
    return [n for spec in OPTION_TABLE for n in (spec.name, spec.attr)]


__all__ = ["ChooseMediaWidget", "ChooseMediaError", "lookup_option", "option_names"]
