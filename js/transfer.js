// Streams one File to the kernel over the widget's comm: binary chunks, a few in flight,
// each acknowledged by the kernel, which checks every offset and the length at the end. See docs/design.md (wire protocol).

import { Md5 } from "./md5.js";

/** @typedef {{kind: string, id?: string|null, received?: number, errno?: number, errMsg?: string,
 *   type?: string, size?: number, width?: number|null, height?: number|null, duration?: number|null}} KernelMessage */

export class TransferFailed extends Error {
  /** @param {string} errMsg @param {number} errno @param {boolean} [interrupted] the kernel keeps what arrived */
  constructor(errMsg, errno, interrupted = false) {
    super(errMsg);
    this.errMsg = errMsg;
    this.errno = errno;
    this.interrupted = interrupted;
  }
}

/** No answer from the kernel for this long means the connection dropped: the transfer can be resumed. */
export const STALL_MS = 30_000;

let counter = 0;
/** A transfer id: unique within the page, safe for the kernel's id rule. */
export function newTransferId() {
  counter += 1;
  // randomUUID exists only in secure contexts (https, localhost); a plain-http server still works.
  /** @type {{randomUUID?: () => string} | undefined} */
  const c = globalThis.crypto;
  const random = typeof c?.randomUUID === "function" ? c.randomUUID() : Math.random().toString(36).slice(2);
  return `${random}-${counter}`.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
}

export class Transfer {
  /**
   * @param {import("@anywidget/types").AnyModel} model
   * @param {File} file
   * @param {{chunkSize: number, inFlight: number, source: "album"|"camera",
   *   onProgress: (sent: number, acked: number) => void, resumeId?: string}} opts
   *   `resumeId`: continue a transfer the kernel already has (after a reload or a dropped connection)
   */
  constructor(model, file, opts) {
    this.model = model;
    this.file = file;
    this.id = opts.resumeId ?? newTransferId();
    this.resuming = opts.resumeId != null;
    this.chunkSize = opts.chunkSize;
    this.inFlight = opts.inFlight;
    this.onProgress = opts.onProgress;
    this.source = opts.source;
    this.acked = 0;
    this.aborted = false;
    /** @type {((msg: KernelMessage) => void) | null} */
    this.waiter = null;
    /** @type {KernelMessage | null} */
    this.failure = null;
  }

  /** Called by the view for every kernel message carrying this transfer's id. */
  /** @param {KernelMessage} msg */
  receive(msg) {
    if (msg.kind === "ack" && typeof msg.received === "number") this.acked = Math.max(this.acked, msg.received);
    if (msg.kind === "error") this.failure = msg;
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter(msg);
  }

  /** @param {(msg: KernelMessage) => boolean} done @returns {Promise<KernelMessage>} */
  async until(done) {
    for (;;) {
      this.check();
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      const msg = await new Promise((resolve) => {
        this.waiter = resolve;
        timer = setTimeout(() => resolve({ kind: "stalled" }), STALL_MS);
      });
      clearTimeout(timer);
      this.check();
      if (msg.kind === "stalled") {
        this.waiter = null;
        throw new TransferFailed("chooseMedia:fail transfer interrupted: no answer from the kernel", 1107008, true);
      }
      if (done(msg)) return msg;
    }
  }

  check() {
    if (this.aborted) throw new TransferFailed("chooseMedia:fail transfer aborted", 1107008);
    if (this.failure) throw new TransferFailed(this.failure.errMsg ?? "chooseMedia:fail", this.failure.errno ?? 100);
  }

  /**
   * Sends the whole file (or what the kernel lacks of it); resolves with the kernel's `stored` message.
   * `begin`, the chunks and `end` go out back to back: the kernel handles one comm's messages in order
   * and refuses a chunk that does not continue its file exactly, so only the window of chunks in flight
   * waits for acknowledgements. The kernel hashes what it stores; the browser hashes only to resume.
   */
  async run() {
    const { file, id } = this;
    this.failure = null;
    let sent = 0;
    if (this.resuming) {
      // Hash what the kernel says it has; it goes on from there only if its bytes are the same.
      this.model.send({ kind: "resume_query", id });
      const have = (await this.until((m) => m.kind === "ack")).received ?? 0;
      const md5 = new Md5();
      for (let at = 0; at < have; at += this.chunkSize) {
        md5.update(new Uint8Array(await file.slice(at, Math.min(have, at + this.chunkSize)).arrayBuffer()));
      }
      this.model.send({ kind: "resume", id, received: have, prefix_md5: md5.hex(), size: file.size });
      const reply = await this.until((m) => m.kind === "ack");
      this.acked = reply.received ?? 0; // 0 when the bytes differed: the kernel started over
      sent = this.acked;
    } else {
      this.model.send({ kind: "begin", id, name: file.name, mime: file.type, size: file.size, source: this.source });
    }
    // Read the next chunk while earlier ones are on the wire.
    let next = file.slice(sent, sent + this.chunkSize).arrayBuffer();
    while (sent < file.size) {
      const buffer = await next;
      this.check();
      const end = sent + buffer.byteLength;
      if (end < file.size) next = file.slice(end, end + this.chunkSize).arrayBuffer();
      while (sent - this.acked >= this.inFlight * this.chunkSize) await this.until((m) => m.kind === "ack");
      // A whole ArrayBuffer, never a view: Jupyter's serializer ignores a view's offset.
      this.model.send({ kind: "chunk", id, offset: sent }, undefined, [buffer]);
      sent = end;
      this.onProgress(sent, this.acked);
    }
    this.model.send({ kind: "end", id });
    return this.until((m) => {
      if (m.kind === "ack") this.onProgress(sent, this.acked);
      return m.kind === "stored";
    });
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.model.send({ kind: "remove", id: this.id });
    this.receive({ kind: "aborted" });
  }
}

/** @typedef {{key: string, name: string, type: string, size: number}} AlbumEntry */

/** Copies a file of the kernel-side album into the pick: no bytes cross the wire. */
export class AlbumCopy extends Transfer {
  /** @param {import("@anywidget/types").AnyModel} model @param {AlbumEntry} entry */
  constructor(model, entry) {
    super(model, new File([], entry.name), { chunkSize: 0, inFlight: 0, source: "album", onProgress: () => {} });
    this.entry = entry;
  }

  async run() {
    this.model.send({ kind: "album_pick", id: this.id, key: this.entry.key });
    return this.until((m) => m.kind === "stored");
  }
}
