"""Experimental builds of choose-media's front-end, for profiling the transfer (never shipped).

Each variant is ``js/`` copied to a temp folder, ``js/transfer.js`` edited by regular-expression
replacements (indentation-agnostic, each must match exactly once), and bundled with the project's own
esbuild command line.  An edit that no longer matches (the source moved on) makes the variant
unavailable, with the reason, rather than silently measuring something else.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ESBUILD = REPO / "node_modules" / ".bin" / "esbuild"

Edit = tuple[str, str]  # (regex, replacement) applied once to js/transfer.js, or (path: regex, replacement)

_NOTE = (
    "const __note = (what) => (globalThis.__cmTimeline ??= []).push([what, performance.timeOrigin + performance.now()]);\n"
)
_SEND_END = r'this\.channel\.send\(toKernel\.end\(id\)\);'
_LET_SENT = r"(\n(\s*)let sent = 0;\n)"

#: Timeline notes (``globalThis.__cmTimeline``: [what, epoch ms]) at each step of ``Transfer.run``; each is
#: applied only if its anchor is there.
TIMELINE: list[Edit] = [
    (r"(const buffer = await next;)", r'\1 __note("read");'),
    (r"(md5all\.update\(new Uint8Array\(buffer\)\);)", r'\1 __note("md5");'),
    (r'(this\.channel\.send\(toKernel\.chunk\(id, sent\), \[buffer\]\);)', r'\1 __note("sent");'),
    (r"(const buffer = await this\.file\.arrayBuffer\(\);)", r'\1 __note("read");'),
    (r"(this\.channel\.send\(toKernel\.file\(this\.id, this\.file, this\.source\), \[buffer\]\);)", r'\1 __note("sent");'),
    (r'(if \(msg\.kind === "ack" && typeof msg\.received === "number"\))',
     r'if (msg.kind === "ack") __note("ack");\n    \1'),
    (r'(this\.channel\.send\(toKernel\.end\(id\)\);)', r'__note("end"); \1'),
]

#: As before: every file in ``begin``/chunks/``end``, even one that fits one message (``file``).
ALWAYS_CHUNKED: list[Edit] = [(r"return file\.size > 0 && file\.size <= chunkSize;", "return false;")]

#: As before: the browser hashes every chunk on the page's main thread and sends the md5 with ``end``.
BROWSER_MD5: list[Edit] = [
    *ALWAYS_CHUNKED,
    (_LET_SENT, r"\1\2const md5all = new Md5();\n"),
    (r"(const buffer = await next;)", r"\1 md5all.update(new Uint8Array(buffer));"),
    (_SEND_END, r'this.channel.send({ kind: "end", id, md5: md5all.hex() });'),
]

_WORKER_JS = """
function hashInWorker(file, chunk) {
  const source = MD5_SOURCE + `
onmessage = async (e) => {
  const { file, chunk } = e.data;
  const md5 = new Md5();
  for (let o = 0; o < file.size; o += chunk) md5.update(new Uint8Array(await file.slice(o, o + chunk).arrayBuffer()));
  postMessage(md5.hex());
};`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => { reject(new Error(String(e.message))); worker.terminate(); };
    worker.postMessage({ file, chunk });
  });
}
"""

#: md5 computed in a Web Worker from the File itself, in parallel with sending; awaited before ``end``.
WORKER_MD5: list[Edit] = [
    *ALWAYS_CHUNKED,
    (_LET_SENT, r"\1\2const hashing = hashInWorker(file, this.chunkSize);\n"),
    (_SEND_END, r'this.channel.send({ kind: "end", id, md5: await hashing });'),
]

#: As before: a round trip after ``begin`` (its ack awaited before the first chunk) and before ``end``
#: (sent only once every chunk was acknowledged).
ROUND_TRIPS: list[Edit] = [
    *ALWAYS_CHUNKED,
    (r'(this\.channel\.send\(toKernel\.begin\(id, file, this\.source\)\);\n)', r'\1      await this.until((m) => m.kind === "ack");\n'),
    (r"(\n\s*)(" + _SEND_END + ")", r'\1while (this.acked < file.size) await this.until((m) => m.kind === "ack");\1\2'),
]

#: As before: the video thumbnail (a ``<video>`` poster, which starts Chromium's media pipeline) loads
#: as soon as the file is picked, while it is being sent.
POSTER_AT_ONCE: list[Edit] = [(r"picker/view.js: (\n(\s*)const showThumb = \(\) => \{)", r"\n\2video.src = url;\1")]


#: Everything as it was before the transfer was reworked (with 4 MiB x 8 chunks set by the experiment).
BEFORE: list[Edit] = ROUND_TRIPS + BROWSER_MD5[1:] + POSTER_AT_ONCE


class VariantUnavailable(RuntimeError):
    pass


_BUILT: dict[str, Path] = {}
_ROOT: list[Path] = []


def _root() -> Path:
    """One temp folder for this process's builds, removed when it exits."""
    if not _ROOT:
        _ROOT.append(Path(tempfile.mkdtemp(prefix="choose-media-variants-")))
        atexit.register(shutil.rmtree, _ROOT[0], True)
    return _ROOT[0]


def build(name: str, edits: list[Edit]) -> Path:
    """Bundle ``js/`` with ``edits`` applied to ``transfer.js`` (plus the ``TIMELINE`` notes); returns the path
    of the ESM file.  Built once per ``name`` and process (every file size of a run uses the same build)."""
    if name in _BUILT:
        return _BUILT[name]
    if not ESBUILD.exists():
        raise VariantUnavailable("node_modules/.bin/esbuild is missing (run scripts/setup.sh)")
    work = _root() / name
    src = work / "js"
    shutil.copytree(REPO / "js", src, dirs_exist_ok=True)
    for pattern, repl in edits:  # edits of other files first ("widget.js: regex")
        target, sep, rest = pattern.partition(": ")
        if sep and target.endswith(".js") and target != "transfer.js" and "(" not in target:
            f = src / target
            other, n = re.subn(rest, repl, f.read_text(), count=1)
            if n != 1:
                raise VariantUnavailable(f"variant {name}: js/{target} no longer matches /{rest[:60]}/")
            f.write_text(other)
    transfer = src / "transfer.js"
    text = transfer.read_text()
    for pattern, repl in edits:
        target, sep, _ = pattern.partition(": ")
        if sep and target.endswith(".js") and target != "transfer.js" and "(" not in target:
            continue
        text, n = re.subn(pattern.removeprefix("transfer.js: "), repl, text, count=1)
        if n != 1:
            raise VariantUnavailable(f"variant {name}: js/transfer.js no longer matches /{pattern[:60]}/")
    for pattern, repl in TIMELINE:
        text = re.sub(pattern, repl, text, count=1)
    text = _NOTE + text
    if "hashInWorker" in text:
        md5_source = re.sub(r"^export\s+", "", (src / "md5.js").read_text(), flags=re.M)
        text += _WORKER_JS.replace("MD5_SOURCE", json.dumps(md5_source))
    transfer.write_text(text)
    outdir = work / "static"
    subprocess.run(
        [str(ESBUILD), str(src / "widget.js"), "--bundle", "--format=esm", "--target=es2020", "--minify",
         f"--outdir={outdir}", "--entry-names=widget", "--log-level=error"],
        check=True, cwd=REPO,
    )
    _BUILT[name] = outdir / "widget.js"
    return _BUILT[name]
