"""Typed HTTP errors: every failure answers ``{"error": {"type", "message"}}`` with a 4xx status.

painterly's own errors map by type (:func:`status_for`); the service adds the errors that only
exist over HTTP (not found, conflict, queue full, unauthorised, cross-site, too large).
"""

from __future__ import annotations

from painterly.errors import (
    InputError,
    LimitError,
    MissingExtraError,
    ModelMissingError,
    PainterlyError,
    UnknownNameError,
    UnsupportedFormatError,
)


class ServiceError(PainterlyError):
    """An error with its own HTTP status and headers."""

    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.headers: dict[str, str] = dict(headers or {})


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class NotFinished(Conflict):
    pass


class QueueFull(ServiceError):
    status = 429


class Unauthorized(ServiceError):
    status = 401


class CrossSiteRefused(ServiceError):
    status = 403


class PayloadTooLarge(ServiceError):
    status = 413


class UnsupportedMediaType(ServiceError):
    status = 415


class Timeout(ServiceError):
    status = 504


def status_for(exc: BaseException) -> int:
    """The HTTP status of an error (4xx for every bad input)."""
    if isinstance(exc, ServiceError):
        return exc.status
    if isinstance(exc, UnsupportedFormatError):
        return 415
    if isinstance(exc, (LimitError, UnknownNameError, InputError)):
        return 422
    if isinstance(exc, (ModelMissingError, MissingExtraError)):
        return 422  # the request names something this server lacks; the message says how to add it
    if isinstance(exc, PainterlyError):
        return 400
    return 500


def body(exc: BaseException) -> dict:
    """The JSON body of an error. Unexpected errors say only their type: no internals leak."""
    if isinstance(exc, PainterlyError):
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}
    return {"error": {"type": "InternalError",
                      "message": f"internal error ({type(exc).__name__}); the server logged it"}}


def error(type_: str, message: str) -> dict:
    return {"error": {"type": type_, "message": message}}
