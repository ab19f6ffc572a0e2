"""Detection: rescale to the working grid, measure the tile period, fold, find the sync, decode."""

from __future__ import annotations

import cv2
import numpy as np

from painterly.watermark import code, pattern
from painterly.watermark.config import Detection, WatermarkConfig
from painterly.watermark.embed import check_image, luma, work_size


def _residual(image: np.ndarray, config: WatermarkConfig) -> np.ndarray:
    """Band-passed luminance on the working grid, normalised by its local energy (a cheap
    whitening: textured areas, where the image itself is loud, count less)."""
    y = luma(image)
    h, w = y.shape
    hw, ww = work_size(h, w, config)
    interp = cv2.INTER_AREA if hw < h else cv2.INTER_LINEAR
    y = cv2.resize(y, (ww, hw), interpolation=interp)
    r = pattern.bandpass(y)
    energy = cv2.GaussianBlur(r * r, (0, 0), 4.0)
    r = r / (np.sqrt(energy) + 1e-3)
    return np.clip(r, -4.0, 4.0)


def _comb_peaks(profile: np.ndarray, lo: float, hi: float, count: int) -> list[tuple[float, float]]:
    """Periods in [lo, hi] whose multiples collect the most autocorrelation (a harmonic comb),
    best first, as (score, period).

    The profile is first high-passed (minus its local mean): the mark's peaks are a few pixels
    wide, the image's own correlation is broad. Summing the peaks at P, 2P, 3P... rejects the
    image's isolated peaks and fixes P to a fraction of a pixel."""
    n = profile.size
    hi = min(hi, n / 2)
    if hi <= lo:
        return []
    hp = profile - np.convolve(profile, np.ones(15) / 15, mode="same")
    hp[:4] = 0.0
    lags = np.arange(lo, hi, 0.125)
    score = np.zeros_like(lags)
    for k in range(1, 5):
        x = k * lags
        ok = x < 0.75 * n
        if k > 1 and not ok.any():
            break
        score += np.where(ok, np.interp(x, np.arange(n), hp), 0.0)
    # Local maxima (over +-2 px), best first: the image may have a period of its own (canvas).
    peaks = []
    for i in np.argsort(score)[::-1]:
        if all(abs(lags[i] - p) > 2.0 for _, p in peaks):
            peaks.append((float(score[i]), float(lags[i])))
            if len(peaks) == count:
                break
    return peaks


def _periods(r: np.ndarray, config: WatermarkConfig) -> list[tuple[float, float]]:
    """Candidate (period y, period x) pairs, most likely first, from the peaks of the whitened
    autocorrelation (Kutter 1998) along both axes."""
    spectrum = np.abs(np.fft.rfft2(r))
    acf = np.fft.irfft2(spectrum, s=r.shape)  # |F| rather than |F|^2: a partly whitened ACF
    lo, hi = config.min_period * config.tile_px, config.max_period * config.tile_px
    ys = _comb_peaks(acf[:, 0], lo, hi, config.period_candidates)
    xs = _comb_peaks(acf[0, :], lo, hi, config.period_candidates)
    pairs = sorted(((sy + sx, py, px) for sy, py in ys for sx, px in xs), reverse=True)
    return [(py, px) for _, py, px in pairs[: config.period_candidates**2]]


def _fold(r: np.ndarray, py: float, px: float, t: int) -> np.ndarray:
    """Resample so one period is t pixels, then sum all tiles into one t x t tile."""
    h, w = r.shape
    nh, nw = max(t, round(h * t / py)), max(t, round(w * t / px))
    s = cv2.resize(r, (nw, nh), interpolation=cv2.INTER_LINEAR)
    s = np.pad(s, ((0, -nh % t), (0, -nw % t)))
    return s.reshape(s.shape[0] // t, t, s.shape[1] // t, t).sum(axis=(0, 2))


def detect(image: np.ndarray, *, config: WatermarkConfig = WatermarkConfig()) -> Detection:
    """Look for a mark made with ``config.key`` in ``image`` (float32 HxWx3 in [0, 1])."""
    check_image(image)
    _, _, sync, data = pattern.layout(config)
    t = config.tile_px
    r = _residual(image, config)
    best = 0.0
    for periods in _periods(r, config):
        folded = _fold(r, *periods, t)
        # Cyclic cross-correlation with the sync template finds where the tile starts.
        corr = np.fft.irfft2(np.fft.rfft2(folded) * np.conj(np.fft.rfft2(sync)), s=folded.shape)
        for idx in np.argsort(corr.ravel())[::-1][: config.sync_candidates]:
            dy, dx = divmod(int(idx), t)
            aligned = np.roll(folded, (-dy, -dx), axis=(0, 1))
            soft = data @ aligned.ravel()
            soft /= soft.std() + 1e-12
            payload, agreement = code.decode(soft, config.key)
            if payload is not None:
                return Detection(True, payload, agreement)
            best = max(best, agreement)
    return Detection(False, None, best)
