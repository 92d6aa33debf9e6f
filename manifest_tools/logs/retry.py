"""The files to send again, as a list a copy tool reads: one path per line, or NUL-separated.

Paths are relative to the device root, as the log writes them and as ``rsync --files-from``
(``--from0`` with NUL) and ``xargs -0`` expect. A name that is not valid UTF-8 is written as
the bytes it has on the device.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UsageError
from ..outputs import write_atomic

__all__ = ["format_retry", "write_retry"]


def format_retry(paths: Iterable[str], *, null: bool = False) -> bytes:
    """The list as bytes. One per line cannot hold a name with a line break: refused
    (UsageError) rather than written as two wrong names; ``null`` can."""
    items = [p.encode("utf-8", "surrogateescape") for p in paths]
    if null:
        return b"".join(p + b"\0" for p in items)
    broken = [p for p in items if b"\n" in p or b"\r" in p]
    if broken:
        name = broken[0].decode("utf-8", "backslashreplace")
        raise UsageError(f"{len(broken)} file(s) to send again have a line break in their "
                         f"name (first: {name!r}); use --null for a NUL-separated list")
    return b"".join(p + b"\n" for p in items)


def write_retry(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into
    place)."""
    write_atomic(path, data, "--retry")
