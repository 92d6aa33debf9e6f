"""Write the SIGNATURE file into a device's root directory, atomically, or not at all.

AWS looks for a file named exactly ``SIGNATURE`` in the root directory of the device; a
missing or wrong file aborts the job (ProgressCode MissingSignature / InvalidSignature;
Developer Guide, "Preparing Your Storage Device" and "Getting the Status of Your Job") and the
device comes back unprocessed. So the write must never
leave a half-written or silently replaced file:

1. write into a temporary file in the same directory (same filesystem, so the rename is
   atomic), flush it to the medium with ``fsync``;
2. ``os.replace`` it onto ``SIGNATURE``, then ``fsync`` the directory so the rename itself
   is durable (a USB disk may be unplugged right after we return);
3. read the file back and compare it with what we meant to write.

Any failure removes the temporary file and keeps the previous SIGNATURE (or none); after
the rename (directory fsync, read-back), the previous contents are put back.
Writers are serialised by an ``flock`` on the root directory, so a second writer sees the
first one's file as the existing SIGNATURE. A SIGKILL cannot clean up: the next write warns
about any ``.SIGNATURE.*.tmp`` left behind.
KeyboardInterrupt and SystemExit get the same clean-up and then propagate unchanged.
Each step is a small function calling ``os`` directly, so tests can inject faults
(``os.write``, ``os.fsync``, ``os.replace``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ..aws import SIGNATURE_NAME
from ..errors import DeviceError, ExistingSignatureError, InputError, UsageError
from ..inputs import SIGNATURE_LIMIT
from ..outputs import create_temp, fsync_dir, remove_quietly, write_all

TEMP_PREFIX = ".SIGNATURE."
TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class WriteResult:
    path: str
    action: Literal["written", "unchanged", "replaced"]
    previous_job_id: str | None
    warnings: tuple[str, ...]


def is_mount_root(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is the root directory of a mounted filesystem."""
    return os.path.ismount(path)


def _reason(exc: BaseException) -> str:
    """'ENOSPC (No space left on device)' for an OSError, the type name otherwise."""
    if isinstance(exc, OSError) and exc.errno is not None:
        name = errno.errorcode.get(exc.errno, str(exc.errno))
        return f"{name} ({exc.strerror or os.strerror(exc.errno)})"
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


def _job_id(data: bytes) -> str | None:
    # Imported here: signature.py is light, but device code should not depend on it at
    # import time for a job id that is only used in messages.
    from ..signature import parse_signature_file

    parsed, _ = parse_signature_file(data)
    return parsed.job_id if parsed is not None else None


def _is_the_same(previous: bytes, contents: bytes) -> bool:
    """True when the existing file already is the SIGNATURE being written, by the one
    decision ``verify --device`` and the dock make (``signature.device_signature_verdict``:
    newlines at the end aside): rewriting it needs no ``--force``."""
    from ..signature import device_signature_verdict

    return device_signature_verdict(previous, contents).ok


def _root_path(device_root: str | os.PathLike[str]) -> str:
    root = os.fspath(device_root)
    # "mnt/usb/", "mnt/usb/." and "mnt/usb" name the same root, but lstat("link/") and
    # lstat("link/.") follow the link.
    return os.path.normpath(root)


def _check_root(root: str) -> None:
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        raise InputError(f"device root {root} does not exist (no such folder)", root) from None
    except OSError as exc:
        raise InputError(f"cannot inspect device root {root}: {_reason(exc)}", root) from None
    if stat.S_ISLNK(info.st_mode):
        # A symlink may point anywhere (a stale mount point, the local disk): refuse rather
        # than guess which directory will be shipped.
        raise DeviceError(f"device root {root} is a symbolic link; give the real mount point "
                          f"({os.path.realpath(root)})", root)
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"device root {root} is not a directory", root)


def read_existing(target: str) -> bytes | None:
    """The current SIGNATURE's bytes, None if there is none; refuses anything odd.

    Public as the seam where the fault tests slow the write path down or fail it."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DeviceError(f"cannot inspect {target}: {_reason(exc)}", target) from None
    if stat.S_ISLNK(info.st_mode):
        raise DeviceError(f"{target} is a symbolic link; AWS needs a regular file there. "
                          "Remove it and try again.", target)
    if stat.S_ISDIR(info.st_mode):
        raise DeviceError(f"{target} is a directory; AWS needs a regular file there. "
                          "Remove it and try again.", target)
    if not stat.S_ISREG(info.st_mode):
        raise DeviceError(f"{target} is not a regular file", target)
    if info.st_size > SIGNATURE_LIMIT:
        raise DeviceError(f"{target}: {info.st_size} bytes is larger than the limit of "
                          f"{SIGNATURE_LIMIT} bytes for a SIGNATURE file", target)
    try:
        return read_file(target)
    except OSError as exc:
        raise DeviceError(f"cannot read {target}: {_reason(exc)}", target) from None


def read_signature(device_root: str | os.PathLike[str]) -> bytes | None:
    """The bytes of the device's SIGNATURE, None when there is none.

    The one reader of a device's SIGNATURE (``write-signature``, ``verify --device`` and the
    preflight all go through it): it refuses what AWS would not read as the file, a root or
    a SIGNATURE that is a symbolic link, a directory or another non-regular file, and a file
    over the SIGNATURE size limit. Raises :class:`DeviceError` or :class:`InputError`.
    """
    root = _root_path(device_root)
    _check_root(root)
    return read_existing(os.path.join(root, SIGNATURE_NAME))


def read_file(path: str) -> bytes:
    """All of a file's bytes, never through a symlink (the read-back and the fault tests' seam)."""
    # O_NOFOLLOW: never read through a symlink swapped in after our lstat.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _drop_cache(fd: int) -> None:
    # Best effort: after fsync the pages are clean, so dropping them makes the read-back
    # come from the medium rather than from memory (Linux; a no-op elsewhere).
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is not None:
        with contextlib.suppress(OSError):
            fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _write_temp(root: str, data: bytes) -> str:
    """Create, fill and fsync a temporary file in ``root`` (the one atomic writer's steps,
    :mod:`..outputs`, plus a dropped cache for the read-back); returns its path.

    On failure the temporary file is removed before the exception propagates.
    """
    # 0644: SIGNATURE holds nothing secret and other tools (and AWS's readers) should see it.
    fd, temp = create_temp(root, TEMP_PREFIX, TEMP_SUFFIX, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
        _drop_cache(fd)
    except BaseException:
        os.close(fd)
        remove_quietly(temp)
        raise
    os.close(fd)
    return temp


def _replace(root: str, target: str, data: bytes) -> None:
    """Steps 1-2 of the module docstring; the temp file never outlives a failure."""
    temp = _write_temp(root, data)
    try:
        os.replace(temp, target)
    except BaseException:
        remove_quietly(temp)
        raise
    fsync_dir(root)


def _restore(root: str, target: str, previous: bytes | None) -> str:
    """Put the previous SIGNATURE back after a failure past the rename; says how it went."""
    try:
        if previous is None:
            remove_quietly(target)
            fsync_dir(root)
        else:
            _replace(root, target, previous)
    except BaseException as exc:
        # Could not undo: say so plainly so the user checks the device before shipping.
        return (f"; restoring the previous state also failed ({_reason(exc)}): check "
                f"{target} before shipping")
    return "; the previous SIGNATURE was restored" if previous is not None else (
        "; the new file was removed")


def _stale_temps(root: str) -> list[str]:
    try:
        names = os.listdir(root)
    except OSError:
        return []
    return sorted(n for n in names if n.startswith(TEMP_PREFIX) and n.endswith(TEMP_SUFFIX))


def _stale_temp_warnings(root: str) -> list[str]:
    return [f"{os.path.join(root, name)} is left over from an interrupted write; remove it "
            "(AWS would import it as an ordinary file)" for name in _stale_temps(root)]


def _case_variants(root: str) -> list[str]:
    """Other spellings of SIGNATURE next to it (only possible on case-sensitive media)."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    return sorted(n for n in names if n.upper() == SIGNATURE_NAME and n != SIGNATURE_NAME)


def write_signature(device_root: str | os.PathLike[str], contents: bytes,
                    force: bool = False) -> WriteResult:
    """Write ``contents`` as ``<device_root>/SIGNATURE`` (see the module docstring).

    Raises InputError (root missing or not a directory), DeviceError (root or SIGNATURE
    is a symlink, SIGNATURE is a directory, any I/O failure: the device is then left as
    it was), ExistingSignatureError (a different SIGNATURE exists and ``force`` is false).
    KeyboardInterrupt and SystemExit propagate unchanged after the same clean-up.
    """
    if not contents:
        raise UsageError("refusing to write an empty SIGNATURE file")
    root = _root_path(device_root)
    _check_root(root)
    target = os.path.join(root, SIGNATURE_NAME)

    warnings: list[str] = []
    if not is_mount_root(root):
        warnings.append(f"MT603 {root} is not the root of a mounted file system; AWS reads "
                        "SIGNATURE only from the device's root directory (fine for a "
                        "rehearsal)")
    for name in _case_variants(root):
        warnings.append(f"{os.path.join(root, name)} also exists; AWS reads only the file "
                        "named exactly SIGNATURE, remove the other one")

    with _locked(root):
        return _write_locked(root, target, contents, force, warnings)


@contextlib.contextmanager
def _locked(root: str) -> Iterator[None]:
    """Hold an exclusive flock on the root directory: a second writer waits, then sees the
    first one's SIGNATURE as existing (refused without ``force``) instead of both renaming
    and one reporting success for a file the other replaced. No lock file is created (AWS
    would import it); where a filesystem has no flock, writers are not serialised."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_locked(root: str, target: str, contents: bytes, force: bool,
                  warnings: list[str]) -> WriteResult:
    previous = read_existing(target)
    previous_job_id = _job_id(previous) if previous is not None else None
    if previous == contents:
        # Nothing written: the mount-root warning was given when the file was written.
        kept = [w for w in warnings if not w.startswith("MT603 ")]
        kept.extend(_stale_temp_warnings(root))
        return WriteResult(target, "unchanged", previous_job_id, tuple(kept))
    if previous is not None and not force and not _is_the_same(previous, contents):
        new_job_id = _job_id(contents)
        raise ExistingSignatureError(
            f"{target} already holds a different SIGNATURE (job {previous_job_id or '?'}; "
            f"new job {new_job_id or '?'}); use --force to replace it",
            target, previous_job_id, new_job_id)

    temp: str | None = None
    renamed = False
    try:
        temp = _write_temp(root, contents)  # removes its own file if it fails
        os.replace(temp, target)
        renamed = True
        fsync_dir(root)
        written = read_file(target)
        if written != contents:
            raise DeviceError(f"{target} reads back different from what was written "
                              "(faulty device?)", target)
    except BaseException as exc:
        if temp is not None and not renamed:
            remove_quietly(temp)
        # Past the rename the new file is in place: put the previous state back.
        tail = _restore(root, target, previous) if renamed else ""
        if isinstance(exc, DeviceError):
            raise DeviceError(f"{exc}{tail}", target) from exc
        if isinstance(exc, Exception):
            raise DeviceError(f"could not write {target}: {_reason(exc)}{tail}",
                              target) from exc
        raise  # KeyboardInterrupt, SystemExit: cleaned up, now let them through

    warnings.extend(_stale_temp_warnings(root))
    action: Literal["written", "replaced"] = "written" if previous is None else "replaced"
    return WriteResult(target, action, previous_job_id, tuple(warnings))

