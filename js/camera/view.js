// The camera source: live preview, photo, video up to maxDuration, device picker / front-back switch,
// live frames for on_frame, and an ipywebrtc media stream as an alternative to opening a camera.
// Captures go through the picker like album files (ctx.addFiles(..., "camera")): same chunked transfer.
// This is the DOM, the keyboard focus and the visibility rules; streams, photos and recordings are in
// stream.js, photo.js and recorder.js.

import { h } from "../dom.js";
import { ERRNO } from "../errno.js";
import { FramePump, parseFrameRequest } from "../frames.js";
import { toKernel } from "../protocol.js";
import { CameraError, LocalizedError, classifyCameraError } from "./errors.js";
import { PhotoCamera } from "./photo.js";
import { VideoRecording, openMicrophone } from "./recorder.js";
import { CameraStreams, STALE, settingsOf, stopTracks } from "./stream.js";

/** @typedef {import("../picker/view.js").SourceContext} SourceContext */
/** @typedef {import("../picker/view.js").Source} Source */
/** @typedef {"off"|"starting"|"live"|"recording"|"error"} CameraState */

/** @param {SourceContext} ctx @returns {Source} */
export function createCameraSource(ctx) {
  const view = new CameraView(ctx);
  return { el: view.el, sync: () => view.update(), dispose: () => view.dispose() };
}

/** The camera's elements. @param {import("../i18n.js").Translate} t */
function buildCameraDom(t) {
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
  return { video, flash, badge, stage, messageText, retry, message, open, device, switchCamera, shutter, record, retake, close, controls, say, el };
}

/** How long a view may take to be put in the page after it was made (else it counts as hidden). */
const PLACING_MS = 2000;
/** How long a photo taken at the shutter's press waits for its click. */
const PRESS_FRESH_MS = 1000;

class CameraView {
  /** @param {SourceContext} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.model = ctx.model;
    this.t = ctx.t;
    const dom = buildCameraDom(this.t);
    this.video = dom.video;
    this.flash = dom.flash;
    this.badge = dom.badge;
    this.stage = dom.stage;
    this.messageText = dom.messageText;
    this.retry = dom.retry;
    this.message = dom.message;
    this.open = dom.open;
    this.device = dom.device;
    this.switchCamera = dom.switchCamera;
    this.shutter = dom.shutter;
    this.record = dom.record;
    this.retake = dom.retake;
    this.close = dom.close;
    this.controls = dom.controls;
    this.say = dom.say;
    this.el = dom.el;
    this.disposed = false;
    /** @type {CameraState} */
    this.state = "off";
    this.streams = new CameraStreams(this.model);
    /** The user asked for the camera (needed when the album is offered too: no surprise permission prompt). */
    this.userOpened = false;
    /** @type {VideoRecording | null} */
    this.recording = null;
    this.recordStarting = false;
    this.photoBusy = false;
    /** A photo taken when the shutter went down, for the click that follows. @type {{shot: Promise<File>, at: number} | null} */
    this.pressed = null;
    /** Made but not yet in the page (see `shown`). */
    this.placing = true;
    /** @type {PhotoCamera | null} */
    this.photos = null;
    /** Captures of this view, newest last, for Retake. @type {File[]} */
    this.captures = [];
    /** The control that had keyboard focus when the camera (re)started: it gets it back once live. */
    /** @type {HTMLElement | null} */
    this.refocus = null;
    this.pump = new FramePump({
      video: this.video,
      send: (msg, buffers) => ctx.channel.send(toKernel.frame(msg), buffers),
    });
    this.onTrackEnded = () => this.trackEnded();
    this.listen();
  }

  // -- what the camera should do -------------------------------------------------------------------
  wantsImage() {
    return this.model.get("media_type").includes("image");
  }

  wantsVideo() {
    return this.model.get("media_type").includes("video");
  }

  cameraOnly() {
    const sources = this.model.get("source_type");
    return sources.length === 1 && sources[0] === "camera";
  }

  /**
   * Whether the camera can be seen: not in a hidden browser tab, a background JupyterLab tab or a
   * collapsed output. A camera nobody can see is stopped (its light goes off) and opens again on return.
   */
  shown() {
    const el = this.el;
    // Just rendered, not yet in the page: it is going where the user just ran the cell, so the camera may start
    // opening now (as early as a CameraStream does); the first visibility check stops it if it is hidden after all.
    if (this.placing && !el.isConnected) return !document.hidden;
    return (
      !document.hidden &&
      (typeof el.checkVisibility === "function" ? el.checkVisibility() : el.isConnected && el.getClientRects().length > 0)
    );
  }

  wanted() {
    return (
      !this.disposed &&
      !this.el.hidden &&
      (this.shown() || this.recording !== null) && // a recording in progress runs to its end, then the camera stops
      this.model.get("source_type").includes("camera") &&
      this.model.get("status") !== "done"
    );
  }

  autoStart() {
    return this.cameraOnly() || Boolean(this.model.get("camera_stream"));
  }

  live() {
    return this.state === "live" || this.state === "recording";
  }

  /** @param {CameraState} next */
  setState(next) {
    this.state = next;
    this.el.dataset.state = next;
    this.render();
  }

  render() {
    const { t, state, recording, shutter, record, retake } = this;
    const manual = !this.autoStart();
    const live = this.live();
    this.open.hidden = !(manual && state === "off");
    this.stage.hidden = !(live || state === "starting");
    this.controls.hidden = !live;
    shutter.hidden = !this.wantsImage();
    record.hidden = !this.wantsVideo();
    shutter.disabled = state !== "live";
    // Busy with a photo: aria-disabled, not disabled, which would throw the keyboard focus out of the button.
    if (this.photoBusy) shutter.setAttribute("aria-disabled", "true");
    else shutter.removeAttribute("aria-disabled");
    record.disabled = !live;
    record.textContent = recording ? t("camera.stop") : t("camera.record");
    record.classList.toggle("cm-recording", Boolean(recording));
    retake.hidden = !(recording || this.captures.length);
    retake.textContent = recording ? t("camera.discard") : t("camera.retake");
    this.close.hidden = !(manual && live);
    const picks = this.streams.canChoose && !recording;
    this.device.hidden = !(picks && this.streams.videoDevices.length > 1);
    this.switchCamera.hidden = !(picks && this.streams.hasBothFacings);
    this.badge.hidden = !recording;
  }

  /** @param {unknown} err @returns {string} why, in the UI's language when it is ours */
  explain(err) {
    return err instanceof LocalizedError ? this.t(err.key, err.vars) : String(err);
  }

  /** @param {string} text */
  announce(text) {
    // The same words twice (a second photo) must change the region too, or they are not read again.
    this.say.textContent = this.say.textContent === text ? `${text}\u00a0` : text;
  }

  // -- keyboard focus: controls that hide while the camera restarts must not leave it on <body> ----
  /** @returns {HTMLElement | null} the element of this view that has the focus */
  focused() {
    const active = /** @type {Document | ShadowRoot} */ (this.el.getRootNode()).activeElement;
    return active instanceof HTMLElement && this.el.contains(active) ? active : null;
  }

  /** @param {(HTMLElement | null)[]} candidates the first usable one gets the focus, if focus was lost */
  focusFirst(...candidates) {
    // Focus fell to the page (its control was hidden or disabled), rather than moved on by the user.
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    candidates.find((node) => node && usable(node))?.focus();
  }

  restoreFocus() {
    const target = this.refocus;
    this.refocus = null;
    if (target) this.focusFirst(target, this.shutter, this.record);
  }

  /** @param {string} text a problem with a photo or a recording (the camera stays usable) */
  showProblem(text) {
    this.messageText.textContent = text;
    this.retry.hidden = true;
    this.message.hidden = false;
  }

  clearMessage() {
    this.message.hidden = true;
    this.messageText.textContent = "";
  }

  /** Sends to the kernel unless the widget is gone (a closed comm cannot send). @param {any} msg */
  safeSend(msg) {
    if (this.disposed) return;
    try {
      this.ctx.channel.send(msg);
    } catch (err) {
      console.warn("choose-media: could not message the kernel", err);
    }
  }

  /** @param {CameraError} error @param {boolean} [report] tell the kernel (which may fail the pick) */
  fail(error, report = true) {
    const hadFocus = Boolean(this.focused() || this.refocus);
    this.refocus = null;
    this.releaseStream();
    this.setState("error");
    this.messageText.textContent = this.t("camera.unavailable", { reason: this.explain(error), errno: error.errno });
    this.retry.hidden = error.errno === ERRNO.INSECURE_CONTEXT;
    this.message.hidden = false;
    if (hadFocus) this.focusFirst(this.retry);
    if (report) this.safeSend(toKernel.cameraError(error.errno, error.detail));
  }

  /** @param {string} what */
  sendState(what) {
    const current = this.streams.current;
    const track = current?.stream.getVideoTracks()[0];
    const s = settingsOf(track);
    this.safeSend(toKernel.cameraState({
      state: what,
      source: current?.source ?? null,
      constraints: current?.constraints ?? null,
      settings: track
        ? { width: s.width ?? null, height: s.height ?? null, frameRate: s.frameRate ?? null, facingMode: s.facingMode ?? null }
        : null,
      label: track?.label ?? null,
      facing: current ? this.streams.facing() : null,
      mirrored: this.video.classList.contains("cm-mirrored"),
      audio: Boolean(current?.stream.getAudioTracks().length),
      devices: this.streams.videoDevices.length,
    }));
  }

  /** @param {number} req */
  async refreshDevices(req) {
    if (!(await this.streams.refreshDevices(req))) return;
    const { streams, t, device, video } = this;
    const activeId = settingsOf(streams.current?.stream.getVideoTracks()[0]).deviceId ?? "";
    device.replaceChildren(
      ...streams.videoDevices.map((d, i) => h("option", { value: d.deviceId }, [d.label || t("camera.device.n", { n: i + 1 })])),
    );
    if (activeId) device.value = activeId;
    const mirrored = streams.facing() === "user"; // a selfie preview is mirrored; saved media never is
    video.classList.toggle("cm-mirrored", mirrored);
    video.dataset.mirrored = String(mirrored);
    this.render();
  }

  trackEnded() {
    if (!this.streams.current) return;
    // The camera went away (unplugged, taken by another program, or its ipywebrtc widget closed).
    // A recording in progress is kept; with something shot, the pick is not failed.
    const shot = this.captures.length > 0 || this.recording !== null;
    if (this.recording) this.stopRecording(false);
    this.fail(new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.stopped"), !shot);
  }

  // -- opening and closing -------------------------------------------------------------------------
  async start() {
    const { streams, video } = this;
    const req = streams.newRequest();
    this.refocus = this.focused() ?? this.refocus; // e.g. Open camera, the device picker, Switch camera
    this.releaseStream();
    this.clearMessage();
    this.setState("starting");
    try {
      const opened = await streams.open(req);
      const track = opened.stream.getVideoTracks()[0];
      this.photos = new PhotoCamera(track, video);
      void this.photos.probe(() => req !== streams.requestId);
      for (const t of opened.stream.getVideoTracks()) t.addEventListener("ended", this.onTrackEnded);
      video.srcObject = opened.stream;
      video.play().catch(() => {}); // muted: allowed; a refusal only delays the first picture
      this.setState("live");
      await this.refreshDevices(req);
      if (req !== streams.requestId) return;
      this.restoreFocus();
      this.pump.configure(parseFrameRequest(this.model.get("frame_request")), true);
      this.sendState("live");
    } catch (err) {
      if (err === STALE || streams.isStale(req)) return;
      this.fail(classifyCameraError(err));
    }
  }

  /** Ends recording, frames and preview; stops the tracks this view opened. */
  releaseStream() {
    if (this.recording) this.stopRecording(true);
    this.pump.configure(null, false);
    const current = this.streams.current;
    if (current) for (const track of current.stream.getVideoTracks()) track.removeEventListener("ended", this.onTrackEnded);
    this.streams.release();
    this.photos = null;
    this.video.srcObject = null;
  }

  stop() {
    this.streams.newRequest(); // a getUserMedia still pending is now stale: its tracks are stopped when it answers
    this.refocus = null;
    const wasLive = this.streams.current !== null;
    this.releaseStream();
    if (this.state !== "off") {
      this.clearMessage();
      this.setState("off");
    }
    if (wasLive && !this.disposed) this.sendState("stopped");
  }

  update() {
    if (!this.wanted()) {
      this.stop();
      return;
    }
    if (this.state === "off" && (this.autoStart() || this.userOpened)) this.start();
    else this.render();
  }

  // -- photo and video -----------------------------------------------------------------------------
  /** @param {File} file */
  capture(file) {
    this.captures.push(file);
    this.ctx.addFiles([file], "camera");
    this.render();
    this.announce(this.t(file.type.startsWith("video/") ? "camera.say.video" : "camera.say.photo"));
  }

  /**
   * The shutter went down (pointer or key): the frame of this moment is taken now, as camera apps do, and
   * encoded while the press lasts; the click that follows uses it. A press that slides off the shutter drops
   * it, and a click more than a second after its press takes a new one.
   */
  pressShutter() {
    const photos = this.photos;
    if (!photos || this.photoBusy || this.recording || this.state !== "live") return;
    const shot = photos.take();
    shot.catch(() => {}); // a failure is reported by the click that uses it
    this.pressed = { shot, at: performance.now() };
  }

  async takePhoto() {
    const photos = this.photos;
    if (!photos || this.photoBusy || this.recording) return;
    const pressed = this.pressed;
    this.pressed = null;
    // The frame first, then the UI: rendering (and the flash) would delay it.
    const shot = pressed && performance.now() - pressed.at < PRESS_FRESH_MS ? pressed.shot : photos.take();
    this.photoBusy = true;
    this.render();
    this.flashOnce();
    try {
      const file = await shot;
      if (this.streams.current) this.capture(file); // else the camera closed meanwhile
    } catch (err) {
      this.showProblem(this.t("camera.photo_failed", { reason: this.explain(err) }));
    } finally {
      this.photoBusy = false;
      this.render();
    }
  }

  /** The white flash of a shot; the Web Animations API restarts it without forcing a layout. */
  flashOnce() {
    const flash = this.flash;
    if (globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches) return;
    if (typeof flash.animate === "function") {
      flash.animate([{ opacity: 0.8 }, { opacity: 0 }], { duration: 250, easing: "ease-out" });
      return;
    }
    flash.classList.remove("cm-flash-on");
    void flash.offsetWidth; // restart the CSS animation
    flash.classList.add("cm-flash-on");
  }

  async startRecording() {
    const opened = this.streams.current;
    if (!opened || this.recording || this.recordStarting) return;
    this.recordStarting = true;
    /** @type {{microphone: MediaStream | null, refused: unknown}} */
    let mic = { microphone: null, refused: null };
    try {
      mic = await openMicrophone(opened);
    } finally {
      this.recordStarting = false;
    }
    if (mic.refused) this.el.dataset.microphone = `unavailable: ${this.explain(mic.refused)}`;
    if (this.streams.current !== opened || this.recording || !this.wanted()) {
      stopTracks(mic.microphone); // the camera closed (or switched) while the microphone was asked for
      return;
    }
    const maxSetting = this.model.get("max_duration");
    const max = typeof maxSetting === "number" && maxSetting > 0 ? maxSetting : null; // null: no limit
    /** @type {VideoRecording} */
    let rec;
    try {
      rec = new VideoRecording(opened, mic.microphone, max);
    } catch (err) {
      this.showProblem(this.t("camera.record_failed", { reason: this.explain(err) }));
      return;
    }
    this.recording = rec;
    rec.start({
      onTick: () => this.showCountdown(),
      onLimit: () => this.stopRecording(false),
      onStop: () => this.finishRecording(rec),
      onError: () => this.stopRecording(false),
      onHang: (phase) => this.recordingHung(rec, phase),
    });
    this.setState("recording");
    const badge = rec.badge(0);
    this.badge.textContent = this.t(badge.key, badge.vars);
  }

  showCountdown() {
    const rec = this.recording;
    if (!rec || !rec.started) return;
    const elapsed = rec.elapsed();
    const badge = rec.badge(elapsed);
    this.badge.textContent = this.t(badge.key, badge.vars);
    const remaining = rec.remaining(elapsed);
    this.el.dataset.remaining = remaining !== null ? String(remaining) : "";
    const words = rec.announcement(elapsed);
    if (words) this.announce(this.t(words.key, words.vars));
  }

  /** @param {boolean} discard */
  stopRecording(discard) {
    const rec = this.recording;
    if (!rec) return;
    this.recording = null;
    rec.halt(discard);
    if (discard) this.announce(this.t("camera.say.discarded"));
    delete this.el.dataset.remaining;
    if (this.state === "recording") this.setState(this.streams.current ? "live" : "off");
    else this.render();
  }

  /** @param {VideoRecording} rec */
  finishRecording(rec) {
    const repeated = rec.finished;
    const file = rec.finish();
    if (this.recording === rec) {
      this.recording = null;
      if (this.state === "recording") this.setState("live");
    }
    if (!file && rec.empty && !repeated && !this.disposed) this.recordingFailed("camera.err.record_empty");
    if (!file || this.disposed) return;
    if (this.model.get("status") !== "done") this.capture(file);
    this.update(); // hidden while recording: the camera stops now
  }

  /** The recorder did not start, or did not stop, in time: give it up, visibly. @param {VideoRecording} rec @param {"start"|"stop"} phase */
  recordingHung(rec, phase) {
    if (rec.finished) return;
    rec.discard = true; // whatever it may still hand over is not a whole video
    if (this.recording === rec) this.stopRecording(true);
    rec.finish();
    if (!this.disposed) this.recordingFailed(phase === "start" ? "camera.err.record_no_start" : "camera.err.record_no_stop");
  }

  /** A recording gave no video: said in the view (with its errno) and to the kernel; the camera stays usable. @param {string} key */
  recordingFailed(key) {
    const error = new CameraError(ERRNO.RECORDING_FAILED, key);
    const text = this.t("camera.record_failed", { reason: this.explain(error) });
    this.showProblem(`${text} (errno ${error.errno})`);
    this.announce(text);
    this.safeSend(toKernel.cameraError(error.errno, error.detail));
  }

  // -- controls and events -------------------------------------------------------------------------
  /** The handlers of the controls, the model and the page. */
  handlers() {
    return {
      open: () => {
        this.userOpened = true;
        this.update();
      },
      close: () => {
        const hadFocus = this.focused() !== null;
        this.userOpened = false;
        this.stop();
        if (hadFocus) this.focusFirst(this.open);
      },
      retry: () => {
        this.refocus = this.focused(); // Retry hides with the message: the focus goes on to the camera's controls
        this.clearMessage();
        if (this.state === "error") this.setState("off");
        this.userOpened = true;
        this.update();
      },
      device: () => {
        this.streams.chooseDevice(this.device.value || null);
        this.start();
      },
      switchCamera: () => {
        this.streams.switchFacing();
        this.start();
      },
      shutter: () => this.takePhoto(),
      shutterDown: (/** @type {Event} */ e) => {
        const press = /** @type {PointerEvent} */ (e);
        if (press.button === 0 && press.isPrimary !== false) this.pressShutter();
      },
      shutterAbandoned: () => {
        this.pressed = null; // the press slid off the shutter: no click will use its photo
      },
      shutterKey: (/** @type {Event} */ e) => {
        const key = /** @type {KeyboardEvent} */ (e);
        if ((key.key === " " || key.key === "Enter") && !key.repeat) this.pressShutter();
      },
      record: () => (this.recording ? this.stopRecording(false) : this.startRecording()),
      retake: () => this.retakeLast(),
    };
  }

  retakeLast() {
    if (this.recording) {
      this.stopRecording(true);
      this.focusFirst(this.record); // Discard hides when nothing was shot before it
      return;
    }
    while (this.captures.length) {
      const file = /** @type {File} */ (this.captures.pop());
      if (this.ctx.removeFiles([file]) > 0) break; // skip captures the user already removed from the list
    }
    this.render();
    (usable(this.shutter) ? this.shutter : this.record).focus(); // take it again
  }

  listen() {
    const on = this.handlers();
    /** @type {[HTMLElement, string, (e: Event) => void][]} */
    this.domEvents = [
      [this.open, "click", on.open], [this.close, "click", on.close], [this.retry, "click", on.retry],
      [this.device, "change", on.device], [this.switchCamera, "click", on.switchCamera],
      [this.shutter, "click", on.shutter], [this.record, "click", on.record], [this.retake, "click", on.retake],
      [this.shutter, "pointerdown", on.shutterDown], [this.shutter, "keydown", on.shutterKey],
      [this.shutter, "pointerleave", on.shutterAbandoned], [this.shutter, "pointercancel", on.shutterAbandoned],
    ];
    for (const [node, event, handler] of this.domEvents) node.addEventListener(event, handler);
    this.offFrameAcks = this.ctx.channel.on("frame_ack", (msg) => {
      if (typeof msg.seq === "number") this.pump.ack(msg.seq);
    });
    this.onDeviceChange = () => {
      if (this.streams.current) this.refreshDevices(this.streams.requestId);
    };
    navigator.mediaDevices?.addEventListener?.("devicechange", this.onDeviceChange);
    // Shown or hidden: browser tab switches, JupyterLab tab switches (display: none), collapsed outputs.
    /** @type {boolean | null} null: not checked in the page yet (the first check always updates) */
    let wasShown = null;
    this.onVisibility = () => {
      if (this.el.isConnected) this.placing = false;
      const now = this.shown();
      if (now === wasShown || this.disposed) return;
      wasShown = now;
      this.update();
    };
    // A view never put in the page does not keep a camera it opened early.
    this.placingTimer = setTimeout(() => {
      this.placing = false;
      this.onVisibility?.();
    }, PLACING_MS);
    document.addEventListener("visibilitychange", this.onVisibility);
    this.resizes = typeof ResizeObserver === "function" ? new ResizeObserver(this.onVisibility) : null;
    this.intersections = typeof IntersectionObserver === "function" ? new IntersectionObserver(this.onVisibility) : null;
    this.resizes?.observe(this.el);
    this.intersections?.observe(this.el);
    this.modelEvents = this.modelHandlers();
    for (const [event, handler] of Object.entries(this.modelEvents)) this.model.on(event, handler);
  }

  /** @returns {Record<string, () => void>} */
  modelHandlers() {
    const update = () => this.update();
    const cameraOption = () => {
      this.streams.chooseDevice(null);
      if (this.live() || this.state === "starting") this.start();
    };
    return {
      "change:status": update,
      "change:result": update,
      "change:source_type": update,
      "change:camera_device": cameraOption,
      "change:camera_stream": cameraOption,
      "change:media_type": () => {
        this.render();
        if (this.recording && !this.wantsVideo()) this.stopRecording(true);
      },
      "change:frame_request": () => this.pump.configure(parseFrameRequest(this.model.get("frame_request")), this.live()),
    };
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true; // first: nothing is sent to a model that may be closing
    clearTimeout(this.placingTimer);
    this.streams.disposed = true;
    this.stop();
    this.pump.dispose();
    this.offFrameAcks?.();
    for (const [node, event, handler] of this.domEvents ?? []) node.removeEventListener(event, handler);
    for (const [event, handler] of Object.entries(this.modelEvents ?? {})) this.model.off(event, handler);
    if (this.onDeviceChange) navigator.mediaDevices?.removeEventListener?.("devicechange", this.onDeviceChange);
    if (this.onVisibility) document.removeEventListener("visibilitychange", this.onVisibility);
    this.resizes?.disconnect();
    this.intersections?.disconnect();
  }
}

/** @param {HTMLElement} node */
function usable(node) {
  return node.isConnected && !node.hidden && !(/** @type {any} */ (node).disabled) && node.offsetParent !== null;
}
