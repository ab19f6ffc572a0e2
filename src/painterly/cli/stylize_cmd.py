"""`painterly stylize`: photos (files or folders) to art, with a progress bar for batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from painterly.cli import app
from painterly.cli._common import (
    PHOTO_FACES,
    cpu_count,
    expand_inputs,
    note,
    output_paths,
    run_batch,
)
from painterly.cli._trust import (
    ATTRIBUTE,
    CHECK_SUBJECT,
    NO_SIGN,
    NO_WATERMARK,
    VISIBLE_LABEL,
    finish_config,
)
from painterly.errors import InputError


@app.command("stylize")
def stylize_command(
    inputs: list[Path] = typer.Argument(..., help="Photos or folders of photos."),
    output: str = typer.Option(..., "-o", "--output", help="Output file (one input: .png, .jpg "
                               "or .webp) or folder (several inputs, or a name ending in '/')."),
    style: list[str] = typer.Option(
        ["cartoon"], "--style", "-s",
        help="Style name (see 'painterly styles'), or the path of any painting; repeat with "
             "weights to blend: --style starry.jpg:0.7 --style wave.jpg:0.3"),
    strength: float = typer.Option(None, "--strength", help="0 = the photo, 1 = the full style (default 1; "
                                   "with --img2img the model's image-to-image default, about 0.5-0.6)."),
    max_size: int = typer.Option(None, "--max-size", help="Downscale so the longer side is at most N px."),
    seed: int = typer.Option(0, "--seed", help="Seed for random elements (same seed, same result)."),
    voice: Path = typer.Option(None, "--voice", help="Recording of a spoken prompt (WAV/FLAC/OGG): "
                               "its words choose the style, instead of --style."),
    prompt: str = typer.Option(None, "--prompt", "-p", help="Describe the style in words, any "
                               "language ('dreamy watercolor', '水墨'): the best-matching styles "
                               "are chosen and blended, instead of --style."),
    img2img: str = typer.Option(None, "--img2img", help="With --prompt: repaint with this local "
                                "diffusion model (image to image) instead of choosing styles."),
    preserve_color: bool = typer.Option(False, "--preserve-color", help="Neural styles: keep the photo's colours, transfer texture only."),
    style_scale: float = typer.Option(1.0, "--style-scale", help="Neural styles: brush-stroke size, 1 = as trained, 2 = twice as large."),
    tile: int = typer.Option(None, "--tile", help="Neural styles: tile size in px for huge images (0 = never tile)."),
    portrait: bool = typer.Option(None, "--portrait/--no-portrait", help="Neural styles: protect "
                                  "faces (half the style inside each face, feathered), so people stay "
                                  "recognisable (default: on for built-in styles, off for paintings)."),
    skip_existing: bool = typer.Option(
        False, "--skip-existing", help="Folders: skip the outputs that are already complete (same "
        "photo, style and settings, as their provenance records), e.g. to finish an "
        "interrupted batch."),
    png_compression: str = typer.Option(
        "fast", "--png-compression", help="fast: write PNGs fast; small: the smallest files "
        "(often 5-15 % smaller, tens of times slower)."),
    visible_label: bool = VISIBLE_LABEL,
    no_sign: bool = NO_SIGN,
    no_watermark: bool = NO_WATERMARK,
    check_subject: bool = CHECK_SUBJECT,
    attribute: bool = ATTRIBUTE,
    start: float = typer.Option(None, "--start", help="Clips: paint from this time (seconds)."),
    end: float = typer.Option(None, "--end", help="Clips: paint up to this time (seconds)."),
    fps: float = typer.Option(None, "--fps", help="Clips: at most this many frames per second "
                              "(lowers the rate; never raises it)."),
    stabilize: bool = typer.Option(
        None, "--stabilize/--no-stabilize", help="Clips: flow-guided temporal stabiliser "
        "against flicker (default: on for neural styles, off for filters)."),
) -> int:
    """Turn photos into art in the given style, a painting's style, or the style your words describe.

    A clip (MP4/MOV, WebM, animated GIF or WebP) is painted frame by frame into a clip (-o
    out.mp4, .webm, .gif or .webp), keeping its frame rate, duration and sound."""
    from painterly.styles import check_strength

    img2img_strength = strength  # None: the diffusion model's own default (cli/_prompt.py)
    strength = 1.0 if strength is None else strength
    check_strength(strength)
    if png_compression not in ("fast", "small"):
        raise InputError(f"--png-compression must be fast or small, got {png_compression!r}")
    finish = finish_config(visible_label, no_sign, no_watermark, check_subject, attribute)
    if voice is not None and prompt is not None:
        raise InputError("give --voice or --prompt, not both")
    out_arg, output = output, Path(output)  # the text keeps a trailing '/' (a folder)
    clip_only = {"--start": start, "--end": end, "--fps": fps, "--stabilize": stabilize}
    if len(inputs) == 1 and _is_clip(inputs[0]):
        from painterly.cli._clip import stylize_clip_command

        options = {k: v for k, v in (("preserve_color", preserve_color or None),
                                     ("style_scale", None if style_scale == 1.0 else style_scale),
                                     ("tile", tile)) if v is not None}
        return stylize_clip_command(
            inputs[0], output, style=style, prompt=prompt, voice=voice, img2img=img2img,
            strength=strength, seed=seed, max_size=max_size, start=start, end=end, fps=fps,
            stabilize=stabilize, options=options, finish=finish)
    given = [k for k, v in clip_only.items() if v is not None]
    if given:
        raise InputError(f"{', '.join(given)} apply to clips (MP4/MOV, WebM, animated GIF or "
                         "WebP); the input is not one")
    if voice is not None:  # speech -> text (painterly.speech) -> styles (painterly.text)
        from painterly.cli.listen_cmd import stylize_by_voice

        return stylize_by_voice(inputs, output, voice, strength=img2img_strength, seed=seed,
                                max_size=max_size, img2img=img2img, finish=finish)
    if prompt is not None or img2img is not None:  # words -> styles (painterly.text)
        from painterly.cli._prompt import stylize_by_prompt

        if prompt is None:
            raise InputError("--img2img needs --prompt: the words the model paints from")
        return stylize_by_prompt(inputs, output, prompt, strength=img2img_strength, seed=seed,
                                 max_size=max_size, img2img=img2img, finish=finish)
    files = expand_inputs(inputs)
    # unknown names and missing files fail before any work; first, so that the networks' warm
    # thread starts before the imports below (on a 2-core machine they run side by side)
    style_arg, label, family, paintings = _style_arg(style, style_scale)
    from painterly.engine import stylize
    from painterly.io import load_image

    options = {}  # only what the user set, so that filter styles never see neural-only options
    if preserve_color:
        options["preserve_color"] = True
    if style_scale != 1.0:
        options["style_scale"] = style_scale
    if tile is not None:
        options["tile"] = tile
    if portrait is not None:
        options["portrait"] = portrait
    outs = output_paths(files, out_arg, label)
    meta = {"style": label, "strength": strength, "seed": seed, **options}
    if max_size is not None:
        meta["max_size"] = max_size
    style_files = {f"style{i or ''}": p for i, p in enumerate(paintings)}  # hashed, never copied
    if skip_existing:
        files, outs = _skip_done(files, outs, output, meta, style_files)
        if not files:
            return 0

    def load(src: Path):
        return load_image(src, max_size=max_size)

    # a style with a people step gets the photo's faces from here, and the face guard reuses
    # them (painterly.provenance.people): the photo is searched once
    find = _face_finder(style_arg, family, portrait) \
        if portrait is not False or (finish is not None and finish.faces) else None

    def paint(img):
        if find is None:
            return stylize(img, style_arg, strength=strength, seed=seed, **options), meta
        faces = find(img)
        art = stylize(img, style_arg, strength=strength, seed=seed, faces=faces, **options)
        return art, {**meta, PHOTO_FACES: faces}

    # filters paint on every core at once (their OpenCV/numpy calls release the GIL); a network
    # already uses every core, so it paints one image at a time while others are read and written
    painters = cpu_count() if family == "filter" else 1
    return run_batch(files, outs, output, f"stylize: {label}", paint, load=load, painters=painters,
                     png_compression=png_compression, finish=finish, inputs=style_files,
                     resume_hint="run the same command with --skip-existing to paint the rest")


_CLIP_OUT = (".mp4", ".webm", ".gif")


def _is_clip(path: Path) -> bool:
    """A clip by content (MP4/MOV, Matroska/WebM, animated GIF/WebP); a video file name whose
    content is not one is refused by the clip reader with the reason, not read as a photo."""
    if not path.is_file():
        return False
    from painterly.videoio import CLIP_SUFFIXES, is_clip

    if path.suffix.lower() in (CLIP_SUFFIXES - {".gif", ".webp"}):
        return True  # the reader says what is wrong with it (empty, truncated, audio only)
    return is_clip(path)


def _skip_done(files: list[Path], outs: list[Path], output: Path, meta: dict,
               style_files: dict) -> tuple[list[Path], list[Path]]:
    """--skip-existing: leave out the pictures whose output is already complete."""
    from painterly.provenance.readback import painted_from

    todo = [(f, o) for f, o in zip(files, outs)
            if not painted_from(o, {"photo": f, **style_files}, meta)]
    skipped = len(files) - len(todo)
    if skipped:
        note(f"painterly: note: {skipped} of {len(files)} already painted in {output}: skipped"
             + ("" if todo else "; nothing left to do"), highlight=False)
    return [f for f, _ in todo], [o for _, o in todo]


def _face_finder(style_arg, family: str, portrait: bool | None = None) -> Callable | None:
    """``find(photo) -> faces`` when the style takes the photo's faces (the filters' people
    steps, a neural style's portrait option), else None (the face guard then searches the
    photo itself, boxes only). ``portrait`` None: the style's default (on for built-ins)."""
    if isinstance(style_arg, str):  # a named style (else a painting or a blend: transfer)
        from painterly.styles import get_style, takes_option

        spec = get_style(style_arg)
        on = family == "filter" or (spec.family == "neural" if portrait is None else portrait)
        if not on or not takes_option(spec, "faces"):
            return None
    elif not portrait:
        return None
    from painterly.faces import find_faces
    from painterly.provenance.people import search_side

    return lambda img: find_faces(img, max_side=search_side(img.shape))


_BUILTIN = ("multistyle26",)
_ARBITRARY = ("arbitrary_predict", "arbitrary_transform")


def _warm_in_background(models: tuple[str, ...]) -> Callable[[list], None]:
    """Load onnxruntime and the network sessions on another core while the inputs are read.

    Returns ``embed(tasks)``: hand it ``(painting, style_scale)`` pairs (or ``[]``) once the
    paintings are read; the same thread then predicts their style vectors into the cache that
    the painting step reads, so the photo's decoding and the predictor overlap."""
    import contextlib
    import queue
    import threading

    tasks: queue.SimpleQueue = queue.SimpleQueue()

    def warm():
        # errors: the same calls in the painting step report them; queue.Empty: the command
        # failed before it read the paintings (nothing waits for this thread)
        with contextlib.suppress(Exception):
            from painterly.faces import _nets
            from painterly.neural import networks
            from painterly.neural.sessions import import_onnxruntime

            import_onnxruntime()  # first: it is what the sessions wait for

            networks.warm_sessions(models)
            _nets.warm()  # the face guard's, after the style network's
            from painterly.neural.feedforward import style_embedding

            for image, scale in tasks.get(timeout=60):
                style_embedding(image, style_scale=scale)

    threading.Thread(target=warm, name="painterly-warm", daemon=True).start()
    return tasks.put


def _warm_faces() -> None:
    """A filter's people step and the face guard need onnxruntime and the face networks:
    their first-use cost (import and sessions, 0.3-0.6 s on a loaded 2-core machine) runs on
    another core while the photo is read and the filter's modules are imported."""
    import contextlib
    import threading

    def warm():
        with contextlib.suppress(Exception):  # the same calls report their errors when used
            from painterly.faces import _nets
            from painterly.neural.sessions import import_onnxruntime

            import_onnxruntime()
            _nets.warm()

    threading.Thread(target=warm, name="painterly-warm-faces", daemon=True).start()


def _style_arg(styles: list[str], style_scale: float = 1.0):
    """CLI --style values -> (argument for stylize, label for file names and metadata, family,
    the paths of the paintings used as styles). Starts the networks' warm thread (after numpy is
    loaded here, by painterly.styles: two threads importing numpy at once can break its import)."""
    from painterly.styles import get_style

    if len(styles) == 1 and ":" not in styles[0] and not Path(styles[0]).is_file():
        spec = get_style(styles[0])
        if styles[0].strip() != spec.name:  # an alias or another spelling: say which style
            note(f"painterly: note: style {styles[0]!r} is {spec.name!r}", highlight=False)
        if spec.family != "filter":
            _warm_in_background(_BUILTIN if spec.family == "neural" else _ARBITRARY)([])
        else:
            _warm_faces()
        return spec.name, spec.name, spec.family, []
    from painterly.style_args import parse_style_arg

    items = [parse_style_arg(s) for s in styles]
    # started before the painting is read and before feedforward's imports: they run side by side
    embed = _warm_in_background(
        _ARBITRARY if any(Path(src).is_file() for src, _ in items) else _BUILTIN)
    from painterly.neural.feedforward import _resolve

    try:
        # validates names, files and weights up front, and reads each painting once for the batch
        resolved = _resolve([(src, w) for src, w in items])
    except BaseException:
        embed([])  # the warm thread never waits for paintings that were not read
        raise
    embed([(r.image, style_scale) for r in resolved if r.image is not None])
    label = "+".join(Path(src).stem if Path(src).is_file() else src for src, _ in items)
    arg = [(src if r.image is None else r.image, w) for (src, w), r in zip(items, resolved)]
    paintings = [Path(src) for (src, _), r in zip(items, resolved) if r.image is not None]
    if len(arg) == 1 and resolved[0].image is not None:
        return arg[0][0], label, "neural", paintings
    return arg, label, "neural", paintings
