"""Shared fixtures. Test data from ../shared/testdata is optional: tests that need it skip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test data not found at {TESTDATA}")
    return TESTDATA


@pytest.fixture(scope="session")
def chelsea() -> np.ndarray:
    from painterly.samples import sample_photo

    return sample_photo("chelsea")


@pytest.fixture
def small_photo(chelsea) -> np.ndarray:
    from painterly.io import resize_max

    return resize_max(chelsea, 160)


@pytest.fixture
def hide_package(monkeypatch):
    """``hide_package("torch")``: imports of that package fail from now on, as on an install
    without the extra that brings it."""
    import builtins

    real_import = builtins.__import__
    hidden: set[str] = set()

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    return hidden.add
