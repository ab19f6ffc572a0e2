"""Live painting keeps up: the painted size goes down when frames take longer than the frame
budget, and back up when there is room (painterly.live.sizing), in the engine too."""

from __future__ import annotations

import threading

import pytest

from painterly.io import encode_image, resize_max
from painterly.live import LiveConfig, LiveEngine, SizeGovernor, SizingConfig


def test_slow_frames_lower_the_side_and_fast_ones_raise_it():
    g = SizeGovernor(384)
    budget = g.budget("neural")
    assert budget == pytest.approx(1 / 15) and g.budget("filter") == pytest.approx(1 / 25)
    sides = []
    for _ in range(30):  # each frame takes 4x the budget at any size: down to the minimum
        g.update(4 * budget * (g.side / 384) ** 2, "neural")
        sides.append(g.side)
    assert sides[0] == 384 and sides[-1] < 384
    assert all(b <= a for a, b in zip(sides, sides[1:]))  # never up while too slow
    assert all(s % 16 == 0 and s >= 128 for s in sides)
    # time grows with the pixel count: 4x the budget at 384 -> about 384 / 2 fits
    assert 160 <= sides[-1] <= 208
    low = g.side
    for _ in range(200):  # the machine got quiet: 1/10 of the budget at full size
        g.update(0.1 * budget * (g.side / 384) ** 2, "neural")
    assert g.side == 384 > low


def test_noise_around_the_budget_does_not_make_it_swing():
    g = SizeGovernor(384)
    budget = g.budget("filter")
    changes = 0
    for i in range(200):  # +-8 % around 90 % of the budget at full size
        changes += g.update(budget * (0.9 + 0.08 * (-1) ** i), "filter")
    assert changes == 0 and g.side == 384


def test_other_viewers_share_the_budget():
    alone, shared = SizeGovernor(384), SizeGovernor(384)
    t = 0.6 * alone.budget("neural")  # fits alone, not when two viewers share the painter
    for _ in range(10):
        alone.update(t, "neural")
        shared.update(t, "neural", share=2)
    assert alone.side == 384 and shared.side < 384


def test_reset_returns_to_full_size():
    g = SizeGovernor(384, SizingConfig(down_after=1))
    for _ in range(5):
        g.update(1.0, "neural")
    assert g.side == 128
    g.reset()
    assert g.side == 384


def test_the_engine_paints_smaller_frames_when_it_cannot_keep_up(chelsea):
    """A budget no frame can meet (100000 frames/s): frames come back smaller, down to the
    minimum side; with auto_size off they stay at the full size."""
    config = LiveConfig(sizing=SizingConfig(target_fps_filter=100_000, down_after=1, settle=0))
    engine = LiveEngine(config)
    frame = encode_image(resize_max(chelsea, 384), "JPEG")
    got, done = [], threading.Event()

    def on_painted(fid, us, jpeg):
        from painterly.io import load_image

        got.append(load_image(jpeg).shape[:2])
        done.set()

    viewer = engine.connect(on_painted, lambda e: pytest.fail(str(e)))
    try:
        engine.configure(viewer, style="pencil", stabilize=False)
        for fid in range(8):
            done.clear()
            engine.submit(viewer, fid, frame)
            assert done.wait(60)
        assert got[0][1] == 384 and got[-1][1] == 128  # longer side down to the minimum
        assert viewer.painted_size == (got[-1][1], got[-1][0])
        engine.configure(viewer, auto_size=False)
        done.clear()
        engine.submit(viewer, 99, frame)
        assert done.wait(60) and got[-1] == got[0]
    finally:
        engine.disconnect(viewer)
        engine.close()
