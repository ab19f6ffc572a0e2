"""What AUTOMATIC1111's fields do here, seen through the PyPI client ``webuiapi`` over a real
socket: options kept, A1111's lists, extras, png-info, interrogate, samplers, hires fix, tiling,
masks, SD upscale, prompt styles, notes in ``info``, progress and interrupt."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

webuiapi = pytest.importorskip("webuiapi")
httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("diffusers")

from _service import Server, png  # noqa: E402

TOKEN = "a1111-features-token"
PLAIN = {"painterly_watermark": False, "painterly_visible_label": False}
TINY = {"sd_model_checkpoint": "tiny", **PLAIN}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from _tiny_sd import models_file

    models = models_file(tmp_path_factory.mktemp("models"))
    data = tmp_path_factory.mktemp("a1111-features")
    (data / "styles.csv").write_text('name,prompt,negative_prompt\n'
                                     'fox-style,"{prompt}, red fox, snow",blurry\n')
    srv = Server(data, "--token", TOKEN, workers=1,
                 env={"PAINTERLY_MODELS_FILE": str(models)}).start_with(TOKEN)
    yield srv
    srv.stop()


@pytest.fixture
def api(server):
    return webuiapi.WebUIApi(host="127.0.0.1", port=server.port, username="u", password=TOKEN,
                             steps=2)


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url + "/sdapi/v1", timeout=600,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


def photo(w=64, h=64, seed=3) -> Image.Image:
    return Image.open(io.BytesIO(png(w, h, seed=seed))).convert("RGB")


def arr(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.int16)


def status_of(fn, *args, **kw) -> int:
    with pytest.raises(RuntimeError) as e:
        fn(*args, **kw)
    return e.value.args[0]


def test_options_are_kept_and_returned(api, http):
    before = api.get_options()
    assert len(before) > 40 and before["send_seed"] is True and before["jpeg_quality"] == 80
    assert http.post("/options", json={"send_seed": False, "jpeg_quality": 55,
                                       "my_extension_option": [1, 2]}).status_code == 200
    after = api.get_options()
    assert after["send_seed"] is False and after["jpeg_quality"] == 55
    assert after["my_extension_option"] == [1, 2]
    bad = http.post("/options", json={"jpeg_quality": 500})
    assert bad.status_code == 422 and bad.json()["error"] == "InputError"
    assert "jpeg_quality" in bad.json()["detail"] and api.get_options()["jpeg_quality"] == 55
    http.post("/options", json={"send_seed": True, "jpeg_quality": 80})


def test_every_webuiapi_call_that_a1111_answers_without_extensions(api):
    """webuiapi does not check the status of these calls: each must answer A1111's shape."""
    calls = ["get_options", "get_cmd_flags", "get_samplers", "get_sd_vae", "get_upscalers",
             "get_latent_upscale_modes", "get_loras", "get_sd_models", "get_hypernetworks",
             "get_face_restorers", "get_realesrgan_models", "get_prompt_styles", "get_scripts",
             "get_embeddings", "get_memory", "get_schedulers", "get_progress",
             "refresh_checkpoints", "skip", "interrupt"]
    got = {name: getattr(api, name)() for name in calls}
    for name, value in got.items():
        assert not (isinstance(value, dict) and {"error", "detail"} & set(value)), (name, value)
    assert [u["name"] for u in got["get_upscalers"]] == ["None", "Lanczos", "Nearest"]
    for name in ("get_sd_vae", "get_loras", "get_hypernetworks", "get_face_restorers",
                 "get_realesrgan_models"):
        assert got[name] == []
    assert got["get_embeddings"] == {"loaded": {}, "skipped": {}}
    assert got["get_cmd_flags"]["api"] is True and got["get_memory"]["ram"]["total"] > 0
    assert {"name": "Latent"} in got["get_latent_upscale_modes"]
    samplers = {s["name"]: s for s in got["get_samplers"]}
    assert {"Euler a", "DPM++ 2M", "DDIM", "PLMS", "UniPC"} <= set(samplers)
    assert "DPM fast" not in samplers and samplers["DDIM"]["options"]["diffusers"] == "DDIMScheduler"
    assert "karras" in api.util_get_scheduler_names() and "Euler a" in api.util_get_sampler_names()
    styles = {s["name"]: s for s in got["get_prompt_styles"]}
    assert styles["fox-style"]["negative_prompt"] == "blurry" and "watercolor" in styles
    assert api.util_get_model_names() == ["tiny"]
    api.util_wait_for_ready(check_interval=0.1)  # nothing running: returns at once


def test_samplers_are_the_real_schedulers(api):
    kw = dict(prompt="a red fox", seed=5, steps=3, cfg_scale=0, width=64, height=64,
              override_settings=TINY)
    euler = api.txt2img(sampler_name="Euler", **kw)
    ddim = api.txt2img(sampler_name="DDIM", **kw)
    assert ddim.info["sampler_name"] == "DDIM" and "Sampler: DDIM" in ddim.info["infotexts"][0]
    assert not np.array_equal(arr(euler.images[0]), arr(ddim.images[0]))
    again = api.txt2img(sampler_name="Euler a", **kw)
    assert np.array_equal(arr(again.images[0]), arr(api.txt2img(sampler_name="Euler a", **kw).images[0]))
    with pytest.raises(RuntimeError) as e:
        api.txt2img(sampler_name="Foo", **kw)
    assert e.value.args[0] == 422 and "Euler a" in e.value.args[1]
    assert status_of(api.txt2img, sampler_name="DPM adaptive", **kw) == 422


def test_hires_fix_returns_twice_the_size(api):
    kw = dict(prompt="a red fox", seed=5, steps=2, cfg_scale=0, width=64, height=64,
              sampler_name="Euler", override_settings=TINY)
    first = api.txt2img(**kw)
    hr = api.txt2img(enable_hr=True, hr_scale=2, **kw)
    assert hr.images[0].size == (128, 128) and "Hires upscaler: Latent" in hr.info["infotexts"][0]
    same = api.txt2img(enable_hr=True, hr_upscaler="Lanczos", denoising_strength=0.0, **kw)
    up = np.asarray(first.images[0].convert("RGB").resize((128, 128), Image.LANCZOS), np.int16)
    assert np.abs(arr(same.images[0]) - up).mean() < 1.0  # the first pass, upscaled
    assert hr.images[0].size == (128, 128) and not np.array_equal(arr(hr.images[0]), arr(same.images[0]))


def test_tiling_restore_faces_and_notes(api):
    kw = dict(prompt="a red fox", seed=5, steps=2, cfg_scale=0, width=64, height=64,
              sampler_name="Euler", override_settings=TINY)
    plain = api.txt2img(**kw)
    tiled = api.txt2img(tiling=True, **kw)
    assert not np.array_equal(arr(plain.images[0]), arr(tiled.images[0]))
    assert "Tiling: True" in tiled.info["infotexts"][0]
    faces = api.txt2img(restore_faces=True, **kw)
    assert faces.info["restore_faces"] is False
    assert any("no face restorer" in n for n in faces.info["painterly_notes"])
    neg = api.txt2img(negative_prompt="blurry", **kw)  # cfg_scale 0: accepted, as A1111 does
    assert any("negative prompt not used" in n for n in neg.info["painterly_notes"])


def test_styles_are_a1111_prompt_styles_and_painterly_styles(api):
    r = api.txt2img(prompt="a hill", styles=["fox-style", "no-such-style"], seed=2, steps=2,
                    cfg_scale=3, width=64, height=64, override_settings=TINY)
    assert r.info["prompt"] == "a hill, red fox, snow" and r.info["negative_prompt"] == "blurry"
    assert r.info["styles"] == ["fox-style"]
    assert any("no-such-style" in n for n in r.info["painterly_notes"])
    img = photo()
    two = api.img2img(images=[img], styles=["pencil", "watercolor"], seed=1, override_settings=PLAIN)
    assert two.info["painterly_style"] == "pencil"
    assert any("watercolor" in n for n in two.info["painterly_notes"])
    one = api.img2img(images=[img], styles=["pencil"], seed=1, override_settings=PLAIN)
    assert np.array_equal(arr(one.images[0]), arr(two.images[0]))


def test_inverted_mask_keeps_the_white_part_and_init_images_are_echoed(api):
    img = photo(seed=4)
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (0, 0, 32, 64))  # white: the left half
    kw = dict(images=[img], mask_image=mask, prompt="x", seed=1, steps=2, cfg_scale=0,
              width=64, height=64, mask_blur=0, inpainting_fill=1, inpaint_full_res=False,
              denoising_strength=0.8, override_settings=TINY)
    inv = api.img2img(inpainting_mask_invert=1, include_init_images=True, **kw)
    out, src = arr(inv.images[0]), arr(img)
    assert np.array_equal(out[:, :32], src[:, :32])  # inverted: the white half is kept
    assert np.abs(out[:, 40:] - src[:, 40:]).mean() > 2  # and the black half repainted
    assert inv.parameters["init_images"] and inv.parameters["mask"]
    normal = api.img2img(**kw)
    assert np.array_equal(arr(normal.images[0])[:, 40:], src[:, 40:])
    assert "init_images" not in normal.parameters
    only = api.img2img(**{**kw, "inpaint_full_res": True, "inpaint_full_res_padding": 4})
    assert only.images[0].size == (64, 64)


def test_sd_upscale_script(http):
    init = base64.b64encode(png(64, 64, seed=5)).decode()
    body = {"init_images": [init], "prompt": "x", "seed": 1, "steps": 2, "cfg_scale": 0,
            "width": 64, "height": 64, "denoising_strength": 0.0, "script_name": "SD upscale",
            "script_args": ["", 8, "Lanczos", 2.0], "override_settings": TINY}
    r = http.post("/img2img", json=body)
    assert r.status_code == 200, r.text
    out = Image.open(io.BytesIO(base64.b64decode(r.json()["images"][0])))
    ref = Image.open(io.BytesIO(png(64, 64, seed=5))).resize((128, 128), Image.LANCZOS)
    assert out.size == (128, 128) and np.abs(arr(out) - arr(ref)).mean() < 3
    bad = http.post("/img2img", json={**body, "script_name": "x/y/z plot"})
    assert bad.status_code == 422 and "sd upscale" in bad.json()["detail"]


def test_png_info_reads_a1111_files_and_painterlys_own(api, http):
    text = ("a castle, (detailed:1.2)\nNegative prompt: blurry, low quality\nSteps: 20, "
            'Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x768, '
            'Model: sd15, Lora hashes: "a: 1, b: 2", Version: v1.10.1')
    meta = PngImagePlugin.PngInfo()
    meta.add_text("parameters", text)
    buf = io.BytesIO()
    photo().save(buf, format="PNG", pnginfo=meta)
    r = http.post("/png-info", json={"image": base64.b64encode(buf.getvalue()).decode()}).json()
    assert r["info"] == text
    p = r["parameters"]
    assert p["Prompt"] == "a castle, (detailed:1.2)" and p["Negative prompt"] == "blurry, low quality"
    assert p["Steps"] == "20" and p["Sampler"] == "DPM++ 2M" and p["Seed"] == "42"
    assert (p["Size-1"], p["Size-2"]) == ("512", "768") and p["Lora hashes"] == "a: 1, b: 2"
    # A1111 writes JPEG and WebP infotexts as EXIF UserComment (piexif's UNICODE: UTF-16BE)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + text.encode("utf-16-be")
    jpg = io.BytesIO()
    photo().save(jpg, format="JPEG", exif=exif.tobytes())
    r = http.post("/png-info", json={"image": base64.b64encode(jpg.getvalue()).decode()}).json()
    assert r["info"] == text and r["parameters"]["Seed"] == "42"
    # painterly's own files (the CLI's and /v1's) carry an A1111-style text too
    own = api.img2img(images=[photo()], styles=["pencil"], seed=9, override_settings=PLAIN)
    info = api.png_info(own.images[0])
    assert info.parameters["Seed"] == "9" and info.parameters["Painterly style"] == "pencil"
    assert any(k.startswith("painterly:") for k in info.json["items"])


def test_extras_upscale_with_lanczos_and_nearest(api, http):
    img = photo(48, 32, seed=6)
    r = api.extra_single_image(img, upscaler_1="Nearest", upscaling_resize=2)
    assert r.images[0].size == (96, 64)
    assert np.array_equal(arr(r.images[0])[::2, ::2], arr(img))
    lz = api.extra_single_image(img, upscaler_1="Lanczos", resize_mode=1, upscaling_resize_w=80,
                                upscaling_resize_h=80, upscaling_crop=True)
    assert lz.images[0].size == (80, 80)
    none = api.extra_single_image(img)  # A1111's default upscaler is "None": the picture as is
    assert np.array_equal(arr(none.images[0]), arr(img))
    batch = api.extra_batch_images([img, photo(seed=7)], upscaler_1="Lanczos", upscaling_resize=1.5)
    assert [i.size for i in batch.images] == [(72, 48), (96, 96)]
    assert status_of(api.extra_single_image, img, upscaler_1="ESRGAN_4x") == 422
    assert status_of(api.extra_single_image, img, upscaler_1="Lanczos", gfpgan_visibility=0.5) == 422


def test_interrogate_says_what_it_can_offline(api):
    r = api.interrogate(photo(96, 96, seed=8))
    caption = r.info
    assert "closest painterly styles: " in caption and "look: " in caption
    tags = api.interrogate(photo(96, 96, seed=8), model="deepdanbooru").info
    assert ", " in tags and "closest" not in tags
    assert status_of(api.interrogate, photo(), model="blip2") == 422


def test_progress_counts_steps_and_interrupt_returns_the_picture(api, http):
    result: dict = {}

    def paint():
        result["r"] = http.post("/txt2img", json={
            "prompt": "a long one", "seed": 3, "steps": 200, "cfg_scale": 0, "width": 64,
            "height": 64, "sampler_name": "Euler", "override_settings": TINY})

    t = threading.Thread(target=paint)
    t.start()
    seen = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        p = api.get_progress()
        if p["state"]["sampling_step"] >= 2:
            seen = p
            break
        time.sleep(0.1)
    assert seen is not None, "no sampling step reported"
    assert seen["state"]["sampling_steps"] == 200 and 0 < seen["progress"] < 1
    assert seen["eta_relative"] > 0 and seen["state"]["job_count"] == 1
    api.interrupt()
    t.join(300)
    r = result["r"]
    assert r.status_code == 200, r.text
    info = json.loads(r.json()["info"])
    assert info["interrupted"] is True and len(r.json()["images"]) == 1
    note = next(n for n in info["painterly_notes"] if "interrupted at step" in n)
    step = int(note.split("step ")[1].split(" ")[0])
    assert 2 <= step < 200
    assert api.get_progress()["state"]["job_count"] == 0


def test_an_older_queue_file_gains_the_step_columns(tmp_path):
    """A data folder from before step progress opens, and its jobs report steps."""
    import sqlite3

    from painterly.service.store import SCHEMA, Store

    old = SCHEMA.replace("    step INTEGER,                            -- sampling step of the running job, and of how many\n", "")
    old = old.replace("    steps INTEGER,\n", "").replace(
        "    interrupt INTEGER NOT NULL DEFAULT 0,    -- 1: finish now with the picture as it stands\n", "")
    assert "interrupt" not in old
    db = sqlite3.connect(tmp_path / "q.sqlite3")
    db.executescript(old)
    db.close()
    store = Store(tmp_path / "q.sqlite3")
    store.submit("a" * 32, "paint", {}, [])
    job = store.claim("w1", 30)
    assert store.heartbeat(job["id"], "w1", 30, 0.5, 3, 8)
    assert not store.interrupt_requested(job["id"]) and store.interrupt(job["id"])
    row = store.get(job["id"])
    assert (row["step"], row["steps"], row["interrupt"]) == (3, 8, 1)
    store.close()
