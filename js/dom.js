/**
 * Makes an element. Children that are strings become text nodes, so file names are never HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

/**
 * Sets only what differs: assigning an equal text, `hidden` or `disabled` still counts as a DOM change (style
 * invalidation, mutation records for the host's observers), and the list updates many times per file.
 * @param {HTMLElement & {disabled?: boolean}} el @param {{textContent?: string, hidden?: boolean, disabled?: boolean}} props
 */
export function update(el, props) {
  if (props.textContent !== undefined && el.textContent !== props.textContent) el.textContent = props.textContent;
  if (props.hidden !== undefined && el.hidden !== props.hidden) el.hidden = props.hidden;
  if (props.disabled !== undefined && el.disabled !== props.disabled) el.disabled = props.disabled;
}

/** @param {number} n a byte count @returns {string} */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
