"""The style catalogue for ``GET /v1/styles``, and each style's preview (:class:`Previews`).

Previews are painted by the workers, as ordinary jobs (a model that crashes must never take the
API process down), at most once per style and data folder: concurrent first requests wait for
the same job, a failure is remembered until the server restarts, and the file is kept under the
style's registered name, as a small WebP (a first visit loads about 30 of them: 5-10 kB each
instead of 35-45 kB as PNG), and served as a static file from then on. Another site's page
cannot start one (a cross-site ``<img src>`` gets 403 until the preview exists): a preview is
made on a request from the server's own pages or a non-browser client only.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from pathlib import Path

from painterly.styles import list_styles

PREVIEW_SIDE = 160  # px: a thumbnail, cheap for a worker to paint on first request
WEBP_QUALITY = 80  # painted textures stay crisp at 160 px; about 7 kB a preview


def catalogue() -> list[dict]:
    return [{"name": s.name, "family": s.family, "description": s.description, "tags": list(s.tags),
             "aliases": list(s.aliases), "preview": f"/v1/styles/{s.name}/preview"}
            for s in list_styles()]


@functools.cache
def sample_png() -> bytes:
    """The sample cat (scikit-image's, shipped in its wheel), PREVIEW_SIDE px, as PNG bytes."""
    from painterly.io import resize_max
    from painterly.provenance.artwork import encode_artwork
    from painterly.samples import sample_photo

    return encode_artwork(resize_max(sample_photo("chelsea"), PREVIEW_SIDE), "PNG")


def save_webp(src: Path, dst: Path, *, side: int | None = None, quality: int = WEBP_QUALITY) -> None:
    """``src`` (any image Pillow reads) as WebP at ``dst``, its longer side at most ``side``;
    written to a temporary name first, so a reader never sees half a file."""
    from PIL import Image

    with Image.open(src) as im:
        im = im.convert("RGB")
        if side is not None:
            im.thumbnail((side, side), Image.Resampling.LANCZOS)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        im.save(tmp, "WEBP", quality=quality, method=4)
    os.replace(tmp, dst)


class Previews:
    """The previews of one server: made once, then files."""

    def __init__(self, config, service):
        self.config, self.service = config, service
        self._making: dict[str, asyncio.Future] = {}  # style -> the one painting of it
        self._failed: dict[str, str] = {}  # style -> why its preview could not be painted
        self._jobs: dict[str, str] = {}  # style -> the id of its preview job

    async def get(self, name: str, cross_site: str | None) -> Path:
        """The preview file of style ``name``; ``cross_site``: why the request comes from
        another site (see :func:`painterly.service.security.cross_site`), or None."""
        from painterly.service import errors
        from painterly.styles import get_style

        spec = get_style(name)  # UnknownStyleError (422) lists the valid names
        path = self.config.previews_dir / f"{spec.name}.webp"  # the registered name, never the request's
        if path.is_file():
            return path
        if spec.name in self._failed:
            raise errors.Unavailable(self._failed[spec.name])
        if spec.name not in self._making:
            if cross_site is not None:
                raise errors.CrossSiteRefused(f"the preview of {spec.name!r} is not painted yet, and "
                                              f"another site cannot ask for it ({cross_site})")
            self._making[spec.name] = asyncio.ensure_future(self._paint(spec.name, path))
        try:
            return await asyncio.shield(self._making[spec.name])
        finally:
            if self._making.get(spec.name) is not None and self._making[spec.name].done():
                self._making.pop(spec.name, None)

    async def _paint(self, style: str, path: Path) -> Path:
        from starlette.concurrency import run_in_threadpool

        from painterly.service import errors

        if style not in self._jobs:  # one job per style, even when a wait for it timed out
            row, _ = await run_in_threadpool(
                self.service.submit, {"task": "stylize", "style": style, "seed": 0},
                {"image": [sample_png()]}, source="preview")
            self._jobs[style] = row["id"]
        (done,) = await self.service.wait([self._jobs[style]], self.config.a1111_timeout_s)
        if done is None or done["state"] != "succeeded":
            why = (f"the preview of {style!r} could not be painted: "
                   f"{(done or {}).get('last_error_message')}")
            self._failed[style] = why
            raise errors.Unavailable(why)
        await run_in_threadpool(save_webp, self.config.results_dir / done["result_name"], path)
        return path
