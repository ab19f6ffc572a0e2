"""CLIP text-image similarity (Radford et al. 2021), loaded from the model registry.

The adapter contract every scorer follows (so ranking never branches on model type, and tests
can hand in a scorer with known embeddings)::

    scorer.encode_images(images) -> float32 (N, D), rows L2-normalised
    scorer.encode_texts(texts)   -> float32 (M, D), rows L2-normalised

:class:`TransformersClip` implements it with transformers' ``CLIPModel`` read from a local folder
(``config.json``, ``model.safetensors``, tokenizer and preprocessor files): a registered name
such as ``clip-vit-b-32`` resolves to the Hugging Face cache, a path is used as is. Nothing is
downloaded here; ``painterly models pull clip-vit-b-32`` fetches the files once.

torch and transformers are imported inside the functions that need them: importing this module
stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from painterly.errors import InputError, MissingExtraError, ModelMissingError
from painterly.io import load_image, to_uint8
from painterly.models.cache import ModelCache

DEFAULT_MODEL = "clip-vit-b-32"


@runtime_checkable
class ClipScorer(Protocol):
    """Anything that embeds images and texts into one space with unit-length rows."""

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray: ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class ClipConfig:
    # Images per forward pass. ViT-B/32 needs ~25 MB of activations per 224 px image in fp32,
    # so 16 stays well under 1 GB while amortising the per-call overhead.
    batch_size: int = 16
    # "cpu", "cuda", ... or None: CUDA when available. Weights stay float32 on every device so
    # a score does not change with the machine (openai/CLIP #30: fp16 on GPU, fp32 on CPU).
    device: str | None = None


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _features(out: Any) -> Any:
    """transformers 4 returns the projected embedding tensor; 5 a ModelOutput holding it."""
    return out if hasattr(out, "shape") else out.pooler_output


def _incomplete(folder: Path, why: str) -> ModelMissingError:
    return ModelMissingError(
        f"{folder} is not a complete CLIP model folder ({why}); it needs the transformers "
        "layout: config.json, model.safetensors, tokenizer files and preprocessor_config.json. "
        f"Get the default one with: painterly models pull {DEFAULT_MODEL}"
    )


def _check_files(folder: Path) -> None:
    lacking = [f for f in ("config.json", "preprocessor_config.json") if not (folder / f).is_file()]
    if not (folder / "tokenizer.json").is_file() and not (
            (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file()):
        lacking.append("tokenizer.json (or vocab.json + merges.txt)")
    if lacking:
        raise _incomplete(folder, "missing " + ", ".join(lacking))


class TransformersClip:
    """A transformers ``CLIPModel`` with its tokenizer and image processor, from a local folder.

    Thread-safe: the model runs under ``torch.no_grad`` in eval mode and holds no per-call state;
    the tokenizer (a Rust object that rejects concurrent calls) is used under a lock.
    """

    def __init__(self, folder: str | Path, config: ClipConfig = ClipConfig()):
        try:
            import torch
            from transformers import AutoTokenizer, CLIPModel
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise MissingExtraError("diffusion", e.name or "transformers") from None
        try:  # transformers >= 5: the PIL backend (its default backend needs torchvision)
            from transformers import CLIPImageProcessorPil as ImageProcessor
        except ImportError:  # transformers 4
            from transformers import CLIPImageProcessor as ImageProcessor

        self.folder = Path(folder)
        self.config = config
        self.device = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
        _check_files(self.folder)
        try:
            model, info = CLIPModel.from_pretrained(self.folder, use_safetensors=True,
                                                    local_files_only=True, output_loading_info=True)
            self.tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
            self.processor = ImageProcessor.from_pretrained(self.folder, local_files_only=True)
        except (OSError, ValueError, KeyError, RuntimeError) as e:  # RuntimeError: size mismatch
            raise _incomplete(self.folder, str(e).strip().splitlines()[0][:300]) from None
        # transformers fills missing weights with random ones and only warns (transformers 4 does
        # the same for mis-shaped ones): a score from such a model would be noise; refuse it.
        bad = [str(k) for k in (*(info.get("missing_keys") or ()),
                                *(info.get("mismatched_keys") or ()))]
        if bad:
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            raise _incomplete(self.folder,
                              f"weights missing or of the wrong shape: {', '.join(bad[:3])}{more}")
        self.model = model.float().eval().to(self.device)
        self.max_tokens = int(self.model.config.text_config.max_position_embeddings)
        self._tok_lock = threading.Lock()

    def pixel_values(self, images: Sequence[np.ndarray]) -> Any:
        """Contract images -> the model's input tensor (N, 3, S, S).

        Images go to the processor as uint8 arrays, exactly like the PIL images CLIP was trained
        with: the processor resizes (bicubic, shorter side), centre-crops, rescales by 1/255
        (once: the input is 0-255) and normalises with CLIP's mean and std.
        """
        arrays = [to_uint8(img) for img in images]
        out = self.processor(images=arrays, return_tensors="pt", input_data_format="channels_last")
        return out["pixel_values"]

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        import torch

        chunks = []
        for start in range(0, len(images), self.config.batch_size):
            pixels = self.pixel_values(images[start : start + self.config.batch_size])
            with torch.no_grad():
                out = self.model.get_image_features(pixel_values=pixels.to(self.device))
                feats = _features(out)
            chunks.append(feats.float().cpu().numpy())
        return _normalise_rows(np.concatenate(chunks, axis=0)).astype(np.float32)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with self._tok_lock:  # CLIP reads at most 77 tokens; longer prompts are cut, as in SD
            tokens = self.tokenizer(list(texts), padding=True, truncation=True,
                                    max_length=self.max_tokens, return_tensors="pt")
        with torch.no_grad():
            feats = _features(self.model.get_text_features(
                input_ids=tokens["input_ids"].to(self.device),
                attention_mask=tokens["attention_mask"].to(self.device),
            ))
        return _normalise_rows(feats.float().cpu().numpy()).astype(np.float32)


# Loaded CLIP models, least recently used out first: a ViT-B/32 holds about 600 MB in float32.
_CACHE = ModelCache(max_items=2, name="CLIP models")


def load_clip(name_or_path: str | Path = DEFAULT_MODEL, *, config: ClipConfig = ClipConfig()
              ) -> TransformersClip:
    """A registered CLIP name, or a local folder -> a cached :class:`TransformersClip`.

    One instance per (folder, device, batch size) per process, in a bounded cache (the two
    most recently used). Raises
    :class:`~painterly.errors.ModelMissingError` (saying ``painterly models pull NAME``) when the
    weights are not on this machine; never downloads.
    """
    from painterly.models import resolve

    folder = resolve(name_or_path, kind="clip")
    key = (str(Path(folder).resolve()), config.device, config.batch_size)
    return _CACHE.get(key, lambda: TransformersClip(folder, config))  # loaded once, shared


def get_scorer(model: str | Path | ClipScorer = DEFAULT_MODEL) -> ClipScorer:
    """A scorer object as is; a name or folder loaded with :func:`load_clip`."""
    if isinstance(model, (str, Path)):
        return load_clip(model)
    if isinstance(model, ClipScorer):
        return model
    raise InputError(
        f"model must be a CLIP model name, a folder, or an object with encode_images and "
        f"encode_texts; got {type(model).__name__}"
    )


def as_images(images: Sequence[Any]) -> list[np.ndarray]:
    """Anything :func:`painterly.io.load_image` reads (arrays, paths, bytes, PIL) -> contract."""
    if isinstance(images, (np.ndarray, str, Path, bytes)):
        raise InputError("expected a sequence of images; wrap a single image in a list")
    return [load_image(im) for im in images]


def check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("the text to score against must be a non-empty string")
    return text


def clip_similarity(images: Sequence[Any], text: str, *,
                    model: str | Path | ClipScorer = DEFAULT_MODEL) -> np.ndarray:
    """Cosine similarity of each image's CLIP embedding with the text's: float64 (N,) in [-1, 1].

    Raw CLIP cosines of matching pairs are typically 0.25-0.35 for ViT-B/32 (CLIPScore, Hessel
    et al. 2021, reports 2.5 * max(cos, 0)); they are comparable between images for one text.
    """
    check_text(text)
    imgs = as_images(images)
    if not imgs:
        return np.zeros(0, np.float64)
    scorer = get_scorer(model)
    img_emb = np.asarray(scorer.encode_images(imgs), dtype=np.float64)
    txt_emb = np.asarray(scorer.encode_texts([text]), dtype=np.float64)
    if img_emb.ndim != 2 or txt_emb.shape != (1, img_emb.shape[1]) or len(img_emb) != len(imgs):
        raise ValueError(f"scorer returned embeddings of shapes {img_emb.shape} and {txt_emb.shape}"
                         f" for {len(imgs)} images and 1 text")
    # Normalised again here: the contract asks for unit rows, a hand-made scorer may not keep it.
    img_emb, txt_emb = _normalise_rows(img_emb), _normalise_rows(txt_emb)
    return np.clip(img_emb @ txt_emb[0], -1.0, 1.0)


__all__ = [
    "DEFAULT_MODEL",
    "ClipConfig",
    "ClipScorer",
    "TransformersClip",
    "clip_similarity",
    "get_scorer",
    "load_clip",
]
