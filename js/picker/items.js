// The files of one pick, without DOM: each item's state, the upload queue (small files a few at a time, a large one alone), the
// size and count rules, resuming interrupted transfers and adopting what the kernel already holds.

import { formatBytes } from "../dom.js";
import { ERRNO } from "../errno.js";
import { AlbumCopy, Transfer, TransferFailed, fitsOneMessage } from "../transfer.js";

/** Transfers under way at once, at most (small files; a large one goes alone). */
const MAX_PARALLEL = 4;

/** @typedef {import("@anywidget/types").AnyModel} Model */
/** @typedef {"album"|"camera"} Source */
/** @typedef {"queued"|"sending"|"stored"|"error"|"interrupted"} ItemState */
/**
 * Why an item failed: the kernel's `errMsg` as it is, or a local `reason` (an i18n key with its `vars`).
 * @typedef {{errno: number, errMsg: string | null, reason: string | null, vars?: import("../i18n.js").Vars}} ItemFailure
 */
/**
 * What the list tells its view. `progress`: bytes acknowledged; `changed`: the item's state (or its File) changed;
 * `sent`: its transfer ended (stored, failed or interrupted); `summary`: counts that the footer shows changed.
 * @typedef {{added: (item: PickItem) => void, removed: (item: PickItem) => void, changed: (item: PickItem) => void,
 *   progress: (item: PickItem) => void, sent: (item: PickItem) => void, summary: () => void}} PickListener
 */

/** One file of the pick and its transfer. */
export class PickItem {
  /** @param {File} file what the item shows (for a kernel-side album entry: its thumbnail) @param {Source} source */
  constructor(file, source) {
    this.file = file;
    this.source = source;
    /** @type {ItemState} */
    this.state = "queued";
    /** @type {Transfer} */
    this.transfer = /** @type {any} */ (null);
    /** Bytes the kernel has stored. */
    this.acked = 0;
    /** The size the kernel expects, for an item adopted after a reload (its File is a placeholder). @type {number | undefined} */
    this.expectedSize = undefined;
    /** The kernel's `stored` message (or `pending` entry). @type {any} */
    this.stored = null;
    /** @type {ItemFailure | null} */
    this.failure = null;
    /** Interrupted with the File at hand: the Resume button can go on at once. */
    this.canResume = false;
  }

  /** @returns {number} percent of the file the kernel holds */
  get percent() {
    return Math.floor((100 * this.acked) / (this.expectedSize || this.file.size || 1));
  }
}

export class PickList {
  /**
   * @param {Model} model read for the synced options (sizes, count, chunking, status)
   * @param {import("../protocol.js").Channel} channel @param {PickListener} listener
   */
  constructor(model, channel, listener) {
    this.model = model;
    this.channel = channel;
    this.listener = listener;
    /** @type {PickItem[]} */
    this.items = [];
    /** @type {PickItem[]} */
    this.queue = [];
    /** Items whose transfer is under way. @type {Set<PickItem>} */
    this.running = new Set();
    /** No more transfers start (the view closed or the kernel is gone). */
    this.closed = false;
  }

  get busy() {
    return this.items.some((it) => it.state === "queued" || it.state === "sending");
  }

  get ready() {
    return this.items.filter((it) => it.state === "stored").length;
  }

  storedIds() {
    return this.items.filter((it) => it.state === "stored").map((it) => it.transfer.id);
  }

  /** @param {PickItem} item @param {(onProgress: (sent: number, acked: number) => void) => Transfer} [makeTransfer] */
  attach(item, makeTransfer) {
    /** @param {number} _sent @param {number} acked */
    const onProgress = (_sent, acked) => {
      item.acked = acked;
      this.listener.progress(item);
    };
    item.transfer?.dispose();
    item.transfer = makeTransfer ? makeTransfer(onProgress) : this.newTransfer(item.file, item.source, onProgress);
    this.items.push(item);
    this.listener.added(item);
    return item;
  }

  /**
   * @param {File} file @param {Source} source @param {(sent: number, acked: number) => void} onProgress
   * @param {string} [resumeId] continue this transfer
   */
  newTransfer(file, source, onProgress, resumeId) {
    const chunkSize = this.model.get("chunk_size");
    const inFlight = this.model.get("chunks_in_flight");
    return new Transfer(this.channel, file, { chunkSize, inFlight, source, onProgress, resumeId });
  }

  /** @param {PickItem} item @param {ItemState} state */
  setState(item, state) {
    item.state = state;
    this.listener.changed(item);
  }

  /** @param {PickItem} item @param {any} stored the kernel's `stored` message (or a `pending` entry) */
  markStored(item, stored) {
    item.stored = stored;
    this.setState(item, "stored");
  }

  /** @param {PickItem} item @param {number} received @param {boolean} haveFile */
  markInterrupted(item, received, haveFile) {
    item.acked = received;
    item.canResume = haveFile;
    this.setState(item, "interrupted");
  }

  /** @param {PickItem} item @param {ItemFailure} failure */
  markError(item, failure) {
    item.failure = failure;
    this.setState(item, "error");
  }

  /** @param {PickItem} item */
  remove(item) {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
    const q = this.queue.indexOf(item);
    if (q >= 0) this.queue.splice(q, 1);
    if (item.state === "sending" || item.state === "stored" || item.state === "interrupted") item.transfer.abort();
    item.transfer.dispose();
    this.listener.removed(item);
    this.listener.summary();
  }

  /** @param {File[]} files @returns {number} how many items were removed */
  removeFiles(files) {
    const gone = this.items.filter((it) => files.includes(it.file));
    for (const item of gone) this.remove(item);
    return gone.length;
  }

  /** @param {PickItem} item @param {File} file the same file, chosen again (or still at hand) */
  resume(item, file) {
    item.file = file;
    const onProgress = (/** @type {number} */ _sent, /** @type {number} */ acked) => {
      item.acked = acked;
      this.listener.progress(item);
    };
    const previous = item.transfer;
    item.transfer = this.newTransfer(file, item.source, onProgress, previous.id);
    previous.dispose();
    item.canResume = false;
    this.queue.push(item);
    this.setState(item, "queued");
    this.listener.summary();
    this.pump();
  }

  /** What the kernel already holds when this view appears (e.g. after a page reload). */
  /** @param {{transfers?: any[], stored?: any[]}} pending */
  adoptPending(pending) {
    /** An item for a file the kernel holds (whole or in part) but this page has no File for. */
    const adopt = (/** @type {any} */ entry, /** @type {number | undefined} */ size = undefined) => {
      const placeholder = new File([], entry.name || "file", { type: "" });
      const item = new PickItem(placeholder, entry.source ?? "album");
      item.expectedSize = size;
      return this.attach(item, (onProgress) =>
        new Transfer(this.channel, placeholder, { chunkSize: 0, inFlight: 0, source: entry.source, onProgress, resumeId: entry.id }),
      );
    };
    for (const entry of pending.stored ?? []) this.markStored(adopt(entry), entry);
    for (const entry of pending.transfers ?? []) this.markInterrupted(adopt(entry, entry.size), entry.received, false);
    this.listener.summary();
  }

  /**
   * Starts what the window allows: files that fit one message go several at a time, as long as their bytes
   * in flight stay within the chunk window (the kernel stores one while the next is on the wire); a larger
   * file goes alone, pipelining its own chunks.
   */
  pump() {
    while (this.queue.length && !this.closed && this.hasRoomFor(this.queue[0])) {
      const item = /** @type {PickItem} */ (this.queue.shift());
      this.running.add(item);
      this.send(item).finally(() => {
        this.running.delete(item);
        this.pump();
      });
    }
  }

  /** @param {PickItem} item */
  hasRoomFor(item) {
    if (this.running.size === 0) return true;
    const window = this.model.get("chunk_size") * this.model.get("chunks_in_flight");
    const oneMessage = (/** @type {PickItem} */ it) => it.transfer instanceof AlbumCopy || fitsOneMessage(it.file, it.transfer.chunkSize);
    if (!oneMessage(item) || ![...this.running].every(oneMessage)) return false;
    const inFlight = [...this.running].reduce((sum, it) => sum + it.file.size, 0);
    return this.running.size < MAX_PARALLEL && inFlight + item.file.size <= window;
  }

  /** @param {PickItem} item */
  async send(item) {
    this.setState(item, "sending");
    this.listener.summary();
    try {
      this.markStored(item, await item.transfer.run());
    } catch (err) {
      if (!this.items.includes(item)) return; // removed by the user
      if (err instanceof TransferFailed && err.interrupted) this.markInterrupted(item, item.transfer.acked, true);
      else this.markError(item, failureOf(err));
    }
    this.listener.sent(item);
    this.listener.summary();
  }

  /**
   * How many more files a source may add: count limits album picks only (not the camera, per the seed).
   * @param {Source} source @param {number} wanted @returns {{room: number, leftOut: number | null}}
   *   leftOut: null when the count does not apply
   */
  roomFor(source, wanted) {
    if (source === "camera") return { room: wanted, leftOut: null };
    const count = this.model.get("count");
    const live = this.items.filter((it) => it.state !== "error" && it.source === "album").length;
    const room = Math.max(0, count - live);
    return { room: Math.min(room, wanted), leftOut: Math.max(0, wanted - room) };
  }

  /**
   * @param {import("../transfer.js").AlbumEntry} entry @param {File} thumb
   * @returns {number | null} files left out by the count (null: nothing was checked)
   */
  addAlbumEntry(entry, thumb) {
    if (this.model.get("status") === "done") return null;
    const { room, leftOut } = this.roomFor("album", 1);
    if (room < 1) return leftOut;
    const item = this.attach(new PickItem(thumb, "album"), () => new AlbumCopy(this.channel, entry));
    this.queue.push(item);
    this.listener.summary();
    this.pump();
    return leftOut;
  }

  /**
   * Files chosen by the user (album) or shot (camera). An empty file is sent like any other: the kernel refuses it.
   * @param {File[]} incoming @param {Source} source @returns {number | null} files left out by the count
   */
  addFiles(incoming, source) {
    if (this.model.get("status") === "done") return null;
    // The same file chosen again after an interruption resumes its transfer instead of starting anew.
    incoming = incoming.filter((file) => {
      const waiting = this.items.find(
        (it) => it.state === "interrupted" && !it.canResume && it.file.name === file.name && it.expectedSize === file.size,
      );
      if (waiting) this.resume(waiting, file);
      return !waiting;
    });
    const maxSize = this.model.get("max_file_size");
    const maxPick = this.model.get("max_pick_size");
    let picked = this.items.filter((it) => it.state !== "error").reduce((sum, it) => sum + (it.expectedSize ?? it.file.size), 0);
    const { room, leftOut } = this.roomFor(source, incoming.length);
    for (const file of incoming.slice(0, room)) {
      const item = this.attach(new PickItem(file, source));
      if (file.size > maxSize) {
        this.markError(item, tooLarge("item.too_large", maxSize));
      } else if (picked + file.size > maxPick) {
        this.markError(item, tooLarge("item.pick_too_large", maxPick));
      } else {
        picked += file.size;
        this.queue.push(item);
      }
    }
    this.listener.summary();
    this.pump();
    return leftOut;
  }

  /** Cancel: the transfers under way are aborted and every item goes. */
  abortAll() {
    for (const item of this.items) if (item.state === "sending") item.transfer.abort();
    this.clear();
  }

  clear() {
    for (const item of [...this.items]) {
      item.transfer.dispose();
      this.listener.removed(item);
    }
    this.items.length = 0;
    this.queue.length = 0;
  }

  dispose() {
    this.closed = true;
    for (const item of this.items) {
      if (item.state === "sending") item.transfer.abort();
      item.transfer.dispose();
      this.listener.removed(item);
    }
  }
}

/** @param {string} reason @param {number} limit bytes @returns {ItemFailure} */
function tooLarge(reason, limit) {
  return { errno: ERRNO.FILE_TOO_LARGE, errMsg: null, reason, vars: { limit: formatBytes(limit) } };
}

/** @param {unknown} err @returns {ItemFailure} */
function failureOf(err) {
  if (err instanceof TransferFailed) return { errno: err.errno, errMsg: err.errMsg, reason: err.reason };
  return { errno: ERRNO.UNKNOWN_EXCEPTION, errMsg: String(err), reason: null };
}
