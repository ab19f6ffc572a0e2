"""Sample photos that ship inside installed packages (scikit-image's wheel), so demos run offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from painterly.errors import UnknownNameError

if TYPE_CHECKING:
    import numpy as np

#: name -> (skimage.data function, what it shows)
SAMPLES = {
    "chelsea": ("chelsea", "a tabby cat"),
    "astronaut": ("astronaut", "a portrait (Eileen Collins)"),
    "coffee": ("coffee", "a cup of coffee"),
    "rocket": ("rocket", "a rocket on the launch pad"),
}


def sample_photo(name: str = "chelsea") -> np.ndarray:
    """A sample photo as a contract image (float32 HxWx3 in [0, 1])."""
    if name not in SAMPLES:
        raise UnknownNameError(name, SAMPLES)
    import skimage.data

    from painterly.io import to_image

    return to_image(getattr(skimage.data, SAMPLES[name][0])())
