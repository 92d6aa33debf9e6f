"""One exception tree for the whole library (itsdangerous-style: useful fields, one root).

The CLI maps these to exit codes in exactly one place (``cli.common.EXIT_CODES``); the library never
exits or prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostic


class ManifestToolsError(Exception):
    """Root of every error the library raises on purpose."""


class InputError(ManifestToolsError):
    """An input could not be read at all (missing file, a directory, too large, I/O error)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class UsageError(ManifestToolsError):
    """The caller asked for something that does not make sense (bad option combination)."""


class FindingsError(ManifestToolsError):
    """The input was read but is not acceptable; ``diagnostics`` says why and where."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class SignatureError(ManifestToolsError):
    """Base for SIGNATURE problems."""


class BadSignature(SignatureError):
    """A signature did not verify. Both values are public (never the key)."""

    def __init__(self, message: str, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class MissingKeyError(ManifestToolsError):
    """No secret key could be found in any of the documented sources."""


class DeviceError(ManifestToolsError):
    """Writing or reading the SIGNATURE on a device root failed; the device is unchanged."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ExistingSignatureError(DeviceError):
    """A different SIGNATURE already sits in the device root (use --force to replace it)."""

    def __init__(self, message: str, path: str, existing_job_id: str | None,
                 new_job_id: str | None) -> None:
        super().__init__(message, path)
        self.existing_job_id = existing_job_id
        self.new_job_id = new_job_id


class StatusFormatError(FindingsError):
    """get-status output in no form the reader knows."""


class PatternError(ManifestToolsError):
    """An ``ignore`` pattern (a Java regular expression) that is invalid, or that uses a Java
    construct with no Python equivalent. ``offset`` is the 0-based character index in the
    pattern where the problem starts; ``translatable`` is False for a valid Java construct we
    refuse rather than guess at (so the message can say which it is)."""

    def __init__(self, message: str, pattern: str, offset: int = 0,
                 translatable: bool = True) -> None:
        super().__init__(message)
        self.pattern = pattern
        self.offset = offset
        self.translatable = translatable
