"""The main job: a photo in, an artwork out (:func:`stylize`, also ``painterly.stylize``)."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from painterly.io import ImageSource, check_image, check_output, load_image, resize_max
from painterly.styles import check_strength, get_style

ProgressFn = Callable[[int, int], None]  # (done, total)


def stylize(
    image: ImageSource,
    style="cartoon",
    *,
    strength: float = 1.0,
    seed: int = 0,
    max_size: int | None = None,
    library=None,
    **options,
) -> np.ndarray:
    """Paint ``image`` in the named ``style``.

    Parameters
    ----------
    image : path, bytes, file object, PIL image or array (see :func:`painterly.io.load_image`)
    style : str, path, image or blend
        A style name from :func:`painterly.list_styles` (``painterly styles`` on the CLI), or
        (see :func:`painterly.neural.transfer`) the path of any painting to use as the style,
        or a blend such as ``[("starry.jpg", 0.7), ("wave.jpg", 0.3)]``.
    strength : float in [0, 1]
        0 returns the photo, 1 the full style.
    seed : int
        Seeds every random element (paper grain, stroke jitter): same seed, same result.
    max_size : int, optional
        Downscale the input so its longer side is at most this many pixels first.
    library : :class:`painterly.library.Library` or folder, optional
        Where the user's own styles are looked up (default: :func:`painterly.library.library_dir`).
    **options
        Style-specific options (see each style's docstring).

    Returns
    -------
    numpy.ndarray, float32 (H, W, 3) in [0, 1].
    """
    check_strength(strength)
    # a painting's path, an image, or a weighted blend goes to neural arbitrary-style transfer
    named = isinstance(style, str) and not os.path.isfile(style)
    spec = get_style(style, library=library) if named else None
    img = check_image(image) if _is_contract(image) else load_image(image)
    if max_size is not None:
        img = resize_max(img, max_size)
    if spec is None:
        from painterly.neural import transfer

        return transfer(img, style, strength=strength, **options)
    out = spec.apply(img, strength=strength, seed=seed, **options)
    return check_output(out, img, spec.name)


def _is_contract(x) -> bool:
    return (
        isinstance(x, np.ndarray)
        and x.dtype == np.float32
        and x.ndim == 3
        and x.shape[2] == 3
        and x.flags.c_contiguous
    )
