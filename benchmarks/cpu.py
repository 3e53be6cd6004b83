"""CPU seconds spent by processes (Linux ``/proc``): on a shared 2-core machine the CPU each side spends
per file is a steadier figure than wall time, and it says where the time goes."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, utime + stime in seconds) of one process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def process_seconds(pid: int) -> float:
    """CPU seconds of one process (all its threads), 0 when it is gone."""
    s = _stat(pid)
    return s[1] if s else 0.0


def tree_pids(root: int) -> list[int]:
    """``root`` and every live descendant."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st:
                children.setdefault(st[0], []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def pids_seconds(pids: list[int]) -> float:
    """CPU seconds of these processes (those still alive), to the nanosecond: the sum of each thread's
    ``schedstat`` run time (``/proc/<pid>/stat`` counts in 10 ms ticks, too coarse for one small file)."""
    total = 0
    for pid in pids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e9


def tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and every live descendant (e.g. Chromium's renderer, GPU and network processes).

    A descendant that exited meanwhile is not counted; compare two readings around one action only.
    """
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            s = _stat(int(entry.name))
            if s:
                parents[int(entry.name)], cpu[int(entry.name)] = s
    total, todo = 0.0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total
