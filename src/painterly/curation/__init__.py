"""Scoring and curation: pick the best of many pictures.

* :mod:`painterly.curation.quality`: a no-download technical-quality score (numpy/OpenCV).
* :mod:`painterly.curation.clip`: CLIP text-image similarity from the model registry (torch
  and transformers imported lazily).
* :mod:`painterly.curation.rank`: ``score``, ``rank`` and ``curate`` (CLIP plus quality, or
  quality alone).
* :mod:`painterly.curation.report`: the contact sheet and JSON summary of a curation run.

Importing this package imports neither torch nor transformers.
"""
