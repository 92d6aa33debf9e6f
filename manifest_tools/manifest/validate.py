"""Assemble one validation run: bytes -> parse -> job type -> schema -> cross-field rules.

This is the core the CLI calls (check-jsonschema style: the CLI only collects options).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic, Severity
from .jobtype import JobType, detect_job_type
from .parse import Manifest, parse_manifest


@dataclass(frozen=True, slots=True)
class FileResult:
    """The outcome for one manifest. ``valid`` is False when any diagnostic is an error."""

    path: str
    job_type: JobType | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def valid(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)


def check_manifest(manifest: Manifest, job_type: JobType | None = None
                   ) -> tuple[JobType | None, list[Diagnostic]]:
    """Run the job-type detection, the schema and the cross-field rules on a parsed manifest."""
    diagnostics = list(manifest.diagnostics)
    if not manifest.readable:
        return job_type, diagnostics
    if job_type is None:
        # Whole-document findings point at the first field, not at a leading comment.
        job_type, found = detect_job_type(manifest.data, manifest.position(""))
        diagnostics.extend(found)
    if job_type is None:
        return None, diagnostics
    from .checks import cross_field_diagnostics
    from .schema import schema_diagnostics

    diagnostics.extend(schema_diagnostics(manifest, job_type))
    diagnostics.extend(cross_field_diagnostics(manifest, job_type))
    return job_type, diagnostics


def validate_bytes(data: bytes, path: str = "<bytes>", job_type: JobType | None = None
                   ) -> FileResult:
    """Validate one manifest given as bytes; never raises for bad content."""
    manifest = parse_manifest(data)
    detected, diagnostics = check_manifest(manifest, job_type)
    diagnostics.sort(key=Diagnostic.sort_key)
    return FileResult(path, detected, tuple(diagnostics))
