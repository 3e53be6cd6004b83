// The watch on the kernel, one per model: a replaced kernel (restarted from another tab or by the server) has
// forgotten the widget and its files, and every view of the model must say so.

import { toKernel } from "./protocol.js";

/** How long the kernel may stay silent during an open pick before the views check it is still the same. */
const PING_MS = 5000;

export class KernelWatch {
  /**
   * @param {import("@anywidget/types").AnyModel} model @param {import("./protocol.js").Channel} channel
   */
  constructor(model, channel) {
    this.model = model;
    this.channel = channel;
    this.lost = false;
    /** @type {Set<() => void>} */
    this.onLost = new Set();
    /** Each view says whether a pick is open in it. @type {Set<() => boolean>} */
    this.openPicks = new Set();
    /** @type {string | null} */
    this.session = null;
    this.lastKernelMessage = Date.now();
    /** @type {any} */
    this.kernel = /** @type {any} */ (model).widget_manager?.kernel;
    /** @param {unknown} _sender @param {string} state */
    this.onStatus = (_sender, state) => {
      // "starting" after the model exists means a new kernel process (a restart from the server or another tab).
      if (["restarting", "autorestarting", "starting", "dead"].includes(state)) this.declareLost();
    };
    /** @param {unknown} _sender @param {any} msg */
    this.onIopub = (_sender, msg) => this.checkSession(msg);
    // While a pick is open and the kernel has been quiet, a tiny ping makes a replaced kernel answer
    // with its new session id (the old one would answer with the known one).
    this.ping = setInterval(() => this.pingIfQuiet(), PING_MS);
    this.kernel?.statusChanged?.connect?.(this.onStatus);
    this.kernel?.iopubMessage?.connect?.(this.onIopub);
  }

  /**
   * The "starting" status of a kernel restarted elsewhere can be missed (it is published before the
   * server's subscription reconnects). Every kernel process signs its messages with its own session id,
   * so the first busy/idle status from a different one proves the kernel was replaced.
   * @param {any} msg an iopub message
   */
  checkSession(msg) {
    if (msg?.header?.msg_type !== "status") return;
    const state = msg.content?.execution_state;
    if (state !== "busy" && state !== "idle") return; // "restarting"/"dead" come from the server, not the kernel
    this.lastKernelMessage = Date.now();
    const session = msg.header.session;
    if (this.session === null) this.session = session;
    else if (session && session !== this.session) this.declareLost();
  }

  pingIfQuiet() {
    if (this.lost || this.model.get("status") === "done") return;
    if (![...this.openPicks].some((isOpen) => isOpen())) return;
    if (Date.now() - this.lastKernelMessage < PING_MS || document.hidden) return;
    this.lastKernelMessage = Date.now();
    this.channel.send(toKernel.ping());
  }

  declareLost() {
    if (this.lost) return;
    this.lost = true;
    for (const callback of this.onLost) callback();
  }

  /**
   * A view's interest: `isOpen` says whether a pick is open in it, `lost` runs when the kernel is gone
   * (at once if it already is). @param {() => boolean} isOpen @param {() => void} lost @returns {() => void}
   */
  watch(isOpen, lost) {
    this.openPicks.add(isOpen);
    this.onLost.add(lost);
    if (this.lost) lost();
    return () => {
      this.openPicks.delete(isOpen);
      this.onLost.delete(lost);
    };
  }

  dispose() {
    clearInterval(this.ping);
    this.kernel?.statusChanged?.disconnect?.(this.onStatus);
    this.kernel?.iopubMessage?.disconnect?.(this.onIopub);
    this.onLost.clear();
    this.openPicks.clear();
  }
}
