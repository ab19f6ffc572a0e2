"""`stylize --prompt`: words choose and blend the styles; the scores table says which and why."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from painterly.cli._common import console, expand_inputs, output_paths, run_batch


def print_matches(prompt: str, matches: Sequence, plan=None) -> None:
    """The chosen styles, their scores and the words that matched (stderr, as a rich table)."""
    from painterly.text import plan_blend

    plan = plan or plan_blend(matches)
    weights = dict(plan.parts)
    table = Table(title=f"styles for {prompt!r}", show_header=True, header_style="bold")
    for col in ("style", "family", "score", "weight", "matched"):
        table.add_column(col)
    for m in matches:
        w = weights.get(m.style_name)
        table.add_row(m.style_name, m.family, f"{m.score:.2f}", "-" if w is None else f"{w:.0%}",
                      ", ".join(f"'{x}'" for x in m.why))
    console.print(table)
    used = " + ".join(f"{n} ({weights[n]:.0%})" if len(weights) > 1 else n for n, _ in plan.parts)
    best = matches[0]
    console.print(f"chosen: {used} — {best.style_name} scored {best.score:.2f}, matched "
                  + ", ".join(f"'{x}'" for x in best.why))


def stylize_by_prompt(
    inputs: list[Path], output: Path, prompt: str, *, strength: float | None, seed: int,
    max_size: int | None, img2img: str | None = None, label: str = "prompt", finish=None,
) -> int:
    """Stylise every input with the styles ``prompt`` describes (or repaint with ``img2img``).

    ``strength`` None: 1 (the full style) for styles; for ``img2img`` the model's own image-to-
    image default (about 0.5-0.6), since 1 would throw the photo away.
    """
    from painterly.io import load_image
    from painterly.text import choose_styles, img2img_from_prompt, plan_blend
    from painterly.text.blend import BlendConfig, apply_plan

    files = expand_inputs(inputs)
    outs = output_paths(files, output, label)
    plan = None
    if img2img is not None and strength is None:
        from painterly.generation import default_strength

        strength = default_strength(img2img)
    strength = 1.0 if strength is None else strength
    if img2img is None:  # one choice for the whole batch, shown before the work starts
        cfg = BlendConfig()
        matches = choose_styles(prompt, k=cfg.k, min_score=cfg.min_score)
        plan = plan_blend(matches, margin=cfg.margin)
        print_matches(prompt, matches, plan)
    def paint(src: Path):
        img = load_image(src, max_size=max_size)
        if plan is None:
            art = img2img_from_prompt(img, prompt, model=img2img, strength=strength, seed=seed)
            meta = {"prompt": prompt, "img2img": img2img}
        else:
            art = apply_plan(img, plan, strength=strength, seed=seed)
            meta = {"prompt": prompt, "styles": ",".join(f"{n}:{w:.3f}" for n, w in plan.parts)}
        return art, {**meta, "strength": strength, "seed": seed}

    return run_batch(files, outs, output, f"stylize: {label}", paint, finish=finish)
