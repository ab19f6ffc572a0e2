"""The spoken-prompt language model follows the style catalogue."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pocketsphinx")

from painterly.speech.sphinx import _recognizer, to_pcm16
from painterly.styles import Style, registered

SILENCE = to_pcm16(np.zeros(8000, np.float32), dither=1e-3)


def test_a_style_added_after_first_use_joins_the_vocabulary():
    rec = _recognizer()
    rec.decode(SILENCE, "style", 0.45)  # first use: the model is built from today's catalogue
    assert "watercolor" in rec.words and "zebra" not in rec.words
    zebra = Style("zz-zebra", "filter", "black and white stripes", lambda im, **_: im,
                  ("zebra stripes", "zebra"))
    with registered(zebra):
        rec.decode(SILENCE, "style", 0.45)
        assert "zebra" in rec.words and "stripes" in rec.words
    rec.decode(SILENCE, "auto", 0.45)
    assert "zebra" not in rec.words  # and leaves with it
