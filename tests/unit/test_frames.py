"""Live frames in the kernel: what a callback receives, and how a stream survives slow or failing callbacks."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import numpy as np
import pytest
from PIL import Image

from choose_media.camera.frames import MAX_FRAME_PIXELS, Frame, FrameDispatcher, FrameRequest

W, H = 8, 6
RED, BLUE = (200, 20, 20), (20, 20, 200)


def picture() -> Image.Image:
    """Left half red, right half blue: a mirror would swap them."""
    im = Image.new("RGB", (W, H), RED)
    im.paste(BLUE, (W // 2, 0, W, H))
    return im


def rgba_bytes() -> bytes:
    return picture().convert("RGBA").tobytes()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    picture().save(out, "JPEG", quality=95)
    return out.getvalue()


def message(seq: int, *, fmt: str = "rgba", stamp: float = 1000.0, dropped: int = 0, **extra: Any) -> dict[str, Any]:
    return {"kind": "frame", "seq": seq, "timestamp": stamp, "width": W, "height": H, "format": fmt,
            "dropped": dropped, **extra}


def close(a: Any, b: Any, tol: int = 12) -> bool:
    return all(abs(int(x) - int(y)) <= tol for x, y in zip(a, b, strict=False))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- Frame -----------------------------------------------------------------------------------------------


def test_rgba_frame_gives_the_exact_pixels_as_pil_and_numpy() -> None:
    frame = Frame(3, 1000.5, W, H, "rgba", rgba_bytes())
    im = frame.to_pil()
    assert (im.mode, im.size) == ("RGB", (W, H))
    assert im.getpixel((0, 0)) == RED and im.getpixel((W - 1, 0)) == BLUE
    arr = frame.to_numpy()
    assert arr.shape == (H, W, 3) and arr.dtype == np.uint8
    assert tuple(arr[0, 0]) == RED and tuple(arr[0, W - 1]) == BLUE
    assert arr.flags.c_contiguous and arr.flags.writeable  # ready for OpenCV, and safe to draw on
    arr[0, 0] = 0
    assert frame.to_numpy()[0, 0].tolist() == list(RED)  # a copy: the frame itself never changes
    assert frame.to_numpy("RGBA").shape == (H, W, 4)
    with pytest.raises(ValueError):
        frame.to_numpy("BGR")  # type: ignore[arg-type]


def test_jpeg_frame_decodes_to_the_same_picture() -> None:
    frame = Frame(0, 1.0, W, H, "jpeg", jpeg_bytes())
    assert close(frame.to_pil().getpixel((0, 0)), RED) and close(frame.to_pil().getpixel((W - 1, H - 1)), BLUE)
    assert frame.to_numpy().shape == (H, W, 3)


def test_frame_is_immutable_and_its_repr_is_short() -> None:
    frame = Frame(7, 1234.5, W, H, "rgba", rgba_bytes())
    with pytest.raises(AttributeError):
        frame.seq = 8  # type: ignore[misc]
    assert repr(frame) == "Frame(seq=7, 8x6 rgba, timestamp=1234.500)"


# -- FrameRequest ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fps", "size", "fmt"),
    [
        (0, (640, 480), "rgba"), (61, (640, 480), "rgba"), (float("nan"), (640, 480), "rgba"),
        (True, (640, 480), "rgba"), ("10", (640, 480), "rgba"), (10, (640,), "rgba"), (10, "640x480", "rgba"),
        (10, (0, 480), "rgba"), (10, (640.0, 480), "rgba"), (10, (4000, 3000), "rgba"), (10, (640, 480), "png"),
    ],
)
def test_bad_requests_fail_in_the_cell_that_made_them(fps: Any, size: Any, fmt: str) -> None:
    with pytest.raises(ValueError):
        FrameRequest.create(fps, size, fmt)


def test_a_1080p_rgba_frame_fits_under_the_message_cap() -> None:
    assert 1920 * 1080 <= MAX_FRAME_PIXELS and MAX_FRAME_PIXELS * 4 < 10 * 1024 * 1024
    assert FrameRequest.create(10, (1920, 1080), "rgba").to_json() == {
        "fps": 10.0, "width": 1920, "height": 1080, "format": "rgba"
    }


# -- FrameDispatcher -------------------------------------------------------------------------------------


def test_request_is_empty_without_callbacks_and_the_largest_ask_with_several() -> None:
    d = FrameDispatcher()
    assert d.request() == {}
    a, b = (lambda f: None), (lambda f: None)
    d.add(a, FrameRequest.create(5, (320, 240), "jpeg"))
    assert d.request() == {"fps": 5.0, "width": 320, "height": 240, "format": "jpeg"}
    d.add(b, FrameRequest.create(15, (640, 200), "rgba"))
    assert d.request() == {"fps": 15.0, "width": 640, "height": 240, "format": "rgba"}
    d.add(b, FrameRequest.create(1, (10, 10), "jpeg"))  # registering again replaces the request
    assert d.request() == {"fps": 5.0, "width": 320, "height": 240, "format": "jpeg"}
    assert d.remove(a) and d.remove(b) and not d.remove(b)
    assert d.request() == {} and len(d) == 0
    with pytest.raises(TypeError):
        d.add(42, FrameRequest.create(5, (10, 10), "rgba"))  # type: ignore[arg-type]


def test_frames_reach_every_callback_and_each_is_acknowledged() -> None:
    d = FrameDispatcher()
    got_a: list[Frame] = []
    got_b: list[Frame] = []
    d.add(got_a.append, FrameRequest.create(30, (W, H), "rgba"))
    d.add(got_b.append, FrameRequest.create(30, (W, H), "rgba"))
    assert d.handle(message(0), [memoryview(rgba_bytes())]) == 0
    assert d.handle(message(4, dropped=3, stamp=1000.1), [rgba_bytes()]) == 4
    assert [f.seq for f in got_a] == [f.seq for f in got_b] == [0, 4]
    assert got_a[1].timestamp == 1000.1 and isinstance(got_a[1].data, bytes)
    stats = d.stats.to_dict()
    assert stats["received"] == 2 and stats["delivered"] == 4 and stats["dropped_in_browser"] == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"width": 0}, {"height": "6"}, {"format": "png"}, {"timestamp": float("inf")}, {"timestamp": None},
        {"width": 4000, "height": 3000},
    ],
)
def test_a_malformed_frame_is_acknowledged_but_never_delivered(bad: dict[str, Any]) -> None:
    d = FrameDispatcher()
    got: list[Frame] = []
    d.add(got.append, FrameRequest.create(30, (W, H), "rgba"))
    assert d.handle(message(9, **bad), [rgba_bytes()]) == 9
    assert d.handle(message(10), [rgba_bytes()[:-1]]) == 10  # short buffer
    assert d.handle(message(11), [rgba_bytes(), b"x"]) == 11  # two buffers
    assert d.handle(message(12, fmt="jpeg"), [b"not a jpeg"]) == 12
    assert d.handle({"kind": "frame", "seq": "13"}, []) is None  # no seq: nothing to acknowledge
    assert got == [] and d.stats.invalid == 5


def test_frames_of_an_earlier_request_are_not_delivered() -> None:
    d = FrameDispatcher()
    got: list[Frame] = []
    d.add(got.append, FrameRequest.create(30, (W // 2, H // 2), "rgba"))
    assert d.handle(message(0), [rgba_bytes()]) == 0  # still full size: shot before the request changed
    assert d.handle(message(1, fmt="jpeg"), [jpeg_bytes()]) == 1
    assert got == [] and d.stats.stale == 2
    assert FrameDispatcher().handle(message(2), [rgba_bytes()]) == 2  # nobody listens: acknowledged anyway


def test_a_callback_that_asked_for_fewer_frames_gets_every_nth() -> None:
    d = FrameDispatcher()
    fast: list[int] = []
    slow: list[int] = []
    d.add(lambda f: fast.append(f.seq), FrameRequest.create(10, (W, H), "rgba"))
    d.add(lambda f: slow.append(f.seq), FrameRequest.create(2, (W, H), "rgba"))
    for seq in range(20):  # two seconds of a 10 fps stream
        d.handle(message(seq, stamp=1000 + seq / 10), [rgba_bytes()])
    assert fast == list(range(20))
    assert slow == [0, 5, 10, 15]
    assert d.stats.skipped == 16


def test_a_failing_callback_is_reported_sparingly_and_the_stream_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    d = FrameDispatcher(clock=clock)
    good: list[int] = []

    def broken(frame: Frame) -> None:
        raise ValueError(f"boom {frame.seq}")

    d.add(broken, FrameRequest.create(30, (W, H), "rgba"))
    d.add(lambda f: good.append(f.seq), FrameRequest.create(30, (W, H), "rgba"))
    for seq in range(5):
        clock.now = seq * 0.1
        assert d.handle(message(seq, stamp=1000 + seq / 30), [rgba_bytes()]) == seq
    assert good == [0, 1, 2, 3, 4] and d.stats.errors == 5
    err = capsys.readouterr().err
    assert err.count("ValueError: boom") == 1  # the first traceback only
    assert "frame callback" in err and "broken" in err
    clock.now = 10.0
    d.handle(message(5, stamp=1000 + 5 / 30), [rgba_bytes()])
    err = capsys.readouterr().err
    assert "ValueError: boom 5" in err and "4 more errors not shown" in err


def test_callbacks_never_run_concurrently_even_from_two_threads() -> None:
    d = FrameDispatcher()
    running = 0
    overlaps = 0
    seen: list[int] = []
    guard = threading.Lock()

    def slow(frame: Frame) -> None:
        nonlocal running, overlaps
        with guard:
            running += 1
            overlaps += running > 1
        time.sleep(0.01)
        seen.append(frame.seq)
        with guard:
            running -= 1

    d.add(slow, FrameRequest.create(30, (W, H), "rgba"))
    threads = [
        threading.Thread(target=lambda s=s: d.handle(message(s, stamp=1000 + s / 30), [rgba_bytes()]))
        for s in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == 0 and sorted(seen) == list(range(8))


def test_fps_counts_recent_arrivals() -> None:
    clock = FakeClock()
    d = FrameDispatcher(clock=clock)
    d.add(lambda f: None, FrameRequest.create(30, (W, H), "rgba"))
    assert d.stats.fps == 0.0
    for seq in range(11):
        clock.now = seq * 0.05
        d.handle(message(seq, stamp=1000 + seq * 0.05), [rgba_bytes()])
    assert d.stats.fps == pytest.approx(20.0)
    d.clear()
    d.add(lambda f: None, FrameRequest.create(30, (W, H), "rgba"))
    assert d.stats.received == 0  # counters start again with the first callback
