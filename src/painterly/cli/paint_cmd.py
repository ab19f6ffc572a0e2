"""`painterly paint "prompt" -o out.png`: text to image, image to image (--init), inpainting (--mask).

`painterly paint --voice recording.wav -o out.png`: the spoken words are the prompt.
"""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console, note, plain_note, progress_bar, result
from painterly.cli._trust import (
    ATTRIBUTE,
    CHECK_SUBJECT,
    NO_SIGN,
    NO_WATERMARK,
    VISIBLE_LABEL,
    finish_config,
)
from painterly.errors import InputError
from painterly.formats import output_format


@app.command("paint")
def paint_command(
    prompt: str = typer.Argument(None, help="What to paint (or say it: --voice)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output image (.png, .jpg, .webp)."),
    model: str = typer.Option("sd-turbo", "--model", "-m",
                              help="Registered name (painterly models list), local folder or repo id."),
    steps: int = typer.Option(None, "--steps", help="Denoising steps (default: the model's, e.g. 1 for sd-turbo)."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same model, same image."),
    size: str = typer.Option(None, "--size", help="WIDTHxHEIGHT, multiples of 8 (default: the model's)."),
    negative: str = typer.Option(None, "--negative", help="What not to paint (needs --guidance > 1)."),
    guidance: float = typer.Option(None, "--guidance", help="Classifier-free guidance (default: the model's)."),
    init: Path = typer.Option(None, "--init", help="Start from this image (image to image)."),
    strength: float = typer.Option(None, "--strength", help="With --init: 0 keeps the image, 1 ignores it "
                                   "(default: the model's, about 0.5-0.6; 1 with --mask)."),
    mask: Path = typer.Option(None, "--mask", help="With --init: white = repaint, black = keep (inpainting)."),
    dtype: str = typer.Option("auto", "--dtype", help="auto (bf16 where the CPU has it), float32 or bfloat16."),
    tiny_vae: str = typer.Option(None, "--tiny-vae", help="Decode with a registered tiny VAE (e.g. taesd): faster."),
    count: int = typer.Option(1, "-n", "--count", help="Paint N pictures, seeds SEED..SEED+N-1 (-o is then a folder)."),
    keep: int = typer.Option(None, "--keep", help="With -n: keep the K best by CLIP score (quality score without "
                             "CLIP); writes a contact sheet with the scores."),
    clip: str = typer.Option("clip-vit-b-32", "--clip", help="CLIP model for --keep: name or local folder."),
    no_clip: bool = typer.Option(False, "--no-clip", help="With --keep: rank by the quality score only."),
    voice: Path = typer.Option(None, "--voice", help="Recording of the spoken prompt (WAV/FLAC/OGG), "
                               "instead of the PROMPT argument (offline PocketSphinx, US English)."),
    visible_label: bool = VISIBLE_LABEL,
    no_sign: bool = NO_SIGN,
    no_watermark: bool = NO_WATERMARK,
    check_subject: bool = CHECK_SUBJECT,
    attribute: bool = ATTRIBUTE,
) -> int:
    """Generate an image from a prompt with a few-step diffusion model.

    With -n N --keep K: paint N pictures and keep the K best by CLIP score (see 'painterly curate').
    """
    from painterly.cli.curate_cmd import check_many, paint_and_curate
    from painterly.generation import Runtime, check_request, generate, load_pipeline, parse_size

    if (prompt is None) == (voice is None):
        raise InputError("give what to paint as the PROMPT argument or as --voice RECORDING (one of them)")
    finish = finish_config(visible_label, no_sign, no_watermark, check_subject, attribute)
    many = check_many(count, keep, output)  # -n/--keep: a folder of the best (curate_cmd.py)
    if not many:
        output_format(output)  # a bad extension fails before the model loads
    wh = parse_size(size) if size else None
    if strength is not None and init is None:
        raise InputError("--strength needs --init")
    if voice is not None:  # speech -> text first: a recording without words fails before any model
        from painterly.cli.listen_cmd import voice_prompt

        prompt = voice_prompt(voice)
        note(f"heard: {prompt!r}")
    # every option checked against the model's registry defaults before gigabytes load
    strength = check_request(model, steps=steps, size=wh, guidance=guidance, negative=negative,
                             init=init, strength=strength, mask=mask)
    m = load_pipeline(model, runtime=Runtime(dtype=dtype, tiny_vae=tiny_vae))
    n = steps if steps is not None else int(m.defaults.get("steps", 4))
    if many:
        meta = {"prompt": prompt, "model": m.name if m.name not in ("local", "custom") else model,
                "steps": n, **({"voice": voice.name} if voice is not None else {})}
        return paint_and_curate(
            lambda s, cb: generate(prompt, model=m, steps=n, seed=s, size=wh, negative=negative,
                                   guidance=guidance, init=init, strength=strength, mask=mask,
                                   progress=cb),
            list(range(seed, seed + count)), prompt=prompt, keep=keep or count, output=output,
            clip_model=None if no_clip else clip, metadata=meta, steps=n, label=f"paint: {m.name}",
            finish=finish, inputs={"init": init, "mask": mask})
    with progress_bar(n, f"paint: {m.name}") as step:
        img = generate(prompt, model=m, steps=n, seed=seed, size=wh, negative=negative,
                       guidance=guidance, init=init, strength=strength, mask=mask,
                       progress=lambda done, total: step())
    meta = {"prompt": prompt, "model": m.name if m.name not in ("local", "custom") else model,
            "steps": n, "seed": seed, "size": f"{img.shape[1]}x{img.shape[0]}"}
    for k, v in (("negative", negative), ("guidance", guidance), ("init", init and init.name),
                 ("strength", strength), ("mask", mask and mask.name), ("voice", voice and voice.name)):
        if v is not None:
            meta[k] = v
    from painterly.provenance.finish import drift_warning, finish_artwork, watermark_note

    img, meta = finish_artwork(img, params=meta, inputs={"photo": init, "mask": mask},
                               technique="paint", config=finish)
    warning = drift_warning(meta)
    if warning:
        console.print(f"[yellow]{warning}[/]", highlight=False)
    wm_note = watermark_note(meta)
    if wm_note:
        plain_note(f"{output.name}: {wm_note}")
    from painterly.provenance.artwork import save_artwork

    save_artwork(img, output, metadata=meta)
    result(f"wrote {output}")
    return 0
