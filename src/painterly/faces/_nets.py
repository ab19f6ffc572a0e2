"""The face networks: registry lookup, checked files, onnxruntime sessions per process.

The four ONNX files ship inside painterly (``painterly/faces/models``), registered in the one
model registry (:mod:`painterly.models.packaged`, names ``face-detection-short``,
``face-detection-full``, ``face-landmark``, ``selfie-segmentation``) with their sha256 and the
mediapipe file each was converted from. Sessions come from :mod:`painterly.neural.sessions`:
built lazily in the process that uses them, after any fork, shared by its threads, bounded.
"""

from __future__ import annotations

import numpy as np

# Small networks run between big ones: one thread each (a server runs many requests at once,
# and at these sizes a second thread bought nothing on 2 cores), idle threads not spinning.
_THREADS = 1


#: The networks :func:`painterly.faces.find_faces` runs.
FIND = ("face-detection-short", "face-detection-full", "face-landmark")


def _session(name: str):
    from painterly.models.packaged import model_path
    from painterly.neural.sessions import get_session

    return get_session(("faces", name), lambda: model_path(name).read_bytes(),
                       threads=_THREADS, spin=False)


def run(name: str, x: np.ndarray) -> list[np.ndarray]:
    """Outputs of the registered face network ``name`` for the NHWC float32 batch ``x``."""
    sess = _session(name)
    return sess.run(None, {sess.get_inputs()[0].name: np.ascontiguousarray(x, np.float32)})


def warm(names: tuple[str, ...] = FIND) -> None:
    """Build the sessions of ``names`` now (onnxruntime's import and the sessions cost a few
    hundred ms on first use): a command calls it on another thread while it reads the photo."""
    for name in names:
        _session(name)
