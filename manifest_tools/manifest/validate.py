"""Assemble one validation run: bytes -> parse -> job type -> schema -> cross-field rules.

This is the core the CLI calls (check-jsonschema style: the CLI only collects options).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Severity, error
from ..sniff import wrong_kind
from .jobtype import JobType, detect_job_type
from .parse import Manifest, parse_manifest

if TYPE_CHECKING:
    from .suppress import Suppressed

# Every suppression comment holds this text (see suppress): a file without it has none, and
# suppress (three dataclasses, two patterns: ~9 M instructions) is not even imported.
MARKER = b"manifest-tools:"


@dataclass(frozen=True, slots=True)
class FileResult:
    """The outcome for one manifest. ``valid`` is False when any diagnostic is an error."""

    path: str
    job_type: JobType | None
    diagnostics: tuple[Diagnostic, ...]
    # Set when the file could not be read at all (its one diagnostic is MT123).
    read_error: str | None = None
    # Findings a suppression comment silenced (counted by every report, never lost).
    suppressed: tuple[Suppressed, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)


def unreadable(path: str, message: str) -> FileResult:
    """The result for a file that could not be read: one file-level MT123 error."""
    return FileResult(path, None, (error("MT123", message, 1, 1),), read_error=message)


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
    from .placeholders import placeholder_diagnostics
    from .schema import rename_targets, schema_diagnostics

    diagnostics.extend(placeholder_diagnostics(manifest))
    # One finding per mistake: a placeholder (MT208) or a value the reader already reported
    # (a wrapped password) gets no second finding from the schema or the rules.
    explained = manifest.unfilled | {d.pointer for d in manifest.diagnostics
                                     if d.pointer and d.is_error}
    later = schema_diagnostics(manifest, job_type) + cross_field_diagnostics(manifest, job_type)
    # A value in typographic quotes (MT126) is judged once, there; a field MT204 renames is
    # not also missing (MT201, MT309, MT311...): the rename is the one finding.
    quoted = {d.line for d in manifest.diagnostics if d.rule == "MT126"}
    renamed = rename_targets(later)
    diagnostics.extend(d for d in later if d.pointer not in explained
                       and not (d.line in quoted and d.pointer)
                       and not (d.pointer in renamed and d.rule != "MT204"))
    return job_type, diagnostics


def validate_bytes(data: bytes, path: str = "<bytes>", job_type: JobType | None = None,
                   disabled: frozenset[str] = frozenset()) -> FileResult:
    """Validate one manifest given as bytes; never raises for bad content. Findings of the
    rules in ``disabled`` (configuration, --disable) are dropped; those a suppression
    comment names are set aside in ``suppressed``."""
    wrong = wrong_kind(data, "manifest")
    if wrong is not None:
        return wrong_kind_result(path, wrong)
    return validate_manifest(data, parse_manifest(data), path, job_type, disabled)


def wrong_kind_result(path: str, hint: str) -> FileResult:
    """get-status output, a SIGNATURE or list-jobs output given as a manifest (``hint``:
    ``sniff.wrong_kind``'s sentence): the one finding says what it is and which command
    takes it; the manifest rules would only mislead ("pass --job-type", unknown fields
    JobId, ProgressCode...)."""
    return FileResult(path, None, (error("MT127", hint, 1, 1),))


def validate_manifest(data: bytes, manifest: Manifest, path: str = "<bytes>",
                      job_type: JobType | None = None,
                      disabled: frozenset[str] = frozenset()) -> FileResult:
    """``validate_bytes`` for a manifest already sniffed and parsed (``manifest`` is
    ``parse_manifest(data)``): the job loader parses once for every command."""
    detected, diagnostics = check_manifest(manifest, job_type)
    if disabled:
        diagnostics = [d for d in diagnostics if d.rule not in disabled]
    suppressed: list[Suppressed] = []
    if MARKER in data:  # no comment to read: no second decode
        from .suppress import apply_suppressions

        outcome = apply_suppressions(_text(data), diagnostics, disabled)
        diagnostics, suppressed = outcome.kept, outcome.suppressed
    diagnostics.sort(key=Diagnostic.sort_key)
    suppressed.sort(key=lambda s: s.diagnostic.sort_key())
    return FileResult(path, detected, tuple(diagnostics), suppressed=tuple(suppressed))


def _text(data: bytes) -> str:
    """The text lines and columns count in: a BOM dropped, bad bytes one U+FFFD each."""
    from .decode import BOM

    return data.removeprefix(BOM).decode("utf-8", errors="replace")
