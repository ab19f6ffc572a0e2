"""The temporal stabiliser and the flicker metric (painterly.video) on short synthetic clips."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.io import resize_max
from painterly.video import Stabilizer, StabilizerConfig, consistency_mask, stabilize, warping_error
from painterly.video.synthetic import CameraPath, camera_clip

SMALL = CameraPath(frames=8, size=(96, 128), noise=0.0)


@pytest.fixture(scope="module")
def photo(chelsea):
    return resize_max(chelsea, 300)


def test_true_flow_of_the_clip_aligns_its_frames(photo):
    frames, flows = camera_clip(photo, SMALL)
    assert len(frames) == 8 and len(flows) == 7
    assert frames[0].shape == (96, 128, 3) and frames[0].dtype == np.float32
    aligned = warping_error(frames, flows=flows)
    # the frames do move: without the flow the same pairs differ far more
    still = [(np.zeros_like(f), m) for f, m in flows]
    assert aligned < 0.2 * warping_error(frames, flows=still)
    assert aligned < 0.01


def test_estimated_flow_metric_agrees_with_true_flow(photo):
    frames, flows = camera_clip(photo, SMALL)
    rng = np.random.default_rng(0)
    noisy = [np.clip(f + rng.normal(0, 0.05, f.shape), 0, 1).astype(np.float32) for f in frames]
    true = warping_error(noisy, flows=flows)
    est = warping_error(noisy, frames)
    assert est == pytest.approx(true, rel=0.3)


def test_stabiliser_halves_flicker_of_a_flickering_painter(photo):
    """A 'painter' that adds fresh random texture every frame flickers; the stabiliser must cut
    the warping error to under half while staying close to each frame's own painting."""
    frames, flows = camera_clip(photo, CameraPath(frames=12, size=(96, 128), noise=0.01))
    rng = np.random.default_rng(1)
    painted = [np.clip(f + rng.normal(0, 0.08, f.shape), 0, 1).astype(np.float32) for f in frames]
    steady = stabilize(frames, painted)
    before, after = warping_error(painted, flows=flows), warping_error(steady, flows=flows)
    assert after < 0.5 * before
    for s, p in zip(steady, painted):
        assert s.shape == p.shape and s.dtype == np.float32 and s.flags.c_contiguous
        assert s.min() >= 0.0 and s.max() <= 1.0
    # it follows the video: the last output is near the last painting, not the first
    assert np.abs(steady[-1] - painted[-1]).mean() < np.abs(steady[-1] - painted[0]).mean()


def test_alpha_zero_is_frame_by_frame(photo):
    frames, _ = camera_clip(photo, SMALL)
    painted = [1.0 - f for f in frames]
    out = stabilize(frames, painted, StabilizerConfig(alpha=0.0))
    for o, p in zip(out, painted):
        np.testing.assert_allclose(o, p, atol=1e-4)


def test_cut_resets_instead_of_blending(photo):
    frames, _ = camera_clip(photo, SMALL)
    stab = Stabilizer()
    stab(frames[0], frames[0])
    other = np.ascontiguousarray(np.flipud(frames[3]) * 0.3)  # a different scene
    painted = np.full_like(other, 0.5)
    out = stab(other, painted)
    np.testing.assert_array_equal(out, painted)


def test_state_is_per_stream(photo):
    frames, _ = camera_clip(photo, SMALL)
    a, b = Stabilizer(), Stabilizer()
    a(frames[0], frames[0])
    # b has seen nothing: its first frame is returned as painted, whatever a holds
    painted = np.full_like(frames[1], 0.25)
    np.testing.assert_array_equal(b(frames[1], painted), painted)


def test_forward_backward_check_marks_inconsistent_flow():
    back = np.zeros((20, 30, 2), np.float32)
    back[..., 0] = 3.0
    consistent = consistency_mask(back, -back)
    inconsistent = consistency_mask(back, back)
    assert consistent[:, :-4].min() == 1.0
    assert consistent[:, -2:].max() == 0.0  # lands outside the frame
    assert inconsistent.max() == 0.0


def test_shape_mismatch_and_bad_alpha_raise(photo):
    with pytest.raises(ValueError, match="alpha"):
        Stabilizer(StabilizerConfig(alpha=1.0))
    with pytest.raises(ValueError, match="shape"):
        Stabilizer()(np.zeros((8, 8, 3), np.float32), np.zeros((8, 9, 3), np.float32))
    with pytest.raises(ValueError, match="two frames"):
        warping_error([np.zeros((8, 8, 3), np.float32)])


def test_y4m_clip_for_the_fake_camera(tmp_path, photo):
    from painterly.video.synthetic import write_y4m

    frames, _ = camera_clip(photo, SMALL)
    path = tmp_path / "clip.y4m"
    write_y4m(frames, path)
    data = path.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header.startswith(b"YUV4MPEG2 W128 H96 F30:1")
    assert rest.count(b"FRAME\n") == len(frames)
    assert len(rest) == len(frames) * (len(b"FRAME\n") + 128 * 96 * 3 // 2)
    with pytest.raises(ValueError, match="even"):
        write_y4m([np.zeros((5, 4, 3), np.float32)], tmp_path / "odd.y4m")
