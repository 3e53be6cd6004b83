// choose-media front-end: the picker (album and camera sources). Files stream to the kernel as they are added;
// Confirm asks the kernel to build the seed's result from the ones that arrived whole.
// `initialize` owns what belongs to the model (its Channel and the watch on the kernel); `render` only builds a view.

import "./styles.css";
import { createAlbumSource } from "./album.js";
import { createCameraSource } from "./camera/view.js";
import { KernelWatch } from "./kernel_watch.js";
import { PickerView } from "./picker/view.js";
import { Channel } from "./protocol.js";

/** @typedef {import("@anywidget/types").AnyModel} Model */
/** @typedef {{channel: Channel, watch: KernelWatch}} ModelState */

/** Per model. @type {WeakMap<object, ModelState>} */
const models = new WeakMap();

/**
 * What identifies a model for `models`. anywidget hands `initialize` and each `render` its own proxy of the
 * model, so the proxy cannot be the key: the model's `layout` (a DOMWidget trait, one Layout model per widget,
 * the same object for every proxy) is; a host without it gets one state per proxy.
 * @param {Model} model @returns {object}
 */
function modelKey(model) {
  const layout = model.get("layout");
  return layout && typeof layout === "object" ? layout : model;
}

/** @param {Model} model @returns {ModelState} */
function stateOf(model) {
  const key = modelKey(model);
  let state = models.get(key);
  if (!state) {
    const channel = new Channel(model);
    state = { channel, watch: new KernelWatch(model, channel) };
    models.set(key, state);
  }
  return state;
}

/** @param {{model: Model}} ctx */
function initialize({ model }) {
  const key = modelKey(model);
  const state = stateOf(model);
  return () => {
    state.watch.dispose();
    state.channel.dispose();
    if (models.get(key) === state) models.delete(key);
  };
}

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  const { channel, watch } = stateOf(model);
  const view = new PickerView(model, channel, { album: createAlbumSource, camera: createCameraSource });
  view.mount(el);
  const unwatch = watch.watch(() => view.pickOpen, () => view.showKernelLost());
  return () => {
    unwatch();
    view.dispose();
  };
}

export default { initialize, render };
