"""The request bodies of the AUTOMATIC1111 routes, field for field as A1111 v1.10 names them.

Every field A1111 accepts is accepted here, with A1111's default. What painterly does with each
is decided in :mod:`painterly.service.a1111` (done, noted in ``info``, or refused with 422);
unknown fields are ignored, as A1111's pydantic models ignore them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_IMAGES = 16  # batch_size * n_iter per call


class _Common(BaseModel):
    model_config = ConfigDict(extra="ignore")
    prompt: str = ""
    negative_prompt: str = ""
    styles: list[str] | None = None
    seed: int = -1
    subseed: int = -1
    subseed_strength: float = 0.0
    seed_resize_from_h: int = -1
    seed_resize_from_w: int = -1
    sampler_name: str | None = None
    sampler_index: str | None = None  # A1111's older name of sampler_name
    scheduler: str | None = None
    batch_size: int = Field(1, ge=1, le=MAX_IMAGES)
    n_iter: int = Field(1, ge=1, le=MAX_IMAGES)
    steps: int | None = Field(None, ge=1, le=200)
    cfg_scale: float = Field(7.0, ge=0, le=30)
    width: int = Field(512, ge=64, le=2048)
    height: int = Field(512, ge=64, le=2048)
    restore_faces: bool | None = None
    tiling: bool | None = None
    do_not_save_samples: bool = False
    do_not_save_grid: bool = False
    eta: float | None = None
    denoising_strength: float | None = Field(None, ge=0, le=1)
    s_min_uncond: float | None = None
    s_churn: float | None = None
    s_tmax: float | None = None
    s_tmin: float | None = None
    s_noise: float | None = None
    override_settings: dict[str, Any] | None = None
    override_settings_restore_afterwards: bool = True
    refiner_checkpoint: str | None = None
    refiner_switch_at: float | None = None
    disable_extra_networks: bool = False
    comments: dict[str, Any] | None = None
    script_name: str | None = None
    script_args: list[Any] = Field(default_factory=list)
    send_images: bool = True
    save_images: bool = False
    alwayson_scripts: dict[str, Any] = Field(default_factory=dict)
    infotext: str | None = None  # A1111 1.10: fill the fields from an infotext (refused here)


class Txt2Img(_Common):
    enable_hr: bool = False
    firstphase_width: int = 0  # A1111 keeps these for old clients and ignores them
    firstphase_height: int = 0
    hr_scale: float = Field(2.0, ge=1, le=8)
    hr_upscaler: str | None = None
    hr_second_pass_steps: int = Field(0, ge=0, le=200)
    hr_resize_x: int = Field(0, ge=0, le=2048)
    hr_resize_y: int = Field(0, ge=0, le=2048)
    hr_checkpoint_name: str | None = None
    hr_sampler_name: str | None = None
    hr_scheduler: str | None = None
    hr_prompt: str = ""
    hr_negative_prompt: str = ""
    firstpass_image: str | None = None


class Img2Img(_Common):
    init_images: list[str] | None = None
    resize_mode: int = Field(0, ge=0, le=3)
    image_cfg_scale: float | None = None
    mask: str | None = None
    mask_blur_x: int = Field(4, ge=0, le=64)
    mask_blur_y: int = Field(4, ge=0, le=64)
    mask_blur: int | None = Field(None, ge=0, le=64)
    mask_round: bool = True
    inpainting_fill: int = Field(0, ge=0, le=3)
    inpaint_full_res: bool = True
    inpaint_full_res_padding: int = Field(0, ge=0, le=256)
    inpainting_mask_invert: int = Field(0, ge=0, le=1)
    initial_noise_multiplier: float | None = None
    latent_mask: str | None = None
    include_init_images: bool = False


class ExtrasBase(BaseModel):
    model_config = ConfigDict(extra="ignore")
    resize_mode: int = Field(0, ge=0, le=1)  # 0: scale by upscaling_resize, 1: to w x h
    show_extras_results: bool = True
    gfpgan_visibility: float = Field(0, ge=0, le=1)
    codeformer_visibility: float = Field(0, ge=0, le=1)
    codeformer_weight: float = Field(0, ge=0, le=1)
    upscaling_resize: float = Field(2, ge=1, le=8)
    upscaling_resize_w: int = Field(512, ge=1, le=8192)
    upscaling_resize_h: int = Field(512, ge=1, le=8192)
    upscaling_crop: bool = True
    upscaler_1: str = "None"
    upscaler_2: str = "None"
    extras_upscaler_2_visibility: float = Field(0, ge=0, le=1)
    upscale_first: bool = False


class ExtrasSingle(ExtrasBase):
    image: str = ""


class ImageItem(BaseModel):
    data: str
    name: str = ""


class ExtrasBatch(ExtrasBase):
    imageList: list[ImageItem] = Field(default_factory=list, max_length=MAX_IMAGES)


class PngInfo(BaseModel):
    image: str


class Interrogate(BaseModel):
    image: str = ""
    model: str = "clip"
