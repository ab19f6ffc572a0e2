"""What a run paints: the sources, the styles, and each output's draws from the seed.

Every draw (which styles, what strength, the seed of the style's random elements) comes from a
generator seeded with ``(seed, hash of the source's relative path)``: the same command gives the
same plan on any machine, in any order, and adding files to the dataset never changes the draws
of the files already there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from painterly.errors import InputError
from painterly.formats import INPUT_SUFFIXES as IMAGE_SUFFIXES


@dataclass(frozen=True)
class AugmentConfig:
    """One augmentation run. The CLI, the Python API and the manifest use these names."""

    styles: tuple[str, ...]  # style names, or painting paths (each painting is a style)
    per_image: int = 1  # outputs per source; drawn without replacement, so at most len(styles)
    strength: tuple[float, float] = (1.0, 1.0)  # drawn uniformly in [lo, hi] for each output
    seed: int = 0  # every draw of the run comes from it: same seed, same outputs
    size: int | None = None  # longer side of the painted image in px; None keeps the source's


@dataclass(frozen=True)
class Job:
    """One output: a picklable, self-contained description that any worker can paint."""

    source: str  # path relative to SRC_DIR, with '/' separators (the manifest's key)
    style: str  # the label written to the manifest: a style name or a painting's stem
    style_arg: str  # what painterly.stylize receives: the name, or the painting's path
    strength: float
    seed: int
    output: str  # path relative to OUT_DIR


def find_sources(src_dir: Path) -> list[Path]:
    """Image files under ``src_dir`` (any depth, so class folders are kept), sorted."""
    if not src_dir.is_dir():
        raise InputError(f"{src_dir}: not a folder; give the dataset's root folder")
    found = sorted(p for p in src_dir.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    if not found:
        raise InputError(f"{src_dir}: no image files found ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return found


def resolve_styles(spec: str) -> tuple[tuple[str, str], ...]:
    """``--styles`` -> ((label, argument for stylize), ...).

    A folder: each painting in it is a style, labelled by its file stem. Otherwise a
    comma-separated list of style names; unknown names fail here, before any work.
    """
    from painterly.styles import get_style

    path = Path(spec)
    if path.is_dir():
        paintings = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not paintings:
            raise InputError(f"{path}: the styles folder has no paintings "
                             f"({', '.join(sorted(IMAGE_SUFFIXES))})")
        stems = [p.stem for p in paintings]
        dupes = sorted({s for s in stems if stems.count(s) > 1})
        if dupes:
            raise InputError(f"{path}: paintings share a name ({', '.join(dupes)}); "
                             "rename them so each style has its own label")
        return tuple((p.stem, str(p.resolve())) for p in paintings)
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise InputError("--styles needs style names (comma-separated) or a folder of paintings")
    out = []
    for name in dict.fromkeys(names):  # drop repeats, keep order
        if Path(name).is_file():
            out.append((Path(name).stem, str(Path(name).resolve())))
        else:
            out.append((get_style(name).name, get_style(name).name))
    return tuple(out)


def parse_strength(text: str) -> tuple[float, float]:
    """``"0.6..1"`` or ``"0.8"`` -> (lo, hi), both in [0, 1]."""
    try:
        parts = [float(x) for x in text.split("..")] if ".." in text else [float(text)] * 2
    except ValueError:
        parts = []
    if len(parts) != 2 or not 0.0 <= parts[0] <= parts[1] <= 1.0:
        raise InputError(f"--strength must be A..B with 0 <= A <= B <= 1, or one number; got {text!r}")
    return parts[0], parts[1]


def _source_rng(seed: int, rel: str) -> np.random.Generator:
    # sha256, not hash(): Python's str hash is salted per process
    digest = hashlib.sha256(rel.encode("utf-8")).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def plan_jobs(src_dir: Path, sources: list[Path], styles: tuple[tuple[str, str], ...],
              config: AugmentConfig) -> list[Job]:
    """Every output of the run, in source order. Names: ``OUT/<class>/<stem>__<style>.png``."""
    if not 1 <= config.per_image <= len(styles):
        raise InputError(f"--per-image must be between 1 and the number of styles ({len(styles)}), "
                         f"got {config.per_image}")
    rels = [p.relative_to(src_dir).as_posix() for p in sources]
    # two sources that differ only by extension (img.jpg, img.png) keep their full names
    stems: dict[str, int] = {}
    for rel in rels:
        key = rel.rsplit(".", 1)[0]
        stems[key] = stems.get(key, 0) + 1
    lo, hi = config.strength
    jobs = []
    for rel in rels:
        base = rel.rsplit(".", 1)[0]
        if stems[base] > 1:
            base = rel
        rng = _source_rng(config.seed, rel)
        picks = rng.choice(len(styles), size=config.per_image, replace=False)
        for i in picks:
            label, arg = styles[int(i)]
            # rounded, so that the manifest's value is exactly the strength that was used
            strength = round(float(rng.uniform(lo, hi)), 4) if hi > lo else lo
            jobs.append(Job(source=rel, style=label, style_arg=arg, strength=strength,
                            seed=int(rng.integers(0, 2**31 - 1)),
                            output=f"{base}__{label}.png"))
    return jobs
