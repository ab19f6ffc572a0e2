"""One call per result, on every path (CLI, Python API, service): the trust steps in order.

1. safety check (optional extra): flag and blur, decision recorded;
2. subject drift: the photo's faces still faces at the same places in the result (on by
   default: tens of ms, :mod:`painterly.provenance.people`), the classifier's category of the
   input photo vs the result (when asked), and, when asked, the closest built-in style;
3. visible label (when asked for);
4. invisible watermark (on by default), last, so that it covers the label too;
5. the :class:`Provenance` that :mod:`painterly.io`'s encoder turns into the XMP label and the
   C2PA manifest (signed when keys exist and signing is not switched off).

``finish_artwork`` returns ``(image, metadata)``: pass both to :func:`painterly.provenance.save_artwork`
or :func:`painterly.provenance.encode_artwork`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from painterly.provenance.label import LabelConfig, add_label, label_box
from painterly.provenance.record import AigcConfig, Provenance, SignConfig, input_ref


@dataclass(frozen=True)
class FinishConfig:
    """Which trust steps run on a result. Defaults: what the CLI does without flags."""

    watermark: bool = True  # invisible payload on every output (--no-watermark to skip)
    producer_id: int = 0  # watermark payload: who made it (a service sets its own)
    serial: int | None = None  # watermark payload: job/serial id; None: from the pixels' hash
    visible_label: LabelConfig | None = None  # None: no visible label (CLI default; service: on)
    sign: bool = True  # C2PA-sign when keys exist (--no-sign to skip)
    home: Path | None = None  # where the keys are; None: $PAINTERLY_HOME or the config folder
    drift: bool = False  # compare the subject's category of the photo and the result: off on
    #                     the CLI unless --check-subject (loading the classifier costs seconds per
    #                     process); on in the service, whose workers keep the model loaded
    faces: bool = True  # the photo's faces searched in the result (found, kept, lost, new):
    #                    tens of ms at 1024 px, so on every result by default
    safety: bool | None = None  # nudity check, flag and blur; None: when painterly[safety]
    #                             (AGPL model, optional) is installed
    attribution: bool = False  # closest built-in style in the provenance (first call renders
    #                            every built-in style once per process: seconds)
    aigc: AigcConfig = field(default_factory=AigcConfig)  # the TC260 label's producer and ids


def finish_artwork(
    image: np.ndarray,
    *,
    params: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
    technique: str = "",
    config: FinishConfig = FinishConfig(),
    photo: np.ndarray | None = None,
    photo_faces: Sequence | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Apply the trust steps to a contract image and build the metadata to save it with.

    ``inputs`` maps a role ("photo", "style", "init", "mask" ...) to a path, bytes or contract
    array: only its sha256 is recorded (and named as a C2PA ingredient), never its content or
    metadata. ``photo`` (contract array) is the picture the drift guard compares with; by default
    the "photo" input is loaded. ``photo_faces``: the faces already found in ``photo`` (a
    filter's people step, :func:`painterly.provenance.people.photo_faces`), so that the face
    guard does not search the photo again. Returns ``(image, metadata)`` for
    :func:`painterly.provenance.save_artwork`;
    ``metadata["provenance"].extra`` holds ``subject``, ``safety``, ``watermark``, ``visible_label``.
    """
    from painterly.io import load_image

    params = dict(params or {})
    refs = tuple(input_ref(role, src) for role, src in (inputs or {}).items() if src is not None)
    extra: dict[str, Any] = {}
    out = image

    # 1. safety
    from painterly.provenance import safety

    if config.safety or (config.safety is None and safety.available()):
        out, extra["safety"] = safety.check_and_blur(out)
    # 2. subject drift: "checked", "note" or the classifier's verdict; "faces"; "drifted"
    has_photo = photo is not None or (inputs or {}).get("photo") is not None
    if has_photo and (config.drift or config.faces):
        ref = photo if photo is not None else load_image((inputs or {})["photo"])
    if has_photo:
        if config.drift:
            from painterly.provenance.drift import check_drift

            subject = check_drift(ref, out)
            if "input" in subject:  # the classifier's own verdict, beside the overall one
                subject["group_drifted"] = bool(subject["drifted"])
        else:
            subject = {"checked": False, "note": "classifier not checked (not asked: --check-subject)"}
        subject["faces"] = _check_faces(ref, out, photo_faces) if config.faces else \
            {"checked": False, "note": "not asked"}
        subject["drifted"] = bool(subject.get("drifted")) or bool(subject["faces"].get("changed"))
        extra["subject"] = subject
    if config.attribution:
        from painterly.provenance.attribution import NOTE, attribute

        extra["attribution"] = {"top": attribute(out)[0], "reference": NOTE}
    # 3. visible label
    if config.visible_label is not None:
        out = add_label(out, config=config.visible_label)
        extra["visible_label"] = label_box(out.shape, config=config.visible_label)
    # 4. watermark
    if config.watermark:
        out, extra["watermark"] = _watermark(out, config)
    # 5. provenance for the encoder
    sign = None
    if config.sign:
        from painterly.provenance.keys import key_paths

        if key_paths(config.home).exist() and _has_c2pa():
            sign = SignConfig(key_paths(config.home).folder.parent)
    prov = Provenance(technique=technique, inputs=refs, aigc=config.aigc, sign=sign, extra=extra)
    return out, {**params, "provenance": prov}


def prepare_finish(config: FinishConfig = FinishConfig()) -> None:
    """Load ahead what :func:`finish_artwork` and the encoder will use with ``config``: their
    modules and the watermark key's pattern (cached per process, read-only). Optional: a command
    calls it on a thread while its first picture is read and painted, which took 20-30 ms of
    first-use cost off a one-photo run's critical path (2-core Xeon, 2026-12-02)."""
    from painterly import _png  # noqa: F401
    from painterly.provenance import c2pa_sign, safety, xmp  # noqa: F401

    if config.watermark:
        from painterly.watermark.config import WatermarkConfig
        from painterly.watermark.pattern import layout

        layout(WatermarkConfig())


def _check_faces(photo: np.ndarray, result: np.ndarray, faces: Sequence | None) -> dict[str, Any]:
    """The face guard's verdict; "not checked" with the reason when its models are missing."""
    from painterly.errors import MissingExtraError, ModelMissingError
    from painterly.provenance.people import check_faces

    try:
        return check_faces(photo, result, faces=faces)
    except (MissingExtraError, ModelMissingError) as e:
        return {"checked": False, "note": f"not checked: {' '.join(str(e).split())}"}


def _has_c2pa() -> bool:
    try:
        import c2pa  # noqa: F401
    except ImportError:
        return False
    return True


def _watermark(image: np.ndarray, config: FinishConfig) -> tuple[np.ndarray, dict[str, Any]]:
    from painterly.watermark import embed_checked, make_payload

    serial = config.serial
    if serial is None:  # deterministic: the same result gets the same id. CRC-32 (32 bits are
        # all the payload keeps) of every 4th pixel of every 4th row: any real change of a result
        # reaches them, and it costs 1 ms at 2 MP where sha256 of every pixel cost 19 ms
        serial = zlib.crc32(np.ascontiguousarray(image[::4, ::4]).data)
    payload = make_payload(config.producer_id, serial)
    # Read back before it is recorded: a thumbnail too small, or a picture too flat or
    # saturated to carry the mark readably, is saved without it and said so.
    done = embed_checked(image, payload)
    if not done.embedded:
        return image, {"embedded": False, "reason": done.reason}
    return done.image, {"embedded": True, "payload": payload.hex()}


def watermark_note(metadata: dict[str, Any]) -> str | None:
    """The CLI's one-line note when the watermark could not be embedded readably."""
    prov = metadata.get("provenance")
    wm = prov.extra.get("watermark") if isinstance(prov, Provenance) else None
    if isinstance(wm, dict) and wm.get("embedded") is False:
        return f"no invisible watermark in this picture: {wm.get('reason')}"
    return None


def drift_warning(metadata: dict[str, Any]) -> str | None:
    """The CLI's one-line warning when the result's subject is not the photo's: the
    classifier's group changed, or a face of the photo was lost, or a new one appeared."""
    prov = metadata.get("provenance")
    subject = prov.extra.get("subject") if isinstance(prov, Provenance) else None
    if not (isinstance(subject, dict) and subject.get("drifted")):
        return None
    parts = []
    if subject.get("group_drifted"):
        parts.append(f"the photo shows {subject['input']}, the result looks like "
                     f"{subject['output']}")
    faces = subject.get("faces") or {}
    if faces.get("lost"):
        parts.append(f"{faces['lost']} of the photo's {faces['found']} face"
                     f"{'s' if faces['found'] > 1 else ''} lost (at "
                     + ", ".join(_where(b) for b in faces["lost_boxes"][:3])
                     + (" ..." if faces["lost"] > 3 else "") + ")")
    if faces.get("new"):
        parts.append(f"{faces['new']} new face{'s' if faces['new'] > 1 else ''} in the result "
                     "(at " + ", ".join(_where(b) for b in faces["new_boxes"][:3])
                     + (" ..." if faces["new"] > 3 else "") + ")")
    return "warning: the subject changed: " + "; ".join(parts) if parts else None


def _where(box) -> str:
    x0, y0, x1, y1 = box
    return f"x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f}"
