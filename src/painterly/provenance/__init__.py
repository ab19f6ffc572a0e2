"""Trust: what painterly says about the images it makes, inside every file it writes.

* the TC260 AIGC implicit label (GB 45438-2025) and painterly's provenance as XMP, plus an
  AUTOMATIC1111 ``parameters`` text in PNG (:mod:`.xmp`; :func:`save_artwork` /
  :func:`encode_artwork` hand them to :mod:`painterly.io`'s writers, which know nothing of them);
* C2PA Content Credentials signed with an offline key pair (:mod:`.keys`, :mod:`.c2pa_sign`);
* an optional visible label (:mod:`.label`), the subject-drift guard (:mod:`.drift`), style
  attribution (:mod:`.attribution`) and an optional safety check (:mod:`.safety`);
* :func:`inspect` (:mod:`.readback`) reads all of it back.

:func:`finish_artwork` runs the per-result steps in one call for every path (CLI, Python,
service). Submodules that need optional packages import them lazily.
"""

from painterly.provenance.record import AigcConfig, InputRef, Provenance, SignConfig, input_ref

__all__ = ["AigcConfig", "InputRef", "Provenance", "SignConfig", "encode_artwork",
           "finish_artwork", "input_ref", "inspect", "save_artwork"]


def __getattr__(name: str):
    if name in ("finish_artwork", "FinishConfig"):
        from painterly.provenance import finish

        return getattr(finish, name)
    if name in ("encode_artwork", "save_artwork"):
        from painterly.provenance import artwork

        return getattr(artwork, name)
    if name == "inspect":  # the reader (XML parsing, C2PA): imported only where files are read
        from painterly.provenance.readback import inspect

        return inspect
    raise AttributeError(f"module 'painterly.provenance' has no attribute {name!r}")
