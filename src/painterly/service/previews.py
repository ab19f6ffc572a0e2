"""The style catalogue for ``GET /v1/styles``, and the photo each style's preview is painted on.

Previews are painted by the workers, as ordinary jobs (a model that crashes must never take the
API process down), once per style; the API keeps the file under the style's registered name.
"""

from __future__ import annotations

import functools

from painterly.styles import list_styles

PREVIEW_SIDE = 160  # px: a thumbnail, cheap for a worker to paint on first request


def catalogue() -> list[dict]:
    return [{"name": s.name, "family": s.family, "description": s.description, "tags": list(s.tags),
             "aliases": list(s.aliases), "preview": f"/v1/styles/{s.name}/preview"}
            for s in list_styles()]


@functools.cache
def sample_png() -> bytes:
    """The sample cat (scikit-image's, shipped in its wheel), PREVIEW_SIDE px, as PNG bytes."""
    from painterly.io import encode_image, resize_max
    from painterly.samples import sample_photo

    return encode_image(resize_max(sample_photo("chelsea"), PREVIEW_SIDE), "PNG")
