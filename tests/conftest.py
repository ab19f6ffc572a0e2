"""Shared fixtures, and the one rule on skips.

A test may skip only when something outside painterly is missing: a third-party package (an
extra that is not installed), a tool (espeak-ng, chromium, exiftool) or ``../shared/testdata``.
Our own code failing to import or load is a failure, never a skip (``test_suite_hygiene.py``).

CI (``.ci/run``) installs all of those and sets ``PAINTERLY_REQUIRE_ALL=1``: then every skip is
reported as a failure (and a module skipped at import as a collection error), so a failed
install cannot leave CI green with tests quietly skipped. ``-rfEs`` (pyproject's addopts) lists
the reason of every skip in every run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
REQUIRE_ALL_ENV = "PAINTERLY_REQUIRE_ALL"


def require_all() -> bool:
    """True when every skip must fail (CI sets ``PAINTERLY_REQUIRE_ALL=1``)."""
    return os.environ.get(REQUIRE_ALL_ENV, "").strip() not in ("", "0")


def _reason(longrepr) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2])
    return str(longrepr)


def _as_failure(reason: str) -> str:
    return (f"{REQUIRE_ALL_ENV}=1: nothing may be skipped here, but this was: {reason}\n"
            "Install what it names (.ci/run lists everything CI needs).")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and require_all():
        report.outcome = "failed"
        report.longrepr = _as_failure(_reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and require_all():  # a module-level importorskip / skip
        report.outcome = "failed"
        report.longrepr = _as_failure(_reason(report.longrepr))


def pytest_report_header(config):
    if require_all():
        return f"{REQUIRE_ALL_ENV}=1: every skip is a failure"
    return None


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test data not found at {TESTDATA}")
    return TESTDATA


def need_tool(name: str, package: str) -> str:
    """The path of the command-line tool ``name``; skips (fails in CI) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install {package})")
    return path


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
    """``hide_package("torch")``: imports of that package fail from now on, and
    ``importlib.util.find_spec`` does not find it, as on an install without the extra that
    brings it."""
    import builtins
    import importlib.util

    real_import = builtins.__import__
    real_find_spec = importlib.util.find_spec
    hidden: set[str] = set()

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    def fake_find_spec(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(importlib.util, "find_spec", fake_find_spec)
    return hidden.add
