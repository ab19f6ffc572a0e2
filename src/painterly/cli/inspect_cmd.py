"""`painterly inspect FILE [--json]`: the AI label, provenance, watermark and Content Credentials."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from painterly.cli import app


@app.command("inspect")
def inspect_command(
    file: Path = typer.Argument(..., help="A PNG, JPEG or WebP file, or a clip (MP4, WebM, GIF)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    anchors: Path = typer.Option(None, "--trust", help="PEM root certificate(s) to trust for "
                                 "C2PA (default: painterly's own root, see 'painterly keys init')."),
) -> int:
    """Show what a file says about itself: AI label, provenance, watermark, C2PA state."""
    from painterly.provenance.readback import inspect

    info = inspect(file, anchors=anchors.read_text() if anchors else None)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    label, prov, wm, c = info["ai_label"], info["provenance"], info["watermark"] or {}, info["c2pa"]
    lines = [f"{file} ({info['format']})"]
    if info.get("verdict"):
        lines.append(info["verdict"])
    lines += [
             "AI label: " + ("none" if not label else
                             ("AI-generated" if label.get("Label") == "1" else f"Label {label.get('Label')}")
                             + f", producer {label.get('ContentProducer')!r}, id {label.get('ProduceID')}")]
    if prov:
        keys = ("generator", "technique", "style", "model", "seed", "prompt")
        lines.append("provenance: " + ", ".join(f"{k} {prov[k]}" for k in keys if k in prov))
        lines += [f"  input {i['role']}: sha256 {i['sha256']}" for i in prov.get("inputs", [])]
        lines += [f"{k} (recorded): {json.dumps(prov[k], ensure_ascii=False)}"
                  for k in ("subject", "attribution", "safety", "watermark", "visible_label") if k in prov]
    else:
        lines.append("provenance: none")
    lines.append("watermark (in the pixels): " + (wm.get("note") or (
        f"payload {wm['payload']} (confidence {wm['confidence']})" if wm.get("detected")
        else f"not detected (confidence {wm.get('confidence')})")))
    if info.get("video"):
        v = info["video"]
        lines.append(f"clip (recorded): {v.get('frames')} frames, {v.get('width')}x{v.get('height')}, "
                     f"{v.get('fps')} fps, {v.get('duration')} s, audio {v.get('audio')}, "
                     f"stabilised {'yes' if v.get('stabilized') else 'no'}")
    lines.append("C2PA: " + ("no manifest" if c is None else c.get("note") or
                 c["state"] + (f" ({', '.join(c['codes'])})" if c.get("codes") else "")))
    typer.echo("\n".join(lines))
    return 0
