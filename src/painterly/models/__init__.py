"""Named models: where their weights come from, fetching them, checking them, finding them.

Public API::

    ModelSpec, register_model, get_model, list_models      # the registry
    add_user_model, forget_user_model                      # a user's own, kept in a JSON file
    resolve(name_or_path) -> Path                          # find the files (never downloads)
    pull(name, progress=None) -> Path                      # download into the HF cache + verify
    remove(name)                                           # delete the cached files
    verify(path) -> {file: sha256}                         # safetensors only, checksums

No weights ship with painterly; missing ones raise :class:`~painterly.errors.ModelMissingError`
saying how to pull them or point at a local folder.
"""

from painterly.models.hub import hub_cache_dir, is_available, offline, pull, remove, resolve
from painterly.models.integrity import sniff, verify
from painterly.models.registry import (
    ModelSpec,
    add_user_model,
    forget_user_model,
    get_model,
    list_models,
    register_model,
    spec_for,
    user_models_file,
)

__all__ = [
    "ModelSpec",
    "add_user_model",
    "forget_user_model",
    "get_model",
    "hub_cache_dir",
    "is_available",
    "list_models",
    "offline",
    "pull",
    "register_model",
    "remove",
    "resolve",
    "sniff",
    "spec_for",
    "user_models_file",
    "verify",
]
