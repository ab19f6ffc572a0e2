"""Trust for clips: what painterly writes into a painted video, and reads back from one.

* every frame: the visible label (when asked for) and the invisible watermark, one payload for
  the whole clip (last, so that it covers the label); it is read back from the re-encoded clip
  by averaging frames spread over it (the mark is the same in every frame, the pictures move);
* the container: the TC260 AIGC implicit label and painterly's record as XMP (MP4: a top-level
  XMP ``uuid`` box, Adobe XMP Specification Part 3; WebM: an ``XMP`` tag), and the label's JSON
  also as a plain ``AIGC`` container tag that FFmpeg and ExifTool list;
* C2PA Content Credentials on MP4 when signing keys exist (c2pa-python signs ISO BMFF video).

:mod:`painterly.videoio` writes these blocks without knowing what they say.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from painterly.provenance.finish import FinishConfig
from painterly.provenance.record import AigcConfig, Provenance, SignConfig, input_ref
from painterly.provenance.xmp import build_xmp, parse_xmp

#: Frames averaged to read the watermark back from a clip.
WATERMARK_FRAMES = 12


def clip_trust(config: FinishConfig, *, params: dict[str, Any], inputs: dict[str, Any],
               technique: str = "stylize", fmt: str = "mp4"
               ) -> tuple[Callable[[np.ndarray], np.ndarray] | None, dict[str, str], Callable]:
    """``(finish_frame, tags, blocks)`` for :func:`painterly.video.clip.stylize_clip`: the
    per-frame step (visible label, watermark), the container tags written with the header (the
    AIGC label's JSON; for WebM also the XMP packet, as Matroska has no XMP box) and the builder
    of the MP4's XMP box and C2PA step, run when the clip is complete."""
    from painterly.provenance.label import add_label
    from painterly.video.clip import ClipBlocks

    refs = tuple(input_ref(role, src) for role, src in inputs.items() if src is not None)
    payload = None
    if config.watermark:
        from painterly.watermark import embed, make_payload

        serial = config.serial
        if serial is None:  # the same clip painted the same way gets the same id
            serial = zlib.crc32(json.dumps([[r.sha256 for r in refs], params], sort_keys=True,
                                           default=str).encode())
        payload = make_payload(config.producer_id, serial)
    label = config.visible_label
    key = json.dumps([[r.sha256 for r in refs], params], sort_keys=True, default=str)
    produce_id = hashlib.sha256(key.encode()).hexdigest()[:32]
    aigc = None
    if config.aigc is not None:
        aigc = config.aigc.fields(None)
        if config.aigc.produce_id is None:  # no pixel hash for a lossy clip: its inputs'
            aigc["ProduceID"] = produce_id   # and settings' hash
    tags = {"AIGC": json.dumps(aigc, ensure_ascii=False, separators=(",", ":"))} if aigc else {}
    tags["comment"] = f"painterly {technique}"

    def record(ex: dict[str, Any], sign: SignConfig | None) -> tuple[Provenance, dict[str, Any]]:
        prov = Provenance(technique=technique, inputs=refs, aigc=config.aigc, sign=sign, extra=ex)
        return prov, prov.record(params)

    if fmt != "mp4":  # Matroska: the XMP as a tag, before the frames are known
        tags["XMP"] = build_xmp(aigc, record(_marks(payload, label, None), None)[1])

    def finish_frame(img: np.ndarray) -> np.ndarray:
        if label is not None:
            img = add_label(img, config=label)
        if payload is not None:
            img = embed(img, payload)
        return img

    def blocks(result) -> ClipBlocks:
        ex = _marks(payload, label, result.size)
        ex["video"] = {"frames": result.frames, "fps": round(result.fps, 3),
                       "duration": round(result.duration, 3), "width": result.size[0],
                       "height": result.size[1], "audio": result.audio,
                       "stabilized": result.stabilized}
        if fmt != "mp4":
            return ClipBlocks()
        sign = _sign_config(config)
        prov, rec = record(ex, sign)
        xmp = build_xmp(aigc, rec)
        finish = None
        if sign is not None:
            from painterly.provenance.c2pa_sign import sign_file

            def finish(path: Path) -> None:
                sign_file(path, "MP4", prov)
        return ClipBlocks(xmp=xmp, finish=finish)

    return (finish_frame if (label is not None or payload is not None) else None), tags, blocks


def _marks(payload: bytes | None, label, size: tuple[int, int] | None) -> dict[str, Any]:
    from painterly.provenance.label import label_box

    ex: dict[str, Any] = {}
    if payload is not None:
        ex["watermark"] = {"embedded": True, "payload": payload.hex()}
    if label is not None and size is not None:
        ex["visible_label"] = label_box((size[1], size[0], 3), config=label)
    elif label is not None:
        ex["visible_label"] = True
    return ex


def _sign_config(config: FinishConfig) -> SignConfig | None:
    if not config.sign:
        return None
    from painterly.provenance.finish import _has_c2pa
    from painterly.provenance.keys import key_paths

    paths = key_paths(config.home)
    return SignConfig(paths.folder.parent) if paths.exist() and _has_c2pa() else None


def inspect_clip(path: str | Path, *, anchors: str | None = None, home: Path | None = None,
                 watermark: bool = True) -> dict[str, Any]:
    """Everything painterly can tell about a clip (see :func:`painterly.provenance.inspect`)."""
    from painterly.videoio import read_tags, read_xmp_box, sniff_clip

    path = Path(path)
    with open(path, "rb") as f:
        kind = sniff_clip(f.read(64))
    tags = read_tags(path)
    xmp = read_xmp_box(path) if kind == "mp4" else tags.get("XMP") or tags.get("xmp")
    parsed = parse_xmp(xmp) if xmp else {"ai_label": None, "provenance": None}
    if parsed["ai_label"] is None and tags.get("AIGC"):
        parsed["ai_label"] = _json(tags["AIGC"])
    out: dict[str, Any] = {"format": {"mp4": "MP4", "matroska": "WEBM", "gif": "GIF",
                                      "webp": "WEBP"}.get(kind or "", "clip"),
                           **parsed, "parameters": None}
    out["watermark"] = read_clip_watermark(path) if watermark else None
    out["c2pa"] = _c2pa(path, anchors, home) if kind == "mp4" else None
    prov = out["provenance"] or {}
    if "video" in prov:
        out["video"] = prov["video"]
    return out


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {"raw": text}


def read_clip_watermark(path: str | Path, *, frames: int = WATERMARK_FRAMES) -> dict[str, Any]:
    """The watermark of a clip: ``frames`` frames spread over it are averaged (the mark adds
    up, the moving pictures blur out) and the average is searched, then each frame alone; the
    most confident detection wins."""
    from painterly.videoio import ClipReader
    from painterly.watermark import detect

    picked: list[np.ndarray] = []
    with ClipReader(path) as rd:
        every = max(1, (rd.expected_frames() or frames) // frames)
        seen = 0
        for kind, item in rd.events():
            if kind != "video":
                continue
            if seen % every == 0:
                picked.append(item.image)
                if len(picked) == frames:
                    break
            seen += 1
    if not picked:
        return {"detected": False, "payload": None, "confidence": 0.0, "frames": 0}
    mean = np.mean(np.stack(picked), axis=0, dtype=np.float32)
    best = detect(np.ascontiguousarray(mean))
    if not best.detected:
        for img in picked:
            d = detect(img)
            if d.detected and d.confidence > best.confidence:
                best = d
    return {"detected": bool(best.detected), "payload": best.payload.hex() if best.payload else None,
            "confidence": round(float(best.confidence), 4), "frames": len(picked)}


def _c2pa(path: Path, anchors: str | None, home: Path | None) -> dict[str, Any] | None:
    try:
        import c2pa  # noqa: F401
    except ImportError:
        return {"state": None, "codes": [],
                "note": "C2PA not checked: install the trust extra (pip install 'painterly[trust]')"}
    from painterly.provenance.c2pa_sign import trust_anchors, verify

    with open(path, "rb") as f:
        return verify(f, "MP4", anchors=anchors if anchors is not None else trust_anchors(home))


__all__ = ["AigcConfig", "clip_trust", "inspect_clip", "read_clip_watermark"]
