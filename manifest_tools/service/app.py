"""The WSGI application: one POST / per API call, GET /labels/<token> for labels, and the
control endpoints and dashboard of control.py (``/_manifest-tools/...``, ``GET /``).

Order of a call: read the bounded body, parse the form, authenticate (SigV4 or SigV2),
check Action and Version, run the operation (which commits before returning), answer the
XML document. Every failure is an AWS error document with a 4xx status for a client's
mistake; an unexpected failure is a 500 ``InternalFailure`` whose log line names the
exception type only (a message or traceback could hold a manifest password).
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .auth import Request, authenticate
from .control import route
from .errors import ServiceError
from .label import render_label
from .operations import OPERATIONS, Context, label_for
from .protocol import check_version, clean, error_document, parse_form, response_document

# A manifest is at most 1 MiB (inputs.MANIFEST_LIMIT); percent-encoded it may triple.
BODY_LIMIT = 4 * 1024 * 1024
XML = "text/xml"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Log = Callable[[str], None]

_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 413: "Request Entity Too Large",
            500: "Internal Server Error"}


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def loggable(text: str, limit: int = 40) -> str:
    """A client's text as one piece of one log line: every control character (CR, LF and
    TAB included) escaped, so an authenticated Action with a newline cannot forge a line
    of the service's log; at most ``limit`` characters before escaping."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}")
                        if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def stderr_log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ServiceError("InvalidParameterException", "Content-Length is not a number") \
            from None
    if length > BODY_LIMIT:
        raise ServiceError("RequestEntityTooLarge", f"the request body is larger than "
                           f"{BODY_LIMIT} bytes", 413)
    data: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    return data


class ServiceApp:
    """Callable WSGI app over a :class:`Context`; ``log`` gets one line per request."""

    def __init__(self, ctx: Context, log: Log = stderr_log) -> None:
        self.ctx = ctx
        self.log = log

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if method == "GET" and path.startswith("/labels/"):
            return self._label(path[len("/labels/"):], start_response)
        answer = route(self.ctx, environ)
        if answer is not None:
            status, headers, body = answer
            start_response(f"{status} {_REASONS.get(status, 'Error')}",
                           [*headers, ("Content-Length", str(len(body)))])
            self.log(f"manifest-tools service: {request_id} {environ.get('REMOTE_ADDR', '-')} "
                     f"{clean(method, 10)} {clean(path, 60)} -> {status}")
            return [body]
        status, body, note = self._call(environ, method, path, request_id)
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", XML), ("Content-Length", str(len(body))),
                        ("x-amzn-RequestId", request_id)])
        self.log(f"manifest-tools service: {request_id} {environ.get('REMOTE_ADDR', '-')} "
                 f"{note} -> {status}")
        return [body]

    def _call(self, environ: Mapping[str, Any], method: str, path: str,
              request_id: str) -> tuple[int, bytes, str]:
        action, account = "-", "-"
        try:
            if method != "POST" or path != "/":
                raise ServiceError("InvalidAction", "the API is POST / with a form body "
                                   f"(got {clean(method, 10)} {clean(path, 60)})",
                                   405 if path == "/" else 404)
            body = _body(environ)
            content_type = environ.get("CONTENT_TYPE", "")
            if content_type and not content_type.lower().startswith(
                    "application/x-www-form-urlencoded"):
                raise ServiceError("InvalidParameterException", "the body must be "
                                   "application/x-www-form-urlencoded")
            params = parse_form(body)
            req = Request(method, path, environ.get("QUERY_STRING", ""), _headers(environ),
                          body)
            account = authenticate(req, params, self.ctx.keys)
            action = params.get("Action", b"").decode("utf-8", "replace")
            operation = OPERATIONS.get(action)
            if not action:
                raise ServiceError("MissingParameterException", "the request must contain "
                                   "the parameter Action")
            if operation is None:
                raise ServiceError("InvalidAction", f"The action {clean(action, 40)!r} is "
                                   "not valid for this web service.")
            check_version(params)
            result = operation(self.ctx, account, params)
            return 200, response_document(action, result, request_id), \
                f"{loggable(action)} {loggable(account)}"
        except ServiceError as exc:
            return exc.status, error_document(exc, request_id), \
                f"{loggable(action)} {loggable(account)} {exc.code}"
        except Exception as exc:  # the last line of defence: never a traceback to a client
            error = ServiceError("InternalFailure", "The request processing has failed "
                                 "because of an unknown error.", 500, sender=False)
            return 500, error_document(error, request_id), \
                f"{loggable(action)} {loggable(account)} InternalFailure " \
                f"({type(exc).__name__})"

    def _label(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        found = label_for(self.ctx, token) if token else None
        if found is None:
            body = b"<!DOCTYPE html><title>Not found</title><p>No such label.</p>\n"
            start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        body = render_label(*found)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
