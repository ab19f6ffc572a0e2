"""The live engine: latest frame wins, viewers served in turn, errors reported per viewer."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from painterly.errors import InputError, LimitError, UnknownStyleError
from painterly.io import encode_image, load_image, resize_max
from painterly.live import LatestSlot, LiveConfig, LiveEngine
from painterly.live.protocol import pack_frame, pack_painted, unpack_frame, unpack_painted


@pytest.fixture(scope="module")
def jpeg(chelsea) -> bytes:
    return encode_image(resize_max(chelsea, 96), "JPEG")


def test_slot_keeps_only_the_newest():
    slot = LatestSlot()
    assert slot.take() is None
    assert slot.put(1) is False
    assert slot.put(2) is True and slot.put(3) is True
    assert slot.pending and slot.dropped == 2
    assert slot.take() == 3 and slot.take() is None and not slot.pending


def test_protocol_round_trip():
    assert unpack_frame(pack_frame(7, b"img")) == (7, b"img")
    assert unpack_painted(pack_painted(9, 1234, b"out")) == (9, 1234, b"out")
    with pytest.raises(ValueError):
        unpack_frame(b"\x01\x00")


def test_round_robin_over_viewers_with_frames():
    engine = LiveEngine(LiveConfig(workers=0))  # no threads: drive the scheduler by hand
    a, b, c = (engine.connect(lambda *a: None, lambda e: None) for _ in range(3))
    order = []
    for _ in range(6):
        for v in (a, b, c):  # every viewer always has a frame waiting
            engine.submit(v, 0, b"x")
        v = engine._next_locked()
        v.slot.take()
        order.append(v.id)
    assert order == [a.id, b.id, c.id] * 2
    # a busy viewer is skipped, and one with no frame is not picked
    a.busy = True
    b.slot.take()
    assert not b.slot.pending and not c.slot.pending
    assert engine._next_locked() is None  # a's frame waits while a is being painted
    engine.submit(c, 1, b"x")
    assert engine._next_locked() is c


def test_stale_frames_are_dropped_not_queued(jpeg):
    engine = LiveEngine(LiveConfig(workers=1))
    painted: list[int] = []
    first_done, release, all_done = threading.Event(), threading.Event(), threading.Event()

    def on_painted(fid, us, data):
        painted.append(fid)
        assert load_image(data).shape == (64, 96, 3)
        if fid == 0:
            first_done.set()
            release.wait(10)  # hold the painter while newer frames arrive
        else:
            all_done.set()

    viewer = engine.connect(on_painted, lambda e: pytest.fail(str(e)))
    engine.configure(viewer, style="pencil")
    try:
        engine.submit(viewer, 0, jpeg)
        assert first_done.wait(20)
        for fid in range(1, 6):
            engine.submit(viewer, fid, jpeg)
        release.set()
        assert all_done.wait(20)
    finally:
        engine.close()
    assert painted == [0, 5]  # frames 1-4 were stale when the painter was free
    assert viewer.dropped == 4 and viewer.painted == 2


def test_bad_frame_is_reported_and_engine_goes_on(jpeg):
    engine = LiveEngine(LiveConfig(workers=1))
    errors, done = [], threading.Event()
    viewer = engine.connect(lambda *a: done.set(), lambda e: (errors.append(e), done.set()))
    engine.configure(viewer, style="pencil", stabilize=False)
    try:
        engine.submit(viewer, 0, b"not an image at all")
        assert done.wait(20)
        assert errors and isinstance(errors[0], InputError)
        done.clear()
        engine.submit(viewer, 1, jpeg)
        assert done.wait(20)
        assert viewer.painted == 1
    finally:
        engine.close()


def test_settings_are_checked_and_paths_are_not_styles(tmp_path, chelsea):
    engine = LiveEngine(LiveConfig(workers=0))
    viewer = engine.connect(lambda *a: None, lambda e: None)
    painting = tmp_path / "painting.png"
    painting.write_bytes(encode_image(resize_max(chelsea, 64)))
    with pytest.raises(UnknownStyleError):
        engine.configure(viewer, style=str(painting))  # a remote user never names a file
    with pytest.raises(InputError, match="strength"):
        engine.configure(viewer, strength=3)
    with pytest.raises(InputError, match="unknown live setting"):
        engine.configure(viewer, colour="red")
    assert engine.configure(viewer, style="Starry Swirls").style == "starry-swirls"


def test_viewer_limit():
    engine = LiveEngine(LiveConfig(workers=0, max_viewers=2))
    engine.connect(lambda *a: None, lambda e: None)
    v = engine.connect(lambda *a: None, lambda e: None)
    with pytest.raises(LimitError):
        engine.connect(lambda *a: None, lambda e: None)
    engine.disconnect(v)
    engine.connect(lambda *a: None, lambda e: None)


def test_stabilised_stream_matches_frame_shape(jpeg):
    engine = LiveEngine(LiveConfig(workers=1))
    frames, done = [], threading.Event()

    def on_painted(fid, us, data):
        frames.append(load_image(data))
        if len(frames) == 3:
            done.set()

    viewer = engine.connect(on_painted, lambda e: pytest.fail(str(e)))
    engine.configure(viewer, style="watercolor", stabilize=True)
    try:
        for fid in range(3):
            engine.submit(viewer, fid, jpeg)
            while viewer.painted <= fid and not done.is_set():
                threading.Event().wait(0.01)
        assert done.wait(20)
    finally:
        engine.close()
    assert all(f.shape == (64, 96, 3) for f in frames)
    # the same still frame, stabilised: consecutive outputs nearly identical
    assert np.abs(frames[2] - frames[1]).mean() < 0.02
