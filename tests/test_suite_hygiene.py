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


# --- skips: seen in every run, failures in CI ----------------------------------------------

REPO = TESTS.parent
CI = REPO / ".ci" / "run"
SKIPPING = '''
import pytest

def test_skips():
    pytest.skip("espeak-ng is not installed")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_to_fail():
    assert False

def test_passes():
    pass
'''
SKIPPED_AT_IMPORT = '''
import pytest

pytest.importorskip("no_such_package_painterly_tests")

def test_never_runs():
    pass
'''


def _sub_pytest(tmp_path, require_all: str | None, *files: str):
    """Runs pytest on small test files with this suite's conftest."""
    import os
    import shutil
    import subprocess
    import sys

    shutil.copy(TESTS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_a.py").write_text(SKIPPING)
    (tmp_path / "test_b.py").write_text(SKIPPED_AT_IMPORT)
    env = {k: v for k, v in os.environ.items() if k != "PAINTERLY_REQUIRE_ALL"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no third-party plugins: a faster start
    if require_all is not None:
        env["PAINTERLY_REQUIRE_ALL"] = require_all
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), *files],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_skips_are_listed_with_their_reason_and_pass_outside_ci(tmp_path):
    for value in (None, "0"):
        r = _sub_pytest(tmp_path, value, "test_a.py", "test_b.py")
        assert r.returncode == 0, r.stdout
        assert "1 passed, 2 skipped, 1 xfailed" in r.stdout
        assert "SKIPPED" in r.stdout and "espeak-ng is not installed" in r.stdout


def test_with_require_all_every_skip_fails(tmp_path):
    r = _sub_pytest(tmp_path, "1", "test_a.py")
    tail = r.stdout.splitlines()[-1]
    assert r.returncode == 1 and "1 failed, 1 passed, 1 xfailed" in tail, r.stdout
    assert "PAINTERLY_REQUIRE_ALL=1" in r.stdout and "espeak-ng is not installed" in r.stdout
    # a module skipped at import is a collection error
    r = _sub_pytest(tmp_path, "1", "test_b.py")
    assert r.returncode != 0 and "1 error" in r.stdout.splitlines()[-1], r.stdout
    assert "no_such_package_painterly_tests" in r.stdout


def test_the_readme_command_shows_skip_reasons():
    import tomllib

    addopts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    flags = [a for a in addopts["addopts"].split() if a.startswith("-r")]
    assert flags and "s" in flags[-1][2:], "pytest's addopts must list skips (-rs)"


def test_ci_requires_everything_and_fails_on_a_failed_install():
    script = CI.read_text()
    assert "set -euo pipefail" in script
    assert re.search(r"^export PAINTERLY_REQUIRE_ALL=1$", script, re.M)
    assert not re.search(r"\|\|\s*(echo|true|:)", script), "an install failure must fail CI"
    # every tool a test looks for is one CI installs
    tools = dict(t.split(":") for t in re.search(r'^TOOLS="([^"]+)"', script, re.M)[1].split())
    used = {m for _, src in _sources() + [(None, (TESTS / "conftest.py").read_text())]
            for m in re.findall(r"""(?:which|need_tool)\(["']([\w.-]+)["']""", src)}
    used.discard("chromium-browser")  # another distribution's name for chromium
    used.discard("st")  # schemathesis's command: the `test` extra installs it with pip
    assert used and used <= set(tools), f"tools the tests need but .ci/run does not install: " \
                                         f"{used - set(tools)}"
    # every extra is installed (safety too: opt-in for users, tested in CI)
    import tomllib

    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
                 ["optional-dependencies"]) - {"bench"}  # benchmarks' baselines only
    installed = re.search(r"pip install -q -e '\.\[([\w,]+)\]'", script)[1].split(",")
    covered = set(installed) | {"torch", "text", "speech", "diffusion", "trust", "serve", "ray"}
    assert "all" in installed and extras <= covered, extras - covered


def test_every_package_a_test_may_skip_on_comes_with_an_extra():
    """A test skips on a missing package only if some extra brings it, so CI (every extra, skips
    fail) runs it. Import names are mapped to distributions by what is installed here."""
    import importlib.metadata as md
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower().replace("_", "-")
                for d in project["dependencies"] + [d for extra, deps in
                                                    project["optional-dependencies"].items()
                                                    if extra != "bench" for d in deps]}
    dists = md.packages_distributions()
    skipped_on = {m.split(".")[0] for _, src in _sources()
                  for m in re.findall(r"""importorskip\(["']([\w.]+)["']\)""", src)}
    missing = {}
    for name in skipped_on:
        names = {n.lower().replace("_", "-") for n in dists.get(name, [name])}
        if not names & declared:
            missing[name] = sorted(names)
    assert not missing, f"packages tests skip on that no extra installs (add them): {missing}"
