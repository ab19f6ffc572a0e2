"""``POST /v1/speech``: a short recording (WAV, FLAC, OGG; the page sends 16-bit WAV) in, the
recognised words out, through :func:`painterly.speech.transcribe` (PocketSphinx, offline)."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from painterly.errors import InputError
from painterly.speech.audio import DEFAULT_AUDIO_LIMITS

MAX_SECONDS = 20.0  # a spoken style prompt takes a few seconds


async def transcribe_upload(audio) -> dict:
    from painterly.speech import transcribe

    data = await audio.read(DEFAULT_AUDIO_LIMITS.max_bytes + 1)
    if not data:
        raise InputError("the recording is empty: hold the microphone button and speak")
    text = await run_in_threadpool(transcribe, data, max_seconds=MAX_SECONDS)
    return {"text": text}
