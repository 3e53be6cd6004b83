// Why the camera could not be used: each reason has an errno (errno.js) and an i18n key. In English the
// text is also the `detail` of the camera_error message, from which the kernel writes the errMsg.

import { ERRNO } from "../errno.js";
import { translator } from "../i18n.js";

/** English text: the kernel's errMsg is English whatever the UI language, as the seed's is. */
const EN = translator("en");

/** An error the UI shows in its own language (`key` and `vars` of i18n.js); its message is the English text. */
export class LocalizedError extends Error {
  /** @param {string} key @param {import("../i18n.js").Vars} [vars] */
  constructor(key, vars = {}) {
    super(EN(key, vars));
    this.key = key;
    this.vars = vars;
  }
}

export class CameraError extends LocalizedError {
  /** @param {number} errno @param {string} key @param {import("../i18n.js").Vars} [vars] */
  constructor(errno, key, vars = {}) {
    super(key, vars);
    this.errno = errno;
    /** English, without the `chooseMedia:fail` prefix (the kernel adds it) */
    this.detail = this.message;
  }
}

/** @param {any} err what getUserMedia (or our own checks) threw @returns {CameraError} */
export function classifyCameraError(err) {
  if (err instanceof CameraError) return err;
  const name = err && typeof err.name === "string" ? err.name : "";
  const why = err && err.message ? ` (${name}: ${err.message})` : name ? ` (${name})` : "";
  // `why` is the browser's own words (English): kept as they are in both languages.
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return new CameraError(ERRNO.CAMERA_PERMISSION_DENIED, "camera.err.permission", { why });
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.not_found", { why });
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.busy", { why });
  }
  return new CameraError(ERRNO.CAMERA_UNAVAILABLE, "camera.err.open", { why: why || ` (${String(err)})` });
}

export function insecureContextError() {
  return new CameraError(ERRNO.INSECURE_CONTEXT, "camera.err.insecure", { origin: location.origin });
}
