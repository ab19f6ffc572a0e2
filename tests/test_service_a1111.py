"""The AUTOMATIC1111-compatible routes, driven by the PyPI client ``webuiapi`` over a real socket."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

webuiapi = pytest.importorskip("webuiapi")
httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from _service import Server, png  # noqa: E402

import painterly  # noqa: E402
from painterly.io import to_uint8  # noqa: E402

TOKEN = "a1111-test-token"


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A tiny random Stable Diffusion folder, registered as 'tiny' in a models file the server reads."""
    pytest.importorskip("diffusers")
    from _tiny_sd import models_file

    models = models_file(tmp_path_factory.mktemp("models"))
    return models


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model_dir):
    srv = Server(tmp_path_factory.mktemp("a1111"), "--token", TOKEN, workers=1,
                 env={"PAINTERLY_MODELS_FILE": str(tiny_model_dir)}).start_with(TOKEN)
    yield srv
    srv.stop()


# painterly's watermark and visible label off, to compare pixels with the library's own result
PLAIN = {"painterly_watermark": False, "painterly_visible_label": False}


@pytest.fixture
def api(server):
    return webuiapi.WebUIApi(host="127.0.0.1", port=server.port, username="painterly", password=TOKEN)


def test_img2img_with_a_painterly_style_works_offline(api):
    photo = Image.open(io.BytesIO(png(64, 48, seed=7)))
    r = api.img2img(images=[photo], styles=["watercolor"], seed=11, denoising_strength=0.6,
                    batch_size=2, width=512, height=512, override_settings=PLAIN)
    assert len(r.images) == 2 and r.images[0].size == (64, 48)
    assert r.info["all_seeds"] == [11, 12] and r.info["seed"] == 11
    assert len(r.info["infotexts"]) == 2 and "Seed: 11" in r.info["infotexts"][0]
    direct = painterly.stylize(painterly.load_image(photo), "watercolor", strength=0.6, seed=11)
    assert np.array_equal(np.asarray(r.images[0].convert("RGB")), to_uint8(direct))
    assert r.parameters["styles"] == ["watercolor"]


def test_txt2img_with_an_installed_model(api):
    r = api.txt2img(prompt="a red fox", seed=5, steps=2, cfg_scale=0, width=64, height=64,
                    override_settings={"sd_model_checkpoint": "tiny", **PLAIN})
    assert len(r.images) == 1 and r.images[0].size == (64, 64)
    assert r.info["all_seeds"] == [5] and r.info["sd_model_name"] == "tiny"
    again = api.txt2img(prompt="a red fox", seed=5, steps=2, cfg_scale=0, width=64, height=64,
                        override_settings={"sd_model_checkpoint": "tiny", **PLAIN})
    assert np.array_equal(np.asarray(r.images[0]), np.asarray(again.images[0]))  # same seed
    info = api.png_info(r.images[0])  # the infotext A1111 would write, read back
    assert info.info == r.info["infotexts"][0] and info.info.startswith("a red fox\n")
    p = info.parameters
    assert p["Prompt"] == "a red fox" and p["Seed"] == "5" and p["Model"] == "tiny"
    assert (p["Size-1"], p["Size-2"]) == ("64", "64") and p["Sampler"] == "Euler a"
    assert p["Steps"] == "2" and p["CFG scale"] == "0"


def test_paint_job_through_painterlys_own_api(server):
    import time

    h = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.url, headers=h, timeout=300) as c:
        files = {"params": (None, json.dumps({"task": "paint", "prompt": "a boat", "model": "tiny",
                                              "steps": 2, "width": 64, "height": 64, "seed": 3,
                                              "style": "pencil"}))}
        job = c.post("/v1/jobs", files=files).json()
        for _ in range(600):
            done = c.get(f"/v1/jobs/{job['id']}").json()
            if done["state"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        assert done["state"] == "succeeded", done
        assert done["info"]["model"] == "tiny" and done["info"]["style"] == "pencil"
        img = Image.open(io.BytesIO(c.get(done["result"]).content))
        assert img.size == (64, 64) and img.info["painterly:prompt"] == "a boat"
        bad = c.post("/v1/jobs", files={"params": (None, json.dumps(
            {"task": "paint", "prompt": "a boat", "model": "tiny", "width": 65}))})
        assert bad.status_code == 422 and "multiple of 8" in bad.json()["error"]["message"]


def test_txt2img_without_the_model_names_it_and_how_to_pull(api):
    with pytest.raises(RuntimeError) as e:
        api.txt2img(prompt="a lighthouse", override_settings={"sd_model_checkpoint": "sd-turbo"})
    status, text = e.value.args
    assert status == 422 and "sd-turbo" in text and "painterly models pull sd-turbo" in text


def test_options_models_samplers_scripts_progress(api):
    assert api.get_scripts() == {"txt2img": [], "img2img": ["sd upscale"]}
    assert [m["title"] for m in api.get_sd_models()] == ["tiny"]  # installed models only
    api.util_set_model("tiny")
    assert api.util_get_current_model() == "tiny"
    assert api.get_samplers()[0]["name"]
    p = api.get_progress()
    assert 0 <= p["progress"] <= 1 and "state" in p
    api.interrupt()


def test_options_refuse_unknown_models(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        r = c.post("/sdapi/v1/options", json={"sd_model_checkpoint": "no-such-model"})
        assert r.status_code == 422 and "tiny" in r.json()["detail"]
        assert c.get("/sdapi/v1/options").json()["sd_model_checkpoint"] != "no-such-model"


def test_bad_a1111_requests_are_typed_4xx(server):
    h = {"Authorization": f"Bearer {TOKEN}"}
    ok = base64.b64encode(png()).decode()
    cases = [
        ("/sdapi/v1/img2img", {"init_images": ["https://example.com/cat.png"], "styles": ["oil"]}, 422),
        ("/sdapi/v1/img2img", {"init_images": ["file:///etc/passwd"], "styles": ["oil"]}, 422),
        ("/sdapi/v1/img2img", {"init_images": ["not base64!"], "styles": ["oil"]}, 422),
        ("/sdapi/v1/img2img", {"init_images": [base64.b64encode(b"%PDF-1.4").decode()],
                               "styles": ["oil"]}, 415),
        ("/sdapi/v1/img2img", {"init_images": [], "styles": ["oil"]}, 422),
        ("/sdapi/v1/txt2img", {"prompt": "x", "script_name": "x/y/z plot"}, 422),
        ("/sdapi/v1/txt2img", {"prompt": "x", "width": 10**6}, 422),
        ("/sdapi/v1/txt2img", {"prompt": "x", "batch_size": "many"}, 422),
    ]
    with httpx.Client(base_url=server.url, headers=h, timeout=300) as c:
        for path, body, status in cases:
            r = c.post(path, json=body)
            assert r.status_code == status, (body, r.text)
            err = r.json()  # A1111's error body, painterly's error type inside
            assert set(err) == {"error", "detail", "body", "errors"}, err
            assert err["error"].endswith("Error") and err["detail"] == err["errors"] != ""
        # an unknown style is ignored, as A1111 ignores unknown prompt styles, and said so
        r = c.post("/sdapi/v1/img2img", json={"init_images": [ok],
                                               "styles": ["oil", "no-such-style"]})
        assert r.status_code == 200, r.text
        assert "no-such-style" in r.json()["info"]
        r = c.post("/sdapi/v1/img2img", json={"init_images": [f"data:image/png;base64,{ok}"],
                                               "styles": ["pencil"], "seed": 1})
        assert r.status_code == 200 and not r.json()["images"][0].startswith("data:")


def test_a1111_routes_need_the_token(server):
    anon = webuiapi.WebUIApi(host="127.0.0.1", port=server.port)
    with pytest.raises(RuntimeError) as e:
        anon.img2img(images=[Image.open(io.BytesIO(png()))], styles=["oil"])
    assert e.value.args[0] == 401
    wrong = webuiapi.WebUIApi(host="127.0.0.1", port=server.port, username="u", password="wrong")
    with pytest.raises(RuntimeError):
        wrong.img2img(images=[Image.open(io.BytesIO(png()))], styles=["oil"])
