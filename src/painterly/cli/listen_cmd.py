"""`painterly listen`: print what was said in a recording; and the `--voice` path of `stylize`."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import console, expand_inputs, output_paths, progress_bar
from painterly.errors import PainterlyError


def voice_prompt(recording: Path, *, max_seconds: float = 60.0, vocabulary: str = "auto") -> str:
    """The words spoken in ``recording``; a typed error if none were recognised.

    This is what every ``--voice FILE`` option calls (``stylize``; ``paint`` calls
    :func:`painterly.speech.transcribe` the same way).
    """
    from painterly.speech import AudioError, transcribe

    text = transcribe(recording, vocabulary=vocabulary, max_seconds=max_seconds)
    if not text:
        raise AudioError(f"{recording}: no speech recognised")
    return text


@app.command("listen")
def listen_command(
    recording: Path = typer.Argument(
        ..., help="Audio file: WAV, FLAC, OGG (anything libsndfile reads)."
    ),
    vocabulary: str = typer.Option(
        "auto",
        "--vocabulary",
        help="auto: style prompts, general English as fallback; style; general.",
    ),
    max_seconds: float = typer.Option(
        60.0, "--max-seconds", help="Refuse recordings longer than this."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also show the model used and its confidence."
    ),
) -> int:
    """Print the words spoken in a recording (offline PocketSphinx, US English)."""
    from painterly.speech import AudioError, AudioLimits, SpeechConfig, recognize

    if max_seconds <= 0:
        raise AudioError(f"--max-seconds must be positive, got {max_seconds}")
    result = recognize(
        recording,
        config=SpeechConfig(vocabulary=vocabulary),
        limits=AudioLimits(max_seconds=max_seconds),
    )
    if not result.text:
        raise AudioError(f"{recording}: no speech recognised")
    typer.echo(result.text)
    if verbose:
        console.print(
            f"model: {result.vocabulary}, confidence {result.confidence:.2f}, "
            f"{result.seconds:.1f} s of audio"
        )
    return 0


def stylize_by_voice(
    inputs: list[Path],
    output: Path,
    recording: Path,
    *,
    strength: float,
    seed: int,
    max_size: int | None,
) -> int:
    """`stylize --voice`: the spoken words are the prompt for text-to-style."""
    from painterly.io import load_image, save_image
    from painterly.text import stylize_from_prompt

    prompt = voice_prompt(recording)
    console.print(f"heard: {prompt!r}")
    files = expand_inputs(inputs)
    outs = output_paths(files, output, "voice")
    failed: list[tuple[Path, str]] = []
    with progress_bar(len(files), "stylize: voice") as step:
        for src, dst in zip(files, outs):
            try:
                art, matches = stylize_from_prompt(
                    load_image(src, max_size=max_size), prompt, strength=strength, seed=seed
                )
                styles = ",".join(getattr(m, "style_name", str(m)) for m in matches)
                save_image(
                    art,
                    dst,
                    metadata={
                        "prompt": prompt,
                        "styles": styles,
                        "strength": strength,
                        "seed": seed,
                    },
                )
            except PainterlyError as e:
                failed.append((src, str(e)))
            step()
    if len(files) == 1 and not failed:
        console.print(f"wrote {outs[0]}")
    else:
        console.print(f"{len(files) - len(failed)} of {len(files)} written to {output}")
    for src, msg in failed:
        typer.echo(f"painterly: error: {src}: {msg}", err=True)
    return 2 if failed else 0
