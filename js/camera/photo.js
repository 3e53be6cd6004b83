// Taking a photo from the open camera: the camera's own photo path (ImageCapture.takePhoto) when it shoots
// larger than its video frames, else the current video frame encoded as a JPEG on a canvas.

import { LocalizedError } from "./errors.js";

const JPEG_QUALITY = 0.92;
const TAKE_PHOTO_TIMEOUT_MS = 4000;

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

/** @returns {any} the ImageCapture constructor, where the browser has one */
const imageCapture = () => /** @type {any} */ (globalThis).ImageCapture;

/** A time stamp for file names: `2026-12-03T14-49-51-123`. */
export function stamp() {
  return new Date().toISOString().replace(/[:.]/g, "-").replace("Z", "");
}

/** Photos of one open camera. */
export class PhotoCamera {
  /** @param {MediaStreamTrack | undefined} track @param {HTMLVideoElement} video its preview */
  constructor(track, video) {
    this.track = track;
    this.video = video;
    /**
     * How this camera's photos are taken: "takePhoto" when the camera can shoot photos larger than its video
     * frames (phones), "frame" when it cannot (most webcams, Chromium's fake camera): then the video frame is
     * the full resolution and encoding it directly skips takePhoto's PNG and its decoding (about 60 ms).
     * @type {"takePhoto" | "frame" | null} null: not known yet
     */
    this.path = null;
  }

  /** Finds out `path` (in the background, right after the camera opened). @param {() => boolean} stale */
  async probe(stale) {
    const ImageCaptureCtor = imageCapture();
    const track = this.track;
    if (typeof ImageCaptureCtor !== "function" || !track) return;
    try {
      const caps = await withTimeout(new ImageCaptureCtor(track).getPhotoCapabilities(), TAKE_PHOTO_TIMEOUT_MS);
      if (stale()) return;
      const settings = track.getSettings();
      const maxW = caps?.imageWidth?.max ?? 0;
      const maxH = caps?.imageHeight?.max ?? 0;
      this.path = maxW > (settings.width ?? 0) || maxH > (settings.height ?? 0) ? "takePhoto" : "frame";
    } catch {
      // unknown: takePhoto is tried first
    }
  }

  /** @returns {Promise<File>} a JPEG photo */
  async take() {
    const video = this.video;
    /** @type {Blob | null} */
    let blob = null;
    const ImageCaptureCtor = imageCapture();
    const frameReady = () => video.readyState >= 2 && video.videoWidth > 0; // HAVE_CURRENT_DATA
    // The video frame is used when it is as large as a photo would be, and is there (just after the camera
    // opened, the preview may not have its first frame yet while takePhoto already works).
    const fromFrame = this.path === "frame" && frameReady();
    if (!fromFrame && typeof ImageCaptureCtor === "function" && this.track?.readyState === "live") {
      try {
        // The camera's own photo path: its full resolution, which may exceed the preview's.
        blob = await withTimeout(new ImageCaptureCtor(this.track).takePhoto(), TAKE_PHOTO_TIMEOUT_MS);
      } catch {
        blob = null;
      }
    }
    if (blob && blob.type !== "image/jpeg") {
      const bitmap = await createImageBitmap(blob); // e.g. PNG from some drivers: the result is a JPEG
      blob = await encodeJpeg(bitmap);
      bitmap.close();
    }
    if (!blob) {
      if (!frameReady()) await firstFrame(video, TAKE_PHOTO_TIMEOUT_MS);
      blob = await encodeJpeg(video); // videoWidth × videoHeight: the camera frame, not the preview size
    }
    return new File([blob], `photo-${stamp()}.jpg`, { type: "image/jpeg" });
  }
}
