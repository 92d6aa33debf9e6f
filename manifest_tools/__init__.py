"""manifest-tools: validate AWS Import/Export (Disk) manifests, sign and verify SIGNATURE files.

The public API (README, "Python API")::

    load_manifest(data) -> Manifest          validate(data, path, job_type) -> FileResult
    sign(manifest, job_id, key) -> bytes      verify(manifest, signature_file, key) -> None
    read_status(data) -> StatusReading        Diagnostic, JobType, the exception tree

Names are re-exported lazily: importing the package stays cheap, each name is loaded on
first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import load_manifest, read_status, sign, validate, verify
    from .diagnostics import Diagnostic
    from .diagnostics import Severity as Severity
    from .errors import (
        BadSignature,
        DeviceError,
        ExistingSignatureError,
        FindingsError,
        InputError,
        ManifestToolsError,
        MissingKeyError,
        SignatureError,
        StatusFormatError,
        UsageError,
    )
    from .manifest.jobtype import JobType
    from .manifest.parse import Manifest, parse_manifest
    from .manifest.validate import FileResult, validate_bytes

_EXPORTS = {
    "load_manifest": "api",
    "read_status": "api",
    "sign": "api",
    "validate": "api",
    "verify": "api",
    "Diagnostic": "diagnostics",
    "Severity": "diagnostics",
    "BadSignature": "errors",
    "DeviceError": "errors",
    "ExistingSignatureError": "errors",
    "FindingsError": "errors",
    "InputError": "errors",
    "ManifestToolsError": "errors",
    "MissingKeyError": "errors",
    "SignatureError": "errors",
    "StatusFormatError": "errors",
    "UsageError": "errors",
    "JobType": "manifest.jobtype",
    "Manifest": "manifest.parse",
    "parse_manifest": "manifest.parse",
    "FileResult": "manifest.validate",
    "validate_bytes": "manifest.validate",
}

__all__ = [
    "BadSignature",
    "DeviceError",
    "Diagnostic",
    "ExistingSignatureError",
    "FileResult",
    "FindingsError",
    "InputError",
    "JobType",
    "Manifest",
    "ManifestToolsError",
    "MissingKeyError",
    "Severity",
    "SignatureError",
    "StatusFormatError",
    "UsageError",
    "__version__",
    "load_manifest",
    "parse_manifest",
    "read_status",
    "sign",
    "validate",
    "validate_bytes",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'manifest_tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
