"""Text to style: pick and blend styles from words, in English or Chinese.

Public API::

    from painterly import text
    text.choose_styles("a dreamy impressionist sunset", k=3)   # [Match(style_name, score, why), ...]
    art, matches = text.stylize_from_prompt(photo, "水墨", strength=1.0, seed=0)
    text.plan_blend(matches)                                  # which styles, with what weights

Importing this package loads no model; the sentence encoders load on first use.
"""

from painterly.text.blend import (
    BlendConfig,
    BlendPlan,
    apply_plan,
    img2img_from_prompt,
    plan_blend,
    stylize_from_prompt,
)
from painterly.text.match import Match, ScoreConfig, choose_styles, rank_styles

__all__ = [
    "BlendConfig",
    "BlendPlan",
    "Match",
    "ScoreConfig",
    "apply_plan",
    "choose_styles",
    "img2img_from_prompt",
    "plan_blend",
    "rank_styles",
    "stylize_from_prompt",
]
