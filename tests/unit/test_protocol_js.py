"""The page's message builders (js/protocol.js) send exactly the kinds and fields of the kernel's protocol table.

Run in Node (the same ES module the bundle is built from), with sample arguments for every builder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from choose_media import protocol

REPO = Path(__file__).resolve().parents[2]

# Every builder of js/protocol.js called once; prints {kind: [field names]} of what it built.
_SCRIPT = """
import { toKernel } from "./js/protocol.js";
const file = { name: "a.jpg", type: "image/jpeg", size: 3 };
const frame = { seq: 1, timestamp: 2, width: 3, height: 4, format: "jpeg", dropped: 0 };
const camera = { state: "live", source: "getUserMedia", constraints: null, settings: null, label: null,
                 facing: null, mirrored: false, audio: false, devices: 1 };
const args = { begin: ["t1", file, "album"], file: ["t1", file, "camera"], chunk: ["t1", 0], end: ["t1"], remove: ["t1"], albumPick: ["t1", "k"],
               confirm: [["t1"], false], resumeQuery: ["t1"], resume: ["t1", 3, 1, "x"], frame: [frame],
               cameraState: [camera], cameraError: [1107003, "denied"] };
const built = {};
for (const [name, make] of Object.entries(toKernel)) {
  const msg = make(...(args[name] ?? []));
  built[msg.kind] = Object.keys(msg).filter((k) => k !== "kind");
}
console.log(JSON.stringify(built));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_every_page_message_matches_the_protocol_table() -> None:
    run = subprocess.run(["node", "--input-type=module", "-e", _SCRIPT], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    built = json.loads(run.stdout)
    assert set(built) == protocol.BROWSER_KINDS, "a kind without a builder, or a builder of an unknown kind"
    for kind, fields in built.items():
        declared = protocol.spec("browser", kind).fields
        assert set(fields) <= set(declared), f"{kind} sends fields the table lacks: {set(fields) - set(declared)}"
        # every declared field is sent, except the optional md5 of `end` (the shipped page sends none)
        assert set(declared) - set(fields) <= {"md5"}, f"{kind} omits {set(declared) - set(fields)}"
