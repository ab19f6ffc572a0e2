"""Flicker as the temporal warping error of Lai et al. 2018 ("Learning Blind Video Temporal
Consistency", ECCV, eq. 8): for consecutive output frames O_t, O_{t+1},

    E_warp = 1 / sum(M_t) * sum_x M_t(x) * ||O_t(x) - warp(O_{t+1})(x)||^2

with the flow and the non-occlusion mask M_t computed on the *input* video (so the metric does
not depend on what the output looks like), averaged over the clip. Lower is steadier; a static
photo painted twice the same gives 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from painterly.video.flow import FlowConfig, FlowEstimator, warp

#: Flow for the metric: full resolution and DIS's "medium" preset, not the stabiliser's fast one.
METRIC_FLOW = FlowConfig(scale=1.0, preset="medium")


def pair_error(out_t: np.ndarray, out_next: np.ndarray, flow: np.ndarray, mask: np.ndarray) -> float:
    """Masked mean squared difference between ``out_t`` and ``out_next`` warped onto it by
    ``flow`` (t -> t+1, per pixel of frame t); ``mask`` is 1 where frame t is visible at t+1."""
    d = out_t - warp(out_next, flow)
    diff = d[..., 0] ** 2 + d[..., 1] ** 2 + d[..., 2] ** 2
    m = mask.astype(np.float32)
    total = float(m.sum())
    if total == 0:
        return 0.0
    return float((diff * m).sum() / total)


def warping_error(
    outputs: Sequence[np.ndarray],
    inputs: Sequence[np.ndarray] | None = None,
    *,
    flows: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> float:
    """Mean warping error over a clip (Lai et al. 2018). Give the input video (the flow is then
    estimated with DIS at full resolution with the forward-backward occlusion check) or, when
    the true motion is known, ``flows``: one ``(flow t -> t+1, mask)`` per consecutive pair."""
    n = len(outputs)
    if n < 2:
        raise ValueError("the warping error needs at least two frames")
    if flows is None:
        if inputs is None or len(inputs) != n:
            raise ValueError("give the input frames (same count as outputs) or the flows")
        est = FlowEstimator(METRIC_FLOW)
        greys = [est.grey(f) for f in inputs]
        flows = [est.flow_and_mask(greys[t], greys[t + 1], outputs[t].shape[:2])
                 for t in range(n - 1)]
    if len(flows) != n - 1:
        raise ValueError(f"need {n - 1} flows for {n} frames, got {len(flows)}")
    return float(np.mean([pair_error(outputs[t], outputs[t + 1], *flows[t]) for t in range(n - 1)]))
