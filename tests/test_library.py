"""The user's style library: files on disk, names, the style registry, matching by words."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from painterly import library
from painterly.errors import InputError, PainterlyError, UnknownStyleError
from painterly.io import load_image, save_image, to_image
from painterly.styles import Style, get_style, list_styles, registered
from painterly.text import ScoreConfig, rank_styles

WORDS_ONLY = ScoreConfig(dense=False, e5=False)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path))
    return tmp_path / "library"


@pytest.fixture
def painting(tmp_path):
    rng = np.random.default_rng(0)
    img = to_image(rng.random((300, 700, 3)))
    return save_image(img, tmp_path / "painting.png")


def test_add_writes_json_and_image_and_registers(home, painting):
    e = library.add(painting, name="Grandma Roses", description="soft pink roses",
                    tags="roses, pink，玫瑰")
    assert e.name == "grandma-roses" and e.tags == ("roses", "pink", "玫瑰")
    meta = json.loads((home / "grandma-roses.json").read_text(encoding="utf-8"))
    assert meta["name"] == "grandma-roses" and meta["description"] == "soft pink roses"
    img = load_image(home / "grandma-roses.png")
    assert max(img.shape[:2]) == library.store.STYLE_IMAGE_SIDE  # downscaled, aspect kept
    assert img.shape[1] / img.shape[0] == pytest.approx(700 / 300, rel=0.01)
    style = get_style("grandma-roses")
    assert style.family == "library" and "玫瑰" in style.tags
    assert [x.name for x in library.list_entries()] == ["grandma-roses"]


def test_a_library_style_is_found_by_its_words(home, painting):
    library.add(painting, name="grandma-roses", description="soft pink roses", tags="roses,玫瑰")
    styles = [s for s in list_styles() if s.family == "library"]
    assert rank_styles("玫瑰", styles, config=WORDS_ONLY)[0].style_name == "grandma-roses"


def test_rm_deletes_files_and_unregisters(home, painting):
    library.add(painting, name="x1")
    library.remove("x1")
    assert not list(home.iterdir())
    assert "x1" not in {s.name for s in list_styles()}
    with pytest.raises(library.UnknownLibraryStyleError, match="x1"):
        library.remove("x1")


@pytest.mark.parametrize("bad", ["", "../evil", "a/b", "a\\b", ".hidden", "-x", "x" * 49,
                                 "nul\x00", "名字", "a.b", "~root"])
def test_hostile_names_are_refused(home, painting, bad):
    with pytest.raises(InputError):
        library.add(painting, name=bad)
    assert not home.exists() or not list(home.iterdir())


def test_duplicate_needs_overwrite(home, painting):
    library.add(painting, name="dup", description="first")
    with pytest.raises(InputError, match="already exists"):
        library.add(painting, name="dup")
    assert library.add(painting, name="dup", description="second", overwrite=True).description == "second"
    assert library.get("dup").description == "second"


def test_builtin_style_names_are_refused(home, painting):
    with registered(Style("zz-builtin", "filter", "test", lambda im, **_: im)), \
            pytest.raises(InputError, match="built-in"):
        library.add(painting, name="zz-builtin")
    with pytest.raises(InputError, match="built-in"):
        library.add(painting, name="watercolour")  # an alias of a built-in


def test_not_an_image_writes_nothing(home, tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(PainterlyError):
        library.add(bad, name="broken")
    assert not home.exists() or not list(home.iterdir())


def test_damaged_and_foreign_entries_are_skipped(home, painting):
    library.add(painting, name="good")
    (home / "bad.json").write_text("{not json", encoding="utf-8")
    (home / "other.json").write_text(json.dumps({"name": "good"}), encoding="utf-8")  # name != file
    assert [e.name for e in library.list_entries()] == ["good"]
    with pytest.raises(InputError, match="damaged"):
        library.get("bad")


def test_too_many_tags_and_long_text_are_refused(home, painting):
    with pytest.raises(InputError):
        library.add(painting, name="t", tags=[f"t{i}" for i in range(40)])
    with pytest.raises(InputError):
        library.add(painting, name="t", description="x" * 501)


def test_library_dir_defaults_to_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("PAINTERLY_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert library.library_dir() == tmp_path / "painterly" / "library"


def test_style_vector_and_transfer_with_neural(home, painting):
    from painterly import neural  # a core module: a broken import fails here, never skips
    e = library.add(painting, name="vec")
    assert e.vector is not None and len(e.vector) == 100
    np.testing.assert_allclose(library.ensure_vector("vec"),
                               neural.style_embedding(library.style_image("vec")), atol=1e-5)
    photo = to_image(np.random.default_rng(2).random((64, 64, 3)))
    out = get_style("vec").apply(photo, strength=1.0)
    assert out.shape == photo.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 and np.abs(out - photo).mean() > 0.02


def test_an_entry_never_shadows_a_builtin_registered_later(home, painting):
    library.add(painting, name="zz-later")
    assert get_style("zz-later").family == "library"
    with registered(Style("zz-later", "filter", "a built-in that arrived later", lambda im, **_: im)):
        assert get_style("zz-later").family == "filter"
        assert [s.family for s in list_styles() if s.name == "zz-later"] == ["filter"]
        assert [e.name for e in library.list_entries()] == ["zz-later"]
    assert get_style("zz-later").family == "library"


_ADD_IN_ANOTHER_PROCESS = """
import sys
from painterly import library
library.add(sys.argv[1], name=sys.argv[2], description="added by another process")
"""


def test_a_style_added_by_another_process_is_seen_without_a_restart(home, painting):
    list_styles()  # this process has loaded its catalogue (and read the empty library)
    with pytest.raises(UnknownStyleError):
        get_style("from-elsewhere")
    subprocess.run([sys.executable, "-c", _ADD_IN_ANOTHER_PROCESS, str(painting), "from-elsewhere"],
                   check=True, env=os.environ.copy(), timeout=300)
    style = get_style("from-elsewhere")
    assert style.family == "library" and style.description == "added by another process"
    assert "from-elsewhere" in {s.name for s in list_styles("library")}
    subprocess.run([sys.executable, "-c", "from painterly import library; "
                    "library.remove('from-elsewhere')"], check=True, env=os.environ.copy(), timeout=300)
    with pytest.raises(UnknownStyleError):
        get_style("from-elsewhere")


def test_a_library_in_a_chosen_folder_is_read_only_when_its_stamp_changes(tmp_path, painting,
                                                                          monkeypatch):
    monkeypatch.setenv("PAINTERLY_HOME", str(tmp_path / "default-home"))
    lib = library.Library(tmp_path / "tenant-a")
    lib.add(painting, name="sea-glass", description="pale green glass")
    assert get_style("sea-glass", library=lib).description == "pale green glass"
    with pytest.raises(UnknownStyleError):
        get_style("sea-glass")  # not in the default library, nor in another folder
    with pytest.raises(UnknownStyleError):
        get_style("sea-glass", library=tmp_path / "tenant-b")
    reads = []
    real = library.store.list_entries
    monkeypatch.setattr(library.store, "list_entries", lambda folder=None: reads.append(1) or real(folder))
    old = os.stat(lib.folder).st_mtime_ns - 10**10  # a change long ago: the stamp is trusted
    os.utime(lib.folder, ns=(old, old))
    for _ in range(3):
        assert get_style("sea-glass", library=lib).family == "library"
    assert len(reads) == 1  # read once for the new stamp, then served from memory
    lib.add(painting, name="second", description="another")  # the folder's stamp changes
    assert [s.name for s in lib.styles()] == ["sea-glass", "second"]
    assert len(reads) == 2


def test_stylize_takes_the_library(tmp_path, painting):
    pytest.importorskip("onnxruntime")
    import painterly

    lib = library.Library(tmp_path / "mine")
    lib.add(painting, name="mine")
    photo = to_image(np.random.default_rng(3).random((48, 48, 3)))
    out = painterly.stylize(photo, "mine", library=lib)
    assert out.shape == photo.shape and np.abs(out - photo).mean() > 0.02
