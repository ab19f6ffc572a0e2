"""ReservedCode1 is checkable: the sha256 of the pixels decoded from the file itself."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from painterly.provenance import encode_artwork as encode_image
from painterly.provenance.readback import inspect
from painterly.provenance.record import Provenance


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_reserved_code1_is_the_hash_of_the_files_own_pixels(fmt):
    rng = np.random.default_rng(5)
    img = rng.random((96, 128, 3)).astype(np.float32)  # noise: lossy coding changes most pixels
    data = encode_image(img, fmt, metadata={"style": "x", "provenance": Provenance()})
    with Image.open(io.BytesIO(data)) as im:
        pixels = np.asarray(im.convert("RGB"))
    label = inspect(data, watermark=False)["ai_label"]
    assert label["ReservedCode1"] == "sha256:" + hashlib.sha256(pixels.tobytes()).hexdigest()
    assert label["ProduceID"] == label["ReservedCode1"][7:39]
