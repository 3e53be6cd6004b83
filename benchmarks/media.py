"""Case e (issue 4's benchmarks): image compression, nine photos at once, video transcode — no browser.

- One 12 MP JPEG: ``choose_media.media.images.compress_image`` against the plain Pillow way (open,
  ``ImageOps.exif_transpose``, LANCZOS resize to the same size, save JPEG q80): time, bytes, SSIM of each
  against the full-size upright original (greyscale, both downscaled to 1000 px wide, Gaussian SSIM
  computed here with numpy).
- Nine different 12 MP photos: ``compress_image`` on a ``ThreadPoolExecutor`` with one worker per core
  (what the widget's pipeline uses) against one after another.
- Video: ``choose_media.media.videos.transcode_video`` against the bare ffmpeg command line with the *same*
  arguments, captured from ``transcode_video``'s own ffmpeg call; realtime factor and output/input size.
Runs are interleaved (A, B, A, B, ...).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .files import COCKATOO, clip_720p, photo_12mp
from .report import CaseResult, Measurement, Table, fmt, spread


# -- SSIM ------------------------------------------------------------------------------------------
def _gaussian(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - size // 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _blur(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    view = np.lib.stride_tricks.sliding_window_view(a, g.size, axis=1)
    a = view @ g
    view = np.lib.stride_tricks.sliding_window_view(a, g.size, axis=0)
    return view @ g


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two greyscale images (Wang et al. 2004: 11x11 Gaussian, sigma 1.5, K1 .01, K2 .03)."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    g = _gaussian()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = _blur(a, g), _blur(b, g)
    saa = _blur(a * a, g) - mu_a**2
    sbb = _blur(b * b, g) - mu_b**2
    sab = _blur(a * b, g) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * sab + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2)
    return float((num / den).mean())


def _grey(path: Path, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        up = ImageOps.exif_transpose(im)
        return np.asarray(up.convert("L").resize(size, Image.Resampling.LANCZOS))


# -- images -------------------------------------------------------------------------------------------
def _cpu_ms(m: Measurement) -> str:
    c = m.extra.get("cpu")
    return f"{statistics.median(c) * 1000:.0f}" if c else "–"


def plain_pillow(src: Path, dest: Path, size: tuple[int, int]) -> Path:
    """The way most notebooks do it."""
    from PIL import Image, ImageOps

    with Image.open(src) as im:
        up = ImageOps.exif_transpose(im)
        up.resize(size, Image.Resampling.LANCZOS).save(dest, "JPEG", quality=80)
    return dest


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(fn: Callable[[], Any], cpu: list[float] | None = None, *, children: bool = False) -> tuple[float, Any]:
    """Wall seconds of ``fn()`` (and its result); appends its CPU seconds to ``cpu``: this process's, all
    threads (``children``: the finished child processes', e.g. ffmpeg)."""
    clock = _children_cpu if children else time.process_time
    c, t = clock(), time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t
    if cpu is not None:
        cpu.append(clock() - c)
    return wall, out


def image_case(work: Path, runs: int, log: Any = print, *, batch: int = 9) -> tuple[list[Measurement], Table]:
    from choose_media.media.images import compress_image

    photo = photo_12mp(work)
    out = Path(tempfile.mkdtemp(prefix="bench-img-", dir=work))
    mine = Measurement("media", "choose-media compress_image", "12 MP JPEG → 1920 px JPEG", "ms")
    plain = Measurement("media", "plain Pillow", "12 MP JPEG → 1920 px JPEG", "ms")
    result = None
    plain_out = out / "plain.jpg"
    for m in (mine, plain):
        m.extra["cpu"] = []
    for _ in range(runs):
        t, result = _timed(lambda: compress_image(photo, out), mine.extra["cpu"])
        mine.runs.append(t * 1000)
        size = (result.width, result.height)
        plain_out.unlink(missing_ok=True)
        t, _ = _timed(lambda size=size: plain_pillow(photo, plain_out, size), plain.extra["cpu"])
        plain.runs.append(t * 1000)
    assert result is not None
    ref_size = (1000, round(1000 * result.height / result.width))
    ref = _grey(photo, ref_size)
    for m, path in ((mine, result.path), (plain, plain_out)):
        m.extra["bytes"] = path.stat().st_size
        m.extra["ssim"] = ssim(ref, _grey(path, ref_size))
        m.extra["size"] = f"{result.width}x{result.height}"
    log(f"  image compress_image {mine.median:.0f} ms, plain Pillow {plain.median:.0f} ms")
    shutil.rmtree(out, ignore_errors=True)

    photos = [photo_12mp(work, variant=i) for i in range(batch)]
    seq = Measurement("media", f"{batch} photos one after another", f"{batch} × compress_image", "ms")
    par = Measurement("media", f"{batch} photos on a ThreadPoolExecutor({os.cpu_count()})",
                      f"{batch} × compress_image", "ms")
    for m in (seq, par):
        m.extra["cpu"] = []
    for _ in range(runs):
        d = Path(tempfile.mkdtemp(prefix="bench-nine-", dir=work))
        t, _ = _timed(lambda d=d: [compress_image(p, d) for p in photos], seq.extra["cpu"])
        seq.runs.append(t * 1000)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            t, _ = _timed(lambda d=d, pool=pool: list(pool.map(lambda p: compress_image(p, d), photos)), par.extra["cpu"])
        par.runs.append(t * 1000)
        shutil.rmtree(d, ignore_errors=True)
    log(f"  {batch} photos: one after another {seq.median:.0f} ms, concurrent {par.median:.0f} ms")

    src_bytes = photo.stat().st_size
    rows = [
        [f"12 MP JPEG ({src_bytes / 1e6:.1f} MB) → {mine.extra['size']} JPEG q80", "choose-media `compress_image`",
         fmt(mine.median, 0), _cpu_ms(mine), f"{plain.median / mine.median:.2f}×" if mine.median and plain.median else "–",
         f"{mine.extra['bytes'] / 1000:.0f} KB", f"{mine.extra['ssim']:.4f}", spread(mine.runs, 0)],
        ["", "plain Pillow: open, `exif_transpose`, LANCZOS resize, save q80", fmt(plain.median, 0), _cpu_ms(plain),
         "1.00×", f"{plain.extra['bytes'] / 1000:.0f} KB", f"{plain.extra['ssim']:.4f}", spread(plain.runs, 0)],
        [f"{batch} different 12 MP JPEGs", "one after another", fmt(seq.median, 0), _cpu_ms(seq), "1.00×", "–", "–",
         spread(seq.runs, 0)],
        ["", f"concurrently: `ThreadPoolExecutor({os.cpu_count()})` over `compress_image` (as the pipeline)",
         fmt(par.median, 0), _cpu_ms(par), f"{seq.median / par.median:.2f}×" if seq.median and par.median else "–",
         "–", "–", spread(par.runs, 0)],
    ]
    table = Table(
        "Media: image compression",
        ["input", "how", "wall ms (median)", "CPU ms", "speed-up (wall)", "output", "SSIM vs original",
         f"range of {runs} runs (wall ms)"],
        rows,
        notes=[
            "Photo: shared `rommel.jpg` (a real 3072x2304 photo) upscaled to 4000x3000, JPEG q92, stored sideways "
            f"with EXIF orientation 6; the {batch} variants differ in crop and brightness. Output long edge 1920 px "
            "(choose-media's default), the plain way resizes to the same size.",
            "Speed-up: the plain way's time ÷ this one (first pair), one after another ÷ concurrently (second "
            "pair); above 1 is faster.",
            "CPU ms: this process's CPU time, all threads (median); with two cores, concurrency can at best "
            "halve the wall time of the same CPU work, and only when the cores are not busy with something else.",
            "SSIM: both outputs and the full-size upright original, greyscale, downscaled to 1000 px wide with "
            "LANCZOS; 11x11 Gaussian window, σ 1.5 (numpy). 1.0 = identical.",
        ],
    )
    return [mine, plain, seq, par], table


# -- video ----------------------------------------------------------------------------------------------
def captured_ffmpeg_args(src: Path, work: Path) -> tuple[list[str], Any]:
    """Runs ``transcode_video`` once and returns the ffmpeg argument list it used (and its result)."""
    import choose_media.media.videos as videos

    calls: list[list[str]] = []
    real = subprocess.Popen

    class Spy(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *a: Any, **kw: Any) -> None:
            calls.append([str(x) for x in args])
            super().__init__(args, *a, **kw)

    videos.subprocess.Popen = Spy  # type: ignore[misc]
    try:
        result = videos.transcode_video(src, work)
    finally:
        videos.subprocess.Popen = real  # type: ignore[misc]
    encodes = [c for c in calls if "-c:v" in c]
    if not encodes:
        raise RuntimeError("transcode_video ran no ffmpeg encode")
    return encodes[-1], result


def bare_ffmpeg(args: list[str], dest: Path) -> None:
    """The captured command line, writing to ``dest`` (its last argument is the output)."""
    out = args[-1]
    run = args[:-1] + [("file:" if out.startswith("file:") else "") + str(dest)]
    subprocess.run(run, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def video_case(work: Path, runs: int, clip_seconds: float, log: Any = print, *,
               shared: bool = True) -> tuple[list[Measurement], Table]:
    from choose_media.media.videos import probe_video, transcode_video

    inputs = [clip_720p(work, clip_seconds)]
    if shared and COCKATOO.exists():
        inputs.insert(0, COCKATOO)
    ms: list[Measurement] = []
    rows = []
    args_note = ""
    for src in inputs:
        info = probe_video(src)
        d = Path(tempfile.mkdtemp(prefix="bench-video-", dir=work))
        args, first = captured_ffmpeg_args(src, d)
        args_note = " ".join(a if not a.startswith(("/", "file:/")) else "…" for a in args[1:])
        mine = Measurement("media", f"transcode_video {src.name}", "transcode", "s")
        bare = Measurement("media", f"bare ffmpeg {src.name}", "transcode", "s")
        out_bytes = Path(first.path).stat().st_size
        mine.extra["cpu"], bare.extra["cpu"] = [], []
        for i in range(runs):
            t, res = _timed(lambda src=src, d=d: transcode_video(src, d), mine.extra["cpu"], children=True)
            mine.runs.append(t)
            Path(res.path).unlink(missing_ok=True)
            dest = d / f"bare-{i}.mp4"
            t, _ = _timed(lambda args=args, dest=dest: bare_ffmpeg(args, dest), bare.extra["cpu"], children=True)
            bare.runs.append(t)
            dest.unlink(missing_ok=True)
        shutil.rmtree(d, ignore_errors=True)
        ms += [mine, bare]
        log(f"  video {src.name}: transcode_video {mine.median:.2f} s, bare ffmpeg {bare.median:.2f} s")
        label = (f"{src.name}: {info.width}x{info.height}, {info.duration:.1f} s, {info.codec}, "
                 f"{src.stat().st_size / 1e6:.1f} MB")
        for m, how in ((mine, "choose-media `transcode_video`"), (bare, "bare ffmpeg, same arguments")):
            cpu_s = statistics.median(m.extra["cpu"])
            rows.append([
                label if m is mine else "", how, fmt(m.median, 2),
                f"{m.median / bare.median:.2f}×" if m.median and bare.median else "–",
                f"{cpu_s:.2f}", f"{cpu_s / statistics.median(bare.extra['cpu']):.2f}×",
                f"{info.duration / m.median:.1f}×" if m.median else "–",
                f"{out_bytes / src.stat().st_size:.2f}" if m is mine else "",
                spread(m.runs, 2),
            ])
    table = Table(
        "Media: video transcode",
        ["input", "how", "wall s (median)", "wall ÷ bare ffmpeg", "ffmpeg CPU s", "CPU ÷ bare ffmpeg",
         "realtime factor", "output / input size", f"range of {runs} runs (wall s)"],
        rows,
        notes=[
            f"The arguments are captured from `transcode_video`'s own ffmpeg call: `ffmpeg {args_note}`. "
            "`transcode_video` also probes the input before and the output after (ffmpeg `-i`), which the "
            "bare command does not. ffmpeg CPU s: user + system time of the ffmpeg processes (probes included).",
            f"Generated clip: {clip_seconds:g} s of 1280x720 30 fps testsrc2 with light film grain (about a phone's bitrate), H.264 CRF 20 + AAC 128k.",
        ],
    )
    return ms, table


def run_case(work: Path, runs: int, clip_seconds: float = 10.0, log: Any = print, *, smoke: bool = False) -> CaseResult:
    """``smoke``: two photos instead of nine, and only the generated clip."""
    ims, itable = image_case(work, runs, log, batch=2 if smoke else 9)
    vms, vtable = video_case(work, runs, clip_seconds, log, shared=not smoke)
    return CaseResult("media", [itable, vtable], ims + vms)

