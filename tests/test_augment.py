"""`painterly augment`: plan, manifest, engines (local pool and Ray), resume after SIGKILL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from painterly.augment import augment, parse_strength, plan_jobs, read_rows
from painterly.augment.plan import AugmentConfig, find_sources, resolve_styles
from painterly.errors import InputError
from painterly.io import load_image, resize_max, save_image

STYLES = "oil,starry-swirls,watercolor"  # a filter, a neural network, a filter with paper grain
ARGS = dict(styles=STYLES, per_image=2, strength=(0.5, 1.0), seed=7, size=48)


def _photo(chelsea, k: int) -> np.ndarray:
    img = resize_max(chelsea, 64)
    return np.ascontiguousarray(np.roll(img, 9 * k, axis=1))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, chelsea) -> Path:
    """cat/ (3 photos), dog/ (1 photo and one file that is not an image)."""
    root = tmp_path_factory.mktemp("dataset")
    for k in range(3):
        save_image(_photo(chelsea, k), root / "cat" / f"img_{k}.png")
    save_image(_photo(chelsea, 5), root / "dog" / "img_0.jpg")
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


@pytest.fixture(scope="module")
def local_run(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    summary = augment(dataset, out, engine="local", workers=2, **ARGS)
    return out, summary


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.png"))}


def test_plan_is_drawn_from_the_seed_per_source(dataset):
    styles = resolve_styles(STYLES)
    sources = find_sources(dataset)
    cfg = AugmentConfig(styles=(), per_image=2, strength=(0.5, 1.0), seed=7)
    plan = plan_jobs(dataset, sources, styles, cfg)
    assert plan == plan_jobs(dataset, sources, styles, cfg)
    assert len(plan) == 2 * len(sources)
    for src in {j.source for j in plan}:  # two different styles per source
        assert len({j.style for j in plan if j.source == src}) == 2
    assert all(0.5 <= j.strength <= 1.0 for j in plan)
    other = plan_jobs(dataset, sources, styles, AugmentConfig(styles=(), per_image=2,
                                                              strength=(0.5, 1.0), seed=8))
    assert [(j.style, j.strength) for j in other] != [(j.style, j.strength) for j in plan]
    # a source's draws do not depend on which other files are in the dataset
    alone = plan_jobs(dataset, sources[:1], styles, cfg)
    assert alone == [j for j in plan if j.source == alone[0].source]
    with pytest.raises(InputError, match="per-image"):
        plan_jobs(dataset, sources, styles, AugmentConfig(styles=(), per_image=4))


def test_bad_options_are_typed_errors(dataset, tmp_path):
    for text in ("1..0.5", "2", "a..b"):
        with pytest.raises(InputError, match="--strength"):
            parse_strength(text)
    assert parse_strength("0.25..0.75") == (0.25, 0.75)
    with pytest.raises(InputError, match="unknown style"):
        resolve_styles("oil,no-such-style")
    paintings = tmp_path / "paintings"
    save_image(np.zeros((8, 8, 3), np.float32), paintings / "night.png")
    assert resolve_styles(str(paintings)) == (("night", str((paintings / "night.png").resolve())),)
    with pytest.raises(InputError, match="outside the source folder"):
        augment(dataset, dataset / "out", styles="oil")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files"):
        augment(tmp_path / "empty", tmp_path / "o", styles="oil")
    with pytest.raises(InputError, match="valid engines: local, ray"):
        augment(dataset, tmp_path / "o", styles="oil", engine="spark")
    from painterly.augment.manifest import lock_output

    (tmp_path / "busy").mkdir()
    held = lock_output(tmp_path / "busy")  # as a running augment holds it
    with pytest.raises(InputError, match="another 'painterly augment' is writing here"):
        augment(dataset, tmp_path / "busy", styles="oil")
    held.close()


def test_manifest_rows_files_and_class_folders(local_run, dataset):
    out, summary = local_run
    rows = read_rows(out)
    assert list(rows[0]) == ["source", "style", "strength", "seed", "output", "sha256", "status",
                             "error"]
    assert len(rows) == summary.planned == 10  # 5 sources x 2 styles, one row per output
    assert len({(r["source"], r["output"]) for r in rows}) == len(rows)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == summary.written == 8
    for r in ok:
        path = out / r["output"]
        assert r["output"].split("/")[0] == r["source"].split("/")[0]  # class folder kept
        assert Path(r["output"]).name.startswith(Path(r["source"]).stem + "__" + r["style"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == r["sha256"]
        assert load_image(path).shape[:2] == (32, 48)  # --size 48 on 64x43 photos
    bad = [r for r in rows if r["status"] == "error"]
    assert {r["source"] for r in bad} == {"dog/broken.png"} and len(bad) == 2
    assert all("dog/broken.png" in r["error"] and "not a recognised image" in r["error"]
               for r in bad)
    assert set(summary.failed) == {"dog/broken.png"}
    assert not list(out.rglob(".*.tmp"))


def test_second_run_skips_finished_and_repaints_a_changed_file(local_run, dataset, tmp_path):
    out, _ = local_run
    copy = tmp_path / "out"
    for rel, data in _tree(out).items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes(data)
    (copy / "manifest.csv").write_bytes((out / "manifest.csv").read_bytes())
    victim = next(r["output"] for r in read_rows(copy) if r["status"] == "ok")
    (copy / victim).write_bytes(b"tampered")
    summary = augment(dataset, copy, engine="local", workers=1, **ARGS)
    assert (summary.written, summary.skipped) == (1, 9)
    rows = read_rows(copy)
    assert len(rows) == 10 and len({(r["source"], r["output"]) for r in rows}) == 10
    assert _tree(copy) == _tree(out)  # the repainted file has the same bytes as before


def test_cli_exits_2_and_names_the_bad_file(dataset, tmp_path, capsys):
    from painterly.cli import main

    code = main(["augment", str(dataset), "-o", str(tmp_path / "o"), "--styles", "oil",
                 "--size", "32", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "painterly: error: dog/broken.png: not a recognised image" in err
    assert "Traceback" not in err
    rows = read_rows(tmp_path / "o")
    assert [r["status"] for r in rows].count("ok") == 4


def test_ray_engine_gives_the_same_bytes_as_the_local_pool(ray_session, local_run, dataset,
                                                           tmp_path):
    out, _ = local_run
    summary = augment(dataset, tmp_path / "ray", engine="ray", workers=2, **ARGS)
    assert summary.written == 8 and set(summary.failed) == {"dog/broken.png"}
    local, remote = _tree(out), _tree(tmp_path / "ray")
    assert len(local) == 8 and local == remote
    key = lambda r: (r["source"], r["output"])  # noqa: E731
    assert sorted(read_rows(tmp_path / "ray"), key=key) == sorted(read_rows(out), key=key)


N_KILL_PHOTOS = 40


def _manifest_rows(path: Path) -> int:
    try:
        return max(0, len(path.read_text().splitlines()) - 1)
    except FileNotFoundError:
        return 0


def test_resume_after_sigkill(tmp_path, chelsea):
    # 80 jobs of 256 px: about 2 s of painting after the third row on this 2-core machine, so the
    # kill lands mid-run (12 photos of 64 px could all be done within one 50 ms poll)
    src = tmp_path / "src"
    photo = resize_max(chelsea, 256)
    for k in range(N_KILL_PHOTOS):
        save_image(np.ascontiguousarray(np.roll(photo, 9 * k, axis=1)),
                   src / ("a" if k % 2 else "b") / f"p{k}.png")
    total = 2 * N_KILL_PHOTOS
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "painterly", "augment", str(src), "-o", str(out),
           "--styles", "starry-swirls,oil", "--per-image", "2", "--seed", "3", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _manifest_rows(out / "manifest.csv") < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its pool workers, mid-run
    proc.wait()
    rows = read_rows(out)
    assert 3 <= len(rows) < total
    assert len({r["output"] for r in rows}) == len(rows)
    for r in rows:  # every recorded file is whole
        assert hashlib.sha256((out / r["output"]).read_bytes()).hexdigest() == r["sha256"]
    for p in out.rglob("*.png"):  # and so is every other visible file
        if not p.name.startswith("."):
            load_image(p)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{len(rows)} already done" in done.stdout  # the summary is the result: stdout
    final = read_rows(out)
    assert len(final) == total and len({r["output"] for r in final}) == total
    assert final[: len(rows)] == rows  # the first run's rows are kept as they were
    assert not list(out.rglob(".*.tmp"))
    for r in final:
        assert hashlib.sha256((out / r["output"]).read_bytes()).hexdigest() == r["sha256"]


def test_ray_run_goes_on_when_a_worker_dies(ray_session, local_run, dataset, tmp_path):
    """One actor is SIGKILLed while it sets up, its first jobs already queued to it (the engine
    queues IN_FLIGHT_PER_ACTOR jobs per actor before it waits for any): exactly those are lost,
    the other actor paints the rest, and the next run paints the lost ones."""
    import threading

    from painterly.augment.ray_engine import IN_FLIGHT_PER_ACTOR

    psutil = pytest.importorskip("psutil")
    out = tmp_path / "ray"
    killed: list[int] = []
    stop = threading.Event()

    def kill_the_first_actor():
        # Ray runs in this process's descendants (ray.init started it here), so another test
        # run's workers on the same machine are never touched; an actor's process bears its
        # class name from the moment it starts setting up
        while not stop.is_set():
            for p in psutil.Process().children(recursive=True):
                try:
                    if any("PaintWorker" in part for part in p.cmdline()):
                        p.kill()
                        killed.append(p.pid)
                        return
                except psutil.Error:
                    continue
            time.sleep(0.005)

    killer = threading.Thread(target=kill_the_first_actor, daemon=True)
    killer.start()
    try:
        summary = augment(dataset, out, engine="ray", workers=2, **ARGS)
    finally:
        stop.set()
        killer.join(10)
    assert killed and summary.unfinished == IN_FLIGHT_PER_ACTOR
    rows = read_rows(out)
    assert len(rows) == 10 - summary.unfinished
    again = augment(dataset, out, engine="ray", workers=2, **ARGS)  # fresh actors finish it
    # the lost jobs are done now (painted, or recorded as the broken file they were)
    assert again.written + again.recorded_errors == summary.unfinished and again.unfinished == 0
    assert len(read_rows(out)) == 10
    assert _tree(out) == _tree(local_run[0])


def test_ray_engine_without_ray_says_which_extra(dataset, tmp_path, hide_package):
    from painterly.errors import MissingExtraError

    hide_package("ray")
    with pytest.raises(MissingExtraError, match=r"painterly\[ray\]"):
        augment(dataset, tmp_path / "o", engine="ray", **ARGS)
    assert not (tmp_path / "o").exists()  # failed before any work
