"""Generation on tiny random components (2 steps, 64x64, CPU): properties, not pictures."""

from __future__ import annotations

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from _tiny_sd import smooth_photo, tiny_model

from painterly.errors import CancelledError, InputError
from painterly.generation import Runtime, Step, feather_inside, generate, iter_generate
from painterly.generation.model import prepare


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return prepare(tiny_model(tmp_path_factory.mktemp("tiny")), Runtime(dtype="float32"))


@pytest.fixture(scope="module")
def photo():
    return smooth_photo()


def test_text_to_image_shape_dtype_range(model):
    img = generate("a red cat", model=model, steps=2, seed=0, size=(64, 64))
    assert img.shape == (64, 64, 3) and img.dtype == np.float32 and img.flags.c_contiguous
    assert 0.0 <= img.min() and img.max() <= 1.0
    assert img.std() > 0.01  # not a blank canvas


def test_non_square_size(model):
    assert generate("cat", model=model, steps=2, size=(96, 64)).shape == (64, 96, 3)


def test_same_seed_same_image_other_seed_other_image(model):
    a = generate("a red cat", model=model, steps=2, seed=7, size=(64, 64))
    b = generate("a red cat", model=model, steps=2, seed=7, size=(64, 64))
    c = generate("a red cat", model=model, steps=2, seed=8, size=(64, 64))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_prompt_changes_image(model):
    a = generate("a red cat", model=model, steps=2, seed=0, size=(64, 64))
    b = generate("blue sea", model=model, steps=2, seed=0, size=(64, 64))
    assert not np.array_equal(a, b)


def test_img2img_strength_zero_returns_input(model, photo, monkeypatch):
    monkeypatch.setattr(type(model), "pipeline", lambda *a, **k: pytest.fail("model was called"))
    out = generate("x", model=model, init=photo, strength=0.0)
    assert np.array_equal(out, photo)
    # nothing is loaded either: a model that is not on this machine is not needed
    assert np.array_equal(generate("x", model="sd-turbo", init=photo, strength=0.0), photo)


def test_img2img_small_strength_stays_closer_than_large(model, photo):
    low = generate("x", model=model, init=photo, strength=0.2, steps=2, seed=0)
    high = generate("x", model=model, init=photo, strength=1.0, steps=2, seed=0)
    assert low.shape == photo.shape
    assert np.abs(low - photo).mean() < np.abs(high - photo).mean()


def test_img2img_without_strength_uses_the_model_default_not_one(model, photo):
    """A photo given without a strength is kept in part (about 0.6), never thrown away (1.0)."""
    from painterly.generation import IMG2IMG_STRENGTH, default_strength

    assert 0.4 <= IMG2IMG_STRENGTH <= 0.7 and default_strength(model) == IMG2IMG_STRENGTH
    plain = generate("x", model=model, init=photo, steps=2, seed=0)
    assert np.array_equal(plain, generate("x", model=model, init=photo, strength=IMG2IMG_STRENGTH,
                                          steps=2, seed=0))
    full = generate("x", model=model, init=photo, strength=1.0, steps=2, seed=0)
    assert np.abs(plain - photo).mean() < np.abs(full - photo).mean()


def test_img2img_default_comes_from_the_model_entry(model, photo):
    from dataclasses import replace

    from painterly.generation import default_strength
    from painterly.models import get_model

    own = replace(model, defaults={**model.defaults, "strength": 0.3})
    assert default_strength(own) == 0.3
    assert np.array_equal(generate("x", model=own, init=photo, steps=2, seed=0),
                          generate("x", model=own, init=photo, strength=0.3, steps=2, seed=0))
    for name in ("sd-turbo", "sdxs-512", "sd15-lcm"):  # registry only: nothing is loaded
        assert default_strength(name) == get_model(name).defaults["strength"]
        assert 0.4 <= default_strength(name) <= 0.7


def test_negative_prompt_without_guidance_is_an_error_not_dropped(model):
    with pytest.raises(InputError, match="guidance") as e:
        generate("a cat", model=model, negative="blurry", steps=2, seed=0)  # tiny: guidance 0
    assert "negative" in str(e.value)
    with pytest.raises(InputError, match="guidance"):
        generate("a cat", model=model, negative="blurry", guidance=1.0, steps=2, seed=0)
    # with guidance the negative prompt is used: it changes the picture
    with_neg = generate("a cat", model=model, negative="blurry", guidance=3.0, steps=2, seed=0)
    without = generate("a cat", model=model, guidance=3.0, steps=2, seed=0)
    assert not np.array_equal(with_neg, without)


def test_negative_prompt_is_checked_before_a_model_loads():
    """The registry's defaults decide (sd-turbo: guidance 0), so the error comes first, not
    'model not on this machine'."""
    with pytest.raises(InputError, match="negative prompt needs guidance"):
        generate("a cat", model="sd-turbo", negative="blurry")


def test_img2img_runs_the_requested_steps(model, photo):
    calls = []
    generate("x", model=model, init=photo, strength=0.5, steps=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]


def test_inpainting_keeps_pixels_outside_mask(model, photo):
    mask = np.zeros((64, 64, 3), np.float32)
    mask[16:48, 20:44] = 1.0
    out = generate("x", model=model, init=photo, mask=mask, steps=2, seed=0)
    outside = mask[..., 0] == 0
    assert np.array_equal(out[outside], photo[outside])
    assert np.abs(out - photo)[24:40, 28:36].mean() > 0.02  # the inside was repainted


def test_feather_is_zero_outside_and_one_deep_inside():
    m = np.zeros((40, 40), np.float32)
    m[5:35, 5:35] = 1.0
    w = feather_inside(m, px=4)
    assert np.all(w[m == 0] == 0)
    assert w[20, 20] == 1.0 and 0 < w[5, 20] < 1


def test_callback_fires_once_per_step(model):
    calls = []
    generate("x", model=model, steps=2, size=(64, 64), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]


def test_callback_cancels(model):
    calls = []

    def stop(done, total):
        calls.append(done)
        return False

    with pytest.raises(CancelledError):
        generate("x", model=model, steps=2, size=(64, 64), progress=stop)
    assert calls == [1]


def test_generator_yields_steps_then_image(model):
    events = list(iter_generate("x", model=model, steps=2, size=(64, 64), seed=3))
    assert [(e.done, e.total) for e in events[:-1]] == [(1, 2), (2, 2)]
    assert events[-1].image is not None and events[-1].image.shape == (64, 64, 3)
    assert np.array_equal(events[-1].image, generate("x", model=model, steps=2, size=(64, 64), seed=3))


def test_closing_the_generator_cancels(model, monkeypatch):
    """close() returns (the worker stops, a regression fails here instead of hanging the suite),
    and the generation is cancelled at its next step, not run to the end."""
    import time

    real = iter_generate.__globals__["generate"]
    closing = threading.Event()
    answers, raised = [], []

    def recording(prompt, *, progress, **kw):
        def spy(done, total):
            if done >= 2:  # the consumer is closing the generator by now
                assert closing.wait(60)
                time.sleep(0.5)
            answers.append((done, progress(done, total)))
            return answers[-1][1]

        try:
            return real(prompt, progress=spy, **kw)
        except BaseException as e:
            raised.append(e)
            raise

    monkeypatch.setitem(iter_generate.__globals__, "generate", recording)
    gen = iter_generate("x", model=model, steps=6, size=(64, 64))
    assert next(gen) == Step(1, 6)
    closing.set()
    closer = threading.Thread(target=gen.close, daemon=True)
    closer.start()
    closer.join(120)
    assert not closer.is_alive(), "closing the generator hung"
    assert not [t for t in threading.enumerate() if t.name == "painterly-generate"]
    assert answers == [(1, True), (2, False)]  # told to stop at the step after close()
    assert len(raised) == 1 and isinstance(raised[0], CancelledError)


def test_concurrent_calls_share_the_model_safely(model):
    """Two threads, one model: each call has its own scheduler (diffusers #3672/#5749)."""
    want = {s: generate("a cat", model=model, steps=2, size=(64, 64), seed=s) for s in (1, 2)}
    got, errors = {}, []

    def work(seed):
        try:
            for _ in range(2):
                got[seed] = generate("a cat", model=model, steps=2, size=(64, 64), seed=seed)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for s in (1, 2):
        assert np.array_equal(got[s], want[s])


@pytest.mark.parametrize("kwargs", [
    {"steps": 0}, {"size": (60, 64)}, {"size": (64, 4096)}, {"guidance": -1.0},
    {"strength": 0.5}, {"strength": 1.5, "init": np.zeros((8, 8, 3), np.float32)},
    {"mask": np.zeros((8, 8, 3), np.float32)},
])
def test_bad_options_are_input_errors(model, kwargs):
    with pytest.raises(InputError):
        generate("x", model=model, **{"steps": 2, "size": (64, 64), **kwargs})


def test_bf16_runtime_runs(tmp_path):
    m = prepare(tiny_model(tmp_path), Runtime(dtype="bfloat16", channels_last=True))
    img = generate("a red cat", model=m, steps=2, seed=0, size=(64, 64))
    assert img.dtype == np.float32 and np.isfinite(img).all() and 0 <= img.min() <= img.max() <= 1
