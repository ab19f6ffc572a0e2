"""Scoring and curation: pick the best of many pictures.

* :mod:`painterly.curation.quality`: a no-download technical-quality score (numpy/OpenCV).
"""
