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
