"""Checks of a device that is to receive an S3 export: folder names AWS would write on its
file system, folders already there, free space and a read-only mount.

Export writes ``bucket/key`` (or ``targetDirectory``) with the manifest's substitutions, and
keys that cannot be names into ``recoveryDirectory`` (AWS Import/Export Developer Guide, S3
export manifest options ``targetDirectory`` and ``recoveryDirectory``); the object listing
itself is not available offline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from .findings import Findings, display_path
from .keys import KeyRules

__all__ = ["export_checks", "folder_name_problem"]

_WINDOWS_FORBIDDEN = re.compile(r'[\x00-\x1f"*:<>?\\|]')
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?", re.IGNORECASE)


def folder_name_problem(name: str, filesystem: str | None) -> str | None:
    """Why ``name`` (one path component) cannot be a folder on ``filesystem``, or None."""
    if not name or name in (".", ".."):
        return "an empty name, '.' or '..'"
    if filesystem in ("NTFS", "FAT32", "FAT", None):
        if _WINDOWS_FORBIDDEN.search(name):
            return 'it holds a character NTFS and FAT32 forbid (" * : < > ? \\ | or control)'
        if name[-1] in ". ":
            return "it ends with a dot or a space (Windows drops them)"
        if _WINDOWS_RESERVED.fullmatch(name):
            return "it is a reserved Windows device name"
        if len(name.encode("utf-16-le", "surrogatepass")) // 2 > 255:
            return "it is longer than 255 characters"
    elif len(name.encode("utf-8", "surrogateescape")) > 255:
        return "it is longer than 255 bytes"
    return None


def _export_targets(data: dict[str, object], rules: KeyRules) -> Iterator[tuple[str, str]]:
    """(field, folder path as AWS would write it) for each export destination."""
    from ..aws import EXPORT_RECOVERY_DEFAULT

    recovery = data.get("recoveryDirectory")
    yield "recoveryDirectory", rules.s3_key(recovery if isinstance(recovery, str) else
                                            EXPORT_RECOVERY_DEFAULT)
    operations = data.get("operations")
    for i, op in enumerate(operations if isinstance(operations, list) else []):
        if not isinstance(op, dict):
            continue
        target = op.get("targetDirectory")
        bucket = op.get("exportBucket")
        if isinstance(target, str):
            yield f"operations/{i}/targetDirectory", rules.s3_key(target)
        elif isinstance(bucket, str):
            yield f"operations/{i}/exportBucket", bucket


def export_checks(root: str, data: dict[str, object],
                  substitutions: tuple[tuple[str, str], ...], filesystem: str | None,
                  findings: Findings) -> list[str]:
    """``substitutions``: the manifest's usable ones, as the preflight read them (its one
    ``KeyRules``)."""
    rules = KeyRules(substitutions=substitutions)
    for where, folder in _export_targets(data, rules):
        for name in folder.strip("/").split("/"):
            problem = folder_name_problem(name, filesystem)
            if problem is not None:
                findings.error("MT621", f"{where}: '{display_path(name)}' cannot be a folder "
                               f"name on {filesystem or 'this file system'}: {problem}",
                               display_path(folder))
        if os.path.lexists(os.path.join(root, folder.strip("/"))):
            findings.warning("MT620", f"{where}: {display_path(folder)} already exists on the "
                             "device; exported objects would be mixed with what is there",
                             display_path(folder))
    declared = data.get("fileSystem")
    if isinstance(declared, str) and filesystem and declared.upper() != filesystem.upper():
        findings.warning("MT604", f"the manifest's fileSystem is {declared} but the device is "
                         f"{filesystem}", None)
    return _writable(root, findings)


def _writable(root: str, findings: Findings) -> list[str]:
    try:
        vfs = os.statvfs(root)
    except OSError as exc:
        findings.error("MT622", f"cannot read the free space of {root}: {exc}", None)
        return []
    free = vfs.f_bavail * vfs.f_frsize
    if vfs.f_flag & os.ST_RDONLY:
        findings.error("MT622", "the device is mounted read-only", None)
    elif free == 0:
        findings.error("MT622", "the device has no free space", None)
    return [f"free space: {free:,} bytes",
            "the export's object listing is not available offline: whether the objects fit, "
            "and which keys go to the recovery directory, cannot be checked here"]
