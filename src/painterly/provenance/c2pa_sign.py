"""C2PA Content Credentials with c2pa-python: sign encoded bytes, verify them offline.

The manifest says what the C2PA spec asks of generative output: one ``c2pa.created`` action with
digital source type ``trainedAlgorithmicMedia``, painterly as the software agent, and the inputs
(photo, style image ...) as ingredients with relationship ``inputTo``. The ingredients are
described, not embedded: their title and sha256 only, no thumbnail and none of their metadata
(thumbnails are switched off for the same reason). Verification is offline: painterly's root
certificate is the trust anchor, OCSP and remote manifests are never fetched.

Needs the ``trust`` extra (``c2pa-python``, ``cryptography``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from painterly.errors import InputError, MissingExtraError
from painterly.provenance.record import Provenance

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "MP4": "video/mp4"}
#: The ``alg`` of painterly's ``c2pa.soft-binding`` assertion: its invisible watermark, version 1
#: (docs/watermark.md). Not (yet) an entry of the C2PA soft-binding algorithm list.
SOFT_BINDING_ALG = "org.painterly.watermark.1"
#: Reading settings: no network at all (OCSP, remote manifests), trust from the given anchors.
_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}


def _c2pa():
    try:
        import c2pa
    except ImportError:
        raise MissingExtraError("trust", "c2pa-python") from None
    return c2pa


def manifest_definition(prov: Provenance, fmt: str) -> dict[str, Any]:
    from painterly import __version__

    agent = {"name": "painterly", "version": __version__}
    assertions: list[dict[str, Any]] = [{
        "label": "c2pa.actions",
        "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
            "softwareAgent": agent,
        }]},
    }]
    wm = prov.extra.get("watermark")
    if isinstance(wm, dict) and wm.get("embedded") and wm.get("payload"):
        # The watermark as a soft binding (C2PA 2.x, 18.7): what is left to look the manifest
        # up by when a re-save strips it. The value is the 48-bit payload in hex (16-bit
        # producer id, 32-bit serial or job id); it covers the whole picture.
        from painterly.watermark import PUBLIC_KEY

        assertions.append({"label": "c2pa.soft-binding", "data": {
            "alg": SOFT_BINDING_ALG,
            "alg_params": f"key={PUBLIC_KEY}; payload=producer16,serial32",
            "name": "painterly invisible watermark: 48-bit payload (producer id, serial)",
            "blocks": [{"scope": {}, "value": wm["payload"]}],
            "pad": [],
        }})
    return {
        "claim_generator_info": [agent],
        "title": f"painterly {prov.technique or 'image'}",
        "format": MIME[fmt],
        "ingredients": [
            {"title": i.name or f"{i.role} input", "format": i.fmt or "application/octet-stream",
             "relationship": "inputTo", "instance_id": f"sha256:{i.sha256}",
             "label": f"painterly.{i.role}"}
            for i in prov.inputs
        ],
        "assertions": assertions,
    }


def sign_bytes(data: bytes, fmt: str, prov: Provenance) -> bytes:
    """``data`` (an encoded PNG/JPEG/WebP) with a C2PA manifest, signed with ``prov.sign``'s keys."""
    out = io.BytesIO()
    sign_stream(io.BytesIO(data), out, fmt, prov)
    return out.getvalue()


def sign_file(path: Path, fmt: str, prov: Provenance) -> None:
    """Sign the file at ``path`` in place (an MP4: streamed from file to file, never in memory),
    through a temporary file beside it that replaces it."""
    import os

    tmp = path.with_name(path.name + ".c2pa")
    try:
        with open(path, "rb") as src, open(tmp, "w+b") as dst:
            sign_stream(src, dst, fmt, prov)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def sign_stream(src, dst, fmt: str, prov: Provenance) -> None:
    """Read ``src`` (binary stream), write it signed to ``dst`` (binary stream)."""
    c2pa = _c2pa()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from painterly.provenance.keys import key_paths

    assert prov.sign is not None
    paths = key_paths(prov.sign.home)
    if not paths.exist():
        raise InputError(f"{paths.folder}: no signing keys; create them with 'painterly keys init' "
                         "or skip signing with --no-sign")
    key = serialization.load_pem_private_key(paths.key.read_bytes(), None)

    def sign(payload: bytes) -> bytes:  # ES256 over the claim, done in-process by cryptography
        return key.sign(payload, ec.ECDSA(hashes.SHA256()))

    ctx = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                  "verify": {**_OFFLINE, "verify_after_sign": False}})
    with c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ES256, paths.chain.read_text(), None) \
            as signer, c2pa.Builder(manifest_definition(prov, fmt), ctx) as builder:
        builder.sign(signer, MIME[fmt], src, dst)


def finish_bytes(data: bytes, fmt: str, prov: Provenance) -> bytes:
    """The encoder's last step: sign when the provenance asks for it, else the bytes unchanged."""
    return data if prov.sign is None else sign_bytes(data, fmt, prov)


def verify(data, fmt: str, *, anchors: str | None = None) -> dict[str, Any] | None:
    """Offline C2PA verification: ``None`` when the file has no manifest, else
    ``{"state": "Valid" | "Trusted" | "Invalid", "codes": [failure codes], "actions": [...]}``.

    ``anchors``: PEM root certificates to trust (painterly's root); without it a well-signed
    file is ``Valid`` (intact, signer not trusted) at best.
    """
    c2pa = _c2pa()
    settings: dict[str, Any] = {"verify": {**_OFFLINE}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors}
    ctx = c2pa.Context.from_dict(settings)
    try:
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        with c2pa.Reader(MIME[fmt], stream, context=ctx) as reader:
            state = reader.get_validation_state()
            results = reader.get_validation_results() or {}
            manifest = json.loads(reader.json())
    except c2pa.C2paError as e:
        if "ManifestNotFound" in type(e).__name__ or "no JUMBF" in str(e) or "NotFound" in str(e):
            return None
        return {"state": "Invalid", "codes": [type(e).__name__], "error": str(e)}
    return {"state": state, "codes": failure_codes(results), **_summary(manifest)}


def failure_codes(results: dict[str, Any]) -> list[str]:
    codes = []
    for part in (results.get("activeManifest") or {}, *(results.get("ingredientDeltas") or [])):
        for item in part.get("failure", []) if isinstance(part, dict) else []:
            codes.append(item.get("code", ""))
    return codes


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    active = (manifest.get("manifests") or {}).get(manifest.get("active_manifest") or "", {})
    actions = []
    for a in active.get("assertions", []):
        if a.get("label", "").startswith("c2pa.actions"):
            actions += [{"action": x.get("action"), "digitalSourceType": x.get("digitalSourceType")}
                        for x in a.get("data", {}).get("actions", [])]
    soft = [{"alg": a["data"].get("alg"), "value": b.get("value")}
            for a in active.get("assertions", [])
            if a.get("label", "").startswith("c2pa.soft-binding") and isinstance(a.get("data"), dict)
            for b in a["data"].get("blocks") or [] if isinstance(b, dict)]
    sig = active.get("signature_info") or {}
    return {"actions": actions, "soft_bindings": soft,
            "ingredients": [{"title": i.get("title"), "relationship": i.get("relationship"),
                             "instance_id": i.get("instance_id")}
                            for i in active.get("ingredients", [])],
            "signer": sig.get("common_name") or sig.get("issuer")}


def trust_anchors(home: Path | None = None) -> str | None:
    """painterly's root certificate (PEM) when ``painterly keys init`` has made one."""
    from painterly.provenance.keys import key_paths

    p = key_paths(home).root_cert
    return p.read_text() if p.is_file() else None
