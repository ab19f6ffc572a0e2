"""Folded upsampling (nearest 2x + 3x3 conv as four 2x2 convs) matches diffusers' decode."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from _tiny_sd import tiny_model

from painterly.generation import Runtime, generate
from painterly.generation.model import prepare
from painterly.generation.upsample import SubpixelUpsample, fold_upsamplers, phase_kernels


def _vae():
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(block_out_channels=(8, 16, 32), latent_channels=4, norm_num_groups=4,
                         down_block_types=("DownEncoderBlock2D",) * 3,
                         up_block_types=("UpDecoderBlock2D",) * 3).eval().requires_grad_(False)


@pytest.mark.parametrize("channels_last", [False, True])
def test_folded_decode_matches_plain_fp32(channels_last):
    vae = _vae()
    z = torch.randn(1, 4, 12, 10, generator=torch.Generator().manual_seed(1))  # non-square, odd
    with torch.inference_mode():
        ref = vae.decode(z).sample
        fast = copy.deepcopy(vae)
        assert fold_upsamplers(fast.decoder) == 2  # two upsampling stages in three blocks
        if channels_last:
            fast.to(memory_format=torch.channels_last)
            z = z.to(memory_format=torch.channels_last)
        out = fast.decode(z).sample
    assert out.shape == ref.shape == (1, 3, 48, 40)
    diff = (out - ref).abs()
    assert float(diff.max()) < 1e-4 * max(1.0, float(ref.abs().max()))  # summation order only


def test_folded_decode_bf16_is_as_close_to_fp32_as_plain_bf16():
    vae = _vae()
    z = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(2))
    with torch.inference_mode():
        ref = vae.decode(z).sample
        plain = copy.deepcopy(vae).to(torch.bfloat16)
        fast = copy.deepcopy(plain)
        fold_upsamplers(fast.decoder)
        e_plain = (plain.decode(z.bfloat16()).sample.float() - ref).abs().max()
        e_fast = (fast.decode(z.bfloat16()).sample.float() - ref).abs().max()
    assert float(e_fast) <= 1.5 * float(e_plain) + 1e-3


def test_phase_kernels_sum_to_the_kernel():
    w = torch.randn(5, 3, 3, 3)
    k = phase_kernels(w)
    assert k.shape == (20, 3, 2, 2)
    # each output phase still sees every tap once: its 2x2 kernel sums to the 3x3 kernel's sum
    for p in range(4):
        torch.testing.assert_close(k[p * 5:(p + 1) * 5].sum((2, 3)), w.sum((2, 3)))


def test_fold_is_idempotent_and_keeps_explicit_sizes():
    vae = _vae()
    fold_upsamplers(vae.decoder)
    assert fold_upsamplers(vae.decoder) == 0
    up = next(m for m in vae.decoder.modules() if isinstance(m, SubpixelUpsample))
    x = torch.randn(1, up.fallback.channels, 5, 7)
    with torch.inference_mode():
        assert up(x, output_size=(11, 15)).shape[-2:] == (11, 15)  # falls back to interpolate
        torch.testing.assert_close(up(x), up.fallback(x), rtol=1e-4, atol=1e-5)


def test_runtime_fold_on_and_off_give_the_same_image(tmp_path):
    on = prepare(tiny_model(tmp_path / "a"), Runtime(dtype="float32"))
    off = prepare(tiny_model(tmp_path / "b"), Runtime(dtype="float32", fold_upsample=False))
    assert any(isinstance(m, SubpixelUpsample) for m in on.vae.decoder.modules())
    assert not any(isinstance(m, SubpixelUpsample) for m in off.vae.decoder.modules())
    a = generate("a red cat", model=on, steps=1, seed=3, size=(64, 64))
    b = generate("a red cat", model=off, steps=1, seed=3, size=(64, 64))
    assert np.abs(a - b).max() < 1e-4
