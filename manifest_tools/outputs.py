"""Write a file whole or not at all: a temporary file beside it, flushed, renamed into place.

A reader never sees a half-written report or manifest; a failed write leaves the old file
(or none) and no temporary file behind. The file's permission bits are kept when it is
replaced (a manifest fixed in place stays as readable as it was).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from .errors import InputError


def write_atomic(path: str, data: bytes, what: str = "") -> None:
    """Replace ``path`` with ``data`` atomically; InputError (naming ``what``) on failure."""
    label = f"{what} {path}".strip()
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise InputError(f"cannot write {label}: {exc.strerror}", path) from None
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".manifest-tools.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {label}: {exc.strerror}", path) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        raise InputError(f"cannot write {label}: {exc.strerror}", path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
