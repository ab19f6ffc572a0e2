"""``GET /v1/jobs/{id}/thumbnail``: a painting's result as a small WebP, for the studio's history.

A result is a full-size PNG (1-2 MB at 2048 px); the history shows 20 or more of them at about
130 CSS px. The thumbnail is made on first request from the result file, kept next to the other
derived files in the data folder (``thumbs/``, removed with its job), and cached by the browser:
a job's result never changes.
"""

from __future__ import annotations

from pathlib import Path

from painterly.service import errors
from painterly.service.previews import save_webp

THUMB_SIDE = 256  # px: sharp at 128 CSS px on a 2x screen; 8-20 kB as WebP
THUMB_QUALITY = 70


def thumbs_dir(config) -> Path:
    return config.data_dir / "thumbs"


def thumbnail_path(config, job: dict) -> Path:
    """The thumbnail of a succeeded ``job`` (a store row), made now if it does not exist yet."""
    if job["state"] != "succeeded":
        raise errors.NotFinished(f"job {job['id']} has no result (state {job['state']})")
    result = config.results_dir / job["result_name"]  # a name the worker chose
    path = thumbs_dir(config) / f"{job['id']}.webp"  # the id was checked by Service.job
    if not path.is_file():
        if not result.is_file():
            raise errors.NotFound(f"the result of job {job['id']} is no longer kept")
        save_webp(result, path, side=THUMB_SIDE, quality=THUMB_QUALITY)
    return path
