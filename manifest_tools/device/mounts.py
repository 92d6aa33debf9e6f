"""Which file system holds a device root, read from the mount table (read-only).

The mount is found in ``/proc/self/mountinfo`` by the root's device number (so a bind mount
or a path through a symlinked parent still finds it). The kernel's type name says most
(``ext4``, ``vfat``, ``ntfs3``, ``hfsplus``); FUSE mounts (``ntfs-3g`` shows ``fuse`` or
``fuseblk``, ``fusefat`` shows ``fuse.fusefat``) and FAT's variant (AWS reads FAT32, not
FAT12/16) are told apart by reading the boot sector of the mount's source when it is a
readable file or block device: 512 bytes, opened read-only.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

__all__ = ["MountInfo", "boot_sector_type", "filesystem_name", "find_mount"]

MOUNTINFO = "/proc/self/mountinfo"

# Kernel type names -> the names AWS uses (Developer Guide, "Storage device requirements").
_KERNEL_NAMES = {
    "ext2": "EXT2", "ext3": "EXT3", "ext4": "EXT4", "ntfs": "NTFS", "ntfs3": "NTFS",
    "hfsplus": "HFS+", "exfat": "exFAT", "fuse.fusefat": "FAT", "vfat": "FAT", "msdos": "FAT",
}


@dataclass(frozen=True, slots=True)
class MountInfo:
    mount_point: str
    fstype: str  # the kernel's name, e.g. 'ext4', 'fuseblk'
    source: str
    read_only: bool


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo octal.
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _parse_line(line: str) -> tuple[str, MountInfo] | None:
    left, sep, right = line.partition(" - ")
    fields, tail = left.split(), right.split()
    if not sep or len(fields) < 6 or len(tail) < 2:
        return None
    options = set(fields[5].split(","))
    return fields[2], MountInfo(_unescape(fields[4]), tail[0], _unescape(tail[1]),
                                "ro" in options)


def find_mount(path: str | os.PathLike[str], mountinfo: str = MOUNTINFO) -> MountInfo | None:
    """The mount holding ``path``, None when the table cannot be read (not Linux)."""
    try:
        info = os.stat(path)
        with open(mountinfo, encoding="utf-8", errors="surrogateescape") as table:
            lines = table.read().splitlines()
    except OSError:
        return None
    device = f"{os.major(info.st_dev)}:{os.minor(info.st_dev)}"
    real = os.path.realpath(path)
    mounts = [p for p in map(_parse_line, lines) if p is not None]
    same_device = [m for d, m in mounts if d == device]
    # Several mounts of one device (bind mounts): the deepest one holding the path. None of
    # that device (btrfs subvolumes report other numbers): the deepest mount holding it.
    holding = [m for m in same_device if _holds(m, real)] or same_device or [
        m for _, m in mounts if _holds(m, real)]
    return max(holding, key=lambda m: len(m.mount_point), default=None)


def _holds(mount: MountInfo, real: str) -> bool:
    point = mount.mount_point
    return real == point or real.startswith(point.rstrip("/") + "/")


def boot_sector_type(source: str) -> str | None:
    """'NTFS', 'exFAT', 'FAT32', 'FAT16' or 'FAT12' from the first sector of ``source``
    (a block device or image file), None when it cannot be read or is none of these."""
    with contextlib.suppress(OSError):
        info = os.stat(source)
        if not (stat.S_ISBLK(info.st_mode) or stat.S_ISREG(info.st_mode)):
            return None
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            sector = os.pread(fd, 512, 0)
        finally:
            os.close(fd)
        return _sector_type(sector)
    return None


def _sector_type(sector: bytes) -> str | None:
    if sector[3:11] == b"NTFS    ":
        return "NTFS"
    if sector[3:11] == b"EXFAT   ":
        return "exFAT"
    if sector[82:90] == b"FAT32   ":
        return "FAT32"
    label = sector[54:62]
    if label in (b"FAT16   ", b"FAT12   "):
        return label.decode().strip()
    return None


def filesystem_name(mount: MountInfo) -> str:
    """The AWS name of the mount's file system ('EXT4', 'NTFS', 'FAT32', 'HFS+', ...), the
    kernel's name in upper case for anything else; 'FAT' when FAT's variant is unknown."""
    name = _KERNEL_NAMES.get(mount.fstype)
    if name is not None and name != "FAT":
        return name
    if name == "FAT" or mount.fstype in ("fuse", "fuseblk") or mount.fstype.startswith(
            "fuse."):
        probed = boot_sector_type(mount.source)
        if probed is not None:
            return probed
    return name or mount.fstype.upper()
