// The picker's DOM: title, sources, the list of chosen files, the footer (Original, status, Cancel, Confirm)
// and the result summary. What the items are and do is in items.js; this only shows them.

import { formatBytes, h, update } from "../dom.js";
import { resolveLang, translator } from "../i18n.js";
import { toKernel } from "../protocol.js";
import { PickList } from "./items.js";

/** @typedef {import("@anywidget/types").AnyModel} Model */
/** @typedef {import("./items.js").PickItem} PickItem */
/**
 * What a source (album, camera) gets from the picker.
 * @typedef {{model: Model, t: import("../i18n.js").Translate, channel: import("../protocol.js").Channel,
 *   addFiles: (files: File[], source: "album"|"camera") => void,
 *   addAlbumEntry: (entry: import("../transfer.js").AlbumEntry, thumb: File) => void,
 *   removeFiles: (files: File[]) => number}} SourceContext
 * @typedef {{el: HTMLElement, sync: () => void, dispose: () => void}} Source
 * @typedef {(ctx: SourceContext) => Source} SourceFactory
 */
/** One item's row. `fromKernel`: its thumbnail is the kernel's (the page could not, or should not, decode the
 * file itself); `previewUrl`: the kernel's thumbnail.
 * @typedef {{li: HTMLLIElement, bar: HTMLProgressElement, detail: HTMLElement, thumb: HTMLElement,
 *   retry: HTMLButtonElement, url: string, file: File, showThumb: () => void, fromKernel: boolean,
 *   previewAsked: boolean, previewUrl: string}} Row */

const OPTION_TRAITS = ["count", "size_type", "media_type", "accept", "source_type"];
const STATE_TRAITS = ["status", "progress", "status_detail", "result"];

export class PickerView {
  /**
   * @param {Model} model @param {import("../protocol.js").Channel} channel
   * @param {{album: SourceFactory, camera: SourceFactory}} sources
   */
  constructor(model, channel, sources) {
    this.model = model;
    this.channel = channel;
    const t = (this.t = translator(model.get("lang")));
    /** @type {Map<PickItem, Row>} */
    this.rows = new Map();
    /** Rows made but not yet in the list: see `hold`. @type {HTMLLIElement[]} */
    this.unshown = [];
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.holdTimer = null;
    this.awaitingPending = true;
    this.list = new PickList(model, channel, {
      added: (item) => this.addRow(item),
      removed: (item) => this.removeRow(item),
      changed: (item) => this.showState(item),
      progress: (item) => this.showProgress(item),
      sent: (item) => {
        this.release();
        this.rows.get(item)?.showThumb();
        this.askForPreview(item);
      },
      summary: () => this.syncState(),
    });
    this.notice = h("div", { class: "cm-notice", role: "status", "aria-live": "polite" });
    this.listEl = h("ul", { class: "cm-items", "aria-label": t("list.label") });
    this.originalBox = h("input", { type: "checkbox", class: "cm-original-input" });
    this.original = h("label", { class: "cm-original" }, [this.originalBox, " " + t("original")]);
    this.status = h("span", { class: "cm-status", "aria-live": "polite" });
    this.cancel = h("button", { type: "button", class: "cm-cancel" }, [t("cancel")]);
    this.confirm = h("button", { type: "button", class: "cm-confirm cm-primary" }, [t("confirm")]);
    this.again = h("button", { type: "button", class: "cm-again" }, [t("again")]);
    this.summary = h("div", { class: "cm-summary" });
    this.title = h("div", { class: "cm-title" });
    /** @type {SourceContext} */
    const ctx = {
      model,
      t,
      channel,
      addFiles: (files, source) => this.showLeftOut(this.list.addFiles(files, source)),
      addAlbumEntry: (entry, thumb) => this.showLeftOut(this.list.addAlbumEntry(entry, thumb)),
      removeFiles: (files) => this.list.removeFiles(files),
    };
    this.album = sources.album(ctx);
    this.camera = sources.camera(ctx);
    const sourcesEl = h("div", { class: "cm-sources" }, [this.album.el, this.camera.el]);
    this.picker = h("div", { class: "cm-picker" }, [sourcesEl, this.notice, this.listEl]);
    this.footer = h("div", { class: "cm-footer" }, [this.original, this.status, this.cancel, this.confirm]);
    this.done = h("div", { class: "cm-done" }, [this.summary, this.again]);
    this.root = h("div", { class: "cm-root", lang: resolveLang(model.get("lang")), role: "group" }, [
      this.title, this.picker, this.footer, this.done,
    ]);
    this.root.setAttribute("aria-label", "chooseMedia");
    this.unlisten = this.listen();
  }

  /** @returns {() => void} stops listening */
  listen() {
    const { model, root } = this;
    const onConfirm = () => this.confirmPick();
    const onCancel = () => this.cancelPick();
    const onAgain = () => this.pickAgain();
    /** @param {KeyboardEvent} e Escape cancels, as in a dialog. */
    const onKey = (e) => {
      if (e.key !== "Escape" || !this.done.hidden) return; // also while processing: the kernel stops at once
      e.preventDefault();
      e.stopPropagation();
      this.cancelPick();
    };
    const onOptions = () => {
      this.syncOptions();
      this.syncState();
    };
    const onState = () => this.syncState();
    const offPending = this.channel.on("pending", (msg) => {
      if (!this.awaitingPending) return;
      this.awaitingPending = false;
      if (this.list.items.length === 0) this.list.adoptPending(msg);
    });
    const offPreview = this.channel.on("preview", (msg, buffers) => this.showPreview(msg.id, buffers[0]));
    const offClear = this.channel.on("clear", () => this.clearFromKernel());
    const offError = this.channel.on("error", (msg) => {
      this.notice.textContent = `${msg.errMsg} (errno ${msg.errno})`;
    });
    root.addEventListener("keydown", onKey);
    this.confirm.addEventListener("click", onConfirm);
    this.cancel.addEventListener("click", onCancel);
    this.again.addEventListener("click", onAgain);
    for (const name of OPTION_TRAITS) model.on(`change:${name}`, onOptions);
    for (const name of STATE_TRAITS) model.on(`change:${name}`, onState);
    return () => {
      offPending();
      offPreview();
      offClear();
      offError();
      for (const name of OPTION_TRAITS) model.off(`change:${name}`, onOptions);
      for (const name of STATE_TRAITS) model.off(`change:${name}`, onState);
    };
  }

  confirmPick() {
    this.channel.send(toKernel.confirm(this.list.storedIds(), this.originalBox.checked));
    this.confirm.disabled = true;
    this.status.textContent = this.t("status.processing");
  }

  cancelPick() {
    this.list.abortAll();
    this.channel.send(toKernel.cancel());
  }

  /** `w.clear()`: the kernel already forgot the files; the list empties (what is still sending stops). */
  clearFromKernel() {
    this.list.abortAll();
    this.notice.textContent = "";
    this.syncState();
  }

  pickAgain() {
    this.list.clear();
    this.notice.textContent = "";
    this.channel.send(toKernel.reset());
  }

  /** Shows the view in `el` and asks the kernel what it already holds. @param {HTMLElement} el */
  mount(el) {
    el.append(this.root);
    this.syncOptions();
    this.syncState();
    this.channel.send(toKernel.hello());
  }

  /** @param {number | null} leftOut files the count left out (null: unchanged) */
  showLeftOut(leftOut) {
    if (leftOut === null) return;
    const count = this.model.get("count");
    this.notice.textContent = leftOut > 0 ? this.t("notice.count", { count, left: leftOut }) : "";
  }

  syncOptions() {
    const { model, t } = this;
    const count = model.get("count");
    const sizeType = model.get("size_type");
    this.original.hidden = !(sizeType.includes("original") && sizeType.includes("compressed"));
    const kinds = model.get("media_type").map((/** @type {string} */ k) => t(`kind.${k}`)).join(t("kind.or"));
    this.title.textContent = t("title", { kinds, count });
    const sourceType = model.get("source_type");
    this.album.el.hidden = !sourceType.includes("album");
    this.camera.el.hidden = !sourceType.includes("camera");
    this.album.sync();
    this.camera.sync();
  }

  syncState() {
    if (this.holdTimer !== null) return; // `release` shows the state
    const { model, t } = this;
    const isDone = model.get("status") === "done" && model.get("result") != null;
    update(this.picker, { hidden: isDone });
    update(this.footer, { hidden: isDone });
    update(this.done, { hidden: !isDone });
    const processing = model.get("status") === "processing";
    const busy = this.list.busy;
    const ready = this.list.ready;
    // Cancel also while processing: the kernel answers at once and throws the work away.
    update(this.confirm, { disabled: this.list.closed || processing || busy || ready === 0 });
    update(this.cancel, { disabled: this.list.closed });
    update(this.status, {
      textContent: processing ? this.processingText() : busy ? t("status.sending") : ready ? t("status.ready", { n: ready }) : "",
    });
    if (isDone) {
      const result = model.get("result");
      const files = result.tempFiles ?? [];
      this.summary.textContent = result.errMsg.endsWith(":ok")
        ? t("done.ok", { n: files.length })
        : t("done.fail", { errMsg: result.errMsg, errno: result.errno });
    }
  }

  /** "Compressing 2/5 · 40%" from the kernel's numbers (traits an older kernel may lack). */
  processingText() {
    const detail = this.model.get("status_detail");
    const total = detail?.total;
    if (typeof total !== "number" || total <= 0) return this.t("status.processing");
    const progress = Number(this.model.get("progress")) || 0;
    const percent = Math.round(100 * Math.min(1, Math.max(0, progress)));
    return this.t("status.compressing", { done: detail.done ?? 0, total, percent });
  }

  /** @param {PickItem} item */
  addRow(item) {
    const row = this.makeRow(item);
    this.rows.set(item, row);
    this.unshown.push(row.li);
    this.hold();
  }

  /**
   * New rows and the footer wait until a transfer ends (at most `HOLD_MS`): laying out and painting the
   * notebook page for them took 8-12 ms of the main thread, which delayed the File read's answer, and
   * CPU that the server and the kernel needed for the message on the 2 shared cores. A small file then
   * arrived 10-20 ms later than FileUpload's; the rows show up a few frames later instead.
   */
  hold() {
    this.holdTimer ??= setTimeout(() => this.release(), HOLD_MS);
  }

  release() {
    if (this.holdTimer === null) return;
    clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.listEl.append(...this.unshown);
    this.unshown = [];
    this.syncState();
  }

  /** @param {PickItem} item */
  removeRow(item) {
    const row = this.rows.get(item);
    if (!row) return;
    this.rows.delete(item);
    URL.revokeObjectURL(row.url);
    if (row.previewUrl) URL.revokeObjectURL(row.previewUrl);
    row.li.remove();
    this.unshown = this.unshown.filter((li) => li !== row.li);
  }

  /** @param {PickItem} item @returns {Row} */
  makeRow(item) {
    const { t } = this;
    const file = item.file;
    const url = URL.createObjectURL(file);
    const { thumb, showThumb, fromKernel } = makeThumb(file, url, () => row.url);
    const bar = h("progress", { class: "cm-progress", max: String(item.expectedSize || file.size || 1), value: "0" });
    bar.setAttribute("aria-label", t("item.sending", { name: file.name }));
    const detail = h("span", { class: "cm-detail" }, [formatBytes(file.size)]);
    const remove = h("button", { type: "button", class: "cm-remove", "aria-label": t("item.remove", { name: file.name }) }, [
      "×",
    ]);
    const retry = h("button", { type: "button", class: "cm-retry", hidden: "", "aria-label": t("item.resume", { name: file.name }) }, [
      t("resume"),
    ]);
    const li = h("li", { class: "cm-item" }, [
      thumb,
      h("div", { class: "cm-meta" }, [h("span", { class: "cm-name", title: file.name }, [file.name]), detail, bar]),
      retry,
      remove,
    ]);
    li.dataset.state = item.state;
    /** @type {Row} */
    const row = { li, bar, detail, thumb, retry, url, file, showThumb, fromKernel, previewAsked: false, previewUrl: "" };
    thumb.addEventListener("error", () => {
      row.fromKernel = true;
      thumb.classList.add("cm-thumb-broken");
      this.askForPreview(item);
    });
    remove.addEventListener("click", () => this.list.remove(item));
    retry.addEventListener("click", () => this.list.resume(item, item.file));
    return row;
  }

  /** @param {PickItem} item */
  showProgress(item) {
    const row = this.rows.get(item);
    if (!row) return;
    if (row.bar.value !== item.acked) row.bar.value = item.acked;
    update(row.detail, { textContent: this.t("item.progress", { done: formatBytes(item.acked), total: formatBytes(item.file.size) }) });
  }

  /** @param {PickItem} item */
  showState(item) {
    const row = this.rows.get(item);
    if (!row) return;
    const { t } = this;
    row.li.dataset.state = item.state;
    if (item.file !== row.file) this.showNewFile(row, item.file);
    if (item.state === "queued" || item.state === "sending") {
      row.retry.hidden = true;
    } else if (item.state === "stored") {
      const stored = item.stored;
      row.bar.hidden = true;
      row.retry.hidden = true;
      const dims = stored.width ? ` · ${stored.width}×${stored.height}` : "";
      const dur = stored.duration != null ? ` · ${stored.duration.toFixed(1)} s` : "";
      row.detail.textContent = `${stored.type} · ${formatBytes(stored.size ?? item.file.size)}${dims}${dur}`;
    } else if (item.state === "interrupted") {
      // The kernel keeps what arrived; with the File at hand the user can resume at once, otherwise
      // (after a page reload) by choosing the same file again.
      row.bar.value = item.acked;
      row.detail.textContent = t(item.canResume ? "item.interrupted" : "item.rechoose", { percent: item.percent });
      row.retry.hidden = !item.canResume;
    } else if (item.state === "error" && item.failure) {
      const { errno, errMsg, reason, vars } = item.failure;
      row.bar.hidden = true;
      row.detail.textContent = t("item.failed", { reason: errMsg ?? t(reason ?? "item.refused", vars), errno });
      row.detail.classList.add("cm-error");
    }
  }

  /** The same file chosen again (to resume): an image's thumbnail comes from it now. @param {Row} row @param {File} file */
  showNewFile(row, file) {
    row.file = file;
    if (row.thumb instanceof HTMLImageElement && file.type.startsWith("image/") && file.size <= PAGE_DECODES_UP_TO) {
      URL.revokeObjectURL(row.url);
      row.url = URL.createObjectURL(file);
      row.thumb.src = row.url;
      row.thumb.classList.remove("cm-thumb-broken");
    }
  }

  /** A restarted kernel has forgotten this widget and its files: say so instead of looking alive. */
  showKernelLost() {
    if (this.root.classList.contains("cm-kernel-lost")) return;
    this.list.closed = true;
    this.root.classList.add("cm-kernel-lost");
    for (const button of this.root.querySelectorAll("button, input")) /** @type {HTMLButtonElement} */ (button).disabled = true;
    this.notice.textContent = this.t("kernel.lost");
    this.notice.setAttribute("role", "alert");
    this.picker.hidden = false;
  }

  /** Whether a pick is open here (files chosen, no result yet): the kernel watch pings only then. */
  get pickOpen() {
    return !this.list.closed && this.list.items.length > 0 && this.model.get("status") !== "done";
  }

  /**
   * A thumbnail this page could not decode (HEIF, TIFF, a video codec it lacks) is made by the kernel, once
   * the file is stored there: only the small JPEG comes back. @param {PickItem} item
   */
  askForPreview(item) {
    const row = this.rows.get(item);
    if (!row || !row.fromKernel || row.previewAsked || item.state !== "stored" || this.list.closed) return;
    row.previewAsked = true;
    this.channel.send(toKernel.preview(item.transfer.id));
  }

  /** @param {string} id @param {DataView | undefined} jpeg none: the kernel could not make one either */
  showPreview(id, jpeg) {
    const item = this.list.items.find((it) => it.transfer.id === id);
    const row = item && this.rows.get(item);
    if (!row || !jpeg) return;
    const url = URL.createObjectURL(new Blob([new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength).slice()], { type: "image/jpeg" }));
    if (row.previewUrl) URL.revokeObjectURL(row.previewUrl);
    row.previewUrl = url;
    if (row.thumb instanceof HTMLVideoElement) row.thumb.poster = url;
    else /** @type {HTMLImageElement} */ (row.thumb).src = url;
    row.thumb.classList.remove("cm-thumb-broken");
  }

  dispose() {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.album.dispose();
    this.camera.dispose();
    this.unlisten();
    this.list.dispose();
  }
}

/** New rows wait at most this long for a file to arrive (ms): below what a user notices as a delay. */
const HOLD_MS = 100;

/** Images up to this size get their list thumbnail from the page; larger ones from the kernel. */
const PAGE_DECODES_UP_TO = 1024 * 1024;

/**
 * @param {File} file @param {string} url its object URL
 * @param {() => string} currentUrl the row's object URL when the poster is wanted
 * @returns {{thumb: HTMLElement, showThumb: () => void, fromKernel: boolean}} fromKernel: the kernel makes it
 */
function makeThumb(file, url, currentUrl) {
  if (!file.type.startsWith("video/")) {
    // A large photo's thumbnail comes from the kernel, made from the pixels it decodes anyway to check the
    // file: decoding a 12 MP JPEG here costs more CPU than sending it, and the cores are shared.
    const own = file.size <= PAGE_DECODES_UP_TO;
    const img = h("img", { class: "cm-thumb", alt: "", ...(own ? { src: url } : {}) });
    return { thumb: img, showThumb: () => {}, fromKernel: !own };
  }
  const video = h("video", { class: "cm-thumb", muted: "", preload: "metadata", "aria-hidden": "true" });
  video.muted = true;
  // Seek a little so the poster frame is not a black first frame.
  video.addEventListener("loadedmetadata", () => (video.currentTime = Math.min(0.1, video.duration || 0)), { once: true });
  // The poster waits for the transfer: starting Chromium's media pipeline competes with it for the CPU.
  const showThumb = () => {
    if (!video.src) video.src = currentUrl();
  };
  return { thumb: video, showThumb, fromKernel: false };
}
