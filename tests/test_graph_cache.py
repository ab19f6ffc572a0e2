"""The rewritten graphs on disk (verified, atomic, rebuilt when stale) and sessions per process."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from painterly.neural import graph_cache, networks, sessions

KEY = {"model": "m", "precision": "float", "stats": None, "source_sha256": "ab" * 32, "version": 1}


def _builder(payload: bytes):
    calls = []

    def build():
        calls.append(1)
        return payload

    return build, calls


def test_built_once_then_read_back(tmp_path):
    build, calls = _builder(b"graph-bytes" * 100)
    assert graph_cache.cached_graph(KEY, build, tmp_path) == b"graph-bytes" * 100
    assert graph_cache.cached_graph(KEY, build, tmp_path) == b"graph-bytes" * 100
    assert len(calls) == 1
    assert graph_cache.entry_path(KEY, tmp_path).parent == tmp_path / "graphs"


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_corrupt_entry_is_rebuilt_never_trusted(tmp_path, damage):
    payload = bytes(range(256)) * 50
    build, calls = _builder(payload)
    graph_cache.cached_graph(KEY, build, tmp_path)
    path = graph_cache.entry_path(KEY, tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-100] ^= 0xFF  # same size, one byte changed: only the hash can tell
    elif damage == "truncate":
        data = data[:-10]
    elif damage == "garbage":
        data = bytearray(b"not a cache file")
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert graph_cache.read_entry(path, KEY) is None
    assert graph_cache.cached_graph(KEY, build, tmp_path) == payload
    assert len(calls) == 2
    assert graph_cache.read_entry(path, KEY) == payload  # repaired on disk


def test_stale_entry_is_rebuilt(tmp_path):
    """A file whose header names another source or rewrite version is not used, whatever its
    name; a new version gets a new file."""
    old = dict(KEY, version=0)
    graph_cache.write_entry(graph_cache.entry_path(KEY, tmp_path), old, b"old graph")
    build, calls = _builder(b"new graph")
    assert graph_cache.cached_graph(KEY, build, tmp_path) == b"new graph"
    assert calls == [1]
    assert graph_cache.entry_path(old, tmp_path) != graph_cache.entry_path(KEY, tmp_path)
    other_source = dict(KEY, source_sha256="cd" * 32)
    assert graph_cache.entry_path(other_source, tmp_path) != graph_cache.entry_path(KEY, tmp_path)


def test_unwritable_cache_still_builds(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    build, calls = _builder(b"g")
    assert graph_cache.cached_graph(KEY, build, blocker) == b"g"
    assert graph_cache.cached_graph(KEY, build, blocker) == b"g"
    assert len(calls) == 2


def test_cache_dir_from_argument_env_or_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("PAINTERLY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert graph_cache.cache_root() == tmp_path / "xdg" / "painterly"
    monkeypatch.setenv("PAINTERLY_CACHE_DIR", str(tmp_path / "env"))  # read at call time
    assert graph_cache.cache_root() == tmp_path / "env"
    assert graph_cache.cache_root(tmp_path / "arg") == tmp_path / "arg"


def _write_many(args):
    path, payload, rounds = args
    for _ in range(rounds):
        assert graph_cache.write_entry(Path(path), KEY, payload)
    return True


def test_concurrent_writers_never_expose_a_partial_file(tmp_path):
    """Processes writing the same entry while another reads it: once the file exists, every
    read is whole and verified (a plain open-and-write would expose a half-written file)."""
    path = graph_cache.entry_path(KEY, tmp_path)
    payload = os.urandom(4 << 20)
    graph_cache.write_entry(path, KEY, payload)
    ctx = mp.get_context("spawn")
    bad, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            if graph_cache.read_entry(path, KEY) != payload:
                bad.append(1)

    t = threading.Thread(target=reader)
    t.start()
    try:
        with ctx.Pool(2) as pool:
            assert all(pool.map(_write_many, [(str(path), payload, 15)] * 2))
    finally:
        stop.set()
        t.join()
    assert not bad
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    d = tmp_path_factory.mktemp("graph-cache")
    networks.prepare_graphs(d)
    return d


def test_cached_graph_equals_a_fresh_rewrite(warm_cache):
    for variant in (("arbitrary_transform", "float", None), ("multistyle26", "float", "inject")):
        assert networks.graph(*variant, cache_dir=warm_cache) == networks.build_graph(*variant)
    assert len(list((warm_cache / "graphs").iterdir())) == len(networks.VARIANTS)


_RUN = """
import sys, numpy as np
from painterly.cli import main
from painterly.io import load_image, save_image
photo, out = sys.argv[2] + "/photo.png", sys.argv[2] + "/art.png"
save_image(np.random.default_rng(0).random((48, 64, 3), dtype=np.float32), photo)
assert main(["stylize", photo, "--style", sys.argv[1], "-o", out]) == 0
assert load_image(out).shape == (48, 64, 3)
print(sorted(m for m in ("onnx", "ml_dtypes", "rich") if m in sys.modules))
"""


def _run_stylize(cache: Path, painting: Path, work: Path) -> str:
    env = dict(os.environ, PAINTERLY_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", _RUN, str(painting), str(work)], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]  # after the command's own "wrote ..." line


def test_a_warm_run_never_imports_onnx(tmp_path, testdata):
    """`painterly stylize photo --style painting` with a warm cache: no onnx (nor rich, whose
    import a one-photo run does not need either)."""
    painting = testdata / "paintings" / "starry_night.jpg"
    cache = tmp_path / "cache"
    assert "onnx" in _run_stylize(cache, painting, tmp_path)  # cold: rewritten with onnx
    assert _run_stylize(cache, painting, tmp_path) == "[]"  # warm: read from the cache


def _child_run(image):
    fresh = len(sessions._SESSIONS) == 0
    out, _ = networks.multistyle(image, np.eye(26, dtype=np.float32)[3])
    return fresh, out, os.getpid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_forked_child_builds_its_own_sessions():
    image = np.random.default_rng(1).random((40, 40, 3), dtype=np.float32)
    parent, _ = networks.multistyle(image, np.eye(26, dtype=np.float32)[3])
    assert sessions._SESSIONS
    with mp.get_context("fork").Pool(1) as pool:
        fresh, out, pid = pool.apply_async(_child_run, (image,)).get(timeout=120)
    assert pid != os.getpid()
    assert fresh  # nothing inherited is used: the parent's pool threads do not exist there
    np.testing.assert_allclose(out, parent, atol=1e-5)
    assert sessions._SESSIONS  # the parent's own cache is untouched
