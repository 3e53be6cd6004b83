// Streams one File to the kernel over the widget's comm: binary chunks, a few in flight,
// each acknowledged by the kernel, which checks every offset and the length at the end. See docs/design.md (wire protocol).

import { ERRNO } from "./errno.js";
import { Md5 } from "./md5.js";
import { toKernel } from "./protocol.js";

/** @typedef {{kind: string, id?: string|null, received?: number, errno?: number, errMsg?: string,
 *   type?: string, size?: number, width?: number|null, height?: number|null, duration?: number|null}} KernelMessage */

/**
 * A transfer that did not end with `stored`: refused by the kernel (`errMsg` is the kernel's, shown as it is)
 * or failed here (`reason`: an i18n key, shown in the UI's language; only the kernel writes errMsg texts).
 */
export class TransferFailed extends Error {
  /**
   * @param {number} errno @param {{errMsg?: string, reason?: string}} why
   * @param {boolean} [interrupted] the kernel keeps what arrived: the transfer can be resumed
   */
  constructor(errno, why, interrupted = false) {
    super(why.errMsg ?? why.reason ?? String(errno));
    this.errno = errno;
    this.errMsg = why.errMsg ?? null;
    this.reason = why.reason ?? null;
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

/**
 * Whether a file goes in one `file` message: not empty (an empty file gets the kernel's refusal through `begin`)
 * and no larger than a chunk, which stays under the server's message limit.
 * @param {File} file @param {number} chunkSize
 */
export function fitsOneMessage(file, chunkSize) {
  return file.size > 0 && file.size <= chunkSize;
}

export class Transfer {
  /**
   * @param {import("./protocol.js").Channel} channel
   * @param {File} file
   * @param {{chunkSize: number, inFlight: number, source: "album"|"camera",
   *   onProgress: (sent: number, acked: number) => void, resumeId?: string}} opts
   *   `resumeId`: continue a transfer the kernel already has (after a reload or a dropped connection)
   */
  constructor(channel, file, opts) {
    this.channel = channel;
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
    this.unsubscribe = channel.onTransfer(this.id, (msg) => this.receive(msg));
  }

  /** Called by the channel for every kernel message carrying this transfer's id. */
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
        throw new TransferFailed(ERRNO.TRANSFER_INTERRUPTED, { reason: "item.stalled" }, true);
      }
      if (done(msg)) return msg;
    }
  }

  check() {
    if (this.aborted) throw new TransferFailed(ERRNO.TRANSFER_INTERRUPTED, { reason: "item.aborted" });
    if (this.failure) {
      const { errMsg, errno } = this.failure;
      throw new TransferFailed(errno ?? ERRNO.UNKNOWN_ERROR, errMsg ? { errMsg } : { reason: "item.refused" });
    }
  }

  /**
   * Sends the whole file (or what the kernel lacks of it); resolves with the kernel's `stored` message.
   * `begin`, the chunks and `end` go out back to back: the kernel handles one comm's messages in order
   * and refuses a chunk that does not continue its file exactly, so only the window of chunks in flight
   * waits for acknowledgements. The kernel hashes what it stores; the browser hashes only to resume.
   */
  async run() {
    this.failure = null;
    if (fitsOneMessage(this.file, this.chunkSize)) return this.runWhole();
    const { file, id } = this;
    let sent = 0;
    if (this.resuming) {
      // Hash what the kernel says it has; it goes on from there only if its bytes are the same.
      this.channel.send(toKernel.resumeQuery(id));
      const have = (await this.until((m) => m.kind === "ack")).received ?? 0;
      const md5 = new Md5();
      for (let at = 0; at < have; at += this.chunkSize) {
        md5.update(new Uint8Array(await file.slice(at, Math.min(have, at + this.chunkSize)).arrayBuffer()));
      }
      this.channel.send(toKernel.resume(id, file.size, have, md5.hex()));
      const reply = await this.until((m) => m.kind === "ack");
      this.acked = reply.received ?? 0; // 0 when the bytes differed: the kernel started over
      sent = this.acked;
    } else {
      this.channel.send(toKernel.begin(id, file, this.source));
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
      this.channel.send(toKernel.chunk(id, sent), [buffer]);
      sent = end;
      this.onProgress(sent, this.acked);
    }
    this.channel.send(toKernel.end(id));
    return this.until((m) => {
      if (m.kind === "ack") this.onProgress(sent, this.acked);
      return m.kind === "stored";
    });
  }

  /**
   * A file that fits one message goes as one (`file`: `begin`, its chunk and `end` at once): the kernel
   * handles one message instead of three and answers once. Such a transfer is never partly in the kernel,
   * so an interrupted one starts again under a new id (the old one is dropped, in case it did arrive).
   */
  async runWhole() {
    if (this.resuming) {
      this.channel.send(toKernel.remove(this.id));
      this.unsubscribe();
      this.id = newTransferId();
      this.unsubscribe = this.channel.onTransfer(this.id, (msg) => this.receive(msg));
      this.resuming = false;
    }
    const buffer = await this.file.arrayBuffer();
    this.check();
    this.channel.send(toKernel.file(this.id, this.file, this.source), [buffer]);
    this.onProgress(buffer.byteLength, 0);
    const stored = await this.until((m) => m.kind === "stored");
    this.acked = buffer.byteLength;
    this.onProgress(buffer.byteLength, this.acked);
    return stored;
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.channel.send(toKernel.remove(this.id));
    this.receive({ kind: "aborted" });
  }

  /** This transfer's messages are no longer wanted (it was replaced, removed or its view closed). */
  dispose() {
    this.unsubscribe();
  }
}

/** @typedef {{key: string, name: string, type: string, size: number}} AlbumEntry */

/** Copies a file of the kernel-side album into the pick: no bytes cross the wire. */
export class AlbumCopy extends Transfer {
  /** @param {import("./protocol.js").Channel} channel @param {AlbumEntry} entry */
  constructor(channel, entry) {
    super(channel, new File([], entry.name), { chunkSize: 0, inFlight: 0, source: "album", onProgress: () => {} });
    this.entry = entry;
  }

  async run() {
    this.channel.send(toKernel.albumPick(this.id, this.entry.key));
    return this.until((m) => m.kind === "stored");
  }
}
