"""write_signature where directories cannot be opened or synced (Windows)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from manifest_tools import outputs
from manifest_tools.device import signature as device_signature
from manifest_tools.errors import DeviceError

CONTENTS = b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:abc=\n"


def _windows_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """os.open as on Windows: a directory cannot be opened (PermissionError)."""
    real_open = os.open

    def open_(path: str, flags: int, *args: int, **kwargs: int) -> int:
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)


def test_write_succeeds_where_a_directory_cannot_be_opened(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _windows_open(monkeypatch)
    monkeypatch.setattr(outputs, "WINDOWS", True)
    result = device_signature.write_signature(tmp_path, CONTENTS)
    assert result.action == "written"
    assert (tmp_path / "SIGNATURE").read_bytes() == CONTENTS


def test_without_the_skip_that_open_fails_the_write(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    # The control: the same PermissionError on POSIX is a real failure, and the write is
    # rolled back, so the skip above is what makes Windows work.
    _windows_open(monkeypatch)
    monkeypatch.setattr(outputs, "WINDOWS", False)
    with pytest.raises(DeviceError):
        device_signature.write_signature(tmp_path, CONTENTS)
    assert not (tmp_path / "SIGNATURE").exists()
