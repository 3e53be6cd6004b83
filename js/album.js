// The album source: a file chooser and a drop zone. What it takes is filtered by the
// chooser's `accept` (from mediaType) and by `count`, which the picker enforces.

/** @typedef {import("./widget.js").SourceContext} SourceContext */
/** @typedef {import("./widget.js").Source} Source */

import { h } from "./dom.js";

/** @param {SourceContext} ctx @returns {Source} */
export function createAlbumSource(ctx) {
  const { model } = ctx;
  const input = h("input", { type: "file", class: "cm-input", hidden: "", tabindex: "-1" });
  const choose = h("button", { type: "button", class: "cm-choose" }, ["Choose files"]);
  const drop = h("div", { class: "cm-drop" }, [
    h("span", { class: "cm-drop-text" }, ["Drop images or videos here, or "]),
    choose,
  ]);
  const el = h("div", { class: "cm-album" }, [drop, input]);

  const onChoose = () => input.click();
  const onInput = () => {
    if (input.files) ctx.addFiles(Array.from(input.files), "album");
    input.value = "";
  };
  /** @param {DragEvent} e */
  const onDragOver = (e) => {
    e.preventDefault();
    drop.classList.add("cm-drag");
  };
  const onDragLeave = () => drop.classList.remove("cm-drag");
  /** @param {DragEvent} e */
  const onDrop = (e) => {
    e.preventDefault();
    drop.classList.remove("cm-drag");
    if (e.dataTransfer?.files) ctx.addFiles(Array.from(e.dataTransfer.files), "album");
  };
  choose.addEventListener("click", onChoose);
  input.addEventListener("change", onInput);
  drop.addEventListener("dragover", onDragOver);
  drop.addEventListener("dragleave", onDragLeave);
  drop.addEventListener("drop", onDrop);

  return {
    el,
    sync() {
      input.accept = model.get("accept");
      input.multiple = model.get("count") > 1;
    },
    dispose() {
      choose.removeEventListener("click", onChoose);
      input.removeEventListener("change", onInput);
    },
  };
}
