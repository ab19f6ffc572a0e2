"""AUTOMATIC1111-compatible routes (``/sdapi/v1/...``), so existing clients work unchanged.

Each image an A1111 call asks for becomes one painterly job in the same durable queue; the call
waits for its jobs and answers as A1111 does: ``{"images": [raw base64], "parameters",
"info": JSON text with seed, all_seeds, infotexts, ...}``. ``img2img`` with ``styles`` naming a
painterly style runs that style (no diffusion model needed); without styles, and for
``txt2img``, a locally installed diffusion model paints. Remote URLs in ``init_images`` are
refused: the server never fetches anything.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from painterly.errors import InputError
from painterly.service import errors
from painterly.service.jobs import Service

MAX_IMAGES = 16  # batch_size * n_iter per call
_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


class _Common(BaseModel):
    # A1111 clients send many fields painterly has no use for (restore_faces, tiling, eta...):
    # they are accepted and ignored, as A1111 ignores what its extensions do not read.
    model_config = ConfigDict(extra="ignore")
    prompt: str = ""
    negative_prompt: str = ""
    styles: list[str] = Field(default_factory=list)
    seed: int = -1
    batch_size: int = Field(1, ge=1, le=MAX_IMAGES)
    n_iter: int = Field(1, ge=1, le=MAX_IMAGES)
    steps: int | None = Field(None, ge=1, le=200)
    cfg_scale: float = Field(7.0, ge=0, le=30)
    width: int = Field(512, ge=64, le=2048)
    height: int = Field(512, ge=64, le=2048)
    sampler_name: str | None = None
    override_settings: dict[str, Any] = Field(default_factory=dict)
    script_name: str | None = None
    alwayson_scripts: dict[str, Any] = Field(default_factory=dict)
    send_images: bool = True


class Txt2Img(_Common):
    pass


class Img2Img(_Common):
    init_images: list[str] = Field(default_factory=list)
    denoising_strength: float = Field(0.75, ge=0, le=1)
    mask: str | None = None
    include_init_images: bool = False


class PngInfo(BaseModel):
    image: str


def decode_image(text: str, what: str) -> bytes:
    """Base64 or a ``data:`` URL -> bytes. URLs are refused: the server fetches nothing."""
    if not isinstance(text, str) or not text:
        raise InputError(f"{what}: expected a base64 image")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text.strip(), re.IGNORECASE):
        raise InputError(f"{what}: remote URLs are refused (the server fetches nothing); "
                         "send the image as base64")
    body = _DATA_URL.sub("", text.strip(), count=1)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{what}: not valid base64 (raw base64 or a data:image/...;base64, URL)") from None


def _model_name(title: Any) -> str:
    if not isinstance(title, str):
        raise InputError(f"sd_model_checkpoint must be a model name (GET /sdapi/v1/sd-models), "
                         f"got {str(title)[:40]!r}")
    return re.sub(r"\s*\[[0-9a-fA-F]+\]$", "", title.strip())  # "name [hash]" as A1111 titles it


def _given(value: Any, default: Any) -> Any:
    """A setting as sent; null or empty text mean "not given"."""
    return default if value is None or value == "" else value


def _seeds(seed: int, n: int) -> list[int]:
    base = secrets.randbelow(2**32 - MAX_IMAGES) if seed < 0 else seed
    return [(base + i) % 2**32 for i in range(n)]


def _check_scripts(req: _Common) -> None:
    if req.script_name:
        raise InputError(f"script {req.script_name!r} is not available: this server has no scripts")
    def in_use(v: Any) -> bool:  # {"args": [false, null...]} is how clients say "off"
        args = v.get("args") if isinstance(v, dict) else None
        if isinstance(v, dict) and (args is None or isinstance(args, list)):
            return any(a not in (False, None) for a in args or [])
        return bool(v)

    used = [k for k, v in req.alwayson_scripts.items() if in_use(v)]
    if used:
        raise InputError(f"always-on scripts {', '.join(used)} are not available on this server")


def _infotext(req: _Common, seed: int, model: str | None, style: str | None, size) -> str:
    lines = [req.prompt]
    if req.negative_prompt:
        lines.append(f"Negative prompt: {req.negative_prompt}")
    fields = [("Steps", req.steps), ("CFG scale", req.cfg_scale), ("Seed", seed),
              ("Size", f"{size[0]}x{size[1]}"), ("Model", model), ("Style", style)]
    lines.append(", ".join(f"{k}: {v}" for k, v in fields if v is not None))
    return "\n".join(lines)


def install(app: FastAPI, service: Service) -> None:
    r = APIRouter(prefix="/sdapi/v1", tags=["AUTOMATIC1111"])
    store = service.store

    def default_model() -> str:
        return service.default_model

    async def run_jobs(req: _Common, jobs: list[tuple[dict, dict[str, list[bytes]]]], *,
                       model: str | None, style: str | None) -> dict:
        ids: list[str] = []
        try:
            for params, files in jobs:
                row, _ = await run_in_threadpool(service.submit, params, files, source="a1111")
                ids.append(row["id"])
        except BaseException:
            for i in ids:
                store.cancel(i)
            raise
        rows = await service.wait(ids, service.config.a1111_timeout_s)
        done = [r for r in rows if r is not None and r["state"] == "succeeded"]
        failed = [r for r in rows if r is not None and r["state"] == "failed"]
        if failed and not done:
            r0 = failed[0]
            status = errors.status_for_type(r0["last_error_type"])
            return _error_response(r0["last_error_type"], r0["last_error_message"], status)
        if not done:
            raise errors.Conflict("interrupted: no image was finished")
        images, seeds, infotexts = [], [], []
        for row in done:
            path = service.config.results_dir / row["result_name"]
            info = json.loads(row["info"] or "{}")
            images.append(base64.b64encode(path.read_bytes()).decode("ascii"))
            seeds.append(info.get("seed"))
            infotexts.append(_infotext(req, info.get("seed"), model, style,
                                       (info.get("width"), info.get("height"))))
        info = {
            "prompt": req.prompt, "all_prompts": [req.prompt] * len(done),
            "negative_prompt": req.negative_prompt,
            "all_negative_prompts": [req.negative_prompt] * len(done),
            "seed": seeds[0], "all_seeds": seeds, "subseed": seeds[0], "all_subseeds": seeds,
            "subseed_strength": 0, "width": req.width, "height": req.height,
            "sampler_name": req.sampler_name or "Default", "cfg_scale": req.cfg_scale,
            "steps": req.steps, "batch_size": req.batch_size, "restore_faces": False,
            "sd_model_name": model, "sd_model_hash": None, "seed_resize_from_w": -1,
            "seed_resize_from_h": -1, "denoising_strength": getattr(req, "denoising_strength", None),
            "styles": req.styles, "infotexts": infotexts, "job_timestamp":
            time.strftime("%Y%m%d%H%M%S"), "clip_skip": 1, "is_using_inpainting_conditioning": False,
            "painterly_jobs": ids,
        }
        params = req.model_dump(exclude={"init_images", "mask"})
        return {"images": images if req.send_images else [], "parameters": params,
                "info": json.dumps(info)}

    def _style(req: _Common) -> str | None:
        if not req.styles:
            return None
        if len(req.styles) > 1:
            raise InputError(f"give one painterly style at a time, got {', '.join(req.styles)}")
        from painterly.styles import get_style

        return get_style(req.styles[0]).name  # UnknownStyleError lists the valid names

    def _trust(req) -> dict[str, bool]:
        """painterly's trust steps, on by default; ``override_settings`` may turn them off:
        ``{"painterly_watermark": false, "painterly_visible_label": false}``."""
        out = {}
        for key in ("watermark", "visible_label"):
            value = req.override_settings.get(f"painterly_{key}")
            if value is not None:
                if not isinstance(value, bool):
                    raise InputError(f"override_settings.painterly_{key} must be true or false")
                out[key] = value
        return out

    @r.post("/txt2img")
    async def txt2img(req: Txt2Img):
        _check_scripts(req)
        style = _style(req)
        model = _model_name(_given(req.override_settings.get("sd_model_checkpoint"), default_model()))
        seeds = _seeds(req.seed, req.batch_size * req.n_iter)
        jobs = []
        for s in seeds:
            p = {"task": "paint", "prompt": req.prompt, "guidance": req.cfg_scale,
                 "width": req.width, "height": req.height, "seed": s, "model": model,
                 **_trust(req)}
            if req.negative_prompt:
                p["negative"] = req.negative_prompt
            if req.steps is not None:
                p["steps"] = req.steps
            if style:
                p["style"] = style
            jobs.append((p, {}))
        return await run_jobs(req, jobs, model=model, style=style)

    @r.post("/img2img")
    async def img2img(req: Img2Img):
        _check_scripts(req)
        if not req.init_images:
            raise InputError("img2img needs init_images: at least one base64 image")
        inits = [decode_image(t, f"init_images[{i}]") for i, t in enumerate(req.init_images)]
        mask = decode_image(req.mask, "mask") if req.mask else None
        style = _style(req)
        seeds = _seeds(req.seed, req.batch_size * req.n_iter)
        jobs, model = [], None
        if style is not None:  # a painterly style: no diffusion model needed
            if mask is not None:
                raise InputError("a mask needs a diffusion model: leave out styles to inpaint")
            for i, s in enumerate(seeds):
                jobs.append(({"task": "stylize", "style": style, "seed": s,
                              "strength": req.denoising_strength,
                              "max_size": max(req.width, req.height), **_trust(req)},
                             {"image": [inits[i % len(inits)]]}))
        else:
            model = _model_name(_given(req.override_settings.get("sd_model_checkpoint"), default_model()))
            for i, s in enumerate(seeds):
                p = {"task": "paint", "prompt": req.prompt, "guidance": req.cfg_scale,
                     "width": req.width, "height": req.height, "seed": s, "model": model,
                     "strength": req.denoising_strength, **_trust(req)}
                if req.negative_prompt:
                    p["negative"] = req.negative_prompt
                if req.steps is not None:
                    p["steps"] = req.steps
                files = {"image": [inits[i % len(inits)]]}
                if mask is not None:
                    files["mask"] = [mask]
                jobs.append((p, files))
        return await run_jobs(req, jobs, model=model, style=style)

    @r.get("/progress")
    def progress(skip_current_image: bool = False):
        running = store.list("running", 1, source="a1111")
        queued = store.list("queued", 500, source="a1111")
        job = running[0] if running else None
        return {
            "progress": round(float(job["progress"]), 4) if job else 0.0,
            "eta_relative": 0.0,
            "state": {"skipped": False, "interrupted": False, "job": job["id"] if job else "",
                      "job_count": len(queued) + len(running), "job_timestamp": "0",
                      "job_no": 0, "sampling_step": 0, "sampling_steps": 0},
            "current_image": None, "textinfo": None,
        }

    @r.post("/interrupt")
    def interrupt():
        for job in store.list("running", 500, source="a1111"):
            store.cancel(job["id"])
        return {}

    @r.post("/skip")
    def skip():
        return interrupt()

    @r.get("/options")
    def get_options():
        return {"sd_model_checkpoint": default_model(), "sd_checkpoint_hash": None,
                "samples_format": "png", "CLIP_stop_at_last_layers": 1}

    @r.post("/options")
    def set_options(options: dict[str, Any]):
        if "sd_model_checkpoint" in options:
            from painterly.models import get_model

            name = _model_name(options["sd_model_checkpoint"])
            spec = get_model(name)  # UnknownModelError lists the registered names
            if spec.kind != "diffusion":
                raise InputError(f"model {name!r} is a {spec.kind} model, not a diffusion model")
            store.set_setting("sd_model_checkpoint", spec.name)
            service.default_model = spec.name
        return {}

    @r.get("/sd-models")
    def sd_models():
        from painterly.models import is_available, list_models

        return [{"title": s.name, "model_name": s.name, "hash": None, "sha256": None,
                 "filename": s.name, "config": None}
                for s in list_models("diffusion") if is_available(s.name)]

    @r.get("/samplers")
    def samplers():
        return [{"name": "Default", "aliases": ["painterly"],
                 "options": {"scheduler": "the model's own (few-step models have one)"}}]

    @r.get("/schedulers")
    def schedulers():
        return [{"name": "automatic", "label": "Automatic", "aliases": None,
                 "default_rho": -1, "need_inner_model": False}]

    @r.get("/scripts")
    def scripts():
        return {"txt2img": [], "img2img": []}

    @r.get("/script-info")
    def script_info():
        return []

    @r.post("/png-info")
    def png_info(req: PngInfo):
        from painterly.io import read_metadata

        data = decode_image(req.image, "image")
        service.check_image(data, "image")
        try:
            items = read_metadata(data)
        except Exception:  # a JPEG/WebP/GIF without painterly's text chunks
            items = {}
        lines = [items.get("prompt", "")]
        rest = ", ".join(f"{k.capitalize()}: {v}" for k, v in items.items() if k != "prompt")
        info = "\n".join(x for x in (lines[0], rest) if x)
        return {"info": info, "items": items, "parameters": {}}

    app.include_router(r)


def _error_response(type_: str, message: str, status: int):
    from fastapi.responses import JSONResponse

    return JSONResponse(errors.error(type_, message), status_code=status)
