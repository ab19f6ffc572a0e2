"""What a job's parameters mean: checked when the job is submitted, run inside a worker.

This is the one module of the service that calls painterly's Python API (``stylize``,
``load_image``, ``encode_image``, the style registry, generation and curation). The option names
are the CLI's and the Python API's (``style``, ``strength``, ``seed``, ``max_size``, ``prompt``...).
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from painterly.errors import InputError, MissingExtraError, ModelMissingError

TASKS = ("stylize", "paint", "curate")
FORMATS = {"png": ("PNG", "image/png", "png"), "jpeg": ("JPEG", "image/jpeg", "jpg"),
           "jpg": ("JPEG", "image/jpeg", "jpg"), "webp": ("WEBP", "image/webp", "webp")}
# file fields each task takes: (field, how many at most, required)
FILES = {
    "stylize": {"image": (1, True), "style_image": (1, False)},
    "paint": {"image": (1, False), "mask": (1, False)},
    "curate": {"image": (64, True)},
}
# quality: JPEG/WebP quality; infotext: AUTOMATIC1111's "parameters" text to write in the file
COMMON = {"task", "format", "seed", "visible_label", "watermark", "attribute", "quality", "infotext"}
OPTIONS = {
    "stylize": COMMON | {"style", "strength", "max_size", "prompt", "preserve_color", "portrait", "style_scale",
                         "tile"},
    "paint": COMMON | {"prompt", "model", "steps", "width", "height", "negative", "guidance",
                       "strength", "style", "sampler", "schedule", "tiling", "clip_skip", "eta",
                       "hires", "upscale", "inpaint_area", "inpaint_padding"},
    "curate": COMMON | {"prompt", "keep", "model", "no_clip"},
}
TEST_SLEEP = "_test_sleep"  # seconds a job waits before its work; accepted only with test_hooks
DEFAULT_MODEL = "sd-turbo"
DEFAULT_CLIP = "clip-vit-b-32"
MAX_SEED = 2**32 - 1
MAX_SIDE = 12_000
MIN_TILE = 16  # px: the neural engine's smallest tile

Progress = Callable[[float], bool]  # fraction done in [0, 1] -> False when the job was cancelled
# Where a job's progress stands after each stage: the input is read, then painted (styles and
# models that report steps fill the span between), then the worker adds the trust steps
# (labels, watermark, drift check: seconds on a 2048 px picture) and saves the file.
LOADED, PAINTED, FINISHED = 0.05, 0.6, 0.95
# progress(fraction in [0, 1], step, steps) -> False when the job was cancelled, FINISH when it
# was interrupted (finish now with the picture as it stands), else True
Progress = Callable[..., object]
FINISH = "finish"  # the same answer as painterly.generation.FINISH (not imported: no torch here)
HIRES_KEYS = {"scale", "width", "height", "upscaler", "steps", "strength", "sampler", "schedule",
              "prompt", "negative"}
UPSCALE_KEYS = {"scale", "upscaler", "overlap"}
MAX_INFOTEXT = 20_000


@dataclass(frozen=True)
class Checked:
    task: str
    params: dict[str, Any]


def load_registries() -> None:
    """Load the style registry once, at start-up, in the thread that starts the process: a
    registry filled lazily by the first of many request threads could be seen half-filled."""
    import painterly
    from painterly.models import list_models

    painterly.list_styles()
    list_models()


# --- checking, in the API process before anything is queued ----------------------------------

def _number(params: dict, key: str, kind: type, lo: float, hi: float) -> None:
    if key not in params:
        return
    v = params[key]
    # the range first: Python compares a 400-digit int with a float exactly, where float(v)
    # would raise OverflowError
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi
    if ok and kind is int:
        ok = float(v).is_integer()
    if not ok:
        what = "a whole number" if kind is int else "a number"
        shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:37] + "..."
        bounds = (f"{lo:g} to {hi:g}" if kind is float else f"{int(lo)} to {int(hi)}")
        raise InputError(f"{key} must be {what} from {bounds}, got {shown}")
    params[key] = kind(v)


def _text(params: dict, key: str, max_chars: int) -> None:
    if key not in params:
        return
    v = params[key]
    if not isinstance(v, str) or not v.strip():
        raise InputError(f"{key} must be non-empty text")
    if len(v) > max_chars:
        raise InputError(f"{key} is {len(v)} characters; at most {max_chars} are accepted")


def _bool(params: dict, key: str) -> None:
    if key in params and not isinstance(params[key], bool):
        raise InputError(f"{key} must be true or false, got {params[key]!r}")


def _needs(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(extra, module)


def check_model(name: Any, kind: str = "diffusion") -> str:
    """A registered model name whose files are on this machine (never a path from a request)."""
    from painterly.models import get_model, is_available, list_models

    if not isinstance(name, str):
        raise InputError(f"model must be a registered model name, got {name!r}")
    spec = get_model(name)  # UnknownModelError lists the registered names
    if spec.kind != kind:
        names = ", ".join(s.name for s in list_models(kind))
        raise InputError(f"model {name!r} is a {spec.kind} model; {kind} models: {names}")
    if not is_available(spec.name):
        raise ModelMissingError(f"model {spec.name!r} is not installed on this server; install it "
                                f"there with: painterly models pull {spec.name}")
    return spec.name


def check_params(params: Any, files: dict[str, int], *, max_prompt_chars: int = 2000,
                 test_hooks: bool = False, default_model: str = DEFAULT_MODEL) -> Checked:
    """Check and normalise a job's ``params`` (the JSON of ``POST /v1/jobs``) and its file counts.

    Raises :class:`~painterly.errors.InputError` (and subclasses: unknown style or model with
    the valid names) for anything the job could not run with.
    """
    from painterly.styles import check_strength, get_style

    if not isinstance(params, dict):
        raise InputError("params must be a JSON object, e.g. {\"task\": \"stylize\", \"style\": \"oil\"}")
    p = dict(params)
    task = p.setdefault("task", "stylize")
    if task not in TASKS:
        raise InputError(f"task {task!r} is not known; tasks: {', '.join(TASKS)}")
    allowed = OPTIONS[task] | ({TEST_SLEEP} if test_hooks else set())
    unknown = sorted(set(p) - allowed)
    if unknown:
        raise InputError(f"unknown field(s) for task {task!r}: {', '.join(unknown)}; "
                         f"accepted: {', '.join(sorted(OPTIONS[task]))}")
    for key in ("visible_label", "watermark", "attribute"):
        _bool(p, key)
    for name, (most, required) in FILES[task].items():
        n = files.get(name, 0)
        if required and n == 0:
            raise InputError(f"task {task!r} needs the file field {name!r} (or {name}_job: the "
                             "id of an earlier job whose result to use)")
        if n > most:
            raise InputError(f"task {task!r} takes at most {most} {name!r} file(s), got {n}")
    extra = sorted(set(files) - set(FILES[task]))
    if extra:
        raise InputError(f"task {task!r} takes no file field(s) {', '.join(extra)}; it takes: "
                         f"{', '.join(FILES[task])}")
    fmt = p.setdefault("format", "png")
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise InputError(f"format {fmt!r}: accepted are png, jpeg, webp")
    p["format"] = fmt.lower()
    _number(p, "seed", int, 0, MAX_SEED)
    p.setdefault("seed", 0)
    _number(p, "quality", int, 1, 100)
    if "infotext" in p and (not isinstance(p["infotext"], str) or len(p["infotext"]) > MAX_INFOTEXT):
        raise InputError(f"infotext must be text of at most {MAX_INFOTEXT} characters")
    _number(p, TEST_SLEEP, float, 0, 600)
    if task == "paint" and p.get("prompt") == "":
        pass  # an empty prompt paints unconditionally (diffusion's own, and A1111's)
    else:
        _text(p, "prompt", max_prompt_chars)
    _text(p, "negative", max_prompt_chars)

    if task == "stylize":
        if "strength" in p:
            _number(p, "strength", float, 0, 1)
            check_strength(p["strength"])
        _number(p, "max_size", int, 1, MAX_SIDE)
        _number(p, "style_scale", float, 0.125, 8)  # the neural engine's range
        _number(p, "tile", int, 0, MAX_SIDE)
        if 0 < p.get("tile", 0) < MIN_TILE:  # refused now rather than by the engine in a worker
            raise InputError(f"tile must be 0 (no tiling) or at least {MIN_TILE} px, got {p['tile']}")
        _bool(p, "preserve_color")
        _bool(p, "portrait")
        chosen = [k for k in ("style", "prompt") if k in p] + (["style_image"] if files.get("style_image") else [])
        if len(chosen) > 1:
            raise InputError(f"give one of style, prompt and style_image, not {' and '.join(chosen)}")
        # a prompt needs no extra: without painterly[text] it is matched by the catalogue's words
        if "prompt" not in p and not files.get("style_image"):
            style = p.setdefault("style", "cartoon")
            if not isinstance(style, str):
                raise InputError(f"style must be a style name (GET /v1/styles), got {style!r}")
            spec = get_style(style)  # UnknownStyleError lists every valid name
            p["style"] = spec.name
            neural_only = sorted({"preserve_color", "portrait", "style_scale", "tile"} & set(p))
            if neural_only and spec.family == "filter":
                raise InputError(f"style {spec.name!r} is a filter; {', '.join(neural_only)} "
                                 "apply to neural styles only")
    elif task == "paint":
        if "prompt" not in p:
            raise InputError("task 'paint' needs a prompt: what to paint")
        _needs("diffusers", "diffusion")
        _number(p, "steps", int, 1, 200)
        _number(p, "width", int, 64, 2048)
        _number(p, "height", int, 64, 2048)
        _number(p, "guidance", float, 0, 30)
        for side in ("width", "height"):
            if side in p and p[side] % 8:
                raise InputError(f"{side} {p[side]}: must be a multiple of 8 (e.g. {p[side] // 8 * 8})")
        if "strength" in p:
            if not files.get("image"):
                raise InputError("strength applies to image to image: send an image too")
            _number(p, "strength", float, 0, 1)
        if files.get("mask") and not files.get("image"):
            raise InputError("a mask needs the image it applies to")
        if "style" in p:  # a painterly style over the painted picture
            if not isinstance(p["style"], str):
                raise InputError(f"style must be a style name (GET /v1/styles), got {p['style']!r}")
            p["style"] = get_style(p["style"]).name
        _check_paint_options(p, files)
        p["model"] = check_model(p.get("model", default_model))
    else:  # curate
        _number(p, "keep", int, 1, 64)
        _bool(p, "no_clip")
        if "model" in p and not p.get("no_clip"):
            p["model"] = check_model(p["model"], kind="clip")
    return Checked(task, p)


def _options(p: dict, key: str, allowed: set[str]) -> dict | None:
    if key not in p:
        return None
    v = p[key]
    if not isinstance(v, dict) or not set(v) <= allowed:
        raise InputError(f"{key} must be an object with the fields {', '.join(sorted(allowed))}")
    return v


def _check_paint_options(p: dict, files: dict[str, int]) -> None:
    """The A1111-derived options of a paint job: sampler, schedule, tiling, clip skip, eta, the
    hires fix, SD upscale and masked-only inpainting (painterly.generation)."""
    from painterly.generation.samplers import scheduler_spec
    from painterly.generation.upscale import find_upscaler

    for key in ("sampler", "schedule"):
        if key in p and not isinstance(p[key], str):
            raise InputError(f"{key} must be a name, got {p[key]!r}")
    scheduler_spec(p.get("sampler"), p.get("schedule"))  # unknown names: InputError with the list
    _bool(p, "tiling")
    _number(p, "clip_skip", int, 0, 11)
    _number(p, "eta", float, 0, 1)
    hires = _options(p, "hires", HIRES_KEYS)
    if hires is not None:
        if files.get("image"):
            raise InputError("hires applies to text to image; send no image with it")
        _number(hires, "scale", float, 1, 8)
        _number(hires, "width", int, 0, 2048)
        _number(hires, "height", int, 0, 2048)
        _number(hires, "steps", int, 1, 200)
        _number(hires, "strength", float, 0, 1)
        find_upscaler(hires.get("upscaler", "Latent"), latent=True)
        for key in ("sampler", "schedule", "prompt", "negative"):
            if key in hires and not isinstance(hires[key], str):
                raise InputError(f"hires.{key} must be text")
        if "sampler" in hires or "schedule" in hires:
            scheduler_spec(hires.get("sampler") or p.get("sampler") or "Euler", hires.get("schedule"))
        tw, th = _hires(hires).target((int(p.get("width", 512)), int(p.get("height", 512))))
        if max(tw, th) > 2048:
            raise InputError(f"hires size {tw}x{th}: each side must be at most 2048")
    upscale = _options(p, "upscale", UPSCALE_KEYS)
    if upscale is not None:
        if not files.get("image") or files.get("mask"):
            raise InputError("upscale (SD upscale) repaints an image: send one image and no mask")
        _number(upscale, "scale", float, 1, 8)
        _number(upscale, "overlap", int, 0, 2047)
        find_upscaler(upscale.get("upscaler", "Lanczos"))
    if "inpaint_area" in p:
        if p["inpaint_area"] not in ("whole", "masked"):
            raise InputError("inpaint_area must be 'whole' or 'masked'")
        if p["inpaint_area"] == "masked" and not files.get("mask"):
            raise InputError("inpaint_area 'masked' needs a mask")
    _number(p, "inpaint_padding", int, 0, 2048)


# --- running, in a worker process -----------------------------------------------------------

def media_for(params: dict) -> tuple[str, str, str]:
    """(Pillow format, media type, file extension) of a job's result."""
    return FORMATS[params.get("format", "png")]


def _sleep(seconds: float, progress: Progress) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if progress(0.0) is False:
            raise _cancelled()
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))


def _cancelled():
    from painterly.errors import CancelledError

    return CancelledError("the job was cancelled")


def _steps(progress: Progress, lo: float, hi: float) -> Callable[[int, int], bool]:
    """A ``(done, total)`` callback (styles, models) reported as job progress from lo to hi."""
    def report(done: int, total: int) -> bool:
        return progress(lo + (hi - lo) * min(done / max(total, 1), 1.0))
    return report


def run(task: str, params: dict, images: dict[str, list[Path]], progress: Progress,
        *, limits=None) -> tuple[np.ndarray, dict[str, Any]]:
    """Run one job; returns the image and the information to record with it.

    ``images`` maps each file field to the files to read (uploads or earlier results, resolved
    by the worker from the data folder). ``progress(fraction, step, steps)`` returns False once
    cancelled and :data:`FINISH` once interrupted (a paint job then finishes as it stands).
    """
    import painterly
    from painterly.io import DEFAULT_LIMITS

    limits = limits or DEFAULT_LIMITS
    if params.get(TEST_SLEEP):
        _sleep(float(params[TEST_SLEEP]), progress)
    load = lambda path, **kw: painterly.load_image(path, limits=limits, **kw)  # noqa: E731
    seed = int(params.get("seed", 0))
    info: dict[str, Any] = {"task": task, "seed": seed}

    if task == "stylize":
        img = load(images["image"][0], max_size=params.get("max_size"))
        if progress(LOADED) is False:
            raise _cancelled()
        strength = float(params.get("strength", 1.0))
        neural = {k: params[k] for k in ("preserve_color", "portrait", "style_scale", "tile")
                  if k in params}
        steps = _steps(progress, LOADED, PAINTED)
        if params.get("prompt"):
            from painterly.text import stylize_from_prompt
            from painterly.text.blend import plan_blend

            out, matches = stylize_from_prompt(img, params["prompt"], strength=strength, seed=seed,
                                               progress=steps)
            info["styles"] = [[n, round(w, 4)] for n, w in plan_blend(matches).parts]
        elif images.get("style_image"):
            painting = load(images["style_image"][0])
            out = painterly.stylize(img, painting, strength=strength, seed=seed, progress=steps,
                                    **neural)
            info["style"] = "style_image"
        else:
            # the name was checked against the registry at submission; the worker's working
            # folder is empty, so a name can never be taken for a file
            from painterly.styles import get_style, takes_option

            spec = get_style(params["style"])
            if spec.family != "filter":  # neural styles report tiles
                neural["progress"] = steps
            portrait = params.get("portrait", spec.family == "neural")  # the style's default
            if takes_option(spec, "faces") and (spec.family == "filter" or portrait):
                # the style's people step and the face guard (encode_result) share one search
                from painterly.faces import find_faces
                from painterly.provenance.people import search_side

                neural["faces"] = find_faces(img, max_side=search_side(img.shape))
                info[PHOTO] = (img, neural["faces"])
            out = painterly.stylize(img, params["style"], strength=strength, seed=seed, **neural)
            info["style"] = params["style"]
        progress(PAINTED)
        info["strength"] = strength
        return out, info

    if task == "paint":
        out = _paint(params, images, load, seed, progress, info)
        if params.get("style"):
            out = painterly.stylize(out, params["style"], seed=seed)
            info["style"] = params["style"]
        info.update(model=params["model"], prompt=params["prompt"])
        return out, info

    from painterly.curation.rank import curate  # task == "curate"


    pics = [load(p, max_size=1024) for p in images["image"]]
    model = None if params.get("no_clip") else params.get("model", DEFAULT_CLIP)
    result = curate(pics, params.get("prompt"), keep=int(params.get("keep", 1)), model=model)
    info["ranking"] = [{"index": r.index, "score": round(float(r.score), 5),
                        "clip": None if r.clip is None else round(float(r.clip), 5),
                        "quality": round(float(r.quality.total), 5)} for r in result.ranked]
    info["signal"], info["note"] = result.signal, result.note
    progress(1.0)
    return pics[result.kept[0].index], info


def _hires(h: dict):
    from painterly.generation import Hires

    h = dict(h)
    wh = (int(h.pop("width", 0)), int(h.pop("height", 0)))
    return Hires(size=wh if any(wh) else None, **h)


def _paint(params: dict, images: dict[str, list[Path]], load, seed: int, progress: Progress,
           info: dict) -> np.ndarray:
    from painterly.generation import generate, sd_upscale
    from painterly.generation.inpaint import inpaint_masked

    def steps(done: int, total: int):
        answer = progress(PAINTED * done / max(total, 1), done, total)  # the span to PAINTED
        if answer == FINISH:
            info["interrupted"] = True
            info["interrupted_at"] = [done, total]
        return answer

    size = None
    if "width" in params or "height" in params:
        size = (int(params.get("width", 512)), int(params.get("height", 512)))
    init = load(images["image"][0]) if images.get("image") else None
    mask = load(images["mask"][0]) if images.get("mask") else None
    options = dict(model=params["model"], steps=params.get("steps"), seed=seed,
                   negative=params.get("negative"), guidance=params.get("guidance"),
                   sampler=params.get("sampler"), schedule=params.get("schedule"),
                   tiling=bool(params.get("tiling", False)), clip_skip=params.get("clip_skip"),
                   eta=params.get("eta"), progress=steps)
    if "upscale" in params:
        up = params["upscale"]
        return sd_upscale(params["prompt"], init, scale=float(up.get("scale", 2.0)),
                          upscaler=up.get("upscaler", "Lanczos"), overlap=int(up.get("overlap", 64)),
                          tile=size or (512, 512), strength=params.get("strength"), **options)
    if mask is not None and params.get("inpaint_area") == "masked":
        return inpaint_masked(params["prompt"], init, mask, size=size or (512, 512),
                              padding=int(params.get("inpaint_padding", 0)),
                              strength=params.get("strength"), **options)
    hires = _hires(params["hires"]) if "hires" in params else None
    return generate(params["prompt"], size=size, init=init, mask=mask, hires=hires,
                    strength=params.get("strength") if init is not None else None, **options)


def metadata(task: str, params: dict, info: dict) -> dict[str, Any]:
    """painterly's own metadata for the result file (nothing of the inputs' metadata)."""
    keep = ("task", "style", "strength", "seed", "prompt", "model", "steps")
    meta = {k: params[k] for k in keep if k in params}
    if "styles" in info:
        meta["styles"] = ",".join(f"{n}:{w}" for n, w in info["styles"])
    if "infotext" in params:  # an A1111 call's own infotext, as A1111 writes it
        from painterly.provenance.xmp import A1111_TEXT

        meta[A1111_TEXT] = params["infotext"]
    return meta


#: Key under which :func:`run` hands the photo it painted and its faces to
#: :func:`encode_result` (the face guard reuses them); never stored.
PHOTO = "_photo"


def encode_result(job_id: str, task: str, params: dict, info: dict, image: np.ndarray,
                  images: dict[str, list[Path]], *, drift: bool = True) -> bytes:
    """The result file's bytes, after painterly's trust steps (:mod:`painterly.provenance`).

    Painted results (stylize, paint) get the AI-content label and provenance in their metadata,
    the invisible watermark (serial from the job id; ``"watermark": false`` skips it), the visible
    label (on by default in the service; ``"visible_label": false`` skips it), the subject-drift
    check for stylize (the face guard on every result of a photo), the closest built-in style when ``"attribute": true``, and C2PA Content
    Credentials when keys exist. A curated result is one of
    the user's own pictures: it is re-encoded with provenance but no AI label. ``info`` receives
    ``subject``, ``watermark`` and ``safety`` so that the job reports them. ``drift=False``
    skips the drift check (the gallery's previews: the server's own sample photo, where the check
    would cost seconds per preview and guard nobody's picture).
    """
    from painterly.metrics import MIN_SIDE
    from painterly.provenance.artwork import encode_artwork
    from painterly.provenance.finish import FinishConfig, finish_artwork
    from painterly.provenance.label import LabelConfig, label_fits
    from painterly.provenance.record import Provenance

    fmt, _media, _ext = media_for(params)
    photo, faces = info.pop(PHOTO, (None, None))  # run()'s photo and its faces, when it has them
    meta = metadata(task, params, info)
    if task == "curate":
        meta["provenance"] = Provenance(technique="curate", aigc=None)
        return encode_artwork(image, fmt, metadata=meta, quality=int(params.get("quality", 92)))
    first = lambda field: (images.get(field) or [None])[0]  # noqa: E731
    label = LabelConfig() if params.get("visible_label", True) else None
    if label is not None and (why := label_fits(image.shape, config=label)) is not None:
        # a thumbnail a few pixels wide: painted without the label rather than failed (the AI
        # label in the metadata and the watermark, when it fits, still say what it is)
        label = None
        info["visible_label"] = {"drawn": False, "note": why}
    too_small = min(image.shape[:2]) < MIN_SIDE  # the classifier's least side: not judged
    config = FinishConfig(
        serial=int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big"),
        watermark=params.get("watermark", True),
        visible_label=label,
        drift=drift and task == "stylize" and not too_small,
        faces=drift,  # the face guard (tens of ms): on every painted result of a photo
        attribution=bool(params.get("attribute", False)),
    )
    inputs = {"photo": first("image"), "style": first("style_image"), "mask": first("mask")}
    try:
        image, meta = finish_artwork(image, params=meta, technique=task, config=config,
                                     inputs=inputs, photo=photo, photo_faces=faces)
    except MissingExtraError as e:
        if not (config.drift or config.attribution):
            raise
        # the optional checks need a package this server lacks: the result is made without
        # them, and the job says which step was skipped and what to install
        skipped = [s for s, on in (("subject", config.drift), ("attribution", config.attribution))
                   if on]
        config = replace(config, drift=False, attribution=False)
        image, meta = finish_artwork(image, params=meta, technique=task, config=config,
                                     inputs=inputs, photo=photo, photo_faces=faces)
        for step in skipped:
            meta["provenance"].extra[step] = {**meta["provenance"].extra.get(step, {}),
                                              "checked": False, "note": f"skipped: {e}"}
    extra = meta["provenance"].extra
    if task == "stylize" and too_small:
        extra["subject"] = {**extra.get("subject", {}), "checked": False,  # faces still checked
                            "note": f"classifier not checked: the picture is under {MIN_SIDE} px"}
    info.update({k: extra[k] for k in ("subject", "watermark", "safety", "attribution") if k in extra})
    return encode_artwork(image, fmt, metadata=meta, quality=int(params.get("quality", 92)))

