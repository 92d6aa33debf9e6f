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
import sys
import types
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
    from .jobtype import JobType
    from .manifest import Manifest, parse_manifest
    from .validate import FileResult, validate_bytes

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


class _Package(types.ModuleType):
    """``validate`` and ``verify`` are API functions *and* submodule names.

    Importing a submodule sets it as an attribute of its package, which would replace the
    function ``manifest_tools.validate`` by the module ``manifest_tools.validate`` as soon
    as anything imported it. These two names are therefore properties: they always give the
    API function; the submodules stay reachable through ``sys.modules`` and
    ``from manifest_tools.validate import ...``.
    """

    @property
    def validate(self) -> Any:
        from .api import validate

        return validate

    @validate.setter
    def validate(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("manifest_tools.validate is read-only")

    @property
    def verify(self) -> Any:
        from .api import verify

        return verify

    @verify.setter
    def verify(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("manifest_tools.verify is read-only")


sys.modules[__name__].__class__ = _Package
