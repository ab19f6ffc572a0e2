import numpy as np
import pytest

from painterly.sheet import contact_sheet


def test_contact_sheet_layout_and_content():
    red = np.zeros((50, 100, 3), np.float32)
    red[..., 0] = 1.0
    sheet = contact_sheet([("a", red), ("b", red), ("c", red)], cols=3, cell=100, caption_px=20)
    assert sheet.dtype == np.float32 and sheet.ndim == 3
    # three 100-px cells plus padding across; one row of 50-px cells (landscape aspect kept)
    assert sheet.shape[1] == 3 * 108 + 8 and sheet.shape[0] == 50 + 20 + 16
    reds = (sheet[..., 0] > 0.9) & (sheet[..., 1] < 0.1)
    assert reds.sum() == 3 * 50 * 100  # every image pasted whole, nothing else red
    captions = sheet[58:, :, :].mean(axis=2) < 0.5
    assert captions.any()  # captions were drawn
    with pytest.raises(ValueError):
        contact_sheet([])
