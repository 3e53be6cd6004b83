// UI text in English and Simplified Chinese (the seed's users are Feishu developers).
// The `lang` trait picks one; empty means the browser's language.

/** @typedef {Record<string, string | number>} Vars */
/** @typedef {(key: string, vars?: Vars) => string} Translate */

/** @type {Record<"en" | "zh-CN", Record<string, string>>} */
const MESSAGES = {
  en: {
    "kind.image": "images",
    "kind.video": "videos",
    "kind.or": " or ",
    title: "Choose {kinds} · up to {count}",
    "album.drop": "Drop images or videos here, or ",
    "album.choose": "Choose files",
    "album.shelf": "In the album ({n})",
    "album.refresh": "Refresh the album",
    "album.pick": "Pick {name} from the album",
    "list.label": "Chosen files",
    original: "Original",
    cancel: "Cancel",
    confirm: "Confirm",
    again: "Pick again",
    resume: "Resume",
    "item.remove": "Remove {name}",
    "item.resume": "Resume {name}",
    "item.sending": "Sending {name}",
    "item.progress": "{done} of {total}",
    "item.interrupted": "Interrupted at {percent}% — press Resume",
    "item.rechoose": "Interrupted at {percent}% — choose this file again to resume",
    "item.empty": "chooseMedia:fail the file is empty (errno 1107011)",
    "item.too_large": "chooseMedia:fail over the size limit of {limit} (errno 1107007)",
    "status.sending": "Sending…",
    "status.ready": "{n} ready",
    "status.processing": "Processing…",
    "notice.count": "Only {count} files can be chosen; {left} left out.",
    "notice.count.one": "Only 1 file can be chosen; {left} left out.",
    "done.ok": "{n} files ready in Python (w.result, w.temp_files).",
    "done.ok.one": "1 file ready in Python (w.result, w.temp_files).",
    "done.fail": "{errMsg} (errno {errno})",
    "kernel.lost": "The kernel restarted: this picker and its files are gone. Run the cell again to start over.",
  },
  "zh-CN": {
    "kind.image": "图片",
    "kind.video": "视频",
    "kind.or": "或",
    title: "选择{kinds} · 最多 {count} 个",
    "album.drop": "将图片或视频拖放到这里，或",
    "album.choose": "选择文件",
    "album.shelf": "相册中（{n}）",
    "album.refresh": "刷新相册",
    "album.pick": "从相册选择 {name}",
    "list.label": "已选文件",
    original: "原图",
    cancel: "取消",
    confirm: "确定",
    again: "重新选择",
    resume: "继续",
    "item.remove": "移除 {name}",
    "item.resume": "继续传输 {name}",
    "item.sending": "正在发送 {name}",
    "item.progress": "{done} / {total}",
    "item.interrupted": "传输在 {percent}% 处中断 — 请按“继续”",
    "item.rechoose": "传输在 {percent}% 处中断 — 再次选择此文件即可继续",
    "item.empty": "chooseMedia:fail 文件为空 (errno 1107011)",
    "item.too_large": "chooseMedia:fail 超过大小上限 {limit} (errno 1107007)",
    "status.sending": "正在发送…",
    "status.ready": "已就绪 {n} 个",
    "status.processing": "正在处理…",
    "notice.count": "最多只能选择 {count} 个文件，已略去 {left} 个。",
    "done.ok": "{n} 个文件已可在 Python 中使用（w.result, w.temp_files）。",
    "done.fail": "{errMsg} (errno {errno})",
    "kernel.lost": "内核已重启：此选择器及其文件已不存在。请重新运行该单元格以重新开始。",
  },
};

/** @param {string} [option] the widget's `lang` trait @returns {"en" | "zh-CN"} */
export function resolveLang(option) {
  const wanted = (option || globalThis.navigator?.language || "en").toLowerCase();
  return wanted.startsWith("zh") ? "zh-CN" : "en";
}

/** @param {string} [option] @returns {Translate} */
export function translator(option) {
  const table = MESSAGES[resolveLang(option)];
  return (key, vars = {}) => {
    const singular = (vars.n === 1 || vars.count === 1) && table[`${key}.one`] ? `${key}.one` : key;
    const text = table[singular] ?? MESSAGES.en[singular] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
  };
}
