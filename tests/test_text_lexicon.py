"""Text-to-style parts that need no model: lexicon, catalogue, verbatim words, plans, inputs."""

from __future__ import annotations

import numpy as np
import pytest

from painterly.errors import InputError
from painterly.styles import Style, list_styles
from painterly.text import BlendPlan, Match, ScoreConfig, choose_styles, plan_blend, rank_styles
from painterly.text.catalog import build_catalog, catalog_key, entry_for, has_cjk
from painterly.text.lexicon import LEXICON, translate

WORDS_ONLY = ScoreConfig(dense=False, e5=False)  # verbatim words alone: no model is loaded


def _style(name, family="filter", description="", tags=(), aliases=(), details=""):
    return Style(name, family, description or f"{name} look", lambda im, **_: im, tuple(tags),
                 aliases=tuple(aliases), details=details)


@pytest.fixture(scope="module")
def catalogue():
    return list_styles("filter", library=False)  # the words the filters themselves carry


def test_translate_longest_match_wins():
    assert translate("水墨画") == (LEXICON["水墨画"], ["水墨画"])
    text, found = translate("水墨")
    assert found == ["水墨"] and "ink wash" in text


def test_translate_keeps_latin_words_and_drops_unknown_cjk():
    text, found = translate("a 水彩 sunset 龘")
    assert text.split()[0] == "a" and "watercolor" in text and text.endswith("sunset")
    assert found == ["水彩"] and not has_cjk(text)


def test_has_cjk():
    assert has_cjk("浮世绘") and has_cjk("ukiyo 絵") and not has_cjk("ukiyo-e café")


def test_entry_is_the_styles_own_words_split_by_script():
    own = _style("watercolor", description="Soft washes.", tags=("wet", "水彩", "Dreamy"),
                 aliases=("aquarelle",), details="Transparent washes that bleed")
    e = entry_for(own)
    assert e.tags_en == ("wet", "dreamy", "aquarelle") and e.tags_cjk == ("水彩",)
    assert e.description == "Soft washes. Transparent washes that bleed"
    assert entry_for(_style("my-ink", aliases=("ink-wash",))).tags_cjk == ()  # no table by name
    plain = entry_for(_style("zz-unknown", tags=("Blue", "blue", "蓝色")))
    assert plain.tags_en == ("blue",) and plain.tags_cjk == ("蓝色",)


def test_catalog_key_follows_descriptions():
    a = build_catalog([_style("x", description="one")])
    b = build_catalog([_style("x", description="two")])
    assert catalog_key(a) != catalog_key(b) and catalog_key(a) == catalog_key(list(a))


@pytest.mark.parametrize("prompt, expected", [
    ("水墨", "ink-wash"), ("卡通", "cartoon"), ("油画", "oil"), ("水彩", "watercolor"),
    ("素描", "pencil"), ("浮世绘", "ukiyo-e"), ("彩色铅笔画", "color-pencil"),
    ("a colored pencil portrait", "color-pencil"), ("pop art poster", "pop-art"),
])
def test_verbatim_words_pick_the_style(catalogue, prompt, expected):
    assert rank_styles(prompt, catalogue, config=WORDS_ONLY)[0].style_name == expected


def test_longer_word_suppresses_the_word_inside_it(catalogue):
    ranked = {m.style_name: m for m in rank_styles("colored pencil", catalogue, config=WORDS_ONLY)}
    assert "colored pencil" in ranked["color-pencil"].why
    assert "pencil" not in ranked["pencil"].why  # 'pencil' is part of the longer hit


def test_scores_stay_at_most_one(catalogue):
    ranked = rank_styles("watercolour aquarelle wash soft wet 水彩", catalogue, config=WORDS_ONLY)
    assert all(m.score <= 1.0 for m in ranked) and ranked[0].style_name == "watercolor"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 501, None, 3])
def test_bad_prompts_are_refused(catalogue, bad):
    with pytest.raises(InputError):
        rank_styles(bad, catalogue, config=WORDS_ONLY)


def test_choose_styles_checks_k_and_threshold(catalogue):
    with pytest.raises(InputError, match="k must be"):
        choose_styles("水墨", 0, styles=catalogue)
    with pytest.raises(InputError, match="no style matches"):
        choose_styles("zzz qqq", styles=catalogue, config=WORDS_ONLY)
    got = choose_styles("水墨", 2, styles=catalogue, config=WORDS_ONLY, min_score=0.2)
    assert [m.style_name for m in got] == ["ink-wash"]  # the others score 0: below the threshold


def test_no_styles_is_an_input_error():
    with pytest.raises(InputError):
        rank_styles("watercolor", [], config=WORDS_ONLY)


def test_plan_filter_best_is_applied_alone():
    plan = plan_blend([Match("oil", 0.6, (), "filter"), Match("sepia-oil", 0.59, (), "neural")])
    assert plan == BlendPlan((("oil", 1.0),), "filter")


def test_plan_blends_close_styles_of_the_best_family():
    ms = [Match("a", 0.8, (), "neural"), Match("b", 0.72, (), "neural"),
          Match("lib", 0.79, (), "library"), Match("c", 0.5, (), "neural")]
    plan = plan_blend(ms, margin=0.1)
    names = [n for n, _ in plan.parts]
    weights = np.array([w for _, w in plan.parts])
    assert names == ["a", "b"] and plan.family == "neural"
    assert weights.sum() == pytest.approx(1.0) and weights[0] / weights[1] == pytest.approx(0.8 / 0.72)
    assert plan_blend(ms, margin=0.01).parts == (("a", 1.0),)
    with pytest.raises(InputError):
        plan_blend([])


def test_img2img_hook_calls_generation(monkeypatch):
    import sys
    import types

    from painterly.text import img2img_from_prompt

    calls = {}

    def generate(prompt, **kw):
        calls.update(kw, prompt=prompt)
        return kw["init"][::-1].copy()

    fake = types.ModuleType("painterly.generation")
    fake.generate = generate
    monkeypatch.setitem(sys.modules, "painterly.generation", fake)
    photo = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    out = img2img_from_prompt(photo, "水墨 landscape", model="tiny", strength=0.5, seed=3)
    assert calls["prompt"] == "水墨 landscape" and calls["model"] == "tiny"
    assert calls["strength"] == 0.5 and calls["seed"] == 3
    np.testing.assert_array_equal(out, photo[::-1])
    with pytest.raises(InputError):
        img2img_from_prompt(photo, "", model="tiny")
