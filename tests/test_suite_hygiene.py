"""The test suite itself: a broken import of painterly's own code fails a test, never skips it,
and no test depends on where this machine keeps things."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# A machine path is an absolute path into a home, a checkout, a temp or a system folder.
MACHINE_PATH = re.compile(r"""["'](/work|/home|/root|/tmp|/usr|/opt|/mnt|[A-Za-z]:\\\\)[/\\\\]""")


def _sources():
    return [(p, p.read_text()) for p in sorted(TESTS.glob("*.py")) if p.name != Path(__file__).name]


def _skips_of_painterly(tree: ast.AST) -> list[int]:
    """Lines that importorskip a painterly module, or skip on a painterly attribute missing."""
    bad = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip"
                and node.args and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] == "painterly"):
            bad.append(node.lineno)
        if isinstance(node, ast.Try):  # try: import painterly... except ImportError: skip
            imports_ours = any(isinstance(n, (ast.Import, ast.ImportFrom)) and
                               ((getattr(n, "module", None) or "").startswith("painterly") or
                                any(a.name.startswith("painterly") for a in getattr(n, "names", [])))
                               for b in node.body for n in ast.walk(b))
            skips = any("skip" in ast.unparse(h) for h in node.handlers)
            if imports_ours and skips:
                bad.append(node.lineno)
    return bad


def test_no_test_skips_on_a_broken_import_of_painterly():
    found = {p.name: lines for p, src in _sources() if (lines := _skips_of_painterly(ast.parse(src)))}
    assert not found, f"importorskip/skip of painterly's own modules (fix the import instead): {found}"


def test_the_check_catches_what_it_looks_for():
    assert _skips_of_painterly(ast.parse('import pytest\nm = pytest.importorskip("painterly.text")'))
    assert _skips_of_painterly(ast.parse(
        "try:\n    from painterly import neural\nexcept ImportError:\n    pytest.skip('x')"))
    assert not _skips_of_painterly(ast.parse('import pytest\npytest.importorskip("torch")'))
    assert MACHINE_PATH.search('Path("/work/shared/testdata")')
    assert not MACHINE_PATH.search('Path(__file__).parents[2] / "shared"')


def test_no_machine_paths_in_tests():
    found = [f"{p.name}:{i}" for p, src in _sources() for i, line in enumerate(src.splitlines(), 1)
             if MACHINE_PATH.search(line)]
    assert not found, f"machine paths in tests (find shared data relative to the repository): {found}"


def test_shared_testdata_is_found_relative_to_the_repository():
    from conftest import TESTDATA

    repo = TESTS.parent
    assert repo.parent / "shared" / "testdata" == TESTDATA
