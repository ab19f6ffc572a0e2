"""`painterly demo`: the main job on sample photos that ship with scikit-image, plus an HTML page."""

from __future__ import annotations

import html
from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import progress_bar, result
from painterly.samples import SAMPLES


@app.command("demo")
def demo_command(
    output: Path = typer.Option(Path("painterly-demo"), "-o", "--output", help="Output folder."),
    styles: list[str] = typer.Option(None, "--style", help="Styles to show (default: all)."),
    photos: list[str] = typer.Option(None, "--photo", help=f"Sample photos: {', '.join(SAMPLES)} (default: all)."),
    max_size: int = typer.Option(640, "--max-size", help="Longer side of the sample photos."),
) -> int:
    """Paint the sample photos in every style and write an HTML page that shows them."""
    from painterly.engine import stylize
    from painterly.io import resize_max
    from painterly.provenance.artwork import save_artwork
    from painterly.provenance.record import Provenance
    from painterly.samples import sample_photo
    from painterly.sheet import contact_sheet  # OpenCV: loaded by the command, not by --help
    from painterly.styles import get_style, list_styles

    chosen = [get_style(s) for s in styles] if styles else list_styles()
    names = photos or list(SAMPLES)
    imgs = {n: resize_max(sample_photo(n), max_size) for n in names}
    output.mkdir(parents=True, exist_ok=True)
    rows = []
    with progress_bar(len(names) * len(chosen), "demo") as step:
        for n, img in imgs.items():
            save_artwork(img, output / f"{n}.jpg",  # the sample photo itself: no AI label
                       metadata={"provenance": Provenance(technique="sample photo", aigc=None)})
            cells = [(n, f"{n}.jpg", "photo")]
            items = [("photo", img)]
            for s in chosen:
                art = stylize(img, s.name)
                save_artwork(art, output / f"{n}-{s.name}.jpg", quality=90)
                cells.append((s.name, f"{n}-{s.name}.jpg", s.description))
                items.append((s.name, art))
                step()
            save_artwork(contact_sheet(items, cell=256), output / f"{n}-sheet.jpg", quality=88)
            rows.append((n, cells))
    page = output / "index.html"
    page.write_text(_page(rows), encoding="utf-8")
    result(f"wrote {len(names) * len(chosen)} artworks and {page}")
    return 0


def _page(rows) -> str:
    parts = [
        "<!doctype html><meta charset='utf-8'><title>painterly demo</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:24px;background:#fafafa}"
        "figure{display:inline-block;margin:6px;width:300px;vertical-align:top}"
        "img{width:300px;border-radius:4px;box-shadow:0 1px 4px #0003}"
        "figcaption{font-size:13px;color:#333}h2{margin-top:32px}</style>",
        "<h1>painterly demo</h1><p>Each sample photo painted in every style, side by side.</p>",
    ]
    for name, cells in rows:
        parts.append(f"<h2>{html.escape(name)}</h2><div>")
        for label, file, desc in cells:
            parts.append(
                f"<figure><img src='{html.escape(file)}' alt='{html.escape(label)}' loading='lazy'>"
                f"<figcaption><b>{html.escape(label)}</b> — {html.escape(desc)}</figcaption></figure>"
            )
        parts.append("</div>")
    return "\n".join(parts)
