"""`painterly stylize`: photos (files or folders) to art, with a progress bar for batches."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console, expand_inputs, output_paths, progress_bar
from painterly.errors import InputError, PainterlyError
from painterly.io import save_image
from painterly.styles import check_strength, get_style
from painterly.stylize import stylize


@app.command("stylize")
def stylize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos or folders of photos."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (one input) or folder."),
    style: str = typer.Option("cartoon", "--style", "-s", help="Style name (see 'painterly styles')."),
    strength: float = typer.Option(1.0, "--strength", help="0 = the photo, 1 = the full style."),
    max_size: int = typer.Option(None, "--max-size", help="Downscale so the longer side is at most N px."),
    seed: int = typer.Option(0, "--seed", help="Seed for random elements (same seed, same result)."),
    voice: Path = typer.Option(None, "--voice", help="Recording of a spoken prompt (WAV/FLAC/OGG): "
                               "its words choose the style, instead of --style."),
    prompt: str = typer.Option(None, "--prompt", "-p", help="Describe the style in words, any "
                               "language ('dreamy watercolor', '水墨'): the best-matching styles "
                               "are chosen and blended, instead of --style."),
    img2img: str = typer.Option(None, "--img2img", help="With --prompt: repaint with this local "
                                "diffusion model (image to image) instead of choosing styles."),
) -> int:
    """Turn photos into art in the given style."""
    check_strength(strength)
    if voice is not None and prompt is not None:
        raise InputError("give --voice or --prompt, not both")
    if voice is not None:  # speech -> text (painterly.speech) -> styles (painterly.text)
        from painterly.cli.listen_cmd import stylize_by_voice

        return stylize_by_voice(inputs, output, voice, strength=strength, seed=seed,
                                max_size=max_size, img2img=img2img)
    if prompt is not None or img2img is not None:  # words -> styles (painterly.text)
        from painterly.cli._prompt import stylize_by_prompt

        if prompt is None:
            raise InputError("--img2img needs --prompt: the words the model paints from")
        return stylize_by_prompt(inputs, output, prompt, strength=strength, seed=seed,
                                 max_size=max_size, img2img=img2img)
    files = expand_inputs(inputs)
    spec = get_style(style)  # unknown names fail before any work
    outs = output_paths(files, output, spec.name)
    failed: list[tuple[Path, str]] = []
    with progress_bar(len(files), f"stylize: {spec.name}") as step:
        for src, dst in zip(files, outs):
            try:
                art = stylize(src, spec.name, strength=strength, seed=seed, max_size=max_size)
                save_image(art, dst, metadata={"style": spec.name, "strength": strength, "seed": seed})
            except PainterlyError as e:
                failed.append((src, str(e)))
            step()
    done = len(files) - len(failed)
    if len(files) == 1:
        if not failed:
            console.print(f"wrote {outs[0]}")
    else:
        console.print(f"{done} of {len(files)} written to {output}")
    if failed:
        for src, msg in failed:
            typer.echo(f"painterly: error: {msg}" if str(src) in msg else f"painterly: error: {src}: {msg}", err=True)
        return 2
    return 0
