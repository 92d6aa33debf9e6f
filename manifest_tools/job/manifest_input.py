"""A manifest as the job loader reads it (:mod:`.loader`): its bytes, and what is derived
from them computed once.

A module of its own so that ``validate``, which reads only manifests, does not import the
loader's other inputs (seven more dataclasses: ~30 M instructions of a one-file run, a
fourteenth). :mod:`.loader` re-exports both names; every other command reads through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, BinaryIO

from ..errors import FindingsError
from ..inputs import MANIFEST_LIMIT, read_source
from ..sniff import Kind, kind_hint, sniff

if TYPE_CHECKING:
    from ..device.keys import KeyRules
    from ..diagnostics import Diagnostic
    from ..manifest.jobtype import JobType
    from ..manifest.parse import Manifest
    from ..manifest.validate import FileResult

__all__ = ["ManifestInput", "read_manifest"]


@dataclass(frozen=True)
class ManifestInput:
    """A manifest's bytes and what is derived from them, each computed once."""

    label: str  # what messages call it: the path as given, "<stdin>", "CurrentManifest"
    data: bytes

    @cached_property
    def kind(self) -> Kind | None:
        return sniff(self.data)

    @cached_property
    def wrong_kind(self) -> str | None:
        """'this looks like X, not a manifest; use Y', or None."""
        return kind_hint(self.kind, "manifest")

    @cached_property
    def parsed(self) -> Manifest:
        from ..manifest.parse import parse_manifest

        return parse_manifest(self.data)

    @cached_property
    def key_rules(self) -> tuple[KeyRules, tuple[Diagnostic, ...]]:
        """The prefix, substitutions and ignore patterns, and what had to be left out as
        findings located in this manifest."""
        from ..device.keys import KeyRules

        rules, found = KeyRules.located(self.parsed, self.label)
        return rules, tuple(found)

    def validation(self, job_type: JobType | None = None,
                   disabled: frozenset[str] = frozenset(), name: str | None = None
                   ) -> FileResult:
        """``validate``'s result for this manifest (another kind of file is its one MT127
        finding), from the one parse."""
        from ..manifest.validate import validate_manifest, wrong_kind_result

        shown = name or self.label
        if self.wrong_kind is not None:
            return wrong_kind_result(shown, self.wrong_kind)
        return validate_manifest(self.data, self.parsed, shown, job_type, disabled)

    def require_kind(self) -> ManifestInput:
        """This input, or FindingsError when it is recognisably another kind of file."""
        if self.wrong_kind is not None:
            raise FindingsError(f"{self.label}: {self.wrong_kind}")
        return self



def read_manifest(path: str, stdin: BinaryIO | None = None) -> ManifestInput:
    """The manifest at ``path`` ('-': stdin), within the manifest size limit; its kind is
    not judged (``validate`` reports another kind as a finding, ``require_kind`` raises)."""
    source = read_source(path, MANIFEST_LIMIT, stdin)
    return ManifestInput(source.name, source.data)
