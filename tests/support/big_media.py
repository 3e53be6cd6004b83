"""Large real media files made on disk, streamed, never held in memory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from choose_media.media.videos import ffmpeg_exe


def big_mp4(path: Path, size: int) -> Path:
    """A real MP4 (index first) followed by a 'free' box of random bytes up to ``size`` bytes:
    recognised and probed without reading it all, while every byte still has to arrive."""
    small = path.with_suffix(".small.mp4")
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=10:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", str(small)],
        check=True,
    )  # fmt: skip
    head = small.read_bytes()
    small.unlink()
    pad = size - len(head)
    with open(path, "wb") as out:
        out.write(head)
        if pad >= 2**32:
            out.write((1).to_bytes(4, "big") + b"free" + pad.to_bytes(8, "big"))  # 64-bit box size
            left = pad - 16
        else:
            out.write(pad.to_bytes(4, "big") + b"free")
            left = pad - 8
        while left:
            n = min(left, 16 << 20)
            out.write(os.urandom(n))
            left -= n
    return path
