"""AUTOMATIC1111-compatible routes (``/sdapi/v1/...``), so existing clients work unchanged.

Each image an A1111 call asks for becomes one painterly job in the same durable queue; the call
waits for its jobs and answers as A1111 does: ``{"images": [raw base64], "parameters",
"info": JSON text with seed, all_seeds, infotexts, ...}``. ``img2img`` with ``styles`` naming a
painterly style runs that style (no diffusion model needed); otherwise a locally installed
diffusion model paints. What each A1111 field becomes is in :mod:`.a1111_plan`; the lists,
options and extras in :mod:`.a1111_lists`. Remote URLs in images are refused: the server fetches
nothing. Errors on these routes have A1111's body ``{"error", "detail", "body", "errors"}``,
``error`` being painterly's error type.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from painterly import __version__
from painterly.errors import InputError, PainterlyError
from painterly.service import a1111_options, errors
from painterly.service.a1111_images import decode_image, fill_masked, prepare_mask, resize
from painterly.service.a1111_info import build_infotext, read_styles_csv
from painterly.service.a1111_models import MAX_IMAGES, Img2Img, Txt2Img
from painterly.service.a1111_plan import Plan, base_plan, hires, sizes
from painterly.service.jobs import Service

__all__ = ["MAX_IMAGES", "A1111Route", "decode_image", "install"]
SD_UPSCALE = "sd upscale"


def a1111_error(type_: str, message: str, status: int, headers=None) -> JSONResponse:
    """A1111's error body: ``error`` (the type), ``detail``, ``body``, ``errors`` (the message)."""
    return JSONResponse({"error": type_, "detail": message, "body": "", "errors": message},
                        status_code=status, headers=headers or None)


class A1111Route(APIRoute):
    """Routes whose errors answer in A1111's shape (painterly's error type and message inside)."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            try:
                return await handler(request)
            except RequestValidationError as e:
                parts = []
                for err in e.errors()[:5]:
                    where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
                    parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
                return a1111_error("InputError", "; ".join(parts) or "invalid request", 422)
            except PainterlyError as e:
                return a1111_error(type(e).__name__, str(e), errors.status_for(e),
                                   getattr(e, "headers", None))
            except StarletteHTTPException as e:
                return a1111_error("HTTPException", str(e.detail), e.status_code,
                                   getattr(e, "headers", None))

        return route


@dataclass
class _Call:
    """One A1111 txt2img/img2img call waiting for its jobs (for /progress and /interrupt)."""

    ids: list[str]
    started: float = field(default_factory=time.time)
    interrupted: bool = False


@dataclass
class A1111State:
    """The A1111 routes' own state, held by the app (never process-wide)."""

    calls: dict[int, _Call] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 0

    def add(self, ids: list[str]) -> tuple[int, _Call]:
        with self.lock:
            self.next_id += 1
            call = self.calls[self.next_id] = _Call(list(ids))
            return self.next_id, call

    def remove(self, key: int) -> None:
        with self.lock:
            self.calls.pop(key, None)

    def current(self) -> list[_Call]:
        with self.lock:
            return sorted(self.calls.values(), key=lambda c: c.started)


def _seeds(seed: int, n: int) -> list[int]:
    import secrets

    base = secrets.randbelow(2**32 - MAX_IMAGES) if seed < 0 else seed
    return [(base + i) % 2**32 for i in range(n)]


def install(app: FastAPI, service: Service) -> None:
    r = APIRouter(prefix="/sdapi/v1", tags=["AUTOMATIC1111"], route_class=A1111Route)
    store, config = service.store, service.config
    state = A1111State()
    app.state.a1111 = state

    def plan_for(req) -> Plan:
        return base_plan(req, options=a1111_options.load(store), default_model=service.default_model,
                         prompt_styles=read_styles_csv(config.data_dir / "styles.csv"))

    async def run_jobs(req, plan: Plan, jobs: list[tuple[dict, dict[str, list[bytes]]]],
                       seeds: list[int], kind: str) -> Any:
        ids: list[str] = []
        try:
            for params, files in jobs:
                row, _ = await run_in_threadpool(service.submit, params, files, source="a1111")
                ids.append(row["id"])
        except BaseException:
            for i in ids:
                store.cancel(i)
            raise
        key, call = state.add(ids)
        try:
            rows = await service.wait(ids, config.a1111_timeout_s)
        finally:
            state.remove(key)
        done = [r for r in rows if r is not None and r["state"] == "succeeded"]
        failed = [r for r in rows if r is not None and r["state"] == "failed"]
        if failed and not done:
            r0 = failed[0]
            return a1111_error(r0["last_error_type"], r0["last_error_message"],
                               errors.status_for_type(r0["last_error_type"]))
        if not done and not call.interrupted:
            raise errors.Conflict("the call's jobs were cancelled: no image was finished")
        return _answer(req, plan, done, ids, kind, call.interrupted)

    def _answer(req, plan: Plan, done: list[dict], ids: list[str], kind: str, interrupted: bool):
        images, seeds, infotexts = [], [], []
        notes = list(plan.notes)
        for row in done:
            info = json.loads(row["info"] or "{}")
            data = (config.results_dir / row["result_name"]).read_bytes()
            images.append(base64.b64encode(data).decode("ascii"))
            seeds.append(info.get("seed"))
            infotexts.append(json.loads(row["params"]).get("infotext", ""))
            if info.get("interrupted"):
                step, total = info.get("interrupted_at", [None, None])
                notes.append(f"image {len(images)} interrupted at step {step} of {total}")
        if interrupted and len(done) < len(ids):
            notes.append(f"interrupted: {len(done)} of {len(ids)} images were painted")
        first = seeds[0] if seeds else None
        info = {
            "prompt": plan.prompt, "all_prompts": [plan.prompt] * len(done),
            "negative_prompt": plan.negative, "all_negative_prompts": [plan.negative] * len(done),
            "seed": first, "all_seeds": seeds, "subseed": first, "all_subseeds": seeds,
            "subseed_strength": 0, "width": req.width, "height": req.height,
            "sampler_name": plan.sampler, "scheduler": plan.schedule, "cfg_scale": req.cfg_scale,
            "steps": req.steps, "batch_size": req.batch_size, "restore_faces": False,
            "face_restoration_model": None, "sd_model_name": plan.model, "sd_model_hash": None,
            "sd_vae_name": None, "sd_vae_hash": None, "seed_resize_from_w": -1,
            "seed_resize_from_h": -1, "denoising_strength": req.denoising_strength,
            "extra_generation_params": {k: v for k, v in plan.fields_after if v is not None},
            "index_of_first_image": 0, "infotexts": infotexts, "styles": plan.styles,
            "job_timestamp": time.strftime("%Y%m%d%H%M%S"), "clip_skip": plan.clip_skip,
            "is_using_inpainting_conditioning": False, "version": f"painterly {__version__}",
            "interrupted": interrupted, "painterly_jobs": ids, "painterly_notes": notes,
            "painterly_style": plan.style,
        }
        exclude = set() if getattr(req, "include_init_images", False) else {"init_images", "mask"}
        params = req.model_dump(exclude=exclude)
        return {"images": images if req.send_images else [], "parameters": params,
                "info": json.dumps(info)}

    def job_params(plan: Plan, seed: int, size: tuple[int, int], extra: list[tuple[str, Any]]) -> dict:
        p = {"task": "paint", "prompt": plan.prompt, "seed": seed, "model": plan.model,
             "width": size[0], "height": size[1], **plan.params}
        if plan.negative:
            p["negative"] = plan.negative
        if plan.style:
            p["style"] = plan.style
        p["infotext"] = build_infotext(plan.prompt, plan.negative, [
            *plan.fields, ("Seed", seed), ("Size", f"{size[0]}x{size[1]}"), *extra,
            *plan.fields_after, ("Painterly style", plan.style), ("Version", f"painterly {__version__}")])
        return p

    @r.post("/txt2img")
    async def txt2img(req: Txt2Img):
        if req.script_name:
            raise InputError(f"script {req.script_name!r} is not available for txt2img; this "
                             f"server runs one A1111 script, {SD_UPSCALE!r}, in img2img")
        plan = await run_in_threadpool(plan_for, req)
        size = sizes(req, plan.notes)
        hr = hires(req, plan)
        jobs = []
        for s in _seeds(req.seed, req.batch_size * req.n_iter):
            p = job_params(plan, s, size, [])
            if hr is not None:
                p["hires"] = hr
            jobs.append((p, {}))
        return await run_jobs(req, plan, jobs, [], "txt2img")

    @r.post("/img2img")
    async def img2img(req: Img2Img):
        if not req.init_images:
            raise InputError("img2img needs init_images: at least one base64 image")
        script = (req.script_name or "").strip().lower()
        if script and script != SD_UPSCALE:
            raise InputError(f"script {req.script_name!r} is not available; this server runs "
                             f"one A1111 script: {SD_UPSCALE!r}")
        inits = [decode_image(t, f"init_images[{i}]") for i, t in enumerate(req.init_images)]
        for i, data in enumerate(inits):
            service.check_image(data, f"init_images[{i}]")
        mask = decode_image(req.mask, "mask") if req.mask else None
        if mask is not None:
            service.check_image(mask, "mask")
        plan = await run_in_threadpool(plan_for, req)
        seeds = _seeds(req.seed, req.batch_size * req.n_iter)
        strength = 0.75 if req.denoising_strength is None else float(req.denoising_strength)
        if plan.style is not None and mask is None and not script:
            return await _stylize(req, plan, inits, seeds, strength)
        size = sizes(req, plan.notes)
        jobs = await run_in_threadpool(_img2img_jobs, req, plan, inits, mask, seeds, size,
                                       strength, script)
        return await run_jobs(req, plan, jobs, seeds, "img2img")

    def _img2img_jobs(req, plan, inits, mask, seeds, size, strength, script):
        limits = service.limits
        extra: list[tuple[str, Any]] = [("Denoising strength", strength)]
        base = {"strength": strength}
        if req.resize_mode == 3:
            plan.notes.append("resize_mode 3 (latent upscale) was done as a plain resize")
        if script:
            base["upscale"] = _sd_upscale_args(req.script_args)
            extra += [("SD upscale overlap", base["upscale"]["overlap"]),
                      ("SD upscale upscaler", base["upscale"]["upscaler"])]
        prepared = inits
        files_mask = None
        if mask is not None:
            from painterly.io import load_image

            blur = ((req.mask_blur, req.mask_blur) if req.mask_blur is not None
                    else (req.mask_blur_x, req.mask_blur_y))
            first = load_image(inits[0], limits=limits)
            files_mask, m = prepare_mask(mask, (first.shape[1], first.shape[0]),
                                         invert=bool(req.inpainting_mask_invert), blur=blur,
                                         limits=limits)
            if req.inpainting_fill == 0:
                prepared = [fill_masked(d, m, limits) for d in inits]
            elif req.inpainting_fill == 2:
                base["strength"] = 1.0
                plan.notes.append("inpainting_fill 2 (latent noise): the masked part was "
                                  "repainted from noise (denoising 1)")
            elif req.inpainting_fill == 3:
                raise InputError("inpainting_fill 3 (latent nothing) is not available; use 0 "
                                 "(fill), 1 (original) or 2 (latent noise)")
            extra += [("Mask blur", max(blur)), ("Mask mode", "Inpaint not masked"
                                                 if req.inpainting_mask_invert else None),
                      ("Masked content", ["fill", "original", "latent noise"][req.inpainting_fill]),
                      ("Inpaint area", "Only masked" if req.inpaint_full_res else "Whole picture")]
            if req.inpaint_full_res:
                base.update(inpaint_area="masked", inpaint_padding=int(req.inpaint_full_res_padding))
        elif not script and req.resize_mode in (1, 2):
            prepared = [resize(d, req.resize_mode, size, limits) for d in inits]
        jobs = []
        for i, s in enumerate(seeds):
            p = {**job_params(plan, s, size, extra), **base}
            files = {"image": [prepared[i % len(prepared)]]}
            if files_mask is not None:
                files["mask"] = [files_mask]
            jobs.append((p, files))
        return jobs

    async def _stylize(req, plan: Plan, inits, seeds, strength):
        """img2img with a painterly style: the style paints the picture (no diffusion model)."""
        if req.prompt.strip():
            plan.notes.append("the prompt is not used by a painterly style (it paints the picture "
                              "given); leave out the painterly style to paint from the prompt")
        jobs = []
        for i, s in enumerate(seeds):
            p = {"task": "stylize", "style": plan.style, "seed": s, "strength": strength,
                 "max_size": max(req.width, req.height),
                 **{k: v for k, v in plan.params.items()
                    if k in ("format", "quality", "watermark", "visible_label")}}
            p["infotext"] = build_infotext(plan.prompt, "", [
                ("Painterly style", plan.style), ("Seed", s), ("Denoising strength", strength),
                ("Version", f"painterly {__version__}")])
            jobs.append((p, {"image": [inits[i % len(inits)]]}))
        plan.sampler = plan.schedule = "none (painterly style)"
        return await run_jobs(req, plan, jobs, seeds, "img2img")

    @r.get("/progress")
    def progress(skip_current_image: bool = False):
        calls = state.current()
        call = next((c for c in calls if any(
            (store.get(i) or {}).get("state") == "running" for i in c.ids)), calls[0] if calls else None)
        out = {"progress": 0.0, "eta_relative": 0.0,
               "state": {"skipped": False, "interrupted": False, "stopping_generation": False,
                         "job": "", "job_count": 0, "job_timestamp": "0", "job_no": 0,
                         "sampling_step": 0, "sampling_steps": 0},
               "current_image": None, "textinfo": None}
        if call is None:
            return out
        rows = [store.get(i) or {} for i in call.ids]
        finished = sum(1 for row in rows if row.get("state") in ("succeeded", "failed", "cancelled"))
        running = next((row for row in rows if row.get("state") == "running"), None)
        frac = float(running["progress"]) if running else 0.0
        total = max(len(rows), 1)
        done = min((finished + frac) / total, 1.0)
        elapsed = time.time() - call.started
        st = out["state"]
        st.update(job=f"Batch {min(finished + 1, total)} out of {total}", job_count=total,
                  job_no=finished, interrupted=call.interrupted,
                  job_timestamp=time.strftime("%Y%m%d%H%M%S", time.localtime(call.started)))
        if running:
            st["sampling_step"] = int(running.get("step") or 0)
            st["sampling_steps"] = int(running.get("steps") or 0)
        out["progress"] = round(done, 4)
        out["eta_relative"] = round(elapsed / done - elapsed, 3) if done > 0 else 0.0
        out["textinfo"] = f"painting {st['job']}" if running else "waiting in the queue"
        return out

    def _interrupt(whole_call: bool) -> None:
        for call in state.current():
            rows = [store.get(i) or {} for i in call.ids]
            if not any(row.get("state") == "running" for row in rows):
                continue  # A1111 interrupts the call being painted, not those still waiting
            for job_id, row in zip(call.ids, rows):
                if row.get("state") == "running":
                    store.interrupt(job_id)
                elif whole_call and row.get("state") == "queued":
                    store.cancel(job_id)
            if whole_call:
                call.interrupted = True

    @r.post("/interrupt")
    def interrupt():
        """Stop the call being painted: its running picture is finished as it stands and
        returned (200), its queued pictures are dropped."""
        _interrupt(True)
        return {}

    @r.post("/skip")
    def skip():
        """Finish the picture being painted as it stands; the call goes on with the next."""
        _interrupt(False)
        return {}

    from painterly.service.a1111_lists import install_lists

    install_lists(r, service, state)
    app.include_router(r)


def _sd_upscale_args(args: list[Any]) -> dict[str, Any]:
    """A1111's SD upscale script_args: [info, overlap, upscaler (name or index), scale factor]."""
    from painterly.generation.upscale import PIXEL_UPSCALERS, find_upscaler

    args = list(args or [])
    overlap = args[1] if len(args) > 1 else 64
    up = args[2] if len(args) > 2 else "Lanczos"
    scale = args[3] if len(args) > 3 else 2.0
    if isinstance(up, int) and not isinstance(up, bool):
        if not 0 <= up < len(PIXEL_UPSCALERS):
            raise InputError(f"SD upscale upscaler index {up}: upscalers are "
                             f"{', '.join(PIXEL_UPSCALERS)}")
        up = PIXEL_UPSCALERS[up]
    if not isinstance(overlap, int) or isinstance(overlap, bool) or not 0 <= overlap <= 2047:
        raise InputError(f"SD upscale tile overlap {overlap!r}: a whole number of pixels")
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 1 <= scale <= 8:
        raise InputError(f"SD upscale scale factor {scale!r}: a number from 1 to 8")
    return {"overlap": overlap, "upscaler": find_upscaler(str(up)), "scale": float(scale)}
