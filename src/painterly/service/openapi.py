"""The service's OpenAPI document, made true to what the routes accept and answer.

FastAPI derives most of it from the routes. What it cannot see is written here:

* ``POST /v1/jobs`` reads its multipart form by hand, so its body (the file fields and the
  ``params`` JSON, one schema per task: types, ranges, defaults) is described here, from the
  same constants :mod:`painterly.service.tasks` checks against and this server's registries
  (style names, installed models);
* every error answers ``{"error": {"type", "message"}}``, not FastAPI's ``{"detail": ...}``;
* the statuses that middleware and handlers add (401 and 403 from the guard, 404, 409, 413,
  415, 422, 429 with ``Retry-After``, 501, 503, 504) and the media types of results and events;
* the token, when the server has one (and the probes, which never need it).

The document describes *this* server: it is rebuilt when asked for (``/openapi.json``), so a
style added to the library or a model pulled since start-up is in it.
"""

from __future__ import annotations

from typing import Any

from painterly.service import tasks

ERROR = {"$ref": "#/components/schemas/Error"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
PROBES = ("/livez", "/readyz")
REASONS = {
    400: "The request could not be read", 401: "The token is missing or wrong",
    403: "Refused: another host name or another site", 404: "No such job (or its result is no longer kept)",
    409: "Conflict: the job is not finished, or the Idempotency-Key was used for another request",
    413: "The request body is over the upload limit", 415: "Not multipart/form-data, or a file is not an accepted image",
    422: "Bad input: the message says what was wrong and what is accepted",
    429: "The queue is full: retry after Retry-After seconds",
    501: "This server lacks an optional package: the message names what to install",
    503: "Not available now", 504: "The jobs did not finish in time (they go on in the queue)",
}
# statuses of painterly's own routes, beyond the guard's (added to every operation)
STATUSES = {
    ("post", "/v1/jobs"): (409, 413, 415, 422, 429, 501),
    ("get", "/v1/jobs"): (422,),
    ("get", "/v1/jobs/{job_id}"): (404,),
    ("delete", "/v1/jobs/{job_id}"): (404,),
    ("get", "/v1/jobs/{job_id}/result"): (404, 409),
    ("get", "/v1/jobs/{job_id}/events"): (404,),
    ("get", "/v1/jobs/{job_id}/thumbnail"): (404, 409),
    ("get", "/v1/styles/{name}/preview"): (403, 422, 503, 504),
    ("get", "/readyz"): (503,),
    ("post", "/v1/speech"): (413, 415, 422, 501),
    ("post", "/sdapi/v1/txt2img"): (409, 413, 415, 422, 429, 501, 504),
    ("post", "/sdapi/v1/img2img"): (409, 413, 415, 422, 429, 501, 504),
    ("post", "/sdapi/v1/png-info"): (413, 415, 422),
    ("post", "/sdapi/v1/options"): (413, 422),
}


def _style_names() -> list[str]:
    from painterly.styles import list_styles

    names = []
    for s in list_styles():
        names += [s.name, *s.aliases]
    return sorted(set(names))


def _installed(kind: str) -> list[str]:
    from painterly.models import is_available, list_models

    return [m.name for m in list_models(kind) if is_available(m.name)]


def _int(lo: int, hi: int, default: Any = None, doc: str = "") -> dict:
    out: dict[str, Any] = {"type": "integer", "minimum": lo, "maximum": hi}
    if default is not None:
        out["default"] = default
    if doc:
        out["description"] = doc
    return out


def _num(lo: float, hi: float, default: Any = None, doc: str = "") -> dict:
    out: dict[str, Any] = {"type": "number", "minimum": lo, "maximum": hi}
    if default is not None:
        out["default"] = default
    if doc:
        out["description"] = doc
    return out


def _text(max_chars: int, doc: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": r"\S",
            "description": doc}


def params_schema(*, max_prompt_chars: int = 2000, default_model: str = tasks.DEFAULT_MODEL) -> dict:
    """JSON Schema of ``params``: one object per task and way (``task`` defaults to ``stylize``)."""
    from painterly.styles import list_styles

    styles = _style_names()
    neural = sorted({n for s in list_styles() if s.family != "filter" for n in (s.name, *s.aliases)})
    common = {
        "format": {"type": "string", "enum": sorted(tasks.FORMATS), "default": "png",
                   "description": "the result's file format"},
        "seed": _int(0, tasks.MAX_SEED, 0, "the same seed and inputs give the same result"),
        "visible_label": {"type": "boolean", "default": True,
                          "description": "draw the visible AI label (left off, and said so in the "
                                         "job's info, when the picture is too small for it)"},
        "watermark": {"type": "boolean", "default": True, "description": "the invisible watermark"},
        "attribute": {"type": "boolean", "default": False,
                      "description": "record the closest built-in style"},
    }
    stylize_base = {
        **common,
        "task": {"type": "string", "const": "stylize", "default": "stylize"},
        "strength": _num(0, 1, 1.0, "1: the full style; 0: the photo"),
        "max_size": _int(1, tasks.MAX_SIDE, doc="longest side of the result, px (default: the photo's)"),
    }
    neural_opts = {
        "preserve_color": {"type": "boolean", "default": False,
                           "description": "keep the photo's colours (neural styles only)"},
        "portrait": {"type": "boolean",
                     "description": "protect faces: half the style inside each face, feathered "
                                    "(neural styles only; default: on for the built-in styles, "
                                    "off for a painting as the style)"},
        "style_scale": _num(0.125, 8, 1.0, "brush-stroke size, 1 = as trained (neural styles only)"),
        "tile": {"description": "tiles of this many px (0: never tile; default: above 2048 px)",
                 "anyOf": [{"type": "integer", "const": 0}, _int(16, tasks.MAX_SIDE)]},
    }
    variants = [
        _object({**stylize_base, "style": {"type": "string", "enum": sorted(set(styles) - set(neural)),
                                           "default": "cartoon", "description": "a filter style"}},
                "stylize with a filter style (GET /v1/styles)"),
        _object({**stylize_base, **neural_opts,
                  "style": {"type": "string", "enum": neural, "description": "a neural style"}},
                "stylize with a neural style", required=["style"]),
        _object({**stylize_base, **neural_opts}, "stylize with the painting sent as style_image "
                "(no style, no prompt)"),
    ]
    import importlib.util

    if importlib.util.find_spec("torch") is not None:  # text to style needs the text extra
        variants.append(_object({**stylize_base, "prompt": _text(max_prompt_chars, "describe a "
                                 "style in words: the closest styles are blended")},
                                "stylize with styles chosen from a text prompt",
                                required=["prompt"]))
    diffusion = _installed("diffusion")
    if diffusion:  # painting needs a diffusion model on this server
        required = ["task", "prompt"] + ([] if default_model in diffusion else ["model"])
        variants.append(_object({
            **common,
            "task": {"type": "string", "const": "paint"},
            "prompt": _text(max_prompt_chars, "what to paint"),
            "negative": _text(max_prompt_chars, "what not to paint"),
            "model": {"type": "string", "enum": diffusion, "description": "an installed diffusion "
                      "model" + (f" (default {default_model})" if default_model in diffusion else "")},
            "steps": _int(1, 200, doc="denoising steps (default: the model's)"),
            "width": {**_int(64, 2048, doc="px, a multiple of 8"), "multipleOf": 8},
            "height": {**_int(64, 2048, doc="px, a multiple of 8"), "multipleOf": 8},
            "guidance": _num(0, 30, doc="classifier-free guidance (default: the model's)"),
            "strength": _num(0, 1, doc="image to image: how far from the image (needs image)"),
            "style": {"type": "string", "enum": styles, "description": "a painterly style over the result"},
        }, "paint from a prompt (text to image; with image: image to image; with mask: inpainting)",
            required=required))
    variants.append(_object({
        **common,
        "task": {"type": "string", "const": "curate"},
        "prompt": _text(max_prompt_chars, "what the best picture should show (needs CLIP)"),
        "keep": _int(1, 64, 1, "how many pictures to rank first"),
        "no_clip": {"type": "boolean", "default": False, "description": "rank by quality only"},
        **({"model": {"type": "string", "enum": _installed("clip"), "description": "an installed "
                      "CLIP model"}} if _installed("clip") else {}),
    }, "curate: the best of up to 64 pictures", required=["task"]))
    return {"anyOf": variants, "description": "What to do, as JSON. Each task takes the fields "
            "listed; anything else is refused (422) with the accepted names."}


def _object(props: dict, doc: str, *, required=()) -> dict:
    out: dict[str, Any] = {"type": "object", "description": doc, "properties": props,
                           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _job_schema() -> dict:
    nullable_text = {"type": ["string", "null"]}
    return {"type": "object", "required": ["id", "task", "state", "progress", "attempts", "error",
                                          "created", "started", "finished", "result"],
            "properties": {
                "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "task": {"type": "string", "enum": list(tasks.TASKS)},
                "state": {"type": "string",
                          "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                "progress": {"type": "number", "minimum": 0, "maximum": 1},
                "attempts": {"type": "integer", "minimum": 0},
                "error": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
                    "type": nullable_text, "message": nullable_text}}]},
                "created": nullable_text, "started": nullable_text, "finished": nullable_text,
                "result": {**nullable_text, "description": "the result's URL once succeeded"},
                "info": {"type": "object", "description": "what the job recorded: seed, style, "
                         "size, subject check, watermark, visible label ..."}}}


def _error_response(status: int, headers: dict | None = None, schema: dict = ERROR) -> dict:
    out: dict[str, Any] = {"description": REASONS.get(status, "Error"),
                           "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def document(app, config) -> dict:
    """The OpenAPI document of ``app`` as served by ``config``'s server."""
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    comps = doc.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["type", "message"],
        "properties": {"type": {"type": "string"}, "message": {"type": "string"}}}}}
    # the AUTOMATIC1111 routes answer errors in A1111's own shape (its clients read "detail")
    schemas["A1111Error"] = {"type": "object", "required": ["error", "detail"], "properties": {
        "error": {"type": "string", "description": "painterly's error type"},
        "detail": {"type": "string"}, "body": {"type": "string"}, "errors": {"type": "string"}}}
    a1111_error = {"$ref": "#/components/schemas/A1111Error"}
    schemas["Job"] = _job_schema()
    job = {"$ref": "#/components/schemas/Job"}
    paths = doc["paths"]

    # POST /v1/jobs: the multipart form
    post = paths["/v1/jobs"]["post"]
    image = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream",
             "description": "PNG, JPEG, WebP, BMP, TIFF or GIF (told by content)"}
    post["requestBody"] = {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "additionalProperties": False, "properties": {
            "params": params_schema(max_prompt_chars=config.max_prompt_chars),  # also takes
            # image_job / style_image_job / mask_job: an earlier job's id whose result to use
            "image": {**image, "description": "the photo (stylize; paint: image to image); "
                      "curate: up to 64 pictures, one 'image' part each"},
            "style_image": {**image, "description": "any painting as the style (stylize)"},
            "mask": {**image, "description": "white where to paint (paint with image)"}}},
        "encoding": {"params": {"contentType": "application/json"}}}}}
    if not _installed("diffusion"):  # every task but paint needs a picture
        post["requestBody"]["content"]["multipart/form-data"]["schema"]["required"] = ["image"]
    post["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
                           "description": "the same key and request return the same job"}]
    post["responses"] = {"202": {"description": "Queued", "content": {"application/json": {
        "schema": job}}, "headers": {"Location": {"schema": {"type": "string"},
                                                  "description": "the job's URL"}}}}
    for method, path in (("get", "/v1/jobs/{job_id}"), ("delete", "/v1/jobs/{job_id}")):
        paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"] = job
    paths["/v1/jobs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["jobs"], "properties": {"jobs": {"type": "array", "items": job}}}
    paths["/v1/jobs"]["get"]["parameters"] = [
        {"name": "state", "in": "query", "required": False, "schema": {
            "type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]}},
        {"name": "limit", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}]
    for path in ("/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result", "/v1/jobs/{job_id}/events",
                 "/v1/jobs/{job_id}/thumbnail"):
        for op in paths.get(path, {}).values():
            for p in op.get("parameters", []):
                if p["name"] == "job_id":
                    p["schema"] = {"type": "string", "pattern": "^[0-9a-f]{32}$",
                                   "description": "the id POST /v1/jobs returned"}
    paths["/v1/jobs/{job_id}/result"]["get"]["responses"]["200"] = {
        "description": "The result, in the format the job asked for",
        "headers": {"Content-Disposition": {"schema": {"type": "string"}, "required": True}},
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES}}
    paths["/v1/jobs/{job_id}/events"]["get"]["responses"]["200"] = {
        "description": "Server-sent events: progress, then the final state",
        "content": {"text/event-stream": {"schema": {
            "type": "object", "required": ["event", "data"], "properties": {
                "event": {"type": "string", "enum": ["progress", "succeeded", "failed", "cancelled"]},
                "data": {"type": "string", "description": "the job as JSON, as GET /v1/jobs/{id}"}}}}}}
    preview = paths["/v1/styles/{name}/preview"]["get"]
    preview["responses"]["200"] = {"description": "The style on a sample photo",
                                   "content": {"image/webp": {"schema": {"type": "string",
                                                                         "format": "binary"}}}}
    for p in preview.get("parameters", []):
        if p["name"] == "name":
            p["schema"] = {"type": "string", "enum": _style_names()}

    # every operation: the error statuses it can answer
    retry = {"Retry-After": {"schema": {"type": "integer"}, "required": True,
                             "description": "seconds to wait"}}
    auth = {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}}
    for path, ops in paths.items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            shape = a1111_error if path.startswith("/sdapi/") else ERROR
            for status in STATUSES.get((method, path), ()):
                responses[str(status)] = _error_response(status, retry if status == 429 else None,
                                                         shape)
            if "422" in responses and (str(responses["422"]).find("HTTPValidationError") >= 0
                                       or path.startswith("/sdapi/")):
                responses["422"] = _error_response(422, schema=shape)
            if "requestBody" in op and path != "/v1/jobs":  # a body that is not JSON at all
                responses.setdefault("400", _error_response(400, schema=shape))
            if path not in PROBES:  # the guard: another host name, another site
                responses.setdefault("403", _error_response(403))
            if config.token and path not in PROBES:
                responses["401"] = _error_response(401, auth)
            if path in PROBES:
                op["security"] = []
                for code, r in responses.items():
                    if code.startswith("2") or code == "503":
                        r["content"] = {"application/json": {"schema": {
                            "type": "object", "required": ["status"], "additionalProperties": False,
                            "properties": {"status": {"type": "string"}}}}}
    if config.token:
        comps["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "the server's --token"},
            "basic": {"type": "http", "scheme": "basic", "description": "any user name, the token "
                      "as the password (what AUTOMATIC1111 clients send)"}}
        doc["security"] = [{"bearer": []}, {"basic": []}]
    return doc
