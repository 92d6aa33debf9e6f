"""The service's own endpoints beside the API, as LocalStack's ``/_localstack/...`` and moto's
``/moto-api/...``: health, reset and state under ``/_manifest-tools/``, and the read-only
dashboard (``GET /`` without ``Action``, ``GET /_manifest-tools/jobs/<JOBID>``).

They need no signature: they are for the person or CI job that started the service. Two
guards keep a web page in the user's browser from using them (README, "Control
endpoints"): while the service listens on loopback, the ``Host`` header must name a
loopback address (a DNS-rebinding page's ``Host`` is its own name), and ``POST`` is refused
when an ``Origin`` header names another origin (a cross-site form post always carries one).
Nothing here ever shows a ``trueCryptPassword`` or ``pinCode`` value.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .._version import __version__
from ..aws import IMPORTEXPORT_API_VERSION
from ..manifest.redact import redact_manifest_text
from ..signature import canonical_manifest
from .operations import Context, label_url
from .store import STATUS_MEMBERS, Job, Store

PREFIX = "/_manifest-tools/"
JSON = "application/json"
HTML = "text/html; charset=utf-8"
# What a control or dashboard route answers: status, headers, body.
Answer = tuple[int, list[tuple[str, str]], bytes]
# The dashboard runs no script and loads nothing from elsewhere; no page may frame it.
HTML_HEADERS = [("Content-Type", HTML),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                 "img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"),
                ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "no-store")]


def all_jobs(store: Store) -> list[Job]:
    """Every account's jobs, oldest first (the operator's view, as ``service jobs``)."""
    return store.all_jobs()


def job_state(ctx: Context, job: Job) -> dict[str, Any]:
    """One job as JSON: what get-status says (its members, named in camelCase), the owner,
    the kind of job, and the manifest with its secret values masked (redact.py)."""
    manifest = canonical_manifest(job.manifest).decode("utf-8", "replace")
    state: dict[str, Any] = {"account": job.account, "kind": str(job.kind),
                             "isCanceled": bool(job.canceled)}
    state.update((name[0].lower() + name[1:], getattr(job, column))
                 for name, column in STATUS_MEMBERS)
    return {**state, "labelUrl": label_url(ctx, job), "manifest": redact_manifest_text(manifest)}


def state(ctx: Context) -> dict[str, Any]:
    """``GET /_manifest-tools/state``: every job of every account, oldest first."""
    return {"jobs": [job_state(ctx, job) for job in all_jobs(ctx.store)]}


def health(ctx: Context) -> dict[str, Any]:
    """``GET /_manifest-tools/health``: answers only once the database can be read."""
    count = ctx.store.count()
    return {"status": "ok", "service": "manifest-tools", "version": __version__,
            "apiVersion": IMPORTEXPORT_API_VERSION, "jobs": count}


def reset(ctx: Context) -> dict[str, Any]:
    """``POST /_manifest-tools/reset``: every job and label gone (one transaction).

    The folders under ``buckets/`` (logs, imported objects) are left alone: they stand for
    S3, which a job's end does not empty either."""
    return {"status": "ok", "removed": ctx.store.reset()}


# --- guards ---------------------------------------------------------------------------------

def _loopback_name(host: str) -> bool:
    """``host[:port]`` names this machine: localhost (RFC 6761, subdomains too), 127/8, ::1."""
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refusal(ctx: Context, environ: Mapping[str, Any]) -> Answer | None:
    """A request a browser page could have been tricked into sending, or None."""
    host = str(environ.get("HTTP_HOST", ""))
    if _loopback_name(urlsplit(ctx.base_url).netloc) and not _loopback_name(host):
        return _json(403, {"error": "the Host header must name a loopback address"})
    origin = environ.get("HTTP_ORIGIN")
    if environ.get("REQUEST_METHOD") == "POST" and origin is not None:
        scheme = urlsplit(ctx.base_url).scheme or "http"
        if origin != f"{scheme}://{host}":
            return _json(403, {"error": "cross-origin requests are refused"})
    return None


def _json(status: int, value: Mapping[str, Any]) -> Answer:
    return status, [("Content-Type", JSON), ("Cache-Control", "no-store")], \
        (json.dumps(value, indent=2) + "\n").encode()


# --- routing --------------------------------------------------------------------------------

def _dashboard(ctx: Context, path: str) -> Answer:
    from .dashboard import job_page, overview_page

    if path == "/":
        return 200, HTML_HEADERS, overview_page(all_jobs(ctx.store))
    job = ctx.store.job_by_id(path[len(PREFIX + "jobs/"):])
    if job is None:
        return 404, HTML_HEADERS, b"<!DOCTYPE html><title>Not found</title><p>No such job." \
            b"</p>\n"
    return 200, HTML_HEADERS, job_page(ctx, job)


_GETS: dict[str, Callable[[Context], dict[str, Any]]] = {
    PREFIX + "health": health,
    PREFIX + "state": state,
}


def route(ctx: Context, environ: Mapping[str, Any]) -> Answer | None:
    """The control or dashboard answer for this request, or None when it is an API call
    (``POST /``, or any request naming an ``Action``) or a label."""
    method = str(environ.get("REQUEST_METHOD", ""))
    path = str(environ.get("PATH_INFO", ""))
    if path == "/":
        if method not in ("GET", "HEAD") or "Action" in parse_qs(
                str(environ.get("QUERY_STRING", ""))):
            return None
    elif not path.startswith(PREFIX):
        return None
    refused = _refusal(ctx, environ)
    if refused is not None:
        return refused
    try:
        return _dispatch(ctx, method, path)
    except Exception as exc:  # as the API: never a traceback, only the exception's type
        return _json(500, {"error": f"internal failure ({type(exc).__name__})"})


def _dispatch(ctx: Context, method: str, path: str) -> Answer:
    if path == "/" or (path.startswith(PREFIX + "jobs/") and method in ("GET", "HEAD")):
        return _dashboard(ctx, path)
    if path in _GETS:
        if method not in ("GET", "HEAD"):
            return _json(405, {"error": f"{path} answers GET"})
        return _json(200, _GETS[path](ctx))
    if path == PREFIX + "reset":
        if method != "POST":
            return _json(405, {"error": f"{path} answers POST"})
        return _json(200, reset(ctx))
    return _json(404, {"error": "no such control endpoint", "endpoints": [
        "GET /", f"GET {PREFIX}health", f"GET {PREFIX}state", f"POST {PREFIX}reset",
        f"GET {PREFIX}jobs/<JOBID>"]})
