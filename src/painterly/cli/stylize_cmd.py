"""`painterly stylize`: photos (files or folders) to art, with a progress bar for batches."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import expand_inputs, output_paths, run_batch
from painterly.cli._trust import NO_SIGN, NO_WATERMARK, VISIBLE_LABEL, finish_config
from painterly.engine import stylize
from painterly.errors import InputError
from painterly.styles import check_strength, get_style


@app.command("stylize")
def stylize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos or folders of photos."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (one input) or folder."),
    style: list[str] = typer.Option(
        ["cartoon"], "--style", "-s",
        help="Style name (see 'painterly styles'), or the path of any painting; repeat with "
             "weights to blend: --style starry.jpg:0.7 --style wave.jpg:0.3"),
    strength: float = typer.Option(None, "--strength", help="0 = the photo, 1 = the full style (default 1; "
                                   "with --img2img the model's image-to-image default, about 0.5-0.6)."),
    max_size: int = typer.Option(None, "--max-size", help="Downscale so the longer side is at most N px."),
    seed: int = typer.Option(0, "--seed", help="Seed for random elements (same seed, same result)."),
    voice: Path = typer.Option(None, "--voice", help="Recording of a spoken prompt (WAV/FLAC/OGG): "
                               "its words choose the style, instead of --style."),
    prompt: str = typer.Option(None, "--prompt", "-p", help="Describe the style in words, any "
                               "language ('dreamy watercolor', '水墨'): the best-matching styles "
                               "are chosen and blended, instead of --style."),
    img2img: str = typer.Option(None, "--img2img", help="With --prompt: repaint with this local "
                                "diffusion model (image to image) instead of choosing styles."),
    preserve_color: bool = typer.Option(False, "--preserve-color", help="Neural styles: keep the photo's colours, transfer texture only."),
    style_scale: float = typer.Option(1.0, "--style-scale", help="Neural styles: brush-stroke size, 1 = as trained, 2 = twice as large."),
    tile: int = typer.Option(None, "--tile", help="Neural styles: tile size in px for huge images (0 = never tile)."),
    visible_label: bool = VISIBLE_LABEL,
    no_sign: bool = NO_SIGN,
    no_watermark: bool = NO_WATERMARK,
) -> int:
    """Turn photos into art in the given style, a painting's style, or the style your words describe."""
    img2img_strength = strength  # None: the diffusion model's own default (cli/_prompt.py)
    strength = 1.0 if strength is None else strength
    check_strength(strength)
    finish = finish_config(visible_label, no_sign, no_watermark)
    if voice is not None and prompt is not None:
        raise InputError("give --voice or --prompt, not both")
    if voice is not None:  # speech -> text (painterly.speech) -> styles (painterly.text)
        from painterly.cli.listen_cmd import stylize_by_voice

        return stylize_by_voice(inputs, output, voice, strength=img2img_strength, seed=seed,
                                max_size=max_size, img2img=img2img, finish=finish)
    if prompt is not None or img2img is not None:  # words -> styles (painterly.text)
        from painterly.cli._prompt import stylize_by_prompt

        if prompt is None:
            raise InputError("--img2img needs --prompt: the words the model paints from")
        return stylize_by_prompt(inputs, output, prompt, strength=img2img_strength, seed=seed,
                                 max_size=max_size, img2img=img2img, finish=finish)
    files = expand_inputs(inputs)
    style_arg, label = _style_arg(style)  # unknown names and missing files fail before any work
    options = {}  # only what the user set, so that filter styles never see neural-only options
    if preserve_color:
        options["preserve_color"] = True
    if style_scale != 1.0:
        options["style_scale"] = style_scale
    if tile is not None:
        options["tile"] = tile
    outs = output_paths(files, output, label)
    meta = {"style": label, "strength": strength, "seed": seed, **options}

    def paint(src: Path):
        return stylize(src, style_arg, strength=strength, seed=seed, max_size=max_size, **options), meta

    style_files = {f"style{i or ''}": Path(s.rsplit(":", 1)[0]) for i, s in enumerate(style)
                   if Path(s.rsplit(":", 1)[0]).is_file()}  # paintings used as styles: hashed
    return run_batch(files, outs, output, f"stylize: {label}", paint, finish, style_files)

def _style_arg(styles: list[str]):
    """CLI --style values -> (argument for stylize, label for file names and metadata)."""
    from painterly.neural import parse_style_arg
    from painterly.neural.feedforward import _resolve

    if len(styles) == 1 and ":" not in styles[0] and not Path(styles[0]).is_file():
        spec = get_style(styles[0])
        return spec.name, spec.name
    items = [parse_style_arg(s) for s in styles]
    _resolve([(src, w) for src, w in items])  # validates names, files and weights up front
    label = "+".join(Path(src).stem if Path(src).is_file() else src for src, _ in items)
    if len(items) == 1 and Path(items[0][0]).is_file():
        return items[0][0], label
    return items, label
