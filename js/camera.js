// The camera source. Placeholder until the camera lands: says so, plainly.

import { h } from "./dom.js";

/** @typedef {import("./widget.js").SourceContext} SourceContext */
/** @typedef {import("./widget.js").Source} Source */

/** @param {SourceContext} _ctx @returns {Source} */
export function createCameraSource(_ctx) {
  const el = h("div", { class: "cm-camera" }, [
    h("p", { class: "cm-camera-note" }, ["The camera source is not available in this version."]),
  ]);
  return { el, sync() {}, dispose() {} };
}
