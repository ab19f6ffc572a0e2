"""AUTOMATIC1111's generation features in the library, on tiny random components: samplers mapped
to diffusers schedulers, tiling, hires fix, SD upscale, masked-only inpainting, early finish."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from _tiny_sd import smooth_photo, tiny_model  # noqa: E402

from painterly.errors import InputError  # noqa: E402
from painterly.generation import (  # noqa: E402
    FINISH,
    Hires,
    Runtime,
    available_samplers,
    generate,
    scheduler_spec,
    sd_upscale,
)
from painterly.generation.inpaint import inpaint_masked, mask_box  # noqa: E402
from painterly.generation.model import prepare  # noqa: E402
from painterly.generation.upscale import tile_origins, upscale  # noqa: E402


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return prepare(tiny_model(tmp_path_factory.mktemp("tiny")), Runtime(dtype="float32"))


@pytest.fixture(scope="module")
def photo():
    return smooth_photo()


def run(model, **kw):
    kw.setdefault("steps", 2)
    kw.setdefault("size", (64, 64))
    kw.setdefault("seed", 5)
    return generate("a red cat", model=model, **kw)


# --- samplers and schedules ---------------------------------------------------------------------

def test_every_listed_sampler_runs_its_diffusers_scheduler_and_keeps_seeds(model):
    names = [s.name for s in available_samplers()]
    for want in ("Euler a", "Euler", "DPM++ 2M", "DDIM", "PLMS", "UniPC", "LCM", "Heun", "LMS"):
        assert want in names
    plain = run(model)
    for s in available_samplers():
        spec = scheduler_spec(s.name)
        assert type(model.pipeline("text", spec).scheduler).__name__ == s.cls
        a, b = run(model, sampler=s.name), run(model, sampler=s.name)
        assert np.array_equal(a, b), s.name  # same seed, same picture: ancestral ones too
        assert not np.array_equal(run(model, sampler=s.name, seed=6), a), s.name
    # a sampler is really used: DDIM's picture is not Euler's
    assert not np.array_equal(run(model, sampler="DDIM"), plain)


def test_sampler_names_and_schedules_as_a1111_gives_them():
    assert scheduler_spec(None) is None  # the model's own
    assert scheduler_spec("k_euler_a").cls == "EulerAncestralDiscreteScheduler"
    karras = scheduler_spec("DPM++ 2M Karras")  # A1111's pre-1.9 name carries the schedule
    assert karras.sampler == "DPM++ 2M" and karras.config["use_karras_sigmas"] is True
    auto = scheduler_spec("DPM++ 2M", "automatic")  # A1111's default schedule for that sampler
    assert auto.schedule == "karras" and auto.config["use_karras_sigmas"] is True
    assert scheduler_spec("DPM++ 2M SDE").config["algorithm_type"] == "sde-dpmsolver++"
    assert scheduler_spec("Euler", "sgm_uniform").config["timestep_spacing"] == "trailing"
    assert scheduler_spec("PLMS").config == {"skip_prk_steps": True}
    with pytest.raises(InputError, match=r"unknown sampler 'Foo'.*Euler a"):
        scheduler_spec("Foo")
    with pytest.raises(InputError, match=r"not available.*DPM fast|DPM fast.*not available"):
        scheduler_spec("DPM fast")
    with pytest.raises(InputError, match="cannot use the Karras schedule"):
        scheduler_spec("DDIM", "karras")
    with pytest.raises(InputError, match="scheduler 'kl_optimal' is not available"):
        scheduler_spec("Euler", "kl_optimal")


def test_a_karras_schedule_changes_the_picture(model):
    assert not np.array_equal(run(model, sampler="Euler", steps=3),
                              run(model, sampler="Euler", schedule="karras", steps=3))


def test_ddim_eta_and_clip_skip_act(model):
    assert not np.array_equal(run(model, sampler="DDIM", eta=0.0, steps=3),
                              run(model, sampler="DDIM", eta=1.0, steps=3))
    assert not np.array_equal(run(model, clip_skip=1), run(model))


# --- tiling ------------------------------------------------------------------------------------

def test_tiling_is_circular_padding_on_shared_weights(model):
    tiled = model.tiled()
    assert model.tiled() is tiled  # built once
    convs = [m for m in tiled.unet.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(c.padding_mode == "circular" for c in convs)
    assert all(m.padding_mode == "zeros" for m in model.unet.modules()
               if isinstance(m, torch.nn.Conv2d))  # the shared model is left as it was
    a = dict(model.unet.named_parameters())
    assert all(p.data_ptr() == a[n].data_ptr() for n, p in tiled.unet.named_parameters())


def test_tiled_decoder_wraps_around_the_edges(model):
    """Circular padding makes the VAE decoder commute with a circular shift: what leaves one
    edge continues at the other, which is what makes the picture tile without a seam."""
    z = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(0))
    f = 2 ** (len(model.vae.config.block_out_channels) - 1)  # pixels per latent

    def decode(m, lat):
        with torch.no_grad():
            return m.vae.decode(lat).sample

    shift = lambda t, k: torch.roll(t, shifts=k, dims=3)  # noqa: E731
    tiled = model.tiled()
    assert torch.allclose(decode(tiled, shift(z, 5)), shift(decode(tiled, z), 5 * f), atol=1e-5)
    assert not torch.allclose(decode(model, shift(z, 5)), shift(decode(model, z), 5 * f), atol=1e-3)
    assert not np.array_equal(run(model, tiling=True), run(model))


# --- hires fix and upscaling -------------------------------------------------------------------

def test_hires_fix_paints_twice_the_size(model):
    calls = []
    out = run(model, steps=3, hires=Hires(steps=2), progress=lambda d, t: calls.append((d, t)))
    assert out.shape == (128, 128, 3) and out.std() > 0.01
    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert run(model, size=(64, 96), hires=Hires(size=(128, 0))).shape == (192, 128, 3)
    assert run(model, hires=Hires(upscaler="Latent (nearest)", scale=1.5)).shape == (96, 96, 3)
    with pytest.raises(InputError, match="upscaler 'ESRGAN_4x'"):
        run(model, hires=Hires(upscaler="ESRGAN_4x"))


def test_hires_with_a_pixel_upscaler_and_no_repaint_is_the_upscaled_first_pass(model):
    first = run(model)
    out = run(model, hires=Hires(upscaler="Lanczos", strength=0.0))
    assert np.abs(out - upscale(first, (128, 128), "Lanczos")).max() < 1e-6
    assert not np.array_equal(run(model, hires=Hires(upscaler="Lanczos", strength=0.5)), out)


def test_upscalers_without_a_model(photo):
    near = upscale(photo, (128, 128), "Nearest")
    assert np.array_equal(near[::2, ::2], photo) and np.array_equal(near[1::2, 1::2], photo)
    lanczos = upscale(photo, (128, 128), "Lanczos")
    assert lanczos.shape == (128, 128, 3) and not np.array_equal(lanczos[::2, ::2], photo)


def test_tiles_cover_the_picture_with_the_overlap():
    for length, tile, overlap in ((128, 64, 8), (1000, 512, 64), (64, 64, 8), (200, 64, 0)):
        starts = tile_origins(length, tile, overlap)
        assert starts[0] == 0 and starts[-1] + tile >= length
        assert all(b - a <= tile - overlap for a, b in itertools.pairwise(starts))


def test_sd_upscale(model, photo):
    plain = upscale(photo, (128, 128), "Lanczos")
    kept = sd_upscale("x", photo, scale=2, overlap=8, tile=(64, 64), model=model, steps=2,
                      strength=0.0)
    assert kept.shape == (128, 128, 3) and np.abs(kept - plain).max() < 1e-5  # tiles blend back
    calls = []
    painted = sd_upscale("x", photo, scale=2, overlap=8, tile=(64, 64), model=model, steps=2,
                         strength=0.5, seed=1, progress=lambda d, t: calls.append((d, t)))
    assert painted.shape == (128, 128, 3) and np.abs(painted - plain).mean() > 0.01
    assert calls[-1] == (18, 18)  # 3 x 3 tiles of 2 steps


# --- inpainting of the masked region only ------------------------------------------------------

def test_mask_box_grows_to_the_aspect_and_stays_inside():
    m = np.zeros((100, 200), np.float32)
    m[40:50, 10:20] = 1
    x0, y0, x1, y1 = mask_box(m, 4, 1.0)
    assert (x1 - x0) == (y1 - y0) and x0 >= 0 and y0 >= 0 and x1 <= 200 and y1 <= 100
    assert x0 <= 6 and x1 >= 24 and y0 <= 36 and y1 >= 54
    assert mask_box(np.zeros((8, 8)), 4, 1.0) is None


def test_only_masked_inpainting_keeps_the_rest_and_the_size(model):
    rng = np.random.default_rng(1)
    big = rng.random((96, 128, 3)).astype(np.float32)
    mask = np.zeros((96, 128, 3), np.float32)
    mask[30:50, 60:90] = 1
    out = inpaint_masked("x", big, mask, size=(64, 64), padding=8, model=model, steps=2, seed=0)
    assert out.shape == big.shape
    assert np.array_equal(out[mask[..., 0] == 0], big[mask[..., 0] == 0])
    assert np.abs(out - big)[35:45, 65:85].mean() > 0.02


# --- interrupting: the picture as it stands ----------------------------------------------------

def test_finish_early_returns_the_picture_as_it_stands(model):
    calls = []

    def stop_after_one(done, total):
        calls.append((done, total))
        return FINISH

    early = run(model, steps=4, progress=stop_after_one)
    assert calls == [(1, 4)]  # no step ran after the answer
    assert early.shape == (64, 64, 3) and np.isfinite(early).all()
    assert not np.array_equal(early, run(model, steps=4))
    calls.clear()
    first_pass_only = run(model, steps=4, hires=Hires(), progress=stop_after_one)
    assert first_pass_only.shape == (64, 64, 3) and calls == [(1, 8)]
