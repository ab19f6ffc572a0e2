"""CLIP scoring and ranking: a tiny random CLIP through the real loader, and hand-made embeddings
to check the ranking logic exactly."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from painterly.curation.clip import ClipConfig, clip_similarity, get_scorer, load_clip
from painterly.curation.quality import quality_score
from painterly.curation.rank import RankConfig, curate, rank, score
from painterly.errors import InputError, ModelMissingError
from painterly.samples import sample_photo


# ---------------------------------------------------------------- controlled embeddings
class FixedScorer:
    """A scorer whose embeddings are given: the i-th image of a call -> vectors[i], any text ->
    text_vector (rank() encodes all its images in one call)."""

    def __init__(self, vectors, text_vector):
        self.vectors = np.asarray(vectors, np.float32)
        self.text_vector = np.asarray(text_vector, np.float32)
        self.calls = 0

    def encode_images(self, images):
        self.calls += 1
        return self.vectors[: len(images)]

    def encode_texts(self, texts):
        return np.repeat(self.text_vector[None], len(texts), axis=0)


def _imgs(n: int) -> list[np.ndarray]:
    base = sample_photo("coffee")[::4, ::4].copy()
    return [base.copy() for _ in range(n)]


def test_image_equal_to_text_embedding_ranks_first():
    t = np.array([1.0, 0.0, 0.0])
    vecs = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [-1.0, 0.0, 0.0]]
    scorer = FixedScorer(vecs, t)
    ranked = rank(_imgs(4), "anything", model=scorer)
    assert [r.index for r in ranked] == [1, 2, 0, 3]
    assert ranked[0].clip == pytest.approx(1.0)
    assert [r.clip for r in ranked] == pytest.approx([1.0, 0.6, 0.0, -1.0])


def test_embeddings_are_normalised_before_the_cosine():
    scorer = FixedScorer([[3.0, 4.0], [0.0, 10.0]], [2.0, 0.0])
    sims = clip_similarity(_imgs(2), "x", model=scorer)
    np.testing.assert_allclose(sims, [0.6, 0.0], atol=1e-6)


def test_keep_returns_k_best_sorted_descending():
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((7, 8))
    scorer = FixedScorer(vecs, rng.standard_normal(8))
    full = rank(_imgs(7), "p", model=scorer)
    top3 = rank(_imgs(7), "p", model=scorer, keep=3)
    assert len(top3) == 3
    assert [r.index for r in top3] == [r.index for r in full[:3]]
    keys = [r.score for r in full]
    assert keys == sorted(keys, reverse=True)
    assert len(rank(_imgs(2), "p", model=FixedScorer(vecs[:2], vecs[0]), keep=5)) == 2


def test_ties_keep_input_order():
    # Identical pictures with identical embeddings: all keys equal, order must be the input's.
    scorer = FixedScorer([[1.0, 0.0]] * 5, [1.0, 0.0])
    ranked = rank(_imgs(5), "p", model=scorer)
    assert len({r.score for r in ranked}) == 1
    assert [r.index for r in ranked] == [0, 1, 2, 3, 4]


def test_quality_breaks_a_clip_tie_and_can_be_switched_off():
    import cv2

    sharp = sample_photo("chelsea")[::2, ::2].copy()
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3)
    imgs = [blurred, sharp]
    scorer = FixedScorer([[1.0, 0.0], [1.0, 0.0]], [1.0, 0.0])
    ranked = rank(imgs, "a cat", model=scorer)
    assert [r.index for r in ranked] == [1, 0]  # same CLIP score: the sharp one wins
    q = quality_score(sharp).total
    assert ranked[0].score == pytest.approx(1.0 + RankConfig().quality_weight * q, rel=1e-6)
    no_quality = rank(imgs, "a cat", model=scorer, config=RankConfig(quality_weight=0.0))
    assert [r.index for r in no_quality] == [0, 1]  # pure CLIP tie: input order


def test_clear_clip_preference_beats_quality():
    import cv2

    sharp = sample_photo("chelsea")[::2, ::2].copy()
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3)
    imgs = [sharp, blurred]
    # The blurred picture matches the text clearly better (cos 0.35 against 0.25).
    t = np.array([1.0, 0.0])
    scorer = FixedScorer([[0.25, np.sqrt(1 - 0.25**2)], [0.35, np.sqrt(1 - 0.35**2)]], t)
    assert [r.index for r in rank(imgs, "a cat", model=scorer)] == [1, 0]


def test_quality_only_ranking_without_text():
    import cv2

    sharp = sample_photo("rocket")[::2, ::2].copy()
    imgs = [cv2.GaussianBlur(sharp, (0, 0), 4), np.zeros_like(sharp), sharp]
    ranked = rank(imgs, None)
    assert [r.index for r in ranked] == [2, 0, 1]
    assert all(r.clip is None for r in ranked)
    assert [r.score for r in ranked] == [r.quality.total for r in ranked]


def test_bad_arguments():
    scorer = FixedScorer([[1.0, 0.0]], [1.0, 0.0])
    with pytest.raises(InputError):
        rank(_imgs(1), "p", model=scorer, keep=0)
    with pytest.raises(InputError):
        rank(_imgs(1), "  ", model=scorer)
    with pytest.raises(InputError):
        rank(sample_photo("coffee"), "p", model=scorer)  # a single image, not a list
    with pytest.raises(InputError):
        get_scorer(42)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        curate([], "p", keep=1, model=scorer)


class BrokenScorer(FixedScorer):
    def encode_images(self, images):
        return np.ones((len(images) + 1, 2), np.float32)


def test_scorer_returning_wrong_shapes_is_reported():
    with pytest.raises(ValueError, match="shapes"):
        clip_similarity(_imgs(2), "p", model=BrokenScorer([[1.0, 0.0]], [1.0, 0.0]))


# ---------------------------------------------------------------- missing model
@pytest.fixture()
def empty_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "hub"


def test_missing_model_says_how_to_get_it(empty_hub_cache):
    with pytest.raises(ModelMissingError) as err:
        score(sample_photo("coffee"), "a cup of coffee")
    msg = str(err.value)
    assert "clip-vit-b-32" in msg
    assert "painterly models pull" in msg


def test_curate_falls_back_to_quality_when_clip_is_missing(empty_hub_cache):
    import cv2

    sharp = sample_photo("chelsea")[::2, ::2].copy()
    imgs = [cv2.GaussianBlur(sharp, (0, 0), 3), sharp]
    result = curate(imgs, "a cat", keep=1)
    assert result.signal == "quality"
    assert "painterly models pull" in result.note
    assert [r.index for r in result.kept] == [1]
    assert len(result.ranked) == 2
    with pytest.raises(ModelMissingError):
        curate(imgs, "a cat", keep=1, fallback=False)


# ---------------------------------------------------------------- tiny random CLIP, real loader
@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from _curation_tiny_clip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="module")
def photos():
    return [sample_photo(n)[::3, ::3].copy() for n in ("chelsea", "astronaut", "coffee", "rocket")]


def test_tiny_clip_scores_are_finite_and_deterministic(tiny_clip, photos):
    s1 = [score(p, "a cat", model=tiny_clip) for p in photos]
    s2 = [score(p, "a cat", model=tiny_clip) for p in photos]
    assert all(isinstance(s, float) and np.isfinite(s) and -1.0 <= s <= 1.0 for s in s1)
    assert s1 == pytest.approx(s2, abs=1e-6)
    assert len(set(np.round(s1, 6))) > 1  # different pictures, different scores
    assert score(photos[0], "a cat", model=tiny_clip) != pytest.approx(
        score(photos[0], "a dog", model=tiny_clip), abs=1e-7)


def test_tiny_clip_batched_equals_one_by_one(tiny_clip, photos):
    scorer = load_clip(tiny_clip, config=ClipConfig(batch_size=3))
    batched = scorer.encode_images(photos)  # a batch of 3 and a batch of 1
    single = np.concatenate([scorer.encode_images([p]) for p in photos])
    assert batched.shape == (4, 16) and batched.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_tiny_clip_rank_agrees_with_score(tiny_clip, photos):
    text = "a photo of a cat"
    singles = [score(p, text, model=tiny_clip) for p in photos]
    ranked = rank(photos, text, model=tiny_clip)
    by_input = sorted(ranked, key=lambda r: r.index)
    assert [r.clip for r in by_input] == pytest.approx(singles, abs=1e-5)
    w = RankConfig().quality_weight
    for r in ranked:
        assert r.score == pytest.approx(r.clip + w * r.quality.total, abs=1e-9)
    pure = rank(photos, text, model=tiny_clip, config=RankConfig(quality_weight=0.0), keep=2)
    assert [r.index for r in pure] == list(np.argsort(-np.asarray(singles), kind="stable")[:2])


def test_tiny_clip_model_is_loaded_once(tiny_clip):
    a, b = load_clip(tiny_clip), load_clip(str(tiny_clip))
    assert a is b
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_clip(tiny_clip)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is a for r in results)


def test_tiny_clip_concurrent_scoring_matches_serial(tiny_clip, photos):
    texts = ["a cat", "a dog", "a rocket", "coffee"]
    serial = {t: score(photos[0], t, model=tiny_clip) for t in texts}
    got = {}

    def work(t):
        got[t] = score(photos[0], t, model=tiny_clip)

    threads = [threading.Thread(target=work, args=(t,)) for t in texts * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == pytest.approx(serial, abs=1e-6)


def test_preprocessing_rescales_once(tiny_clip):
    # A mid-grey picture must reach the model as (128/255 - mean) / std: rescaling twice (or
    # never) would give values near -mean/std (or ~470).
    scorer = load_clip(tiny_clip)
    grey = np.full((40, 60, 3), 0.5, np.float32)
    pixels = scorer.pixel_values([grey]).numpy()
    mean = np.asarray(scorer.processor.image_mean).reshape(3, 1, 1)
    std = np.asarray(scorer.processor.image_std).reshape(3, 1, 1)
    assert pixels.shape == (1, 3, 32, 32)
    np.testing.assert_allclose(pixels[0], np.broadcast_to((128 / 255 - mean) / std, (3, 32, 32)),
                               atol=1e-3)


def test_long_prompts_are_truncated(tiny_clip, photos):
    s = score(photos[0], "a very long prompt " * 60, model=tiny_clip)
    assert np.isfinite(s)


def test_refuses_a_pickle_in_the_model_folder(tmp_path, tiny_clip):
    import shutil

    torch = pytest.importorskip("torch")
    from painterly.errors import IntegrityError

    from _curation_tiny_clip import build_tiny_clip

    folder = build_tiny_clip(tmp_path / "clip", seed=1)
    torch.save({"x": torch.zeros(1)}, folder / "pytorch_model.bin")
    with pytest.raises(IntegrityError):
        load_clip(folder)
    shutil.rmtree(folder)


def test_incomplete_model_folder_is_a_clear_error(tmp_path, tiny_clip):
    import shutil

    folder = tmp_path / "partial"
    shutil.copytree(tiny_clip, folder)
    (folder / "preprocessor_config.json").unlink()
    (folder / "config.json").unlink()
    with pytest.raises(ModelMissingError, match="painterly models pull") as err:
        load_clip(folder)
    assert "config.json" in str(err.value) and "preprocessor_config.json" in str(err.value)


def test_curate_with_a_scorer_object_uses_clip():
    scorer = FixedScorer([[0.0, 1.0], [1.0, 0.0]], [1.0, 0.0])
    result = curate(_imgs(2), "p", keep=1, model=scorer)
    assert result.signal == "clip+quality" and result.note == ""
    assert [r.index for r in result.kept] == [1]


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path, tiny_clip):
    import json
    import shutil

    folder = tmp_path / "mismatch"
    shutil.copytree(tiny_clip, folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["projection_dim"] = 24  # the saved projections are 16 wide
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelMissingError, match="not a complete CLIP model folder"):
        load_clip(folder)


def test_missing_weights_are_refused_not_filled_randomly(tmp_path, tiny_clip):
    import shutil

    from safetensors.torch import load_file, save_file

    folder = tmp_path / "missing"
    shutil.copytree(tiny_clip, folder)
    weights = load_file(folder / "model.safetensors")
    del weights["visual_projection.weight"]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(ModelMissingError, match="visual_projection"):
        load_clip(folder)
