// choose-media front-end: the picker (album and camera sources). Files stream to the kernel as they are added;
// Confirm asks the kernel to build the seed's result from the ones that arrived whole.

import "./styles.css";
import { createAlbumSource } from "./album.js";
import { createCameraSource } from "./camera.js";
import { formatBytes, h } from "./dom.js";
import { resolveLang, translator } from "./i18n.js";
import { AlbumCopy, Transfer, TransferFailed } from "./transfer.js";

/** How long the kernel may stay silent during an open pick before the view checks it is still the same. */
const PING_MS = 5000;

/** @typedef {import("@anywidget/types").AnyModel} Model */
/**
 * What a source (album, camera) gets from the picker.
 * @typedef {{model: Model, t: import("./i18n.js").Translate, addFiles: (files: File[], source: "album"|"camera") => void,
 *   addAlbumEntry: (entry: import("./transfer.js").AlbumEntry, thumb: File) => void,
 *   removeFiles: (files: File[]) => number,
 *   onMessage: (handler: (msg: any, buffers: DataView[]) => void) => () => void}} SourceContext
 * @typedef {{el: HTMLElement, sync: () => void, dispose: () => void}} Source
 */
/** @typedef {{transfer: Transfer, file: File, li: HTMLLIElement,
 *   state: "queued"|"sending"|"stored"|"error"|"interrupted",
 *   url: string, bar: HTMLProgressElement, detail: HTMLElement, source: "album"|"camera",
 *   thumb: HTMLElement, retry: HTMLButtonElement, expectedSize?: number, showThumb: () => void}} Item */

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  /** @type {Item[]} */
  const items = [];
  /** @type {Item[]} */
  const queue = [];
  let sending = false;
  let closed = false;

  const notice = h("div", { class: "cm-notice", role: "status", "aria-live": "polite" });
  const t = translator(model.get("lang"));
  const list = h("ul", { class: "cm-items", "aria-label": t("list.label") });
  const originalBox = h("input", { type: "checkbox", class: "cm-original-input" });
  const original = h("label", { class: "cm-original" }, [originalBox, " " + t("original")]);
  const status = h("span", { class: "cm-status", "aria-live": "polite" });
  const cancel = h("button", { type: "button", class: "cm-cancel" }, [t("cancel")]);
  const confirm = h("button", { type: "button", class: "cm-confirm cm-primary" }, [t("confirm")]);
  const again = h("button", { type: "button", class: "cm-again" }, [t("again")]);
  const summary = h("div", { class: "cm-summary" });
  const title = h("div", { class: "cm-title" });
  /** @type {Set<(msg: any, buffers: DataView[]) => void>} */
  const listeners = new Set();
  /** @type {SourceContext} */
  const ctx = {
    model,
    t,
    addFiles: (files, source) => addFiles(files, source),
    addAlbumEntry: (entry, thumb) => addAlbumEntry(entry, thumb),
    removeFiles: (files) => {
      const gone = items.filter((it) => files.includes(it.file));
      for (const item of gone) removeItem(item);
      return gone.length;
    },
    onMessage: (handler) => {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
  };
  const album = createAlbumSource(ctx);
  const camera = createCameraSource(ctx);
  const sources = h("div", { class: "cm-sources" }, [album.el, camera.el]);
  const picker = h("div", { class: "cm-picker" }, [sources, notice, list]);
  const footer = h("div", { class: "cm-footer" }, [original, status, cancel, confirm]);
  const done = h("div", { class: "cm-done" }, [summary, again]);
  const root = h("div", { class: "cm-root", lang: resolveLang(model.get("lang")), role: "group" }, [
    title, picker, footer, done,
  ]);
  root.setAttribute("aria-label", "chooseMedia");
  el.append(root);

  const liveItems = () => items.filter((it) => it.state !== "error");

  function syncOptions() {
    const count = model.get("count");
    const sizeType = model.get("size_type");
    original.hidden = !(sizeType.includes("original") && sizeType.includes("compressed"));
    const kinds = model.get("media_type").map((/** @type {string} */ k) => t(`kind.${k}`)).join(t("kind.or"));
    title.textContent = t("title", { kinds, count });
    const sourceType = model.get("source_type");
    album.el.hidden = !sourceType.includes("album");
    camera.el.hidden = !sourceType.includes("camera");
    album.sync();
    camera.sync();
  }

  function syncState() {
    const isDone = model.get("status") === "done" && model.get("result") != null;
    picker.hidden = isDone;
    footer.hidden = isDone;
    done.hidden = !isDone;
    const processing = model.get("status") === "processing";
    const busy = items.some((it) => it.state === "queued" || it.state === "sending");
    const ready = items.filter((it) => it.state === "stored").length;
    confirm.disabled = processing || busy || ready === 0;
    cancel.disabled = processing;
    status.textContent =
      model.get("status_text") || (busy ? t("status.sending") : ready ? t("status.ready", { n: ready }) : "");
    if (isDone) {
      const result = model.get("result");
      const files = result.tempFiles ?? [];
      summary.textContent = result.errMsg.endsWith(":ok")
        ? t("done.ok", { n: files.length })
        : t("done.fail", { errMsg: result.errMsg, errno: result.errno });
    }
  }

  /** @param {Item} item */
  function removeItem(item) {
    const i = items.indexOf(item);
    if (i >= 0) items.splice(i, 1);
    const q = queue.indexOf(item);
    if (q >= 0) queue.splice(q, 1);
    if (item.state === "sending" || item.state === "stored" || item.state === "interrupted") item.transfer.abort();
    URL.revokeObjectURL(item.url);
    item.li.remove();
    syncState();
  }

  /** @param {Item} item @param {number} acked bytes the kernel has stored */
  function showProgress(item, acked) {
    item.bar.value = acked;
    item.detail.textContent = t("item.progress", { done: formatBytes(acked), total: formatBytes(item.file.size) });
  }

  /**
   * @param {File} file @param {"album"|"camera"} source
   * @param {(sent: number, acked: number) => void} onProgress @param {string} [resumeId] continue this transfer
   */
  function newTransfer(file, source, onProgress, resumeId) {
    const chunkSize = model.get("chunk_size");
    return new Transfer(model, file, { chunkSize, inFlight: model.get("chunks_in_flight"), source, onProgress, resumeId });
  }

  /**
   * @param {File} file what the item shows (for a kernel-side album entry: its thumbnail, named like it)
   * @param {"album"|"camera"} source
   * @param {(onProgress: (sent: number, acked: number) => void) => Transfer} [makeTransfer]
   */
  function makeItem(file, source, makeTransfer) {
    const url = URL.createObjectURL(file);
    const isVideo = file.type.startsWith("video/");
    /** @type {HTMLElement} */
    let thumb;
    let showThumb = () => {};
    if (isVideo) {
      const video = h("video", { class: "cm-thumb", muted: "", preload: "metadata", "aria-hidden": "true" });
      video.muted = true;
      // Seek a little so the poster frame is not a black first frame.
      video.addEventListener("loadedmetadata", () => (video.currentTime = Math.min(0.1, video.duration || 0)), {
        once: true,
      });
      // The poster waits for the transfer: starting Chromium's media pipeline competes with it for the CPU.
      showThumb = () => {
        if (!video.src) video.src = item.url;
      };
      thumb = video;
    } else {
      thumb = h("img", { class: "cm-thumb", alt: "", src: url });
      thumb.addEventListener("error", () => thumb.classList.add("cm-thumb-broken"), { once: true });
    }
    const bar = h("progress", { class: "cm-progress", max: String(file.size || 1), value: "0" });
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
    /** @param {number} _sent @param {number} acked */
    const onProgress = (_sent, acked) => showProgress(item, acked);
    const transfer = makeTransfer ? makeTransfer(onProgress) : newTransfer(file, source, onProgress);
    /** @type {Item} */
    const item = { transfer, file, li, state: "queued", url, bar, detail, source, thumb, retry, showThumb };
    remove.addEventListener("click", () => removeItem(item));
    retry.addEventListener("click", () => resume(item, item.file));
    return item;
  }

  /** @param {Item} item @param {any} stored the kernel's `stored` message (or a `pending` entry) */
  function markStored(item, stored) {
    item.state = "stored";
    item.li.dataset.state = "stored";
    item.bar.hidden = true;
    item.retry.hidden = true;
    const dims = stored.width ? ` · ${stored.width}×${stored.height}` : "";
    const dur = stored.duration != null ? ` · ${stored.duration.toFixed(1)} s` : "";
    item.detail.textContent = `${stored.type} · ${formatBytes(stored.size ?? item.file.size)}${dims}${dur}`;
  }

  /**
   * The kernel keeps what arrived; with the File at hand the user can resume at once, otherwise
   * (after a page reload) by choosing the same file again.
   * @param {Item} item @param {number} received @param {boolean} haveFile
   */
  function markInterrupted(item, received, haveFile) {
    item.state = "interrupted";
    item.li.dataset.state = "interrupted";
    item.bar.value = received;
    const done = Math.floor((100 * received) / (item.expectedSize || item.file.size || 1));
    item.detail.textContent = t(haveFile ? "item.interrupted" : "item.rechoose", { percent: done });
    item.retry.hidden = !haveFile;
  }

  /** @param {Item} item @param {File} file the same file, chosen again (or still at hand) */
  function resume(item, file) {
    item.file = file;
    item.transfer = newTransfer(file, item.source, (_sent, acked) => showProgress(item, acked), item.transfer.id);
    if (item.thumb instanceof HTMLImageElement && file.type.startsWith("image/")) {
      URL.revokeObjectURL(item.url);
      item.url = URL.createObjectURL(file);
      item.thumb.src = item.url;
      item.thumb.classList.remove("cm-thumb-broken");
    }
    item.retry.hidden = true;
    item.state = "queued";
    item.li.dataset.state = "queued";
    queue.push(item);
    syncState();
    pump();
  }

  /** What the kernel already holds when this view appears (e.g. after a page reload). */
  /** @param {{transfers: any[], stored: any[]}} pending */
  function adoptPending(pending) {
    /** An item for a file the kernel holds (whole or in part) but this page has no File for. @param {any} entry */
    const adopt = (entry) => {
      const placeholder = new File([], entry.name || "file", { type: "" });
      const item = makeItem(placeholder, entry.source ?? "album", (onProgress) =>
        new Transfer(model, placeholder, { chunkSize: 0, inFlight: 0, source: entry.source, onProgress, resumeId: entry.id }),
      );
      items.push(item);
      list.append(item.li);
      return item;
    };
    for (const entry of pending.stored ?? []) markStored(adopt(entry), entry);
    for (const entry of pending.transfers ?? []) {
      const item = adopt(entry);
      item.bar.max = entry.size || 1;
      item.expectedSize = entry.size;
      markInterrupted(item, entry.received, false);
    }
    syncState();
  }

  /** @param {Item} item @param {string} message */
  function markError(item, message) {
    item.state = "error";
    item.li.dataset.state = "error";
    item.bar.hidden = true;
    item.detail.textContent = message;
    item.detail.classList.add("cm-error");
  }

  async function pump() {
    if (sending) return;
    sending = true;
    try {
      while (queue.length && !closed) {
        const item = /** @type {Item} */ (queue.shift());
        item.state = "sending";
        item.li.dataset.state = "sending";
        syncState();
        try {
          markStored(item, await item.transfer.run());
        } catch (err) {
          if (!items.includes(item)) continue; // removed by the user
          if (err instanceof TransferFailed && err.interrupted) markInterrupted(item, item.transfer.acked, true);
          else markError(item, err instanceof TransferFailed ? `${err.errMsg} (errno ${err.errno})` : String(err));
        }
        item.showThumb();
        syncState();
      }
    } finally {
      sending = false;
    }
  }

  /** How many more files a source may add: count limits album picks only (not the camera, per the seed). */
  /** @param {"album"|"camera"} source @param {number} wanted */
  function roomFor(source, wanted) {
    if (source === "camera") return wanted;
    const count = model.get("count");
    const room = Math.max(0, count - liveItems().filter((it) => it.source === "album").length);
    notice.textContent =
      wanted > room ? t("notice.count", { count, left: wanted - room }) : "";
    return Math.min(room, wanted);
  }

  /** @param {import("./transfer.js").AlbumEntry} entry @param {File} thumb */
  function addAlbumEntry(entry, thumb) {
    if (model.get("status") === "done" || roomFor("album", 1) < 1) return;
    const item = makeItem(thumb, "album", () => new AlbumCopy(model, entry));
    items.push(item);
    list.append(item.li);
    queue.push(item);
    syncState();
    pump();
  }

  /** @param {File[]} incoming @param {"album"|"camera"} source */
  function addFiles(incoming, source) {
    if (model.get("status") === "done") return;
    // The same file chosen again after an interruption resumes its transfer instead of starting anew.
    incoming = incoming.filter((file) => {
      const waiting = items.find(
        (it) => it.state === "interrupted" && it.retry.hidden && it.file.name === file.name && it.expectedSize === file.size,
      );
      if (waiting) resume(waiting, file);
      return !waiting;
    });
    const maxSize = model.get("max_file_size");
    const maxPick = model.get("max_pick_size");
    let picked = items.filter((it) => it.state !== "error").reduce((sum, it) => sum + (it.expectedSize ?? it.file.size), 0);
    const taken = incoming.slice(0, roomFor(source, incoming.length));
    for (const file of taken) {
      const item = makeItem(file, source);
      items.push(item);
      list.append(item.li);
      if (file.size === 0) markError(item, t("item.empty"));
      else if (file.size > maxSize) {
        markError(item, t("item.too_large", { limit: formatBytes(maxSize) }));
      } else if (picked + file.size > maxPick) {
        markError(item, t("item.pick_too_large", { limit: formatBytes(maxPick) }));
      } else {
        picked += file.size;
        queue.push(item);
      }
    }
    syncState();
    pump();
  }

  /** @param {any} msg @param {DataView[]} buffers */
  function onKernelMessage(msg, buffers) {
    if (!msg || typeof msg !== "object") return;
    for (const listener of listeners) listener(msg, buffers);
    if (msg.id) {
      const item = items.find((it) => it.transfer.id === msg.id);
      if (item) item.transfer.receive(msg);
    } else if (msg.kind === "pending" && awaitingPending) {
      awaitingPending = false;
      if (items.length === 0) adoptPending(msg);
    } else if (msg.kind === "error") {
      notice.textContent = `${msg.errMsg} (errno ${msg.errno})`;
    }
  }

  function clearItems() {
    for (const item of [...items]) {
      URL.revokeObjectURL(item.url);
      item.li.remove();
    }
    items.length = 0;
    queue.length = 0;
  }

  const onConfirm = () => {
    const ids = items.filter((it) => it.state === "stored").map((it) => it.transfer.id);
    model.send({ kind: "confirm", ids, original: originalBox.checked });
    confirm.disabled = true;
    status.textContent = t("status.processing");
  };
  const onCancel = () => {
    for (const item of items) if (item.state === "sending") item.transfer.abort();
    clearItems();
    model.send({ kind: "cancel" });
  };
  const onAgain = () => {
    clearItems();
    notice.textContent = "";
    model.send({ kind: "reset" });
  };

  /** @param {KeyboardEvent} e Escape cancels, as in a dialog. */
  const onKey = (e) => {
    if (e.key !== "Escape" || !done.hidden || model.get("status") === "processing") return;
    e.preventDefault();
    e.stopPropagation();
    onCancel();
  };
  root.addEventListener("keydown", onKey);

  // A restarted kernel has forgotten this widget and its files: say so instead of looking alive.
  /** @type {any} */
  const kernel = /** @type {any} */ (model).widget_manager?.kernel;
  const kernelLost = () => {
    if (root.classList.contains("cm-kernel-lost")) return;
    closed = true;
    root.classList.add("cm-kernel-lost");
    for (const button of root.querySelectorAll("button, input")) /** @type {HTMLButtonElement} */ (button).disabled = true;
    notice.textContent = t("kernel.lost");
    notice.setAttribute("role", "alert");
    picker.hidden = false;
  };
  /** @param {unknown} _sender @param {string} state */
  const onKernelStatus = (_sender, state) => {
    // "starting" after the view exists means a new kernel process (a restart from the server or another tab).
    if (["restarting", "autorestarting", "starting", "dead"].includes(state)) kernelLost();
  };
  // The "starting" status of a kernel restarted elsewhere can be missed (it is published before the
  // server's subscription reconnects). Every kernel process signs its messages with its own session id,
  // so the first busy/idle status from a different one proves the kernel was replaced.
  /** @type {string | null} */
  let kernelSession = null;
  let lastKernelMessage = Date.now();
  /** @param {unknown} _sender @param {any} msg */
  const onIopub = (_sender, msg) => {
    if (msg?.header?.msg_type !== "status") return;
    const state = msg.content?.execution_state;
    if (state !== "busy" && state !== "idle") return; // "restarting"/"dead" come from the server, not the kernel
    lastKernelMessage = Date.now();
    const session = msg.header.session;
    if (kernelSession === null) kernelSession = session;
    else if (session && session !== kernelSession) kernelLost();
  };
  // While a pick is open and the kernel has been quiet, a tiny ping makes a replaced kernel answer
  // with its new session id (the old one would answer with the known one).
  const ping = setInterval(() => {
    if (closed || items.length === 0 || model.get("status") === "done") return;
    if (Date.now() - lastKernelMessage < PING_MS || document.hidden) return;
    lastKernelMessage = Date.now();
    model.send({ kind: "ping" });
  }, PING_MS);
  kernel?.statusChanged?.connect?.(onKernelStatus);
  kernel?.iopubMessage?.connect?.(onIopub);
  confirm.addEventListener("click", onConfirm);
  cancel.addEventListener("click", onCancel);
  again.addEventListener("click", onAgain);
  model.on("msg:custom", onKernelMessage);
  const onOptions = () => {
    syncOptions();
    syncState();
  };
  const optionEvents = ["count", "size_type", "media_type", "accept", "source_type"].map((n) => `change:${n}`);
  const stateEvents = ["status", "status_text", "result"].map((n) => `change:${n}`);
  for (const e of optionEvents) model.on(e, onOptions);
  for (const e of stateEvents) model.on(e, syncState);
  syncOptions();
  syncState();
  let awaitingPending = true;
  model.send({ kind: "hello" });

  return () => {
    closed = true;
    kernel?.statusChanged?.disconnect?.(onKernelStatus);
    kernel?.iopubMessage?.disconnect?.(onIopub);
    clearInterval(ping);
    album.dispose();
    camera.dispose();
    model.off("msg:custom", onKernelMessage);
    for (const e of optionEvents) model.off(e, onOptions);
    for (const e of stateEvents) model.off(e, syncState);
    for (const item of items) {
      if (item.state === "sending") item.transfer.abort();
      URL.revokeObjectURL(item.url);
    }
  };
}

export default { render };
