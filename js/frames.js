// Live preview frames for the kernel's on_frame callbacks, with back-pressure: at most MAX_IN_FLIGHT frames
// are unacknowledged; a frame due while the kernel has not caught up is dropped, never queued. See
// widget/choose_media/frames.py for the kernel side.

export const MAX_IN_FLIGHT = 2;
/** An acknowledgement that never comes (a lost message) frees its slot after this long. */
const ACK_TIMEOUT_MS = 10_000;

/** @typedef {{fps: number, width: number, height: number, format: "rgba"|"jpeg"}} FrameRequest */
/** What a `frame` message says about its frame (protocol.js builds the message).
 * @typedef {{seq: number, timestamp: number, width: number, height: number,
 *   format: "rgba"|"jpeg", dropped: number}} FrameFields */

/** @param {any} value @returns {FrameRequest | null} */
export function parseFrameRequest(value) {
  if (!value || typeof value !== "object") return null;
  const { fps, width, height, format } = value;
  if (!(fps > 0) || !(width >= 1) || !(height >= 1)) return null;
  return { fps: Math.min(fps, 60), width: Math.floor(width), height: Math.floor(height), format: format === "jpeg" ? "jpeg" : "rgba" };
}

/**
 * Size of a frame fitted into the requested box: aspect ratio kept, never enlarged.
 * @param {number} vw @param {number} vh @param {FrameRequest} req @returns {[number, number]}
 */
export function fitSize(vw, vh, req) {
  const scale = Math.min(1, req.width / vw, req.height / vh);
  return [Math.max(1, Math.round(vw * scale)), Math.max(1, Math.round(vh * scale))];
}

export class FramePump {
  /**
   * @param {{video: HTMLVideoElement, send: (msg: FrameFields, buffers: ArrayBuffer[]) => void,
   *   maxInFlight?: number}} opts
   */
  constructor({ video, send, maxInFlight = MAX_IN_FLIGHT }) {
    this.video = video;
    this.send = send;
    this.maxInFlight = maxInFlight;
    /** @type {Map<number, number>} seq → performance.now() when sent */
    this.inFlight = new Map();
    /** @type {FrameRequest | null} */
    this.request = null;
    this.active = false;
    this.seq = 0;
    this.droppedSinceSent = 0;
    this.timer = 0;
    this.nextAt = 0;
    this.encoding = false;
    /** @type {HTMLCanvasElement | null} */
    this.canvas = null;
    /** @type {CanvasRenderingContext2D | null} */
    this.ctx2d = null;
    this.canvasFormat = "";
  }

  get running() {
    return this.active && this.request !== null;
  }

  /** @param {FrameRequest | null} request @param {boolean} active (the preview is live) */
  configure(request, active) {
    const was = this.running;
    this.request = request;
    this.active = active;
    if (!this.running) {
      clearTimeout(this.timer);
      this.timer = 0;
      this.inFlight.clear();
    } else if (!was) {
      this.nextAt = performance.now();
      this.schedule();
    }
  }

  /** @param {number} seq */
  ack(seq) {
    this.inFlight.delete(seq);
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (!this.running) return;
    this.timer = window.setTimeout(() => this.tick(), Math.max(0, this.nextAt - performance.now()));
  }

  async tick() {
    this.timer = 0;
    if (!this.running || !this.request) return;
    const now = performance.now();
    for (const [seq, sentAt] of this.inFlight) if (now - sentAt > ACK_TIMEOUT_MS) this.inFlight.delete(seq);
    this.nextAt = Math.max(this.nextAt + 1000 / this.request.fps, now);
    const ready = this.video.readyState >= 2 && this.video.videoWidth > 0;
    if (ready) {
      if (this.inFlight.size >= this.maxInFlight || this.encoding) {
        // Back-pressure: the kernel has not caught up. Drop this frame; the next one will be fresher.
        this.seq += 1;
        this.droppedSinceSent += 1;
      } else {
        try {
          await this.capture(this.request);
        } catch (err) {
          console.warn("choose-media: a frame could not be captured", err);
        }
      }
    }
    this.schedule();
  }

  /** @param {FrameRequest} req */
  async capture(req) {
    const video = this.video;
    const [width, height] = fitSize(video.videoWidth, video.videoHeight, req);
    if (!this.canvas || this.canvasFormat !== req.format) {
      this.canvas = document.createElement("canvas");
      this.ctx2d = this.canvas.getContext("2d", { willReadFrequently: req.format === "rgba" });
      this.canvasFormat = req.format;
    }
    const canvas = this.canvas;
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.ctx2d);
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    ctx.drawImage(video, 0, 0, width, height); // the source pixels: never the mirrored preview
    const timestamp = (performance.timeOrigin + performance.now()) / 1000;
    const seq = this.seq;
    this.seq += 1;
    /** @type {ArrayBuffer} */
    let buffer;
    if (req.format === "jpeg") {
      this.encoding = true;
      try {
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
        if (!blob) return;
        buffer = await /** @type {Blob} */ (blob).arrayBuffer();
      } finally {
        this.encoding = false;
      }
    } else {
      const data = ctx.getImageData(0, 0, width, height).data;
      // A whole ArrayBuffer, never a view: Jupyter's serializer would send a view's whole backing buffer.
      buffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
    }
    if (!this.running) return;
    this.inFlight.set(seq, performance.now());
    this.send(
      { seq, timestamp, width, height, format: req.format, dropped: this.droppedSinceSent },
      [buffer],
    );
    this.droppedSinceSent = 0;
  }

  dispose() {
    this.configure(null, false);
    this.canvas = null;
    this.ctx2d = null;
  }
}
