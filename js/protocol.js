// The wire protocol on the page: one builder per browser→kernel message kind (no other module writes a message
// dict), and the Channel that sends them over one model's comm and hands kernel→browser messages to their
// subscribers. The kinds and their fields are declared in protocol_table.js (generated from the kernel's table).
// See docs/design.md (wire protocol).

import { BROWSER_TO_KERNEL, KERNEL_TO_BROWSER } from "./protocol_table.js";

/** @typedef {import("@anywidget/types").AnyModel} Model */
/** @typedef {{kind: string, [field: string]: any}} Message */
/** @typedef {(msg: any, buffers: DataView[]) => void} Subscriber */

/** Browser → kernel: one builder per kind. */
export const toKernel = Object.freeze({
  /** @param {string} id @param {File} file @param {"album"|"camera"} source */
  begin: (id, file, source) => ({ kind: "begin", id, name: file.name, mime: file.type, size: file.size, source }),
  /** A whole file in one message (its bytes are the message's one buffer). @param {string} id @param {File} file @param {"album"|"camera"} source */
  file: (id, file, source) => ({ kind: "file", id, name: file.name, mime: file.type, size: file.size, source }),
  /** @param {string} id @param {number} offset the buffer's first byte in the file */
  chunk: (id, offset) => ({ kind: "chunk", id, offset }),
  /** @param {string} id */
  end: (id) => ({ kind: "end", id }),
  /** @param {string} id */
  remove: (id) => ({ kind: "remove", id }),
  albumList: () => ({ kind: "album_list" }),
  /** @param {string} id @param {string} key the album entry */
  albumPick: (id, key) => ({ kind: "album_pick", id, key }),
  /** @param {string[]} ids @param {boolean} original */
  confirm: (ids, original) => ({ kind: "confirm", ids, original }),
  cancel: () => ({ kind: "cancel" }),
  reset: () => ({ kind: "reset" }),
  hello: () => ({ kind: "hello" }),
  /** The kernel makes the thumbnail of a stored file this page cannot decode. @param {string} id */
  preview: (id) => ({ kind: "preview", id }),
  /** @param {string} id */
  resumeQuery: (id) => ({ kind: "resume_query", id }),
  /** @param {string} id @param {number} size @param {number} received @param {string} prefixMd5 */
  resume: (id, size, received, prefixMd5) => ({ kind: "resume", id, size, received, prefix_md5: prefixMd5 }),
  ping: () => ({ kind: "ping" }),
  /**
   * @param {import("./frames.js").FrameFields} f
   */
  frame: (f) => ({
    kind: "frame", seq: f.seq, timestamp: f.timestamp, width: f.width, height: f.height, format: f.format, dropped: f.dropped,
  }),
  /**
   * @param {{state: string, source: string|null, constraints: any, settings: any, label: string|null,
   *   facing: string|null, mirrored: boolean, audio: boolean, devices: number}} s
   */
  cameraState: (s) => ({
    kind: "camera_state", state: s.state, source: s.source, constraints: s.constraints, settings: s.settings,
    label: s.label, facing: s.facing, mirrored: s.mirrored, audio: s.audio, devices: s.devices,
  }),
  /** The kernel writes the errMsg (`chooseMedia:fail <detail>`). @param {number} errno @param {string} detail English */
  cameraError: (errno, detail) => ({ kind: "camera_error", errno, detail }),
});

/**
 * Kernel → browser: where each kind goes. "transfer": to the subscriber of the message's `id`;
 * "kind": to the kind's subscribers; "either": by `id` when it carries one, else to the kind's subscribers.
 * @type {Readonly<Record<string, "transfer"|"kind"|"either">>}
 */
const ROUTES = Object.freeze({
  ack: "transfer",
  stored: "transfer",
  error: "either",
  album_list: "kind",
  pending: "kind",
  frame_ack: "kind",
  preview: "kind",
  clear: "kind",
});

for (const kind of Object.keys(KERNEL_TO_BROWSER)) {
  if (!(kind in ROUTES)) console.warn(`choose-media: no route for the kernel's "${kind}" messages`);
}

/** One model's comm, as this page uses it: messages out (with buffers) and subscriptions to messages in. */
export class Channel {
  /** @param {Model} model */
  constructor(model) {
    this.model = model;
    /** @type {Map<string, Set<Subscriber>>} */
    this.byKind = new Map();
    /** @type {Map<string, Subscriber>} */
    this.byTransfer = new Map();
    /** @param {any} msg @param {DataView[]} buffers */
    this.onCustom = (msg, buffers) => this.dispatch(msg, buffers ?? []);
    model.on("msg:custom", this.onCustom);
  }

  /**
   * Sends a message built by `toKernel`. Buffers go as whole ArrayBuffers, never views:
   * Jupyter's serializer ignores a view's offset.
   * @param {Message} msg @param {ArrayBuffer[]} [buffers]
   */
  send(msg, buffers) {
    const fields = BROWSER_TO_KERNEL[msg.kind];
    if (!fields) throw new Error(`choose-media: "${msg.kind}" is not a message the kernel knows`);
    for (const key in msg) {
      if (key !== "kind" && !fields.includes(key)) console.warn(`choose-media: "${msg.kind}" has no field "${key}"`);
    }
    this.model.send(msg, undefined, buffers);
  }

  /** @param {string} kind @param {Subscriber} subscriber @returns {() => void} unsubscribe */
  on(kind, subscriber) {
    let set = this.byKind.get(kind);
    if (!set) this.byKind.set(kind, (set = new Set()));
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  /** The messages about one transfer (ack, stored, error). @param {string} id @param {Subscriber} subscriber */
  onTransfer(id, subscriber) {
    this.byTransfer.set(id, subscriber);
    return () => {
      if (this.byTransfer.get(id) === subscriber) this.byTransfer.delete(id);
    };
  }

  /** @param {any} msg @param {DataView[]} buffers */
  dispatch(msg, buffers) {
    if (!msg || typeof msg !== "object" || typeof msg.kind !== "string") return;
    const route = ROUTES[msg.kind];
    if (!route) return;
    if (route !== "kind" && msg.id) {
      this.byTransfer.get(msg.id)?.(msg, buffers);
      return;
    }
    if (route === "transfer") return;
    for (const subscriber of this.byKind.get(msg.kind) ?? []) subscriber(msg, buffers);
  }

  dispose() {
    this.model.off("msg:custom", this.onCustom);
    this.byKind.clear();
    this.byTransfer.clear();
  }
}
