"""manifest-tools: validate AWS Import/Export (Disk) manifests, sign and verify SIGNATURE files.

The public API is re-exported here lazily (importing the package stays cheap; each name is
loaded on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .diagnostics import Diagnostic, Severity
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
    from .jobtype import JobType
    from .manifest import Manifest, parse_manifest
    from .validate import FileResult, validate_bytes

_EXPORTS = {
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
    "JobType": "jobtype",
    "Manifest": "manifest",
    "parse_manifest": "manifest",
    "FileResult": "validate",
    "validate_bytes": "validate",
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
    "parse_manifest",
    "validate_bytes",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'manifest_tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
