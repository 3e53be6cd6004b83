// choose-media front-end: the album picker. Files stream to the kernel as they are added;
// Confirm asks the kernel to build the seed's result from the ones that arrived whole.

import "./styles.css";
import { Transfer, TransferFailed } from "./transfer.js";

/** @typedef {import("@anywidget/types").AnyModel} Model */
/** @typedef {{transfer: Transfer, file: File, li: HTMLLIElement, state: "queued"|"sending"|"stored"|"error",
 *   url: string, bar: HTMLProgressElement, detail: HTMLElement}} Item */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c); // strings become text nodes: names are never HTML
  return node;
}

/** @param {number} n */
function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  /** @type {Item[]} */
  const items = [];
  /** @type {Item[]} */
  const queue = [];
  let sending = false;
  let closed = false;

  const input = h("input", { type: "file", class: "cm-input", hidden: "" });
  const choose = h("button", { type: "button", class: "cm-choose" }, ["Choose files"]);
  const drop = h("div", { class: "cm-drop" }, [
    h("span", { class: "cm-drop-text" }, ["Drop images or videos here, or "]),
    choose,
  ]);
  const notice = h("div", { class: "cm-notice", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "cm-items", "aria-label": "Chosen files" });
  const originalBox = h("input", { type: "checkbox", class: "cm-original-input" });
  const original = h("label", { class: "cm-original" }, [originalBox, " Original"]);
  const status = h("span", { class: "cm-status", "aria-live": "polite" });
  const cancel = h("button", { type: "button", class: "cm-cancel" }, ["Cancel"]);
  const confirm = h("button", { type: "button", class: "cm-confirm cm-primary" }, ["Confirm"]);
  const again = h("button", { type: "button", class: "cm-again" }, ["Pick again"]);
  const summary = h("div", { class: "cm-summary" });
  const title = h("div", { class: "cm-title" });
  const picker = h("div", { class: "cm-picker" }, [drop, input, notice, list]);
  const footer = h("div", { class: "cm-footer" }, [original, status, cancel, confirm]);
  const done = h("div", { class: "cm-done" }, [summary, again]);
  const root = h("div", { class: "cm-root" }, [title, picker, footer, done]);
  el.append(root);

  const liveItems = () => items.filter((it) => it.state !== "error");

  function syncOptions() {
    const count = model.get("count");
    const sizeType = model.get("size_type");
    input.accept = model.get("accept");
    input.multiple = count > 1;
    original.hidden = !(sizeType.includes("original") && sizeType.includes("compressed"));
    const kinds = model.get("media_type").join(" or ");
    title.textContent = `Choose ${kinds} · up to ${count}`;
    const albumAllowed = model.get("source_type").includes("album");
    picker.hidden = !albumAllowed;
    if (!albumAllowed) notice.textContent = "The camera source is not available in this version.";
  }

  function syncState() {
    const isDone = model.get("status") === "done" && model.get("result") != null;
    picker.hidden = isDone || !model.get("source_type").includes("album");
    footer.hidden = isDone;
    done.hidden = !isDone;
    const processing = model.get("status") === "processing";
    const busy = items.some((it) => it.state === "queued" || it.state === "sending");
    const ready = items.filter((it) => it.state === "stored").length;
    confirm.disabled = processing || busy || ready === 0;
    cancel.disabled = processing;
    status.textContent = model.get("status_text") || (busy ? "Sending…" : ready ? `${ready} ready` : "");
    if (isDone) {
      const result = model.get("result");
      const files = result.tempFiles ?? [];
      summary.textContent = result.errMsg.endsWith(":ok")
        ? `${files.length} file${files.length === 1 ? "" : "s"} ready in Python (w.result, w.temp_files).`
        : `${result.errMsg} (errno ${result.errno})`;
    }
  }

  /** @param {Item} item */
  function removeItem(item) {
    const i = items.indexOf(item);
    if (i >= 0) items.splice(i, 1);
    const q = queue.indexOf(item);
    if (q >= 0) queue.splice(q, 1);
    if (item.state === "sending" || item.state === "stored") item.transfer.abort();
    URL.revokeObjectURL(item.url);
    item.li.remove();
    syncState();
  }

  /** @param {File} file */
  function makeItem(file) {
    const url = URL.createObjectURL(file);
    const isVideo = file.type.startsWith("video/");
    /** @type {HTMLElement} */
    let thumb;
    if (isVideo) {
      const video = h("video", { class: "cm-thumb", muted: "", preload: "metadata", "aria-hidden": "true" });
      video.muted = true;
      // Seek a little so the poster frame is not a black first frame.
      video.addEventListener("loadedmetadata", () => (video.currentTime = Math.min(0.1, video.duration || 0)), {
        once: true,
      });
      video.src = url;
      thumb = video;
    } else {
      thumb = h("img", { class: "cm-thumb", alt: "", src: url });
      thumb.addEventListener("error", () => thumb.classList.add("cm-thumb-broken"), { once: true });
    }
    const bar = h("progress", { class: "cm-progress", max: String(file.size || 1), value: "0" });
    bar.setAttribute("aria-label", `Sending ${file.name}`);
    const detail = h("span", { class: "cm-detail" }, [formatBytes(file.size)]);
    const remove = h("button", { type: "button", class: "cm-remove", "aria-label": `Remove ${file.name}` }, ["×"]);
    const li = h("li", { class: "cm-item" }, [
      thumb,
      h("div", { class: "cm-meta" }, [h("span", { class: "cm-name", title: file.name }, [file.name]), detail, bar]),
      remove,
    ]);
    const transfer = new Transfer(model, file, {
      chunkSize: model.get("chunk_size"),
      inFlight: model.get("chunks_in_flight"),
      onProgress: (_sent, acked) => {
        bar.value = acked;
        detail.textContent = `${formatBytes(acked)} of ${formatBytes(file.size)}`;
      },
    });
    /** @type {Item} */
    const item = { transfer, file, li, state: "queued", url, bar, detail };
    remove.addEventListener("click", () => removeItem(item));
    return item;
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
          const stored = await item.transfer.run();
          item.state = "stored";
          item.li.dataset.state = "stored";
          item.bar.hidden = true;
          const dims = stored.width ? ` · ${stored.width}×${stored.height}` : "";
          const dur = stored.duration != null ? ` · ${stored.duration.toFixed(1)} s` : "";
          item.detail.textContent = `${stored.type} · ${formatBytes(item.file.size)}${dims}${dur}`;
        } catch (err) {
          if (!items.includes(item)) continue; // removed by the user
          markError(item, err instanceof TransferFailed ? `${err.errMsg} (errno ${err.errno})` : String(err));
        }
        syncState();
      }
    } finally {
      sending = false;
    }
  }

  /** @param {FileList | File[]} files */
  function addFiles(files) {
    if (model.get("status") === "done") return;
    const count = model.get("count");
    const maxSize = model.get("max_file_size");
    const room = count - liveItems().length;
    const incoming = Array.from(files);
    const taken = incoming.slice(0, Math.max(0, room));
    notice.textContent =
      incoming.length > taken.length
        ? `Only ${count} file${count === 1 ? "" : "s"} can be chosen; ${incoming.length - taken.length} left out.`
        : "";
    for (const file of taken) {
      const item = makeItem(file);
      items.push(item);
      list.append(item.li);
      if (file.size === 0) markError(item, "chooseMedia:fail the file is empty (errno 1107011)");
      else if (file.size > maxSize) {
        markError(item, `chooseMedia:fail over the size limit of ${formatBytes(maxSize)} (errno 1107007)`);
      } else queue.push(item);
    }
    syncState();
    pump();
  }

  /** @param {any} msg */
  function onKernelMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.id) {
      const item = items.find((it) => it.transfer.id === msg.id);
      if (item) item.transfer.receive(msg);
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

  const onChoose = () => input.click();
  const onInput = () => {
    if (input.files) addFiles(input.files);
    input.value = "";
  };
  /** @param {DragEvent} e */
  const onDragOver = (e) => {
    e.preventDefault();
    drop.classList.add("cm-drag");
  };
  const onDragLeave = () => drop.classList.remove("cm-drag");
  /** @param {DragEvent} e */
  const onDrop = (e) => {
    e.preventDefault();
    drop.classList.remove("cm-drag");
    if (e.dataTransfer?.files) addFiles(e.dataTransfer.files);
  };
  const onConfirm = () => {
    const ids = items.filter((it) => it.state === "stored").map((it) => it.transfer.id);
    model.send({ kind: "confirm", ids, original: originalBox.checked });
    confirm.disabled = true;
    status.textContent = "Processing…";
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

  choose.addEventListener("click", onChoose);
  input.addEventListener("change", onInput);
  drop.addEventListener("dragover", onDragOver);
  drop.addEventListener("dragleave", onDragLeave);
  drop.addEventListener("drop", onDrop);
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

  return () => {
    closed = true;
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
