"""The HTTP service (extra ``painterly[serve]``): a durable jobs API and an AUTOMATIC1111-compatible API.

    painterly serve [--host 127.0.0.1] [--port 7860] [--workers N] [--data DIR] [--token T]

Layout, one responsibility per module:

* :mod:`~painterly.service.config`: :class:`ServiceConfig` and the bind rule.
* :mod:`~painterly.service.store`: the SQLite job queue (leases, heartbeats, attempts).
* :mod:`~painterly.service.tasks`: what a job's parameters mean, checked at submission and run
  in a worker (the one place that calls painterly's Python API).
* :mod:`~painterly.service.worker`: a worker process (``python -m painterly.service.worker``).
* :mod:`~painterly.service.supervisor`: starts, watches and replaces the worker processes.
* :mod:`~painterly.service.security`, :mod:`~painterly.service.errors`: tokens, cross-site
  refusal, body limits, probes; typed JSON errors (4xx; 501 for a missing optional package).
* :mod:`~painterly.service.methods`, :mod:`~painterly.service.headers`: 405 with the path's
  whole ``Allow``, ``HEAD`` wherever ``GET``; security headers (CSP, nosniff, Referrer-Policy).
* :mod:`~painterly.service.parsing`: JSON with a depth limit, the multipart close delimiter.
* :mod:`~painterly.service.openapi`, :mod:`~painterly.service.docs`: the OpenAPI document as
  this server runs, and ``/docs`` from local files.
* :mod:`~painterly.service.transport`: uvicorn's protocol with a deadline on request headers.
* :mod:`~painterly.service.app` (``create_app(config)``): painterly's own routes;
  :mod:`~painterly.service.a1111`: the AUTOMATIC1111-compatible routes.

Only :mod:`config`, :mod:`store`, :mod:`tasks` and :mod:`worker` are imported by the workers:
they need neither FastAPI nor uvicorn.
"""

from painterly.service.config import ServiceConfig, check_bind

__all__ = ["ServiceConfig", "check_bind"]
