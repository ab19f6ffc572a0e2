"""AUTOMATIC1111's settings (``GET/POST /sdapi/v1/options``): kept in the queue's settings table,
so they survive a restart and every request sees the same values.

A1111 keeps every option it knows and returns them all. The defaults below are the ones its
clients read most (the API's own, the saving, sampling and face-restoration groups); any other
key a client sets is kept and returned too, as A1111 would for its extensions' options. Only
:data:`ACTING` options change what painterly paints or sends; the rest are stored for the
clients that read them back (A1111 itself ignores many of them over the API).
"""

from __future__ import annotations

import json
from typing import Any

from painterly.errors import InputError

DEFAULTS: dict[str, Any] = {
    # saving images (A1111 encodes API images in samples_format too)
    "samples_save": True, "samples_format": "png", "samples_filename_pattern": "",
    "save_images_add_number": True, "grid_save": True, "grid_format": "png",
    "enable_pnginfo": True, "save_txt": False, "jpeg_quality": 80, "webp_lossless": False,
    "export_for_4chan": True, "img_max_size_mp": 200, "save_init_img": False,
    "save_incomplete_images": False,
    # the UI's clipboard and infotext options, read by clients such as webuiapi's users
    "send_seed": True, "send_size": True, "js_modal_lightbox": True, "show_progressbar": True,
    "live_previews_enable": True, "show_progress_every_n_steps": 10,
    # Stable Diffusion
    "sd_model_checkpoint": None, "sd_checkpoint_hash": None, "sd_checkpoints_limit": 1,
    "sd_vae": "Automatic", "sd_unet": "Automatic", "CLIP_stop_at_last_layers": 1,
    "enable_emphasis": True, "enable_batch_seeds": True, "randn_source": "CPU", "tiling": False,
    "upcast_attn": False, "token_merging_ratio": 0.0,
    # sampling
    "eta_ddim": 0.0, "eta_ancestral": 1.0, "eta_noise_seed_delta": 0, "s_churn": 0.0,
    "s_min_uncond": 0.0, "s_tmin": 0.0, "s_tmax": 0.0, "s_noise": 1.0,
    "img2img_fix_steps": False, "initial_noise_multiplier": 1.0, "sd_sampler": "Euler a",
    "hires_fix_use_firstpass_conds": False, "upscaler_for_img2img": None,
    # face restoration (this server has no face restorer: see GET /face-restorers)
    "face_restoration": False, "face_restoration_model": None, "code_former_weight": 0.5,
    # interrogation
    "interrogate_clip_num_beams": 1, "interrogate_clip_min_length": 24,
    "interrogate_clip_max_length": 48, "interrogate_return_ranks": False,
}
# options that change the pictures or the API's answer; each is checked before it is stored
ACTING = ("sd_model_checkpoint", "samples_format", "jpeg_quality", "CLIP_stop_at_last_layers",
          "eta_ddim", "tiling", "face_restoration")
FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}
MAX_OPTIONS = 1000  # distinct keys kept
MAX_VALUE_BYTES = 10_000  # JSON bytes of one value


def check(key: str, value: Any) -> Any:
    """A value a client may store under ``key``; InputError says what is accepted."""
    if not isinstance(key, str) or not key or len(key) > 200:
        raise InputError("option names are non-empty text of at most 200 characters")
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError):
        raise InputError(f"option {key}: the value must be JSON") from None
    if size > MAX_VALUE_BYTES:
        raise InputError(f"option {key}: the value is {size} bytes; at most {MAX_VALUE_BYTES}")
    if key == "samples_format" and str(value).lower() not in FORMATS:
        raise InputError(f"samples_format {value!r}: accepted are png, jpg, webp")
    if key == "jpeg_quality" and not (_int(value) and 1 <= value <= 100):
        raise InputError(f"jpeg_quality {value!r}: a whole number from 1 to 100")
    if key == "CLIP_stop_at_last_layers" and not (_int(value) and 1 <= value <= 12):
        raise InputError(f"CLIP_stop_at_last_layers {value!r}: a whole number from 1 to 12")
    if key == "eta_ddim" and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                  and 0 <= value <= 1):
        raise InputError(f"eta_ddim {value!r}: a number from 0 to 1")
    if key in ("tiling", "face_restoration") and not isinstance(value, bool):
        raise InputError(f"{key} {value!r}: true or false")
    return value


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load(store) -> dict[str, Any]:
    """Every option: the defaults, overlaid with what clients stored."""
    out = dict(DEFAULTS)
    out.update(store.get_setting("a1111_options", {}) or {})
    return out


def save(store, changes: dict[str, Any]) -> None:
    """Store ``changes`` (already checked) over the stored options."""
    stored = dict(store.get_setting("a1111_options", {}) or {})
    stored.update(changes)
    if len(stored) > MAX_OPTIONS:
        raise InputError(f"at most {MAX_OPTIONS} options are kept")
    store.set_setting("a1111_options", stored)
