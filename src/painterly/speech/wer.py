"""Word error rate (Levenshtein distance over words / reference length), for tests and benchmarks.

Hand-written (15 lines) rather than adding jiwer as a dependency for one function.
"""

from __future__ import annotations


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, number of reference words)."""
    ref, hyp = reference.lower().split(), hypothesis.lower().split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diag, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diag + (r != h))
    return row[len(hyp)], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER of one hypothesis; 0 for an empty reference matched by an empty hypothesis."""
    errors, n = word_errors(reference, hypothesis)
    return errors / n if n else float(errors > 0)
