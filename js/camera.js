// The camera source: live preview, photo, video up to maxDuration, device picker / front-back switch,
// live frames for on_frame, and an ipywebrtc media stream as an alternative to opening a camera.
// Captures go through the picker like album files (ctx.addFiles(..., "camera")): same chunked transfer.

import { h } from "./dom.js";
import { FramePump, parseFrameRequest } from "./frames.js";
import { translator } from "./i18n.js";

/** @typedef {import("./widget.js").SourceContext} SourceContext */
/** @typedef {import("./widget.js").Source} Source */
/** @typedef {"off"|"starting"|"live"|"recording"|"error"} CameraState */
/**
 * An open camera: `owned` streams came from our getUserMedia and are ours to stop; an ipywebrtc
 * stream belongs to its widget (and to its other views), so it is only detached.
 * @typedef {{stream: MediaStream, owned: boolean, source: "getUserMedia"|"ipywebrtc",
 *   constraints: MediaStreamConstraints|null, facing: string}} OpenCamera
 */
/** @typedef {{recorder: MediaRecorder, chunks: Blob[], discard: boolean, startedAt: number,
 *   stopTimer: number, tick: number, max: number|null, mimeType: string, spoken: number|null,
 *   microphone: MediaStream | null}} Recording */

/** The errnos of widget/choose_media/errors.py that the camera reports. */
export const CAMERA_ERRNO = Object.freeze({ PERMISSION_DENIED: 1107003, UNAVAILABLE: 1107004, INSECURE_CONTEXT: 1107005 });

/** Resolution asked for (an `ideal`, so any camera is accepted): photos come at the camera's full size. */
const IDEAL_SIZE = { width: { ideal: 1920 }, height: { ideal: 1080 } };
const JPEG_QUALITY = 0.92;
const TAKE_PHOTO_TIMEOUT_MS = 4000;

/** English text: the kernel's errMsg is English whatever the UI language, as the seed's is. */
const EN = translator("en");

/** An error the UI shows in its own language (`key` and `vars` of i18n.js); its message is the English text. */
class LocalizedError extends Error {
  /** @param {string} key @param {import("./i18n.js").Vars} [vars] */
  constructor(key, vars = {}) {
    super(EN(key, vars));
    this.key = key;
    this.vars = vars;
  }
}

export class CameraError extends LocalizedError {
  /** @param {number} errno @param {string} key @param {import("./i18n.js").Vars} [vars] */
  constructor(errno, key, vars = {}) {
    super(key, vars);
    this.errno = errno;
    /** English, for `chooseMedia:fail <detail>` */
    this.detail = this.message;
  }
}

/** Thrown inside a start that a newer start (or a stop) made obsolete. */
const STALE = Symbol("stale");

/**
 * Streams and constraints, kept on the page for tests and debugging (nothing else reads them).
 * @returns {{opened: MediaStream[], borrowed: MediaStream[], constraints: MediaStreamConstraints[], photos: any[],
 *   recordings: any[], frames: any}}
 */
export function cameraDebug() {
  const g = /** @type {any} */ (globalThis);
  g.__chooseMediaCamera ??= { opened: [], borrowed: [], constraints: [], photos: [], recordings: [], frames: null };
  return g.__chooseMediaCamera;
}

/** @param {any[]} list @param {any} item */
function remember(list, item) {
  list.push(item);
  if (list.length > 50) list.shift();
}

/** @param {MediaStream | null | undefined} stream */
function stopTracks(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
}

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

/** @param {any} err @returns {CameraError} */
export function classifyCameraError(err) {
  if (err instanceof CameraError) return err;
  const name = err && typeof err.name === "string" ? err.name : "";
  const why = err && err.message ? ` (${name}: ${err.message})` : name ? ` (${name})` : "";
  // `why` is the browser's own words (English): kept as they are in both languages.
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return new CameraError(CAMERA_ERRNO.PERMISSION_DENIED, "camera.err.permission", { why });
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.not_found", { why });
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.busy", { why });
  }
  return new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.open", { why: why || ` (${String(err)})` });
}

function insecureContextError() {
  return new CameraError(CAMERA_ERRNO.INSECURE_CONTEXT, "camera.err.insecure", { origin: location.origin });
}

/** "user", "environment" or "" for a camera, from its capabilities or, failing that, its label. */
/** @param {MediaDeviceInfo} device @returns {string} */
export function facingOf(device) {
  try {
    const caps = /** @type {any} */ (device).getCapabilities?.();
    const modes = caps?.facingMode;
    if (Array.isArray(modes) && modes.length) return modes.includes("user") ? "user" : modes[0];
  } catch {
    // not an InputDeviceInfo
  }
  const label = device.label.toLowerCase();
  if (/front|user|facetime|selfie/.test(label)) return "user";
  if (/back|rear|environment|world/.test(label)) return "environment";
  return "";
}

/** @param {any} facingMode constraint value (string or {exact|ideal}) @returns {string} */
function facingFromConstraint(facingMode) {
  if (typeof facingMode === "string") return facingMode;
  if (facingMode && typeof facingMode === "object") return String(facingMode.exact ?? facingMode.ideal ?? "");
  return "";
}

/** @template T @param {Promise<T>} promise @param {number} ms @returns {Promise<T>} */
function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timed out")), ms);
    promise.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** @param {CanvasImageSource & {videoWidth?: number, videoHeight?: number, width?: any, height?: any}} source
 *  @returns {Promise<Blob>} a JPEG of the source at its own full size */
async function encodeJpeg(source) {
  const width = source.videoWidth || Number(source.width);
  const height = source.videoHeight || Number(source.height);
  if (!width || !height) throw new LocalizedError("camera.err.no_picture");
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.drawImage(source, 0, 0, width, height); // never mirrored: only the preview is
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  if (!blob) throw new LocalizedError("camera.err.encode");
  return /** @type {Blob} */ (blob);
}

/** Resolves when the video has a frame to show (or after `ms`: the caller then reports "no picture yet").
 * @param {HTMLVideoElement} video @param {number} ms @returns {Promise<void>} */
function firstFrame(video, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      video.removeEventListener("loadeddata", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    video.addEventListener("loadeddata", done);
  });
}

function stamp() {
  return new Date().toISOString().replace(/[:.]/g, "-").replace("Z", "");
}

/** @param {number} seconds */
function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** @param {SourceContext} ctx @returns {Source} */
export function createCameraSource(ctx) {
  const { model, t } = ctx;
  const debug = cameraDebug();

  const video = h("video", { class: "cm-cam-preview", "aria-label": t("camera.preview") });
  video.muted = true; // never play the microphone back (and muted video may autoplay)
  video.playsInline = true;
  video.autoplay = true;
  const flash = h("div", { class: "cm-cam-flash", "aria-hidden": "true" });
  // The badge changes ten times a second: screen readers get whole seconds from `say` instead.
  const badge = h("div", { class: "cm-cam-badge", "aria-hidden": "true", hidden: "" });
  const stage = h("div", { class: "cm-cam-stage", hidden: "" }, [video, flash, badge]);
  const messageText = h("span", { class: "cm-cam-message-text" });
  const retry = h("button", { type: "button", class: "cm-cam-retry" }, [t("camera.retry")]);
  const message = h("div", { class: "cm-cam-message", role: "alert", hidden: "" }, [messageText, retry]);
  const open = h("button", { type: "button", class: "cm-cam-open" }, [t("camera.open")]);
  // JupyterLab's command-mode shortcuts (arrows, letters) would take the keys a <select> is driven by.
  const device = h("select", {
    class: "cm-cam-device", "aria-label": t("camera.device"), "data-lm-suppress-shortcuts": "true", hidden: "",
  });
  const switchCamera = h("button", { type: "button", class: "cm-cam-switch", hidden: "" }, [t("camera.switch")]);
  switchCamera.title = t("camera.switch.title");
  const shutter = h("button", { type: "button", class: "cm-cam-shutter cm-primary" }, [t("camera.shutter")]);
  // Its label says what it does (Record video / Stop), so it is not also a toggle (aria-pressed).
  const record = h("button", { type: "button", class: "cm-cam-record" }, [t("camera.record")]);
  const retake = h("button", { type: "button", class: "cm-cam-retake", hidden: "" }, [t("camera.retake")]);
  const close = h("button", { type: "button", class: "cm-cam-close", hidden: "" }, [t("camera.close")]);
  const controls = h("div", { class: "cm-cam-controls", hidden: "" }, [
    shutter, record, retake, device, switchCamera, close,
  ]);
  /** Polite announcements for screen readers: the countdown in whole seconds, photo taken, video recorded. */
  const say = h("div", { class: "cm-sr-only cm-cam-say", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const el = h("div", { class: "cm-camera", role: "group", "aria-label": t("camera.label"), "data-state": "off" }, [
    open, stage, message, controls, say,
  ]);

  let disposed = false;
  /** Bumped by every start and stop: an answer for an older request is stale. */
  let requestId = 0;
  /** @type {CameraState} */
  let state = "off";
  /** @type {OpenCamera | null} */
  let current = null;
  /** The user asked for the camera (needed when the album is offered too: no surprise permission prompt). */
  let userOpened = false;
  /** @type {string | null} */
  let chosenDeviceId = null;
  /** @type {string | null} */
  let facingOverride = null;
  /** @type {MediaDeviceInfo[]} */
  let videoDevices = [];
  /** @type {Recording | null} */
  let recording = null;
  let photoBusy = false;
  /**
   * How this camera's photos are taken: "takePhoto" when the camera can shoot photos larger than its video
   * frames (phones), "frame" when it cannot (most webcams, Chromium's fake camera): then the video frame is
   * the full resolution and encoding it directly skips takePhoto's PNG and its decoding (about 60 ms).
   * @type {"takePhoto" | "frame" | null} null: not known yet
   */
  let photoPath = null;

  /** @param {OpenCamera} opened @param {number} req */
  async function choosePhotoPath(opened, req) {
    const track = opened.stream.getVideoTracks()[0];
    const ImageCaptureCtor = /** @type {any} */ (globalThis).ImageCapture;
    if (typeof ImageCaptureCtor !== "function" || !track) return;
    try {
      const caps = await withTimeout(new ImageCaptureCtor(track).getPhotoCapabilities(), TAKE_PHOTO_TIMEOUT_MS);
      if (req !== requestId) return;
      const settings = track.getSettings();
      const maxW = caps?.imageWidth?.max ?? 0;
      const maxH = caps?.imageHeight?.max ?? 0;
      photoPath = maxW > (settings.width ?? 0) || maxH > (settings.height ?? 0) ? "takePhoto" : "frame";
    } catch {
      // unknown: takePhoto is tried first, as before
    }
  }
  /** Captures of this view, newest last, for Retake. @type {File[]} */
  const captures = [];
  /** @type {{size: number, pressed: number, stored?: number}[]} */
  const pendingTimings = [];
  /** The control that had keyboard focus when the camera (re)started: it gets it back once live. */
  /** @type {HTMLElement | null} */
  let refocus = null;

  const pump = new FramePump({
    video,
    send: (msg, buffers) => model.send(msg, undefined, buffers),
  });
  debug.frames = pump.stats;

  /** @param {CameraState} next */
  function setState(next) {
    state = next;
    el.dataset.state = next;
    render();
  }

  const wantsImage = () => model.get("media_type").includes("image");
  const wantsVideo = () => model.get("media_type").includes("video");
  const cameraOnly = () => {
    const sources = model.get("source_type");
    return sources.length === 1 && sources[0] === "camera";
  };
  /**
   * Whether the camera can be seen: not in a hidden browser tab, a background JupyterLab tab or a
   * collapsed output. A camera nobody can see is stopped (its light goes off) and opens again on return.
   */
  const shown = () =>
    !document.hidden &&
    (typeof el.checkVisibility === "function" ? el.checkVisibility() : el.isConnected && el.getClientRects().length > 0);
  const wanted = () =>
    !disposed &&
    !el.hidden &&
    (shown() || recording !== null) && // a recording in progress runs to its end, then the camera stops
    model.get("source_type").includes("camera") &&
    model.get("status") !== "done";
  const autoStart = () => cameraOnly() || Boolean(model.get("camera_stream"));
  const live = () => state === "live" || state === "recording";

  function render() {
    const manual = !autoStart();
    open.hidden = !(manual && state === "off");
    stage.hidden = !(live() || state === "starting");
    controls.hidden = !live();
    shutter.hidden = !wantsImage();
    record.hidden = !wantsVideo();
    shutter.disabled = state !== "live";
    // Busy with a photo: aria-disabled, not disabled, which would throw the keyboard focus out of the button.
    if (photoBusy) shutter.setAttribute("aria-disabled", "true");
    else shutter.removeAttribute("aria-disabled");
    record.disabled = !live();
    record.textContent = recording ? t("camera.stop") : t("camera.record");
    record.classList.toggle("cm-recording", Boolean(recording));
    retake.hidden = !(recording || captures.length);
    retake.textContent = recording ? t("camera.discard") : t("camera.retake");
    close.hidden = !(manual && live());
    const picks = current?.source === "getUserMedia" && !recording;
    device.hidden = !(picks && videoDevices.length > 1);
    const facings = new Set(videoDevices.map(facingOf));
    switchCamera.hidden = !(picks && facings.has("user") && facings.has("environment"));
    badge.hidden = !recording;
  }

  /** @param {unknown} err @returns {string} why, in the UI's language when it is ours */
  function explain(err) {
    return err instanceof LocalizedError ? t(err.key, err.vars) : String(err);
  }

  /** @param {string} text */
  function announce(text) {
    // The same words twice (a second photo) must change the region too, or they are not read again.
    say.textContent = say.textContent === text ? `${text}\u00a0` : text;
  }

  // -- keyboard focus: controls that hide while the camera restarts must not leave it on <body> ----
  /** @returns {HTMLElement | null} the element of this view that has the focus */
  function focused() {
    const active = /** @type {Document | ShadowRoot} */ (el.getRootNode()).activeElement;
    return active instanceof HTMLElement && el.contains(active) ? active : null;
  }

  /** Focus fell to the page (its control was hidden or disabled), rather than moved on by the user. */
  function focusLost() {
    const active = document.activeElement;
    return !active || active === document.body || active === document.documentElement;
  }

  /** @param {HTMLElement} node */
  const usable = (node) =>
    node.isConnected && !node.hidden && !(/** @type {any} */ (node).disabled) && node.offsetParent !== null;

  /** @param {(HTMLElement | null)[]} candidates the first usable one gets the focus, if focus was lost */
  function focusFirst(...candidates) {
    if (!focusLost()) return;
    candidates.find((node) => node && usable(node))?.focus();
  }

  function restoreFocus() {
    const target = refocus;
    refocus = null;
    if (target) focusFirst(target, shutter, record);
  }

  /** @param {CameraError} error */
  function showError(error) {
    messageText.textContent = t("camera.unavailable", { reason: explain(error), errno: error.errno });
    retry.hidden = error.errno === CAMERA_ERRNO.INSECURE_CONTEXT;
    message.hidden = false;
  }

  function clearMessage() {
    message.hidden = true;
    messageText.textContent = "";
  }

  /** Sends to the kernel unless the widget is gone (a closed comm cannot send). @param {any} msg */
  function safeSend(msg) {
    if (disposed) return;
    try {
      model.send(msg);
    } catch (err) {
      console.warn("choose-media: could not message the kernel", err);
    }
  }

  /** @param {CameraError} error @param {boolean} [report] tell the kernel (which may fail the pick) */
  function fail(error, report = true) {
    const hadFocus = Boolean(focused() || refocus);
    refocus = null;
    releaseStream();
    setState("error");
    showError(error);
    if (hadFocus) focusFirst(retry);
    if (report) safeSend({ kind: "camera_error", errno: error.errno, errMsg: `chooseMedia:fail ${error.detail}` });
  }

  /** @param {string} what */
  function sendState(what) {
    const track = current?.stream.getVideoTracks()[0];
    const s = /** @type {any} */ (track?.getSettings?.() ?? {});
    safeSend({
      kind: "camera_state",
      state: what,
      source: current?.source ?? null,
      constraints: current?.constraints ?? null,
      settings: track
        ? { width: s.width ?? null, height: s.height ?? null, frameRate: s.frameRate ?? null, facingMode: s.facingMode ?? null }
        : null,
      label: track?.label ?? null,
      facing: current ? currentFacing() : null,
      mirrored: video.classList.contains("cm-mirrored"),
      audio: Boolean(current?.stream.getAudioTracks().length),
      devices: videoDevices.length,
    });
  }

  /** The stream of an ipywebrtc widget (CameraStream, VideoStream, ...): they all have captureStream(). */
  /** @param {string} ref "IPY_MODEL_<id>" @returns {Promise<OpenCamera>} */
  async function streamFromWidget(ref) {
    const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice("IPY_MODEL_".length) : "";
    const manager = /** @type {any} */ (model).widget_manager;
    if (!id || !manager) throw new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.not_widget");
    const other = await manager.get_model(id);
    if (!other || typeof other.captureStream !== "function") {
      throw new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.no_stream");
    }
    /** @type {MediaStream} */
    const stream = await Promise.resolve(other.captureStream());
    if (!stream || !stream.getVideoTracks().length) {
      throw new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.no_video");
    }
    remember(debug.borrowed, stream);
    const constraints = typeof other.get === "function" ? other.get("constraints") ?? null : null;
    const facing = facingFromConstraint(constraints?.video?.facingMode);
    return { stream, owned: false, source: "ipywebrtc", constraints, facing };
  }

  /** @param {number} req @returns {Promise<OpenCamera>} */
  async function openCamera(req) {
    if (!window.isSecureContext) throw insecureContextError();
    const media = navigator.mediaDevices;
    if (!media || typeof media.getUserMedia !== "function") {
      throw new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.no_api");
    }
    const facing = facingOverride ?? (model.get("camera_device") === "front" ? "user" : "environment");
    /** @type {MediaTrackConstraints} */
    const videoConstraints = chosenDeviceId
      ? { deviceId: { exact: chosenDeviceId }, ...IDEAL_SIZE }
      : { facingMode: { ideal: facing }, ...IDEAL_SIZE }; // ideal: any camera will do if that one is missing
    // No microphone here: it is opened only while a video is being recorded (see startRecording).
    /** @type {MediaStreamConstraints} */
    const constraints = { video: videoConstraints, audio: false };
    remember(debug.constraints, constraints);
    el.dataset.constraints = JSON.stringify(constraints);
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await media.getUserMedia(constraints);
    } catch (err) {
      if (req !== requestId || disposed) throw STALE;
      throw err;
    }
    remember(debug.opened, stream);
    if (req !== requestId || disposed) {
      stopTracks(stream); // the user switched camera (or left) meanwhile: drop this answer
      throw STALE;
    }
    return { stream, owned: true, source: "getUserMedia", constraints, facing: chosenDeviceId ? "" : facing };
  }

  function currentFacing() {
    if (!current) return "";
    const track = current.stream.getVideoTracks()[0];
    const s = /** @type {any} */ (track?.getSettings?.() ?? {});
    if (s.facingMode) return String(s.facingMode);
    const known = videoDevices.find((d) => d.deviceId && d.deviceId === s.deviceId);
    return (known && facingOf(known)) || current.facing;
  }

  /** @param {number} req */
  async function refreshDevices(req) {
    const media = navigator.mediaDevices;
    if (!current || current.source !== "getUserMedia" || typeof media?.enumerateDevices !== "function") {
      videoDevices = [];
    } else {
      const all = await media.enumerateDevices().catch(() => []);
      if (req !== requestId) return;
      videoDevices = all.filter((d) => d.kind === "videoinput");
    }
    const activeId = /** @type {any} */ (current?.stream.getVideoTracks()[0]?.getSettings?.() ?? {}).deviceId ?? "";
    device.replaceChildren(
      ...videoDevices.map((d, i) => h("option", { value: d.deviceId }, [d.label || t("camera.device.n", { n: i + 1 })])),
    );
    if (activeId) device.value = activeId;
    const mirrored = currentFacing() === "user"; // a selfie preview is mirrored; saved media never is
    video.classList.toggle("cm-mirrored", mirrored);
    video.dataset.mirrored = String(mirrored);
    render();
  }

  function onTrackEnded() {
    if (!current) return;
    // The camera went away (unplugged, taken by another program, or its ipywebrtc widget closed).
    // A recording in progress is kept; with something shot, the pick is not failed.
    const shot = captures.length > 0 || recording !== null;
    if (recording) stopRecording(false);
    fail(new CameraError(CAMERA_ERRNO.UNAVAILABLE, "camera.err.stopped"), !shot);
  }

  async function start() {
    const req = ++requestId;
    refocus = focused() ?? refocus; // e.g. Open camera, the device picker, Switch camera
    releaseStream();
    clearMessage();
    setState("starting");
    try {
      const ref = model.get("camera_stream");
      const opened = ref ? await streamFromWidget(ref) : await openCamera(req);
      if (req !== requestId || disposed) {
        if (opened.owned) stopTracks(opened.stream);
        return;
      }
      current = opened;
      photoPath = null;
      void choosePhotoPath(opened, req);
      for (const track of opened.stream.getVideoTracks()) track.addEventListener("ended", onTrackEnded);
      video.srcObject = opened.stream;
      video.play().catch(() => {}); // muted: allowed; a refusal only delays the first picture
      setState("live");
      await refreshDevices(req);
      if (req !== requestId) return;
      restoreFocus();
      pump.configure(parseFrameRequest(model.get("frame_request")), true);
      sendState("live");
    } catch (err) {
      if (err === STALE || req !== requestId || disposed) return;
      fail(classifyCameraError(err));
    }
  }

  /** Ends recording, frames and preview; stops the tracks this view opened. */
  function releaseStream() {
    if (recording) stopRecording(true);
    pump.configure(null, false);
    if (current) {
      for (const track of current.stream.getVideoTracks()) track.removeEventListener("ended", onTrackEnded);
      if (current.owned) stopTracks(current.stream);
    }
    current = null;
    video.srcObject = null;
  }

  function stop() {
    requestId += 1; // a getUserMedia still pending is now stale: its tracks are stopped when it answers
    refocus = null;
    const wasLive = current !== null;
    releaseStream();
    if (state !== "off") {
      clearMessage();
      setState("off");
    }
    if (wasLive && !disposed) sendState("stopped");
  }

  function update() {
    if (!wanted()) {
      stop();
      return;
    }
    if (state === "off" && (autoStart() || userOpened)) start();
    else render();
  }

  // -- photo ---------------------------------------------------------------------------------------
  /** @param {File} file */
  function capture(file) {
    captures.push(file);
    ctx.addFiles([file], "camera");
    render();
    announce(t(file.type.startsWith("video/") ? "camera.say.video" : "camera.say.photo"));
  }

  async function takePhoto() {
    if (!current || photoBusy || recording) return;
    photoBusy = true;
    render();
    const timing = { pressed: performance.now(), encoded: 0, stored: 0, method: "", size: 0 };
    remember(debug.photos, timing);
    flash.classList.remove("cm-flash-on");
    void flash.offsetWidth; // restart the animation
    flash.classList.add("cm-flash-on");
    try {
      const track = current.stream.getVideoTracks()[0];
      /** @type {Blob | null} */
      let blob = null;
      const ImageCaptureCtor = /** @type {any} */ (globalThis).ImageCapture;
      const frameReady = () => video.readyState >= 2 && video.videoWidth > 0; // HAVE_CURRENT_DATA
      // The video frame is used when it is as large as a photo would be, and is there (just after the camera
      // opened, the preview may not have its first frame yet while takePhoto already works).
      const fromFrame = photoPath === "frame" && frameReady();
      if (!fromFrame && typeof ImageCaptureCtor === "function" && track?.readyState === "live") {
        try {
          // The camera's own photo path: its full resolution, which may exceed the preview's.
          blob = await withTimeout(new ImageCaptureCtor(track).takePhoto(), TAKE_PHOTO_TIMEOUT_MS);
          timing.method = "takePhoto";
        } catch {
          blob = null;
        }
      }
      if (blob && blob.type !== "image/jpeg") {
        const bitmap = await createImageBitmap(blob); // e.g. PNG from some drivers: the result is a JPEG
        blob = await encodeJpeg(bitmap);
        bitmap.close();
        timing.method += "+jpeg";
      }
      if (!blob) {
        if (!frameReady()) await firstFrame(video, TAKE_PHOTO_TIMEOUT_MS);
        blob = await encodeJpeg(video); // videoWidth × videoHeight: the camera frame, not the preview size
        timing.method = "canvas";
      }
      if (!current) return;
      timing.encoded = performance.now();
      timing.size = blob.size;
      pendingTimings.push(timing);
      capture(new File([blob], `photo-${stamp()}.jpg`, { type: "image/jpeg" }));
    } catch (err) {
      messageText.textContent = t("camera.photo_failed", { reason: explain(err) });
      retry.hidden = true;
      message.hidden = false;
    } finally {
      photoBusy = false;
      render();
    }
  }

  // -- video ---------------------------------------------------------------------------------------
  /**
   * The microphone for one recording, or null (none, refused, or a borrowed stream that brings its own
   * audio or deliberately has none). Nobody hears anything while the camera only previews or shoots photos.
   * @param {OpenCamera} opened @returns {Promise<MediaStream | null>}
   */
  async function openMicrophone(opened) {
    if (!opened.owned || opened.stream.getAudioTracks().some((t) => t.readyState === "live")) return null;
    try {
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      remember(debug.opened, mic);
      return mic;
    } catch (err) {
      el.dataset.microphone = `unavailable: ${explain(err)}`; // the video is recorded without sound
      return null;
    }
  }

  let recordStarting = false;

  async function startRecording() {
    if (!current || recording || recordStarting) return;
    const opened = current;
    recordStarting = true;
    /** @type {MediaStream | null} */
    let microphone = null;
    try {
      microphone = await openMicrophone(opened);
    } finally {
      recordStarting = false;
    }
    if (current !== opened || recording || !wanted()) {
      stopTracks(microphone); // the camera closed (or switched) while the microphone was asked for
      return;
    }
    const stream = new MediaStream([...opened.stream.getTracks(), ...(microphone?.getAudioTracks() ?? [])]);
    const withAudio = stream.getAudioTracks().some((t) => t.readyState === "live");
    const mimeType = pickRecorderType(withAudio);
    /** @type {MediaRecorder} */
    let recorder;
    try {
      recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    } catch (err) {
      stopTracks(microphone);
      messageText.textContent = t("camera.record_failed", { reason: explain(err) });
      retry.hidden = true;
      message.hidden = false;
      return;
    }
    const maxSetting = model.get("max_duration");
    const max = typeof maxSetting === "number" && maxSetting > 0 ? maxSetting : null; // null: no limit
    const fps = /** @type {any} */ (stream.getVideoTracks()[0]?.getSettings?.() ?? {}).frameRate || 30;
    /** @type {Recording} */
    const rec = {
      recorder, chunks: [], discard: false, startedAt: 0, stopTimer: 0, tick: 0, max, mimeType, spoken: null, microphone,
    };
    recording = rec;
    recorder.addEventListener("dataavailable", (e) => {
      if (e.data && e.data.size) rec.chunks.push(e.data);
    });
    recorder.addEventListener("start", () => {
      rec.startedAt = performance.now();
      // Stop half a frame early: the last frame then ends at maxDuration, not one frame after it.
      if (max !== null) rec.stopTimer = window.setTimeout(() => stopRecording(false), max * 1000 - 500 / fps);
      rec.tick = window.setInterval(showCountdown, 100);
      showCountdown();
    });
    recorder.addEventListener("stop", () => finishRecording(rec));
    recorder.addEventListener("error", () => stopRecording(false));
    recorder.start();
    setState("recording");
    badge.textContent = max !== null ? t("camera.rec.left", { time: clock(max) }) : t("camera.rec", { time: clock(0) });
  }

  function showCountdown() {
    const rec = recording;
    if (!rec || !rec.startedAt) return;
    const elapsed = (performance.now() - rec.startedAt) / 1000;
    badge.textContent =
      rec.max !== null ? t("camera.rec.left", { time: clock(rec.max - elapsed) }) : t("camera.rec", { time: clock(elapsed) });
    el.dataset.remaining = rec.max !== null ? String(Math.max(0, Math.ceil(rec.max - elapsed))) : "";
    speakCountdown(rec, elapsed);
  }

  /**
   * The countdown for screen readers, politely and in whole seconds: at the start, then every second of
   * the last ten and every tenth before (without maxDuration: the time recorded, every ten seconds).
   * @param {Recording} rec @param {number} elapsed
   */
  function speakCountdown(rec, elapsed) {
    const whole = rec.max !== null ? Math.ceil(rec.max - elapsed) : Math.floor(elapsed);
    if (whole === rec.spoken) return;
    const first = rec.spoken === null;
    rec.spoken = whole;
    if (rec.max !== null) {
      if (whole > 0 && (first || whole <= 10 || whole % 10 === 0)) announce(t("camera.say.left", { n: whole }));
    } else if (first) announce(t("camera.say.recording"));
    else if (whole % 10 === 0) announce(t("camera.say.elapsed", { time: clock(whole) }));
  }

  /** @param {boolean} discard */
  function stopRecording(discard) {
    const rec = recording;
    if (!rec) return;
    rec.discard = rec.discard || discard;
    clearTimeout(rec.stopTimer);
    clearInterval(rec.tick);
    recording = null;
    if (discard) announce(t("camera.say.discarded"));
    if (rec.recorder.state !== "inactive") rec.recorder.stop();
    delete el.dataset.remaining;
    if (state === "recording") setState(current ? "live" : "off");
    else render();
  }

  /** @param {Recording} rec */
  function finishRecording(rec) {
    clearTimeout(rec.stopTimer);
    clearInterval(rec.tick);
    stopTracks(rec.microphone); // the microphone is on only while recording
    if (recording === rec) {
      recording = null;
      if (state === "recording") setState("live");
    }
    const stoppedAt = performance.now();
    if (rec.discard || !rec.chunks.length || disposed) return;
    const type = (rec.recorder.mimeType || rec.mimeType || "video/webm").split(";")[0];
    const ext = type === "video/mp4" ? "mp4" : "webm";
    const blob = new Blob(rec.chunks, { type });
    remember(debug.recordings, { mimeType: rec.recorder.mimeType, ms: stoppedAt - rec.startedAt, size: blob.size });
    if (model.get("status") !== "done") capture(new File([blob], `video-${stamp()}.${ext}`, { type }));
    update(); // hidden while recording: the camera stops now
  }

  // -- controls ------------------------------------------------------------------------------------
  const onOpen = () => {
    userOpened = true;
    update();
  };
  const onClose = () => {
    const hadFocus = focused() !== null;
    userOpened = false;
    stop();
    if (hadFocus) focusFirst(open);
  };
  const onRetry = () => {
    refocus = focused(); // Retry hides with the message: the focus goes on to the camera's controls
    clearMessage();
    if (state === "error") setState("off");
    userOpened = true;
    update();
  };
  const onDevice = () => {
    chosenDeviceId = device.value || null;
    facingOverride = null;
    start();
  };
  const onSwitch = () => {
    const target = currentFacing() === "user" ? "environment" : "user";
    const match = videoDevices.find((d) => facingOf(d) === target);
    chosenDeviceId = match ? match.deviceId : null;
    facingOverride = target;
    start();
  };
  const onRecord = () => (recording ? stopRecording(false) : startRecording());
  const onRetake = () => {
    if (recording) {
      stopRecording(true);
      focusFirst(record); // Discard hides when nothing was shot before it
      return;
    }
    while (captures.length) {
      const file = /** @type {File} */ (captures.pop());
      if (ctx.removeFiles([file]) > 0) break; // skip captures the user already removed from the list
    }
    render();
    (usable(shutter) ? shutter : record).focus(); // take it again
  };
  const onCameraOption = () => {
    chosenDeviceId = null;
    facingOverride = null;
    if (live() || state === "starting") start();
  };
  const onMediaType = () => {
    render();
    if (recording && !wantsVideo()) stopRecording(true);
  };
  const onFrameRequest = () => pump.configure(parseFrameRequest(model.get("frame_request")), live());
  const onDeviceChange = () => {
    if (current) refreshDevices(requestId);
  };
  const offMessages = ctx.onMessage((msg) => {
    if (msg.kind === "frame_ack" && typeof msg.seq === "number") pump.ack(msg.seq);
    else if (msg.kind === "stored" && pendingTimings.length) {
      const i = pendingTimings.findIndex((t) => t.size === msg.size);
      if (i >= 0) pendingTimings.splice(i, 1)[0].stored = performance.now();
    }
  });

  open.addEventListener("click", onOpen);
  close.addEventListener("click", onClose);
  retry.addEventListener("click", onRetry);
  device.addEventListener("change", onDevice);
  switchCamera.addEventListener("click", onSwitch);
  shutter.addEventListener("click", takePhoto);
  record.addEventListener("click", onRecord);
  retake.addEventListener("click", onRetake);
  navigator.mediaDevices?.addEventListener?.("devicechange", onDeviceChange);
  // Shown or hidden: browser tab switches, JupyterLab tab switches (display: none), collapsed outputs.
  let wasShown = shown();
  const onVisibility = () => {
    const now = shown();
    if (now === wasShown || disposed) return;
    wasShown = now;
    update();
  };
  document.addEventListener("visibilitychange", onVisibility);
  const resizes = typeof ResizeObserver === "function" ? new ResizeObserver(onVisibility) : null;
  const intersections = typeof IntersectionObserver === "function" ? new IntersectionObserver(onVisibility) : null;
  resizes?.observe(el);
  intersections?.observe(el);
  const modelEvents = {
    "change:status": update,
    "change:result": update,
    "change:source_type": update,
    "change:camera_device": onCameraOption,
    "change:camera_stream": onCameraOption,
    "change:media_type": onMediaType,
    "change:frame_request": onFrameRequest,
  };
  for (const [event, handler] of Object.entries(modelEvents)) model.on(event, handler);

  return {
    el,
    sync: update,
    dispose() {
      if (disposed) return;
      disposed = true; // first: nothing is sent to a model that may be closing
      stop();
      pump.dispose();
      offMessages();
      for (const [event, handler] of Object.entries(modelEvents)) model.off(event, handler);
      navigator.mediaDevices?.removeEventListener?.("devicechange", onDeviceChange);
      document.removeEventListener("visibilitychange", onVisibility);
      resizes?.disconnect();
      intersections?.disconnect();
    },
  };
}
