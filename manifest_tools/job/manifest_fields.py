"""Two manifests compared field by field: the same job, or which field differs.

AWS returns ``CurrentManifest`` normalised (compact ``key:value`` form, defaults such as
``acl:private`` filled in), so a text diff alone calls a correct local manifest different.
Fields are compared as the manifest parser reads them; a field only AWS's copy has, holding
AWS's default, is not a difference. Secret values are masked unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..aws import MANIFEST_DEFAULTS, SECRET_FIELDS

if TYPE_CHECKING:
    from ..manifest.parse import Manifest


@dataclass(frozen=True, slots=True)
class FieldComparison:
    differences: tuple[str, ...]
    defaults: tuple[str, ...]  # fields only AWS's copy has, with AWS's default value

    @property
    def same(self) -> bool:
        return not self.differences

    @property
    def note(self) -> str:
        if not self.defaults:
            return ""
        return " (AWS filled in the defaults " + ", ".join(self.defaults) + ")"

    @property
    def summary(self) -> str:
        shown = "; ".join(self.differences[:5])
        more = len(self.differences) - 5
        return shown + (f"; and {more} more" if more > 0 else "")


def _flatten(tree: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    items = (tree.items() if isinstance(tree, dict) else
             ((str(i), v) for i, v in enumerate(tree)) if isinstance(tree, list) else ())
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list):
            out.update(_flatten(value, name))
        else:
            out[name] = str(value)
    return out


def _shown(name: str, value: str, show_secrets: bool) -> str:
    if not show_secrets and name.rsplit(".", 1)[-1] in SECRET_FIELDS:
        return "****"
    return repr(value)


def compare_fields(theirs: Manifest, ours: Manifest, show_secrets: bool = False,
                   their_name: str = "CurrentManifest",
                   our_name: str = "local") -> FieldComparison | None:
    """Field-by-field comparison of two parsed manifests (AWS's copy, the job's); None when
    either cannot be read as fields."""
    a, b = theirs, ours
    if not (a.readable and b.readable):
        return None
    fa, fb = _flatten(a.data), _flatten(b.data)
    differences: list[str] = []
    defaults: list[str] = []
    for name in sorted(fa.keys() | fb.keys()):
        if name not in fb:
            if MANIFEST_DEFAULTS.get(name) == fa[name]:
                defaults.append(f"{name}:{fa[name]}")
            else:
                differences.append(f"{name} only in {their_name}")
        elif name not in fa:
            differences.append(f"{name} only in {our_name}")
        elif fa[name] != fb[name]:
            differences.append(f"{name} is {_shown(name, fa[name], show_secrets)} in "
                               f"{their_name}, {_shown(name, fb[name], show_secrets)} in "
                               f"{our_name}")
    return FieldComparison(tuple(differences), tuple(defaults))
