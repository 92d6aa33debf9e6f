"""The query protocol on the wire: the form body in, XML documents out.

Requests (botocore ``query`` serializer): ``POST /`` with
``application/x-www-form-urlencoded`` ``Action=Op&Version=2010-06-01&Member=value``,
booleans ``true``/``false``, lists as ``name.member.N``. Responses (botocore ``query``
parser): ``<OpResponse xmlns=NS><OpResult>...</OpResult><ResponseMetadata><RequestId>``;
errors ``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Union
from xml.sax.saxutils import escape

from ..aws import IMPORTEXPORT_API_VERSION, IMPORTEXPORT_NAMESPACE
from .errors import ServiceError

# A member value: text, a number or boolean, a nested structure, or a list of structures.
Value = Union[str, int, bool, "Members", list["Members"]]
Members = list[tuple[str, Value]]

_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_HEX = re.compile(rb"%([0-9A-Fa-f]{2})")
# XML 1.0 cannot carry these characters even escaped; they are replaced in messages.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _unquote(raw: bytes) -> bytes:
    if _PERCENT.search(raw):
        raise ServiceError("InvalidParameterException",
                           "the request body is not valid form encoding (a '%' not followed "
                           "by two hex digits)")
    return _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"+", b" "))


def parse_form(body: bytes) -> dict[str, bytes]:
    """The parameters of a form body; a repeated parameter or bad encoding is refused."""
    params: dict[str, bytes] = {}
    for part in body.split(b"&"):
        if not part:
            continue
        raw_key, sep, raw_value = part.partition(b"=")
        try:
            key = _unquote(raw_key).decode("utf-8")
        except UnicodeDecodeError:
            raise ServiceError("InvalidParameterException",
                               "a parameter name is not UTF-8") from None
        if not sep:
            raise ServiceError("InvalidParameterException",
                               f"parameter {clean(key)!r} has no '=' (not form encoding)")
        if key in params:
            raise ServiceError("InvalidParameterException",
                               f"parameter {clean(key)!r} is given more than once")
        params[key] = _unquote(raw_value)
    return params


def clean(text: str, limit: int = 80) -> str:
    """Text safe to put in an XML message: no characters XML forbids, at most ``limit``."""
    text = _NOT_XML.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _element(name: str, value: Value) -> str:
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, str):
        return f"<{name}>{escape(_NOT_XML.sub(chr(0xFFFD), value))}</{name}>"
    if value and isinstance(value[0], list):
        items = "".join(f"<member>{_members(item)}</member>" for item in value
                        if isinstance(item, list))
        return f"<{name}>{items}</{name}>"
    return f"<{name}>{_members(value)}</{name}>"  # type: ignore[arg-type]


def _members(members: Iterable[tuple[str, Value]]) -> str:
    return "".join(_element(name, value) for name, value in members)


def response_document(operation: str, result: Members, request_id: str) -> bytes:
    """``<OpResponse><OpResult>members</OpResult><ResponseMetadata>`` (absent = omitted)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{operation}Response xmlns="{IMPORTEXPORT_NAMESPACE}">'
            f"<{operation}Result>{_members(result)}</{operation}Result>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            f"</{operation}Response>").encode()


def error_document(error: ServiceError, request_id: str) -> bytes:
    kind = "Sender" if error.sender else "Receiver"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ErrorResponse xmlns="{IMPORTEXPORT_NAMESPACE}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(error.code)}</Code>"
            f"<Message>{escape(clean(error.message, 2000))}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()


# --- reading typed parameters -------------------------------------------------------------

def text(params: Mapping[str, bytes], name: str, required: bool = False) -> str | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise ServiceError("MissingParameterException",
                               f"the request must contain the parameter {name}")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError("InvalidParameterException",
                           f"parameter {name} is not UTF-8 text") from None


def boolean(params: Mapping[str, bytes], name: str, required: bool = False) -> bool:
    value = text(params, name, required)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise ServiceError("InvalidParameterException",
                           f"parameter {name} must be true or false, not {clean(value)!r}")
    return value.lower() == "true"


def integer(params: Mapping[str, bytes], name: str) -> int | None:
    value = text(params, name)
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise ServiceError("InvalidParameterException",
                           f"parameter {name} must be a whole number, not {clean(value)!r}")
    return int(value)


def member_list(params: Mapping[str, bytes], name: str) -> list[str]:
    """``name.member.1``, ``name.member.2``, ... in order (a gap ends the list)."""
    items: list[str] = []
    while True:
        value = text(params, f"{name}.member.{len(items) + 1}")
        if value is None:
            return items
        items.append(value)


def check_version(params: Mapping[str, bytes]) -> None:
    version = text(params, "Version", required=True)
    if version != IMPORTEXPORT_API_VERSION:
        raise ServiceError("InvalidVersionException",
                           f"Version {clean(version or '')!r} is not supported; this service "
                           f"speaks {IMPORTEXPORT_API_VERSION}")
