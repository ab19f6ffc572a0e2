"""Word error rate of painterly's speech input on synthesised speech (espeak-ng), per model.

Phrases are synthesised here with espeak-ng in several voices (no recording made by hand), then
transcribed with each vocabulary: "general" (the wheel's general English LM, the baseline),
"style" (painterly's style-prompt LM) and "auto" (style, general as fallback on low confidence).

    flock /tmp/painterly-bench.lock python benchmarks/bench_speech.py [--voices en-us,en-us+f2,en]

Needs the speech extra and the espeak-ng program (apt-get install espeak-ng).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from painterly.speech import SpeechConfig, recognize
from painterly.speech.wer import word_errors

# Style prompts: what a person says to `stylize --voice` / `paint --voice`.
STYLE_PHRASES = (
    "make it look like a watercolor painting",
    "an oil painting with thick brush strokes",
    "a pencil sketch of a cat",
    "turn this photo into a comic book",
    "in the style of van gogh",
    "a dark and stormy impressionist painting",
    "pop art with bold colors",
    "a japanese woodcut of the sea",
    "soft pastel colors and gentle light",
    "a charcoal drawing with heavy shadows",
)
# Held out: sentences the style LM was not built from (word orders no template makes).
HELD_OUT = (
    "black ink lines on white paper",
    "paint the mountains like monet",
    "cartoon colors please",
    "bright mosaic tiles",
)
# Written after the common-word list was added to the style model, to check that change fresh.
HELD_OUT_FRESH = (
    "a quiet village in the snow as an oil painting",
    "draw my dog with colored pencils",
    "a bright poster of the city at night",
    "old photo with faded colors",
)
# Outside the style vocabulary: what "auto" must hand to the general model.
GENERAL = (
    "the weather is nice today",
    "please call me tomorrow morning",
    "i forgot my keys at the office",
    "how much does this cost",
)


def synthesise(text: str, voice: str, folder: Path) -> Path:
    path = folder / f"{voice.replace('+', '_')}-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voices", default="en-us,en-us+f2,en")
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found: apt-get install espeak-ng", file=sys.stderr)
        return 2
    voices = args.voices.split(",")
    recognize(synthesise("watercolor", voices[0], Path(tempfile.mkdtemp())))  # load models once
    groups = {
        "style prompts": STYLE_PHRASES,
        "held-out prompts": HELD_OUT,
        "fresh held-out prompts": HELD_OUT_FRESH,
        "general English": GENERAL,
    }
    print(f"espeak-ng voices: {', '.join(voices)}")
    print("| phrases | voices | model | WER | words | seconds per phrase |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            (g, p, v): synthesise(p, v, Path(tmp))
            for g, ps in groups.items()
            for p in ps
            for v in voices
        }
        for g, phrases in groups.items():
            for vocab in ("general", "style", "auto"):
                errs = words = 0
                t0 = time.perf_counter()
                for p in phrases:
                    for v in voices:
                        hyp = recognize(
                            files[(g, p, v)], config=SpeechConfig(vocabulary=vocab)
                        ).text
                        e, n = word_errors(p, hyp)
                        errs, words = errs + e, words + n
                dt = (time.perf_counter() - t0) / (len(phrases) * len(voices))
                row = (f"{g} ({len(phrases)})", len(voices), vocab, f"{errs / words:.3f}", words)
                print("| " + " | ".join(map(str, row)) + f" | {dt:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
