"""The benchmark commands the docs give exist as written: the script, and every option."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "benchmarks").rglob("*.md"))]
COMMAND = re.compile(r"(benchmarks/bench_\w+\.py)((?:\s+--?[a-z][\w-]*(?:[ =](?!-)[^\s`|)]+)?)*)")


def _commands():
    for doc in DOCS:
        for line_no, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for m in COMMAND.finditer(line):
                yield f"{doc.relative_to(ROOT)}:{line_no}", m[1], re.findall(r"--[a-z][\w-]*", m[2])


def test_the_commands_are_found():
    found = list(_commands())
    assert len(found) > 30 and any(flags for _, _, flags in found)


def test_every_documented_benchmark_command_exists():
    wrong = []
    for where, script, flags in _commands():
        path = ROOT / script
        if not path.is_file():
            wrong.append(f"{where}: {script} does not exist")
            continue
        source = path.read_text(encoding="utf-8")
        wrong += [f"{where}: {script} has no option {flag}" for flag in flags
                  if f'"{flag}"' not in source and f"'{flag}'" not in source]
    assert not wrong, "\n".join(wrong)
