"""Painting clips: reader/writer (painterly.videoio), stylize_clip, the CLI, trust, bad input.

Every clip is made here from a test photo with real codecs (tests/_clips.py: H.264/AAC in MP4,
VP9/Opus in WebM, AV1 in MKV, GIF, animated WebP)."""

from __future__ import annotations

import json
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

av = pytest.importorskip("av")

from _clips import make_clip, probe  # noqa: E402

from painterly.cli import main  # noqa: E402
from painterly.errors import CancelledError, InputError  # noqa: E402
from painterly.io import resize_max  # noqa: E402
from painterly.video.clip import stylize_clip  # noqa: E402
from painterly.videoio import ClipLimits, ClipReader, ClipWriter, read_xmp_box  # noqa: E402


def invert(x):
    return np.ascontiguousarray(1.0 - x)


@pytest.fixture(scope="module")
def photo(chelsea):
    return resize_max(chelsea, 400)


@pytest.fixture
def clip(tmp_path, photo):
    return make_clip(tmp_path / "in.mp4", photo, seconds=1.0, fps=24, size=(160, 120))


def _no_leftovers(folder, keep=()):
    names = sorted(p.name for p in folder.iterdir() if p.name not in keep)
    assert not [n for n in names if n.startswith(".") or n.endswith((".tmp", ".c2pa"))], names


def _audio_packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]


def test_mp4_round_trip_keeps_rate_duration_and_copies_the_audio(tmp_path, clip):
    out = stylize_clip(clip, tmp_path / "out.mp4", invert)
    src, got = probe(clip), probe(out.path)
    assert got["frames"] == src["frames"] == out.frames == 24
    assert (got["width"], got["height"]) == (160, 120)
    assert got["times"] == pytest.approx(src["times"], abs=1e-3)  # same timestamps: same rate
    assert got["duration"] == pytest.approx(src["duration"], abs=0.05)
    assert out.audio == "copied" and got["audio"] == "aac"
    assert _audio_packets(out.path) == _audio_packets(clip)  # the sound, bit for bit
    # the frames are the painting: inverted (within the codecs' loss)
    diff = np.abs(got["first"].astype(int) - (255 - src["first"].astype(int)))
    assert diff.mean() < 6
    _no_leftovers(tmp_path)


@pytest.mark.parametrize("src_ext,dst_ext,audio", [
    (".webm", ".mp4", "copied"),     # Opus goes into MP4 as it is
    (".mp4", ".webm", "re-encoded"),  # AAC is not WebM's: Opus
    (".mkv", ".webm", "copied"),     # AV1 in, VP9 out
    (".mov", ".gif", "none"),
    (".gif", ".mp4", "none"),
    (".mp4", ".webp", "none"),
])
def test_containers_and_codecs(tmp_path, photo, src_ext, dst_ext, audio):
    src = make_clip(tmp_path / f"in{src_ext}", photo, seconds=0.5, fps=20, size=(96, 64))
    out = stylize_clip(src, tmp_path / f"out{dst_ext}", invert)
    assert out.frames == 10 and out.audio == audio
    if dst_ext == ".webp":  # FFmpeg does not decode animated WebP: Pillow reads it back
        from PIL import Image

        with Image.open(out.path) as im:
            assert im.n_frames == 10 and im.size == (96, 64)
        again = stylize_clip(out.path, tmp_path / "again.mp4", invert)  # and the reader takes it
        assert again.frames == 10
    else:
        got = probe(out.path)
        assert got["frames"] == 10 and (got["width"], got["height"]) == (96, 64)


def test_start_end_fps_and_max_size(tmp_path, photo):
    src = make_clip(tmp_path / "in.mp4", photo, seconds=2.0, fps=24, size=(200, 150))
    out = stylize_clip(src, tmp_path / "part.mp4", invert, start=0.5, end=1.5, fps=12,
                       max_size=101)
    got = probe(out.path)
    assert out.size == (100, 76) and (got["width"], got["height"]) == (100, 76)  # even sides
    assert 11 <= got["frames"] <= 13  # 1 s at 12 fps
    assert got["times"][0] == pytest.approx(0.0, abs=1e-3)  # the part starts the new clip
    assert got["duration"] == pytest.approx(1.0, abs=0.1)
    with av.open(str(out.path)) as c:  # the sound is cut to the part too
        a = c.streams.audio[0]
        assert float(a.duration * a.time_base) == pytest.approx(1.0, abs=0.1)


def test_a_low_fps_is_not_taken_for_a_truncated_file(tmp_path, photo):
    src = make_clip(tmp_path / "in.mp4", photo, seconds=4.0, fps=24, size=(64, 48))
    out = stylize_clip(src, tmp_path / "o.mp4", invert, fps=0.4)  # frames at 0 and 2.5 s
    assert out.frames == 2 and probe(out.path)["frames"] == 2


def test_rotation_is_applied_to_the_pixels(tmp_path, photo):
    src = make_clip(tmp_path / "rot.mp4", photo, seconds=0.25, fps=24, size=(160, 96),
                    rotation=90)
    assert probe(src)["rotation"] == 90
    out = stylize_clip(src, tmp_path / "out.mp4", lambda x: x)
    got, raw = probe(out.path), probe(src)
    assert (got["width"], got["height"]) == (96, 160) and got["rotation"] == 0
    # displayed = the stored picture turned 90 degrees counter-clockwise (FFmpeg's display matrix)
    want = np.rot90(raw["first"], 1).astype(int)
    assert np.abs(got["first"].astype(int) - want).mean() < 4
    assert np.abs(got["first"].astype(int) - np.rot90(raw["first"], -1).astype(int)).mean() > 10


def test_variable_frame_rate_keeps_its_timestamps(tmp_path, photo):
    times = [0.0, 0.04, 0.08, 0.2, 0.24, 0.5, 0.54, 0.58]
    src = make_clip(tmp_path / "vfr.mp4", photo, size=(64, 48), timestamps=times)
    out = stylize_clip(src, tmp_path / "out.mp4", invert)
    assert probe(out.path)["times"] == pytest.approx(probe(src)["times"], abs=2e-3)


def test_odd_size_and_10_bit(tmp_path, photo):
    odd = make_clip(tmp_path / "odd.mp4", photo, seconds=0.25, size=(97, 63), pix_fmt="yuv444p")
    out = stylize_clip(odd, tmp_path / "o.mp4", invert)
    assert out.size == (96, 62)  # 4:2:0 needs even sides: the last column and row go
    deep = make_clip(tmp_path / "10bit.mp4", photo, seconds=0.25, size=(64, 48),
                     pix_fmt="yuv420p10le")
    out = stylize_clip(deep, tmp_path / "d.mp4", invert)
    got = probe(out.path)
    assert got["frames"] == 6
    want = 255 - probe(deep)["first"].astype(int)  # FFmpeg's own 10 -> 8 bit conversion
    assert np.abs(got["first"].astype(int) - want).mean() < 6


def test_hdr_is_refused_with_a_reason(tmp_path, photo):
    src = tmp_path / "hdr.mp4"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p10le"
        s.codec_context.color_trc = 16  # SMPTE ST 2084 (PQ)
        s.codec_context.color_primaries = 9
        s.codec_context.colorspace = 9
        for rgb in __import__("_clips").pan_frames(photo, 6, (64, 48)):
            for p in s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    with pytest.raises(InputError, match="HDR"):
        stylize_clip(src, tmp_path / "o.mp4", invert)
    assert not (tmp_path / "o.mp4").exists()


def _bad(tmp_path, src, match, **kw):
    dst = tmp_path / "out" / "o.mp4"
    with pytest.raises(InputError, match=match):
        stylize_clip(src, dst, invert, **kw)
    assert not dst.exists()
    if dst.parent.exists():
        assert list(dst.parent.iterdir()) == []  # no temporary file either


def test_truncated_clips(tmp_path, photo):
    # moov at the end (FFmpeg's default): cut, the file has no index at all
    src = make_clip(tmp_path / "a.mp4", photo, seconds=1.0, size=(96, 64))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size * 6 // 10])
    _bad(tmp_path, cut, "not a readable clip")
    # WebM (index first): decodes up to the cut, then the reader compares with the header
    web = make_clip(tmp_path / "b.webm", photo, seconds=3.0, size=(96, 64), audio=False)
    cut2 = tmp_path / "cut.webm"
    cut2.write_bytes(web.read_bytes()[: web.stat().st_size // 2])
    _bad(tmp_path, cut2, "truncated|damaged")


def test_audio_only_empty_and_not_a_clip(tmp_path, photo):
    m4a = make_clip(tmp_path / "sound.m4a", photo, seconds=0.5, video=False)
    _bad(tmp_path, m4a, "no video stream")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    _bad(tmp_path, empty, "empty file")
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"this is not a video" * 100)
    _bad(tmp_path, text, "not a readable clip")


def test_zero_frame_clip(tmp_path):
    src = tmp_path / "zero.mp4"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        c.start_encoding()
        for p in s.encode(None):
            c.mux(p)
    # FFmpeg writes a video track without a single sample; it is read as no picture at all
    _bad(tmp_path, src, "no frames|no video stream")


def test_corrupt_frame_mid_clip_gives_a_result_or_a_clear_error(tmp_path, photo):
    src = make_clip(tmp_path / "a.mp4", photo, seconds=2.0, size=(128, 96), audio=False)
    data = bytearray(src.read_bytes())
    mdat = data.find(b"mdat")
    mid = mdat + (len(data) - mdat) // 3  # inside the media data, a third of the way
    data[mid:mid + 400] = bytes(range(256)) + bytes(144)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    dst = tmp_path / "o.mp4"
    try:
        out = stylize_clip(bad, dst, invert)
    except InputError as e:
        assert "damaged" in str(e) or "truncated" in str(e)
        assert not dst.exists()
    else:
        assert probe(dst)["frames"] >= 40  # concealed or left out: the rest is all there
        assert out.frames >= 40


def test_limits_are_checked_before_decoding_and_name_the_limit(tmp_path, photo, clip):
    _bad(tmp_path, clip, "max_seconds", limits=ClipLimits(max_seconds=0.5))
    _bad(tmp_path, clip, "max_side", limits=ClipLimits(max_side=100))  # as an 8K clip would be
    _bad(tmp_path, clip, "max_frames", limits=ClipLimits(max_frames=10))


def test_a_gif_with_5000_frames(tmp_path, photo):
    """A GIF's header does not say how many frames it has: the limit is checked while decoding
    and nothing is left behind; within the limit it is painted whole."""
    gif = make_clip(tmp_path / "long.gif", photo, size=(16, 16), fps=50, seconds=100.0)
    _bad(tmp_path, gif, "max_frames", limits=ClipLimits(max_frames=1000))
    out = stylize_clip(gif, tmp_path / "all.gif", invert)
    assert out.frames == 5000


def test_cancel_and_interrupt_leave_no_file(tmp_path, clip):
    dst = tmp_path / "o.mp4"
    with pytest.raises(CancelledError):
        stylize_clip(clip, dst, invert, progress=lambda done, total: done < 5)

    def ctrl_c(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stylize_clip(clip, dst, ctrl_c)
    assert not dst.exists()
    _no_leftovers(tmp_path, keep={"in.mp4"})


def test_memory_does_not_grow_with_the_clip(tmp_path, photo):
    peaks = []
    for seconds in (1.0, 3.0):
        src = make_clip(tmp_path / f"{seconds}.mp4", photo, seconds=seconds, fps=24,
                        size=(320, 240))
        tracemalloc.start()
        stylize_clip(src, tmp_path / f"o{seconds}.mp4", invert, stabilize=True)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    frame = 320 * 240 * 3 * 4
    assert peaks[1] < peaks[0] * 1.3 + frame, peaks  # 3x the frames, not 3x the memory
    assert peaks[1] < 40 * frame  # a few frames in flight, never the clip


def test_stabiliser_cuts_flicker(tmp_path, photo):
    """A painter that flickers (independent noise per frame, as a network's textures do):
    stabilised, the warping error (Lai et al. 2018) of the written clip drops."""
    from painterly.video import warping_error

    src = make_clip(tmp_path / "in.mp4", photo, seconds=1.0, fps=24, size=(160, 120),
                    audio=False)
    rng = np.random.default_rng(0)

    def noisy(x):
        return np.clip(x + rng.normal(0, 0.08, x.shape).astype(np.float32), 0, 1)

    errs = {}
    inputs = [f.astype(np.float32) / 255 for f in _frames(src)]
    for stab in (False, True):
        out = stylize_clip(src, tmp_path / f"o{stab}.mp4", noisy, stabilize=stab, crf=10)
        frames = [f.astype(np.float32) / 255 for f in _frames(out.path)]
        errs[stab] = warping_error(frames, inputs)
    assert errs[True] < 0.5 * errs[False], errs


def _frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_writer_refuses_other_extensions_and_odd_sizes(tmp_path):
    with pytest.raises(InputError, match=r"\.mp4"):
        ClipWriter(tmp_path / "o.avi", size=(64, 48), fps=Fraction(24), time_base=Fraction(1, 24))
    with pytest.raises(InputError, match="even"):
        ClipWriter(tmp_path / "o.mp4", size=(63, 48), fps=Fraction(24), time_base=Fraction(1, 24))
    assert list(tmp_path.iterdir()) == []


def test_reader_gives_contract_frames(clip):
    with ClipReader(clip) as rd:
        frames = [x for k, x in rd.events() if k == "video"]
        assert rd.info.fps == 24 and rd.info.has_audio and rd.info.codec == "h264"
    assert len(frames) == 24
    f = frames[3].image
    assert f.dtype == np.float32 and f.shape == (120, 160, 3) and f.min() >= 0 and f.max() <= 1
    assert frames[3].time == pytest.approx(3 / 24)


# --- trust ----------------------------------------------------------------------------------


def test_cli_clip_carries_label_provenance_and_a_watermark_that_survives_reencoding(
        tmp_path, chelsea, monkeypatch, capsys):
    """720p in, painted by the CLI; the watermark read back from a copy re-encoded with H.264 at
    CRF 28 and half the resolution gives the exact payload the provenance records."""
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))  # no keys: unsigned
    src = make_clip(tmp_path / "in.mp4", chelsea, seconds=0.5, fps=24, size=(1280, 720))
    out = tmp_path / "out.mp4"
    assert main(["stylize", str(src), "-o", str(out), "--style", "pencil"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "MP4" and info["ai_label"]["Label"] == "1"
    prov = info["provenance"]
    assert prov["style"] == "pencil" and prov["video"]["frames"] == 12
    assert prov["inputs"][0]["role"] == "clip"
    assert prov["params"]["stabilize"] is False  # a filter: no stabiliser by default
    payload = prov["watermark"]["payload"]
    assert info["watermark"]["detected"] and info["watermark"]["payload"] == payload
    assert "TC260:AIGC" in read_xmp_box(out)
    # re-encoded: H.264 CRF 28, half resolution
    half = tmp_path / "half.mp4"
    with ClipReader(out, max_size=640) as rd, ClipWriter(half, size=rd.size, fps=rd.fps,
                                                         time_base=rd.time_base, crf=28) as wr:
        for kind, x in rd.events():
            if kind == "video":
                wr.write(x.image, x.pts)
        wr.close()
    assert probe(half)["width"] == 640
    from painterly.provenance.video import read_clip_watermark

    again = read_clip_watermark(half)
    assert again["detected"] and again["payload"] == payload


def test_exiftool_reads_the_label_in_the_mp4(tmp_path, clip, monkeypatch):
    import shutil
    import subprocess

    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool (Debian libimage-exiftool-perl) is not installed")
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    out = tmp_path / "o.mp4"
    assert main(["stylize", str(clip), "-o", str(out), "-s", "pencil", "--no-watermark"]) == 0
    tags = json.loads(subprocess.run([exiftool, "-j", "-G1", str(out)], capture_output=True,
                                     text=True, check=True).stdout)[0]
    assert json.loads(tags["XMP-TC260:Aigc"])["Label"] == "1"
    assert json.loads(tags["Keys:AIGC"])["ContentProducer"] == "painterly"
    assert json.loads(tags["XMP-painterly:Provenance"])["technique"] == "stylize"


def test_c2pa_signs_the_mp4(tmp_path, clip, monkeypatch, capsys):
    pytest.importorskip("c2pa")
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    assert main(["keys", "init"]) == 0
    out = tmp_path / "o.mp4"
    assert main(["stylize", str(clip), "-o", str(out), "-s", "pencil", "--visible-label"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["c2pa"]["state"] == "Trusted"
    assert info["c2pa"]["actions"][0]["action"] == "c2pa.created"
    assert "visible_label" in info["provenance"] and info["ai_label"]["Label"] == "1"
    assert _audio_packets(out) == _audio_packets(clip)  # signing kept the sound
    _no_leftovers(tmp_path, keep={"in.mp4"})
    # tampering with the media is seen
    data = bytearray(out.read_bytes())
    at = data.find(b"mdat") + 500
    data[at] ^= 0xFF
    (tmp_path / "t.mp4").write_bytes(bytes(data))
    from painterly.provenance.video import inspect_clip

    assert inspect_clip(tmp_path / "t.mp4", watermark=False)["c2pa"]["state"] == "Invalid"


# --- CLI ------------------------------------------------------------------------------------


def test_cli_neural_style_stabilises_by_default_and_options_apply(tmp_path, clip, capsys,
                                                                   monkeypatch):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "home"))
    out = tmp_path / "o.webm"
    assert main(["stylize", str(clip), "-o", str(out), "-s", "starry-swirls", "--start", "0.25",
                 "--max-size", "100", "--no-watermark"]) == 0
    assert "wrote" in capsys.readouterr().out
    got = probe(out)
    assert got["video"] == "vp9" and got["audio"] == "opus" and got["width"] == 100
    assert main(["inspect", str(out), "--json"]) == 0
    prov = json.loads(capsys.readouterr().out)["provenance"]
    assert prov["params"]["stabilize"] is True and prov["style"] == "starry-swirls"


def test_cli_errors_are_one_line(tmp_path, clip, capsys, photo):
    from painterly.provenance.artwork import save_artwork

    cases = [
        (["stylize", str(clip), "-o", str(tmp_path / "o.png")], "clip's output"),
        (["stylize", str(clip), "-o", str(tmp_path / "o.mp4"), "--start", "2", "--end", "1"],
         "--end"),
        (["stylize", str(clip), "-o", str(tmp_path / "o.mp4"), "--prompt", "x", "--img2img",
          "m"], "still images"),
        (["stylize", str(save_artwork(photo, tmp_path / "p.png")), "-o", str(tmp_path / "o.png"),
          "--start", "1"], "apply to clips"),
    ]
    for args, msg in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err, err
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / "o.png").exists()


def test_an_encoder_error_stops_the_clip_and_leaves_no_file(tmp_path, clip):
    """Frames are encoded on their own thread: its error still reaches the caller."""
    count = [0]

    def shrinks(x):
        count[0] += 1
        return x[:-2] if count[0] == 5 else x  # the fifth frame has another size

    with pytest.raises(InputError, match="in a clip of 160x120"):
        stylize_clip(clip, tmp_path / "o.mp4", shrinks)
    assert count[0] < 24  # stopped early, not after painting everything
    _no_leftovers(tmp_path, keep={"in.mp4"})
    assert not (tmp_path / "o.mp4").exists()


def test_gif_frames_keep_their_colours(tmp_path, clip):
    """GIF: each frame quantised to its own 256-colour palette (the palette's byte order is
    PyAV's): the colours stay those of the painting, channel by channel."""
    from PIL import Image

    out = stylize_clip(clip, tmp_path / "o.gif", invert)
    want = 255 - probe(clip)["first"].astype(int)
    with Image.open(out.path) as im:
        got = np.asarray(im.convert("RGB")).astype(int)
    per_channel = np.abs(got - want).reshape(-1, 3).mean(axis=0)
    assert (per_channel < 8).all(), per_channel
