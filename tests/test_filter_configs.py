"""Every field of a filter's config dataclass takes effect; keyword options override it."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from painterly.filters import cartoon, inkwash, oil, pencil, popart, ukiyoe, watercolor

FILTERS = [
    (cartoon.cartoon, cartoon.CartoonConfig),
    (oil.oil, oil.OilConfig),
    (ukiyoe.ukiyoe, ukiyoe.UkiyoeConfig),
    (popart.popart, popart.PopArtConfig),
    (watercolor.watercolor, watercolor.WatercolorConfig),
    (inkwash.ink_wash, inkwash.InkWashConfig),
    (pencil.pencil, pencil.PencilConfig),
    (pencil.color_pencil, pencil.PencilConfig),
]


@pytest.mark.parametrize("fn, config", FILTERS, ids=lambda x: getattr(x, "__name__", ""))
def test_an_option_named_like_a_config_field_defers_to_the_config(fn, config):
    params = inspect.signature(fn).parameters
    assert "config" in params
    shared = {f.name for f in dataclasses.fields(config)} & set(params)
    for name in shared:  # a literal default here would shadow the config's field
        assert params[name].default is None, f"{fn.__name__}({name}=...) shadows {config.__name__}.{name}"


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    base = np.linspace(0, 1, 64, dtype=np.float32)
    img = np.stack([np.outer(base, base), np.outer(base[::-1], base), np.tile(base, (64, 1))], -1)
    img[16:40, 20:44] = (0.9, 0.2, 0.1)
    img += rng.normal(0, 0.03, img.shape).astype(np.float32)
    return np.ascontiguousarray(np.clip(img, 0, 1), dtype=np.float32)


@pytest.fixture(scope="module")
def portrait():
    """A face for the fields that act on people only (the filters' face steps)."""
    from painterly.io import resize_max
    from painterly.samples import sample_photo

    return resize_max(sample_photo("astronaut"), 160)


@pytest.mark.parametrize("fn, config, field, value", [
    (cartoon.cartoon, cartoon.CartoonConfig, "colors", 3),
    (cartoon.cartoon, cartoon.CartoonConfig, "line_darkness", 0.0),
    (oil.oil, oil.OilConfig, "relief", 0.0),
    (ukiyoe.ukiyoe, ukiyoe.UkiyoeConfig, "colors", 2),
], ids=lambda x: x if isinstance(x, str) else "")
def test_config_fields_take_effect(photo, fn, config, field, value):
    default = fn(photo)
    by_config = fn(photo, config=config(**{field: value}))
    by_option = fn(photo, **{field: value})
    assert np.abs(by_config - default).max() > 0.01, f"{config.__name__}.{field} had no effect"
    np.testing.assert_array_equal(by_config, by_option)
    # an explicit option still wins over the config
    np.testing.assert_array_equal(fn(photo, config=config(**{field: value}),
                                     **{field: getattr(config(), field)}), default)


CONFIGS = [(fn, config) for fn, config in FILTERS if fn is not pencil.color_pencil]


def _candidates(value):
    """Other values for a field, tried in turn until one changes the picture: bigger, smaller,
    small absolute ones (a working size under the test photo's), zero."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value * 3, max(1, value // 4), value + 2, 24, 2, 1, 0]
    if isinstance(value, float):
        return [value * 3, value * 0.25, value + 0.5, 8.0, value * 10, 0.0]
    if isinstance(value, tuple):
        def each(f, v):  # nested tuples (a wash's edge and density) element by element
            return tuple(each(f, x) for x in v) if isinstance(v, tuple) else f(v)

        return [each(lambda v: v * 0.5, value), tuple(reversed(value)), each(lambda v: 1 - v, value)]
    raise AssertionError(f"no candidate values for a {type(value).__name__} field")


@pytest.mark.parametrize("fn, config, field", [
    (fn, config, f.name) for fn, config in CONFIGS for f in dataclasses.fields(config)
], ids=lambda x: x if isinstance(x, str) else getattr(x, "__name__", ""))
def test_every_config_field_takes_effect(photo, portrait, fn, config, field):
    from painterly.errors import InputError

    tried = []
    for name, img in (("photo", photo), ("portrait", portrait)):  # faces' fields: the portrait
        default = fn(img, config=config())
        for value in _candidates(getattr(config(), field)):
            try:
                out = fn(img, config=config(**{field: value}))
            except (InputError, ValueError) as e:  # a value the filter refuses: try the next
                tried.append(f"{name} {value!r}: {type(e).__name__}")
                continue
            change = float(np.abs(out - default).max())
            if change > 0.01:
                return
            tried.append(f"{name} {value!r}: {change:.4f}")
    pytest.fail(f"{config.__name__}.{field} had no effect on the picture ({'; '.join(tried)})")
