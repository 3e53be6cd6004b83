// The album source: a file chooser and a drop zone. What it takes is filtered by the
// chooser's `accept` (from mediaType) and by `count`, which the picker enforces.

/** @typedef {import("./picker/view.js").SourceContext} SourceContext */
/** @typedef {import("./picker/view.js").Source} Source */

import { h } from "./dom.js";
import { toKernel } from "./protocol.js";

/** @param {SourceContext} ctx @returns {Source} */
export function createAlbumSource(ctx) {
  const { model, t } = ctx;
  const input = h("input", { type: "file", class: "cm-input", hidden: "", tabindex: "-1" });
  const choose = h("button", { type: "button", class: "cm-choose" }, [t("album.choose")]);
  const drop = h("div", { class: "cm-drop" }, [
    h("span", { class: "cm-drop-text" }, [t("album.drop")]),
    choose,
  ]);
  // The kernel-side album (album_dir): media already on the kernel's machine, e.g. earlier shots.
  const shelfGrid = h("div", { class: "cm-shelf-grid", role: "list" });
  const refresh = h("button", { type: "button", class: "cm-shelf-refresh", "aria-label": t("album.refresh") }, ["↻"]);
  const shelfTitle = h("span", { class: "cm-shelf-title" });
  const shelf = h("div", { class: "cm-shelf", hidden: "" }, [
    h("div", { class: "cm-shelf-head" }, [shelfTitle, refresh]),
    shelfGrid,
  ]);
  const el = h("div", { class: "cm-album" }, [drop, input, shelf]);
  /** @type {string[]} */
  let shelfUrls = [];

  /** @param {any} msg @param {DataView[]} buffers */
  const onAlbumList = (msg, buffers) => {
    if (!Array.isArray(msg.items)) return;
    for (const url of shelfUrls) URL.revokeObjectURL(url);
    shelfUrls = [];
    shelfGrid.replaceChildren();
    msg.items.forEach((/** @type {import("./transfer.js").AlbumEntry} */ entry, /** @type {number} */ i) => {
      const view = buffers[i];
      const blob = new Blob([new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice()], {
        type: "image/jpeg",
      });
      const url = URL.createObjectURL(blob);
      shelfUrls.push(url);
      const pick = h("button", { type: "button", class: "cm-shelf-item", role: "listitem", title: entry.name,
        "aria-label": t("album.pick", { name: entry.name }) }, [h("img", { src: url, alt: "" })]);
      pick.addEventListener("click", () => ctx.addAlbumEntry(entry, new File([blob], entry.name, { type: "image/jpeg" })));
      shelfGrid.append(pick);
    });
    shelfTitle.textContent = t("album.shelf", { n: msg.items.length });
    shelf.hidden = msg.items.length === 0;
  };
  const stopListening = ctx.channel.on("album_list", onAlbumList);
  const requestList = () => ctx.channel.send(toKernel.albumList());
  refresh.addEventListener("click", requestList);
  requestList();

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
      stopListening();
      for (const url of shelfUrls) URL.revokeObjectURL(url);
    },
  };
}
