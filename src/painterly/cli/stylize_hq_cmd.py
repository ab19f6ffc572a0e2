"""`painterly stylize-hq`: high-quality style transfer by optimisation (Gatys et al. 2016), torch extra."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import progress_bar, result
from painterly.errors import InputError
from painterly.formats import OUTPUT_FORMATS


@app.command("stylize-hq")
def stylize_hq_command(
    photo: Path = typer.Argument(..., help="The photo."),
    style: Path = typer.Option(..., "--style", "-s", help="The painting whose style is transferred."),
    output: Path = typer.Option(..., "-o", "--output", help="Output image file (.png, .jpg, .webp)."),
    iterations: int = typer.Option(300, "--iterations", "-n", help="Optimisation steps at most."),
    time_budget: float = typer.Option(None, "--time-budget", help="Stop after this many seconds."),
    size: int = typer.Option(512, "--size", help="Longer side of the result in px (slower when larger)."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same result."),
) -> int:
    """Slow, high-quality style transfer: optimises the image to match the painting's textures."""
    from painterly.neural.gatys import DEFAULT_CONFIG, stylize_gatys

    if output.suffix.lower() not in OUTPUT_FORMATS:
        raise InputError(f"{output}: output must end in one of {', '.join(sorted(OUTPUT_FORMATS))}")
    for p in (photo, style):
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    cfg = replace(DEFAULT_CONFIG, size=size, style_size=max(size, DEFAULT_CONFIG.style_size))
    with progress_bar(iterations, f"stylize-hq: {style.stem}") as step:
        art = stylize_gatys(photo, style, iterations=iterations, time_budget_s=time_budget, seed=seed,
                            config=cfg, progress=lambda done, total: step())
    from painterly.provenance.artwork import save_artwork
    save_artwork(art, output, metadata={"style": str(style.name), "method": "gatys2016", "seed": seed,
                                      "iterations": iterations})
    result(f"wrote {output}")
    return 0
