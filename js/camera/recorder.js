// Recording a video from the open camera with MediaRecorder: the best type this browser has, a stop at
// maxDuration, the recorded chunks, and the microphone, which is on only while a recording runs.

import { stamp } from "./photo.js";
import { stopTracks } from "./stream.js";

/** @typedef {import("./stream.js").OpenCamera} OpenCamera */
/** @typedef {{key: string, vars?: import("../i18n.js").Vars}} Words */

/**
 * The best MediaRecorder type this browser has: H.264 MP4 first (plays everywhere), then WebM VP9/VP8.
 * @param {boolean} withAudio @returns {string} "" when none is known (the browser's default)
 */
export function pickRecorderType(withAudio) {
  if (typeof MediaRecorder === "undefined") return "";
  const candidates = withAudio
    ? ["video/mp4;codecs=avc1,opus", "video/mp4;codecs=avc1", "video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
    : ["video/mp4;codecs=avc1", "video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm", "video/mp4"];
  return candidates.find((t) => MediaRecorder.isTypeSupported(t)) ?? "";
}

/**
 * The microphone for one recording, or null (none, refused, or a borrowed stream that brings its own
 * audio or deliberately has none). Nobody hears anything while the camera only previews or shoots photos.
 * @param {OpenCamera} opened @returns {Promise<{microphone: MediaStream | null, refused: unknown}>}
 */
export async function openMicrophone(opened) {
  if (!opened.owned || opened.stream.getAudioTracks().some((t) => t.readyState === "live")) {
    return { microphone: null, refused: null };
  }
  try {
    return { microphone: await navigator.mediaDevices.getUserMedia({ audio: true }), refused: null };
  } catch (err) {
    return { microphone: null, refused: err }; // the video is recorded without sound
  }
}

/** A recorder that has not started this long after `start()`, or stopped this long after `stop()`, has failed. */
export const RECORDER_TIMEOUT_MS = 5000;

/** @param {number} seconds @returns {string} m:ss */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One recording, from the recorder's start to its file. */
export class VideoRecording {
  /**
   * Throws when this browser cannot record the stream.
   * @param {OpenCamera} opened @param {MediaStream | null} microphone @param {number | null} max seconds (null: no limit)
   */
  constructor(opened, microphone, max) {
    const stream = new MediaStream([...opened.stream.getTracks(), ...(microphone?.getAudioTracks() ?? [])]);
    const withAudio = stream.getAudioTracks().some((t) => t.readyState === "live");
    this.mimeType = pickRecorderType(withAudio);
    this.microphone = microphone;
    try {
      this.recorder = new MediaRecorder(stream, this.mimeType ? { mimeType: this.mimeType } : undefined);
    } catch (err) {
      stopTracks(microphone);
      throw err;
    }
    this.max = max;
    this.fps = /** @type {any} */ (stream.getVideoTracks()[0]?.getSettings?.() ?? {}).frameRate || 30;
    /** @type {Blob[]} */
    this.chunks = [];
    this.discard = false;
    this.startedAt = 0;
    this.stopTimer = 0;
    this.tick = 0;
    /** Ends a recorder that never starts or never stops (seen in WebKitGTK): nothing may hang. */
    this.watchdog = 0;
    this.finished = false;
    /** @type {{onTick: () => void, onLimit: () => void, onStop: () => void, onError: () => void,
     *   onHang: (phase: "start"|"stop") => void} | null} */
    this.on = null;
    /** The whole seconds last announced. @type {number | null} */
    this.spoken = null;
  }

  /**
   * Starts recording. `onTick` runs ten times a second, `onLimit` at maxDuration, `onStop` when the
   * recorder has stopped (its data is complete), `onError` when it fails, `onHang` when it did not start
   * or did not stop within RECORDER_TIMEOUT_MS.
   * @param {{onTick: () => void, onLimit: () => void, onStop: () => void, onError: () => void,
   *   onHang: (phase: "start"|"stop") => void}} on
   */
  start(on) {
    const { recorder, max } = this;
    this.on = on;
    this.watchdog = window.setTimeout(() => on.onHang("start"), RECORDER_TIMEOUT_MS);
    recorder.addEventListener("dataavailable", (e) => {
      if (e.data && e.data.size) this.chunks.push(e.data);
    });
    recorder.addEventListener("start", () => {
      clearTimeout(this.watchdog);
      this.startedAt = performance.now();
      // Stop half a frame early: the last frame then ends at maxDuration, not one frame after it.
      if (max !== null) this.stopTimer = window.setTimeout(on.onLimit, max * 1000 - 500 / this.fps);
      this.tick = window.setInterval(on.onTick, 100);
      on.onTick();
    });
    recorder.addEventListener("stop", on.onStop);
    recorder.addEventListener("error", on.onError);
    try {
      recorder.start();
    } catch {
      clearTimeout(this.watchdog);
      queueMicrotask(() => on.onHang("start"));
    }
  }

  get started() {
    return this.startedAt > 0;
  }

  /** @returns {number} seconds recorded */
  elapsed() {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** @param {number} elapsed @returns {number | null} whole seconds left (null: no limit) */
  remaining(elapsed) {
    return this.max !== null ? Math.max(0, Math.ceil(this.max - elapsed)) : null;
  }

  /** The badge: time left, or time recorded without a limit. @param {number} elapsed @returns {Words} */
  badge(elapsed) {
    return this.max !== null
      ? { key: "camera.rec.left", vars: { time: clock(this.max - elapsed) } }
      : { key: "camera.rec", vars: { time: clock(elapsed) } };
  }

  /**
   * The countdown for screen readers, politely and in whole seconds: at the start, then every second of
   * the last ten and every tenth before (without maxDuration: the time recorded, every ten seconds).
   * @param {number} elapsed @returns {Words | null} null: nothing to say now
   */
  announcement(elapsed) {
    const max = this.max;
    const whole = max !== null ? Math.ceil(max - elapsed) : Math.floor(elapsed);
    if (whole === this.spoken) return null;
    const first = this.spoken === null;
    this.spoken = whole;
    if (max !== null) {
      return whole > 0 && (first || whole <= 10 || whole % 10 === 0) ? { key: "camera.say.left", vars: { n: whole } } : null;
    }
    if (first) return { key: "camera.say.recording" };
    return whole % 10 === 0 ? { key: "camera.say.elapsed", vars: { time: clock(whole) } } : null;
  }

  /** Asks the recorder to stop (its `stop` event follows, or `onHang("stop")`). @param {boolean} discard throw the video away */
  halt(discard) {
    this.discard = this.discard || discard;
    this.clearTimers();
    if (this.recorder.state === "inactive") {
      this.on?.onStop(); // it never started: nothing will follow, so finish now
      return;
    }
    const on = this.on;
    if (on) this.watchdog = window.setTimeout(() => on.onHang("stop"), RECORDER_TIMEOUT_MS);
    try {
      this.recorder.stop();
    } catch {
      on?.onHang("stop");
    }
  }

  clearTimers() {
    clearTimeout(this.stopTimer);
    clearInterval(this.tick);
    clearTimeout(this.watchdog);
  }

  /** Not discarded, yet no bytes: the recorder gave an empty video (or none). */
  get empty() {
    return !this.discard && !this.chunks.length;
  }

  /**
   * After the recorder stopped (or was given up): the microphone goes off; the video, unless discarded or
   * empty. Once only: a late `stop` after a hang is ignored. @returns {File | null}
   */
  finish() {
    this.clearTimers();
    stopTracks(this.microphone); // the microphone is on only while recording
    if (this.finished) return null;
    this.finished = true;
    if (this.discard || !this.chunks.length) return null;
    // The chunks know what was recorded: Firefox's recorder.mimeType can read "" after start and stop.
    const type = (this.chunks[0]?.type || this.recorder.mimeType || this.mimeType || "video/webm").split(";")[0];
    const ext = type === "video/mp4" ? "mp4" : "webm";
    return new File([new Blob(this.chunks, { type })], `video-${stamp()}.${ext}`, { type });
  }
}
