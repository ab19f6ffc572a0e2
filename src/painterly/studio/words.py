"""``GET /v1/styles/match``: which styles a prompt picks, so the page can say it before Paint.

The same matching a ``prompt`` job runs (:func:`painterly.text.choose_styles` and
:func:`painterly.text.plan_blend`): by meaning with ``painterly[text]``'s sentence encoder, by the
catalogue's own words (tags and descriptions, English and Chinese) without it.
"""

from __future__ import annotations


def match(prompt: str) -> dict:
    from painterly.text import BlendConfig, choose_styles, embed, plan_blend

    config = BlendConfig()
    matches = choose_styles(prompt, k=config.k, min_score=config.min_score)  # InputError: 422
    plan = plan_blend(matches, margin=config.margin)
    why = {m.style_name: list(m.why) for m in matches}
    return {"matcher": "meaning" if embed.available("minilm") else "words",
            "styles": [{"name": n, "weight": round(w, 4), "why": why.get(n, [])}
                       for n, w in plan.parts]}
