"""What the device's file system can hold of a source tree, before anything is copied.

FAT32 (Microsoft's FAT specification): a file is at most 4 GiB - 1 bytes; long names are
UTF-16, at most 255 units, and may not hold ``" * : < > ? \\ |`` or control characters, nor
end with a dot or a space; names are case-insensitive, so ``Photo.jpg`` and ``photo.jpg`` are
one file. NTFS as Windows sees it (AWS does not say which system reads the disk, so the
careful answer): the same characters and reserved device names (``CON``, ``NUL``, ``COM1``..)
cannot be opened by Windows, and names differing only in case, which ntfs-3g writes in its
POSIX namespace, cannot be told apart. HFS+ and exFAT are case-insensitive too. ext2-4:
names of at most 255 bytes. The per-name rules are :func:`.export.folder_name_problem`'s
(the same file systems receive export folders).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .export import folder_name_problem
from .findings import Findings, display_path

__all__ = ["CASE_INSENSITIVE", "FAT32_FILE_LIMIT", "free_space", "space_needed",
           "target_checks"]

FAT32_FILE_LIMIT = 4 * 1024**3 - 1
CASE_INSENSITIVE = frozenset({"FAT", "FAT32", "NTFS", "HFS+", "exFAT"})
WINDOWS_NAMES = frozenset({"FAT", "FAT32", "NTFS", "exFAT"})

# Rule ids (catalogued in rules.py).
RULE_NAME = "MT801"
RULE_FILE_SIZE = "MT802"
RULE_CASE = "MT803"
RULE_SPACE = "MT804"


def target_checks(files: Iterable[tuple[str, int]], filesystem: str | None,
                  findings: Findings) -> None:
    """Findings (errors) for each file (relpath, bytes) the file system cannot hold."""
    windows = filesystem in WINDOWS_NAMES
    fat = filesystem in ("FAT", "FAT32")
    folded: dict[str, str] = {}
    named: set[str] = set()
    for relpath, size in files:
        if fat and size > FAT32_FILE_LIMIT:
            findings.error(RULE_FILE_SIZE, f"{size:,} bytes; FAT32 holds files of at most "
                           f"{FAT32_FILE_LIMIT:,} bytes (4 GiB - 1)", display_path(relpath),
                           "split the file, or use an NTFS or ext4 device")
        parts = relpath.split("/")
        for depth in range(len(parts)):
            prefix = "/".join(parts[:depth + 1])
            if prefix in named:
                continue
            named.add(prefix)
            problem = folder_name_problem(parts[depth], filesystem if windows or filesystem
                                          else "EXT4")
            if problem is not None:
                findings.error(RULE_NAME, f"'{display_path(parts[depth])}' cannot be a name "
                               f"on {filesystem or 'this file system'}: {problem}",
                               display_path(prefix), "rename it in the source")
            if filesystem in CASE_INSENSITIVE:
                key = prefix.casefold()
                other = folded.setdefault(key, prefix)
                if other != prefix:
                    findings.error(RULE_CASE, f"{display_path(other)} and "
                                   f"{display_path(prefix)} differ only in case; "
                                   f"{filesystem} holds one of them", display_path(prefix),
                                   "rename one in the source")


def space_needed(sizes: Iterable[int], block: int) -> int:
    """Bytes the files take on a file system of ``block``-byte allocation units."""
    block = max(block, 1)
    return sum(-(-size // block) * block for size in sizes)


def free_space(root: str) -> tuple[int | None, int, int | None]:
    """(free bytes for this user, allocation unit, free inodes), each count None when the
    file system does not report it (fusefat says 0 blocks in all)."""
    vfs = os.statvfs(root)
    inodes = vfs.f_favail if vfs.f_files else None
    free = vfs.f_bavail * vfs.f_frsize if vfs.f_blocks else None
    return free, max(vfs.f_bsize, vfs.f_frsize), inodes
