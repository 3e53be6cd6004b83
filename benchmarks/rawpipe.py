"""The pipe without a browser: a Python websocket client sends the ceiling widget's 8 MiB messages straight
to the Jupyter server, as JupyterLab would (same kernel channel, same binary comm messages), so the profile
can tell the browser's share of the time from the server's and the kernel's."""

from __future__ import annotations

import datetime as _dt
import time
import uuid
from pathlib import Path
from typing import Any

import websocket  # websocket-client
from jupyter_server.services.kernels.connection.base import serialize_binary_message

from . import cpu, session
from .cdp import Browser
from .files import MIB
from .session import Lab
from .transfer import SUBJECTS, Run


def _comm_msg(session_id: str, comm_id: str, content: dict[str, Any], buffers: list[bytes]) -> bytes:
    msg = {
        "header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session_id, "msg_type": "comm_msg",
                   "version": "5.3", "date": _dt.datetime.now(_dt.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"comm_id": comm_id, "data": {"method": "custom", "content": content}},
        "buffers": buffers,
    }
    return serialize_binary_message(msg)  # type: ignore[no-any-return]


def measure_once(lab: Lab, browser: Browser, path: Path, chunk: int = 8 * MIB) -> Run:
    """The ceiling widget's notebook, but the file's bytes are sent by Python, not by the page."""
    ceiling = next(s for s in SUBJECTS if s.name == "ceiling")
    nb = session.open_notebook(lab, browser, "rawpipe.ipynb", [ceiling.cells])
    try:
        session.wait_selector(nb, ceiling.button)
        comm_id = nb.eval_json("w.comm.comm_id")
        sid = uuid.uuid4().hex
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{lab.port}/api/kernels/{nb.kernel_id}/channels?session_id={sid}",
            suppress_origin=True, timeout=60)
        try:
            data = path.read_bytes()
            messages = [_comm_msg(sid, comm_id, {"kind": "begin", "size": len(data)}, [])]
            messages += [_comm_msg(sid, comm_id, {"kind": "chunk", "offset": o}, [data[o:o + chunk]])
                         for o in range(0, len(data), chunk)]
            # Whole websocket frames, masked in advance: the client's own work stays out of the timing.
            frames = [websocket.ABNF.create_frame(m, websocket.ABNF.OPCODE_BINARY).format() for m in messages]
            session.kernel_now(nb)
            nb.eval_json("ks.arm()")
            server0 = cpu.process_seconds(lab.proc.pid)
            t0 = time.time()
            for frame in frames:
                ws.sock.sendall(frame)
            res = session.kernel_wait(nb, "verified", timeout=120, interval=0.05)
        finally:
            ws.close()
        if "verified" not in res["marks"]:
            return Run(None, res["rss_growth_mib"], failure="the bytes did not all arrive")
        used = {"browser": 0.0, "server": cpu.process_seconds(lab.proc.pid) - server0, "kernel": res["cpu_s"]}
        seconds = res["marks"]["verified"] - t0
        return Run(seconds, res["rss_growth_mib"], phases={"verified": seconds}, info={"cpu": used})
    finally:
        session.close(nb)
