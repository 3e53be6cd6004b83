// Generated from widget/choose_media/protocol.py by `python scripts/generate.py`; do not edit.

/** Field names of each message kind the browser sends. @type {Readonly<Record<string, readonly string[]>>} */
export const BROWSER_TO_KERNEL = Object.freeze({
  begin: Object.freeze(["id", "name", "mime", "size", "source"]),
  file: Object.freeze(["id", "name", "mime", "size", "source"]),
  chunk: Object.freeze(["id", "offset"]),
  end: Object.freeze(["id", "md5"]),
  remove: Object.freeze(["id"]),
  album_list: Object.freeze([]),
  album_pick: Object.freeze(["id", "key"]),
  confirm: Object.freeze(["ids", "original"]),
  cancel: Object.freeze([]),
  reset: Object.freeze([]),
  hello: Object.freeze([]),
  resume_query: Object.freeze(["id"]),
  resume: Object.freeze(["id", "size", "received", "prefix_md5"]),
  ping: Object.freeze([]),
  frame: Object.freeze(["seq", "timestamp", "width", "height", "format", "dropped"]),
  preview: Object.freeze(["id"]),
  camera_state: Object.freeze(["state", "source", "constraints", "settings", "label", "facing", "mirrored", "audio", "devices"]),
  camera_error: Object.freeze(["errno", "detail"]),
});

/** Field names of each message kind the kernel sends. @type {Readonly<Record<string, readonly string[]>>} */
export const KERNEL_TO_BROWSER = Object.freeze({
  ack: Object.freeze(["id", "received"]),
  stored: Object.freeze(["id", "name", "source", "type", "size", "width", "height", "duration"]),
  error: Object.freeze(["id", "errno", "errMsg"]),
  album_list: Object.freeze(["items"]),
  pending: Object.freeze(["transfers", "stored"]),
  frame_ack: Object.freeze(["seq"]),
  clear: Object.freeze([]),
  preview: Object.freeze(["id"]),
});
