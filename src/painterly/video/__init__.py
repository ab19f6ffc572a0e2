"""Video: painting a stream of frames steadily. A flow-guided temporal stabiliser
(:class:`Stabilizer`, :func:`stabilize`) and the flicker metric of Lai et al. 2018
(:func:`warping_error`). OpenCV's DIS optical flow does the motion estimation.
:func:`stylize_clip` paints a clip file frame by frame (the reader and writer are
:mod:`painterly.videoio`, which needs the ``video`` extra).
"""

from painterly.video.clip import ClipBlocks, ClipResult, stylize_clip
from painterly.video.flicker import warping_error
from painterly.video.flow import FlowConfig, FlowEstimator, consistency_mask, warp
from painterly.video.stabilizer import Stabilizer, StabilizerConfig, stabilize

__all__ = [
    "ClipBlocks",
    "ClipResult",
    "FlowConfig",
    "FlowEstimator",
    "Stabilizer",
    "StabilizerConfig",
    "consistency_mask",
    "stabilize",
    "stylize_clip",
    "warp",
    "warping_error",
]
