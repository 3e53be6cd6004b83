// Opening and closing the camera's stream: our own getUserMedia, or the stream of an ipywebrtc widget
// (camera_stream). A request id makes an answer for an older request stale; the device list and the
// facing (front/back) of the open camera are kept here.

import { ERRNO } from "../errno.js";
import { CameraError, insecureContextError } from "./errors.js";

/**
 * An open camera: `owned` streams came from our getUserMedia and are ours to stop; an ipywebrtc
 * stream belongs to its widget (and to its other views), so it is only detached.
 * @typedef {{stream: MediaStream, owned: boolean, source: "getUserMedia"|"ipywebrtc",
 *   constraints: MediaStreamConstraints|null, facing: string}} OpenCamera
 */

/** Thrown inside a start that a newer start (or a stop) made obsolete. */
export const STALE = Symbol("stale");

/** Resolution asked for (an `ideal`, so any camera is accepted): photos come at the camera's full size. */
const IDEAL_SIZE = { width: { ideal: 1920 }, height: { ideal: 1080 } };

/** @param {MediaStream | null | undefined} stream */
export function stopTracks(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
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

/** @param {MediaStreamTrack | undefined} track @returns {any} */
export function settingsOf(track) {
  return track?.getSettings?.() ?? {};
}

export class CameraStreams {
  /** @param {import("@anywidget/types").AnyModel} model */
  constructor(model) {
    this.model = model;
    /** Bumped by every start and stop: an answer for an older request is stale. */
    this.requestId = 0;
    /** @type {OpenCamera | null} */
    this.current = null;
    /** @type {string | null} */
    this.chosenDeviceId = null;
    /** @type {string | null} */
    this.facingOverride = null;
    /** @type {MediaDeviceInfo[]} */
    this.videoDevices = [];
    this.disposed = false;
  }

  /** A new request: answers for older ones are stale from now on. @returns {number} */
  newRequest() {
    return ++this.requestId;
  }

  /** @param {number} req */
  isStale(req) {
    return req !== this.requestId || this.disposed;
  }

  /** Opens the camera for request `req` (throws STALE when a newer request came meanwhile). @param {number} req */
  async open(req) {
    const ref = this.model.get("camera_stream");
    const opened = ref ? await this.fromWidget(ref) : await this.fromGetUserMedia(req);
    if (this.isStale(req)) {
      if (opened.owned) stopTracks(opened.stream);
      throw STALE;
    }
    this.current = opened;
    return opened;
  }

  /** Stops the tracks this view opened and forgets the stream. */
  release() {
    if (this.current?.owned) stopTracks(this.current.stream);
    this.current = null;
  }

  /** The stream of an ipywebrtc widget (CameraStream, VideoStream, ...): they all have captureStream(). */
  /** @param {string} ref "IPY_MODEL_<id>" @returns {Promise<OpenCamera>} */
  async fromWidget(ref) {
    const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice("IPY_MODEL_".length) : "";
    const manager = /** @type {any} */ (this.model).widget_manager;
    if (!id || !manager) throw new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.not_widget");
    const other = await manager.get_model(id);
    if (!other || typeof other.captureStream !== "function") {
      throw new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.no_stream");
    }
    /** @type {MediaStream} */
    const stream = await Promise.resolve(other.captureStream());
    if (!stream || !stream.getVideoTracks().length) {
      throw new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.no_video");
    }
    const constraints = typeof other.get === "function" ? other.get("constraints") ?? null : null;
    const facing = facingFromConstraint(constraints?.video?.facingMode);
    return { stream, owned: false, source: "ipywebrtc", constraints, facing };
  }

  /** @param {number} req @returns {Promise<OpenCamera>} */
  async fromGetUserMedia(req) {
    if (!window.isSecureContext) throw insecureContextError();
    const media = navigator.mediaDevices;
    if (!media || typeof media.getUserMedia !== "function") {
      throw new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.no_api");
    }
    const facing = this.facingOverride ?? (this.model.get("camera_device") === "front" ? "user" : "environment");
    /** @type {MediaTrackConstraints} */
    const videoConstraints = this.chosenDeviceId
      ? { deviceId: { exact: this.chosenDeviceId }, ...IDEAL_SIZE }
      : { facingMode: { ideal: facing }, ...IDEAL_SIZE }; // ideal: any camera will do if that one is missing
    // No microphone here: it is opened only while a video is being recorded (see recorder.js).
    /** @type {MediaStreamConstraints} */
    const constraints = { video: videoConstraints, audio: false };
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await media.getUserMedia(constraints);
    } catch (err) {
      if (this.isStale(req)) throw STALE;
      throw err;
    }
    if (this.isStale(req)) {
      stopTracks(stream); // the user switched camera (or left) meanwhile: drop this answer
      throw STALE;
    }
    return { stream, owned: true, source: "getUserMedia", constraints, facing: this.chosenDeviceId ? "" : facing };
  }

  /** @returns {string} "user", "environment" or "" */
  facing() {
    if (!this.current) return "";
    const s = settingsOf(this.current.stream.getVideoTracks()[0]);
    if (s.facingMode) return String(s.facingMode);
    const known = this.videoDevices.find((d) => d.deviceId && d.deviceId === s.deviceId);
    return (known && facingOf(known)) || this.current.facing;
  }

  /** Reads the cameras there are; false when request `req` went stale meanwhile. @param {number} req */
  async refreshDevices(req) {
    const media = navigator.mediaDevices;
    if (!this.current || this.current.source !== "getUserMedia" || typeof media?.enumerateDevices !== "function") {
      this.videoDevices = [];
      return true;
    }
    const all = await media.enumerateDevices().catch(() => []);
    if (req !== this.requestId) return false;
    this.videoDevices = all.filter((d) => d.kind === "videoinput");
    return true;
  }

  /** The device picker: this camera, by id. @param {string | null} deviceId */
  chooseDevice(deviceId) {
    this.chosenDeviceId = deviceId;
    this.facingOverride = null;
  }

  /** Switch camera: the one facing the other way, by id when it is known. */
  switchFacing() {
    const target = this.facing() === "user" ? "environment" : "user";
    const match = this.videoDevices.find((d) => facingOf(d) === target);
    this.chosenDeviceId = match ? match.deviceId : null;
    this.facingOverride = target;
  }

  /** Whether the device picker and Switch camera make sense: our own camera, several of them. */
  get canChoose() {
    return this.current?.source === "getUserMedia";
  }

  get hasBothFacings() {
    const facings = new Set(this.videoDevices.map(facingOf));
    return facings.has("user") && facings.has("environment");
  }
}
