"""`painterly stylize clip.mp4 -o out.mp4`: paint a clip with a progress bar (frames/s, ETA).

Ctrl-C stops at once and leaves no file (the writer's temporary file is removed)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from painterly.cli._common import note, result, stderr_progress
from painterly.errors import InputError


def clip_painter(style: list[str], *, prompt: str | None, voice: Path | None, strength: float,
                 seed: int, options: dict) -> tuple[Callable, dict, dict, bool]:
    """``(paint, params, inputs, neural)`` for the clip: the per-frame painter the style
    arguments ask for, the parameters and input files to record, and whether a network paints
    (the stabiliser's default)."""
    from painterly.styles import get_style

    if voice is not None:
        from painterly.cli.listen_cmd import voice_prompt

        prompt = voice_prompt(voice)
        note(f"heard: {prompt!r}")
    if prompt is not None:
        from painterly.cli._prompt import print_matches
        from painterly.text import choose_styles, plan_blend
        from painterly.text.blend import BlendConfig, apply_plan

        cfg = BlendConfig()
        matches = choose_styles(prompt, k=cfg.k, min_score=cfg.min_score)
        plan = plan_blend(matches, margin=cfg.margin)
        print_matches(prompt, matches, plan)
        neural = any(get_style(n).family != "filter" for n, _ in plan.parts)
        params = {"prompt": prompt, "styles": ",".join(f"{n}:{w:.3f}" for n, w in plan.parts),
                  "strength": strength, "seed": seed}

        def paint_prompt(img):
            return apply_plan(img, plan, strength=strength, seed=seed)

        return paint_prompt, params, ({"voice": voice} if voice else {}), neural
    from painterly.cli.stylize_cmd import _style_arg
    from painterly.engine import stylize

    style_arg, label, family, paintings = _style_arg(style, options.get("style_scale", 1.0))

    def paint(img):
        return stylize(img, style_arg, strength=strength, seed=seed, **options)

    params = {"style": label, "strength": strength, "seed": seed, **options}
    inputs = {f"style{i or ''}": p for i, p in enumerate(paintings)}
    return paint, params, inputs, family != "filter"


@contextmanager
def clip_progress(label: str):
    """A bar with frames done / total, frames per second and the time left (stderr; none when
    stderr is not a terminal). Yields ``step(done, total)``."""
    from rich.progress import TextColumn

    with stderr_progress(TextColumn("{task.fields[rate]}")) as bar:
        task = bar.add_task(label, total=None, rate="")

        def step(done: int, total: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, total=total or None,
                       rate=f"{speed:.1f} frames/s" if speed else "")

        yield step


def stylize_clip_command(src: Path, output: Path, *, style: list[str], prompt: str | None,
                         voice: Path | None, img2img: str | None, strength: float, seed: int,
                         max_size: int | None, start: float | None, end: float | None,
                         fps: float | None, stabilize: bool | None, options: dict,
                         finish) -> int:
    """The clip branch of `painterly stylize` (one clip in, one clip out)."""
    from painterly.videoio import CLIP_OUTPUTS

    if output.suffix.lower() not in CLIP_OUTPUTS or str(output).endswith("/"):
        raise InputError(f"-o {output}: a clip's output must be a file ending in "
                         f"{', '.join(sorted(CLIP_OUTPUTS))}")
    if img2img is not None:
        raise InputError("--img2img paints still images only (a diffusion model per frame would "
                         "take hours and flicker); use --prompt or --style for a clip")
    if prompt is not None and voice is not None:
        raise InputError("give --voice or --prompt, not both")
    from painterly.provenance.video import clip_trust
    from painterly.video.clip import stylize_clip

    paint, params, inputs, neural = clip_painter(style, prompt=prompt, voice=voice,
                                                 strength=strength, seed=seed, options=options)
    stab = neural if stabilize is None else stabilize
    for k, v in (("max_size", max_size), ("start", start), ("end", end), ("fps", fps)):
        if v is not None:
            params[k] = v
    params["stabilize"] = stab
    finish_frame, tags, blocks = clip_trust(finish, params=params, inputs={"clip": src, **inputs},
                                            fmt=CLIP_OUTPUTS[output.suffix.lower()])
    label = f"stylize: {params.get('style') or 'prompt'}"
    try:
        with clip_progress(label) as step:
            res = stylize_clip(src, output, paint, stabilize=stab, finish_frame=finish_frame,
                               tags=tags, blocks=blocks, start=start, end=end,
                               max_size=max_size, fps=fps, progress=step)
    except KeyboardInterrupt:  # the writer has removed its temporary file
        import typer

        typer.echo(f"painterly: interrupted: {output} not written", err=True)
        return 130
    if res.corrupt_packets:
        note(f"painterly: note: {src.name}: {res.corrupt_packets} damaged video packet(s) could "
             "not be decoded; their frames are missing from the result", highlight=False)
    sound = {"copied": ", audio copied", "re-encoded": ", audio re-encoded", "none": ""}[res.audio]
    result(f"wrote {output} ({res.frames} frames, {res.size[0]}x{res.size[1]}, "
           f"{res.fps:.3g} fps{sound})")
    return 0
