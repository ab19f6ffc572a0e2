"""`painterly listen`: print what was said in a recording; and the `--voice` path of `stylize`."""

from __future__ import annotations

from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import note


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
        note(
            f"model: {result.vocabulary}, confidence {result.confidence:.2f}, "
            f"{result.seconds:.1f} s of audio"
        )
    return 0


def stylize_by_voice(
    inputs: list[Path],
    output: Path,
    recording: Path,
    *,
    strength: float | None,
    seed: int,
    max_size: int | None,
    img2img: str | None = None,
    finish=None,
) -> int:
    """`stylize --voice`: the spoken words become the ``--prompt`` (text-to-style)."""
    from painterly.cli._prompt import stylize_by_prompt

    prompt = voice_prompt(recording)
    note(f"heard: {prompt!r}")
    return stylize_by_prompt(
        inputs,
        output,
        prompt,
        strength=strength,
        seed=seed,
        max_size=max_size,
        img2img=img2img,
        label="voice",
        finish=finish,
    )
