"""Typed HTTP errors: every failure answers ``{"error": {"type", "message"}}`` with a 4xx status
(501 when the server lacks an optional package, 504 when an A1111 call outwaits its jobs).

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


class Unavailable(ServiceError):
    """Something this server cannot make now (a preview whose painting failed)."""

    status = 503


def status_for(exc: BaseException) -> int:
    """The HTTP status of an error (4xx for every bad input)."""
    if isinstance(exc, ServiceError):
        return exc.status
    if isinstance(exc, UnsupportedFormatError):
        return 415
    if isinstance(exc, (LimitError, UnknownNameError, InputError)):
        return 422
    if isinstance(exc, MissingExtraError):
        return 501  # the request is fine; this server lacks an optional package (the message
        #             names the extra to install)
    if isinstance(exc, ModelMissingError):
        return 422  # the request names a model this server has not pulled; the message says how
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


def status_for_type(type_name: str | None) -> int:
    """The status of a failed job's stored error type (its class name): painterly's own errors
    keep their status; anything else (a crash the worker recorded as ``InternalError``) is 500."""
    import painterly.errors as known

    cls = getattr(known, type_name or "", None)
    if isinstance(cls, type) and issubclass(cls, PainterlyError):
        return status_for(cls.__new__(cls))
    return 500
