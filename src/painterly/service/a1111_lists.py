"""A1111's settings, lists and extras routes: ``options``, ``cmd-flags``, ``sd-models``,
``samplers``, ``schedulers``, ``upscalers``, ``prompt-styles``... (A1111's shapes, an empty list
where nothing of that kind is installed), ``png-info``, ``interrogate`` and ``extra-*-image``."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from painterly.errors import InputError
from painterly.service import a1111_options
from painterly.service.a1111_images import decode_image
from painterly.service.a1111_info import read_png_info, read_styles_csv
from painterly.service.a1111_models import ExtrasBatch, ExtrasSingle, Interrogate, PngInfo
from painterly.service.jobs import Service


def install_lists(r: APIRouter, service: Service, state) -> None:
    store, config = service.store, service.config

    @r.get("/options")
    def get_options():
        opts = a1111_options.load(store)
        opts["sd_model_checkpoint"] = service.default_model
        return opts

    @r.post("/options")
    def set_options(options: dict[str, Any]):
        changes = {k: a1111_options.check(k, v) for k, v in options.items()}
        if "sd_model_checkpoint" in changes:
            from painterly.models import get_model
            from painterly.service.a1111_plan import _model_name

            name = _model_name(changes.pop("sd_model_checkpoint"))
            spec = get_model(name)  # UnknownModelError lists the registered names
            if spec.kind != "diffusion":
                raise InputError(f"model {name!r} is a {spec.kind} model, not a diffusion model")
            store.set_setting("sd_model_checkpoint", spec.name)
            service.default_model = spec.name
        with state.lock:  # one read-modify-write at a time
            a1111_options.save(store, changes)
        return None  # A1111 answers null

    @r.get("/cmd-flags")
    def cmd_flags():
        """A1111's command-line flags that describe this server (the rest do not apply)."""
        return {"api": True, "nowebui": False, "listen": config.host not in ("127.0.0.1", "::1",
                                                                             "localhost"),
                "port": config.port, "api_auth": None, "cors_allow_origins": ",".join(
                    config.cors_origins) or None, "use_cpu": ["all"], "no_half": False,
                "lowvram": False, "medvram": False, "xformers": False, "skip_torch_cuda_test": True,
                "api_log": False, "disable_safe_unpickle": False, "data_dir": None,
                "ckpt_dir": None, "styles_file": ["styles.csv"]}

    @r.get("/sd-models")
    def sd_models():
        from painterly.models import is_available, list_models

        return [{"title": s.name, "model_name": s.name, "hash": None, "sha256": None,
                 "filename": s.name, "config": None}
                for s in list_models("diffusion") if is_available(s.name)]

    @r.get("/samplers")
    def samplers():
        """A1111's samplers that this server runs, each with the diffusers scheduler it is."""
        from painterly.generation.samplers import available_samplers

        return [{"name": s.name, "aliases": list(s.aliases),
                 "options": {"diffusers": s.cls, **({"scheduler": s.schedule} if s.schedule else {}),
                             **{k: str(v) for k, v in s.config.items()}}}
                for s in available_samplers()]

    @r.get("/schedulers")
    def schedulers():
        from painterly.generation.samplers import SCHEDULES

        return [{"name": k, "label": label, "aliases": ["SGMUniform"] if k == "sgm_uniform" else None,
                 "default_rho": rho, "need_inner_model": False}
                for k, (label, rho, _cfg) in SCHEDULES.items()]

    @r.get("/upscalers")
    def upscalers():
        from painterly.generation.upscale import PIXEL_UPSCALERS

        return [{"name": n, "model_name": None, "model_path": None, "model_url": None, "scale": 4}
                for n in PIXEL_UPSCALERS]

    @r.get("/latent-upscale-modes")
    def latent_upscale_modes():
        from painterly.generation.upscale import LATENT_MODES

        return [{"name": n} for n in LATENT_MODES]

    @r.get("/prompt-styles")
    def prompt_styles():
        """The user's A1111 prompt styles (``styles.csv`` in the data folder), then painterly's
        styles: give any of these names in ``styles``."""
        from painterly.styles import list_styles

        own = read_styles_csv(config.data_dir / "styles.csv")
        taken = {s.name for s in own}
        return [{"name": s.name, "prompt": s.prompt, "negative_prompt": s.negative_prompt}
                for s in own] + [{"name": s.name, "prompt": "", "negative_prompt": ""}
                                 for s in list_styles() if s.name not in taken]

    for path, value in (("/hypernetworks", []), ("/face-restorers", []), ("/realesrgan-models", []),
                        ("/sd-vae", []), ("/loras", []), ("/sd-modules", []), ("/extensions", []),
                        ("/embeddings", {"loaded": {}, "skipped": {}})):
        r.add_api_route(path, _constant(value), methods=["GET"],
                        summary=f"none installed: {value!r}")

    for path in ("/refresh-checkpoints", "/refresh-vae", "/refresh-embeddings", "/refresh-loras"):
        # models and styles are read from their stores on every call: nothing to refresh
        r.add_api_route(path, _constant(None), methods=["POST"])

    @r.get("/memory")
    def memory():
        try:
            page = os.sysconf("SC_PAGE_SIZE")
            total, free = os.sysconf("SC_PHYS_PAGES") * page, os.sysconf("SC_AVPHYS_PAGES") * page
            ram: dict[str, Any] = {"free": free, "used": total - free, "total": total}
        except (ValueError, OSError, AttributeError):
            ram = {"error": "not available on this system"}
        return {"ram": ram, "cuda": {"error": "painterly runs on the CPU here"}}

    @r.get("/scripts")
    def scripts():
        return {"txt2img": [], "img2img": ["sd upscale"]}

    @r.get("/script-info")
    def script_info():
        return [{"name": "sd upscale", "is_alwayson": False, "is_img2img": True, "args": [
            {"label": "Info", "value": "", "minimum": None, "maximum": None, "step": None, "choices": None},
            {"label": "Tile overlap", "value": 64, "minimum": 0, "maximum": 256, "step": 16, "choices": None},
            {"label": "Upscaler", "value": "Lanczos", "minimum": None, "maximum": None, "step": None,
             "choices": ["None", "Lanczos", "Nearest"]},
            {"label": "Scale Factor", "value": 2.0, "minimum": 1.0, "maximum": 4.0, "step": 0.05,
             "choices": None}]}]

    @r.post("/png-info")
    def png_info(req: PngInfo):
        data = decode_image(req.image.strip(), "image")
        service.check_image(data, "image")
        return read_png_info(data)

    @r.post("/interrogate")
    async def interrogate(req: Interrogate):
        from painterly.service.a1111_extras import interrogate as describe

        data = decode_image(req.image.strip(), "image")
        service.check_image(data, "image")
        return {"caption": await run_in_threadpool(describe, data, req.model)}

    @r.post("/extra-single-image")
    async def extra_single_image(req: ExtrasSingle):
        data = decode_image(req.image, "image")
        out = await run_in_threadpool(_extras, [data], req)
        return {"html_info": out[1], "image": out[0][0]}

    @r.post("/extra-batch-images")
    async def extra_batch_images(req: ExtrasBatch):
        if not req.imageList:
            raise InputError("imageList: send at least one {\"data\": base64, \"name\": ...}")
        blobs = [decode_image(item.data, f"imageList[{i}]") for i, item in enumerate(req.imageList)]
        images, html = await run_in_threadpool(_extras, blobs, req)
        return {"html_info": html, "images": images}

    def _extras(blobs: list[bytes], req) -> tuple[list[str], str]:
        from painterly.io import check_size, load_image
        from painterly.service.a1111_extras import encode_png, extras_image

        out = []
        for data in blobs:
            service.check_image(data, "image")
            img = extras_image(load_image(data, limits=service.limits), req)
            check_size(img.shape[1], img.shape[0], service.limits, "upscaled image")
            out.append(encode_png(img))
        return out, f"<p>upscaler: {req.upscaler_1}</p>"


def _constant(value):
    def route():
        return value
    return route
