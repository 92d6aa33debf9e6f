"""A job's inputs, read and sniffed once: the one loader every command uses.

``validate``, ``status``, ``verify``, ``write-signature``, ``sign``, ``preflight`` and ``log``
name up to five inputs of one job: the manifest, get-status (or create-job, or list-jobs)
output, a device root with its SIGNATURE, a SIGNATURE file a user saved, and the secret key.
:func:`load_job` reads each one named, within its size limit, asks the wrong-kind sniffer
(:mod:`..sniff`) once what it is, and returns a :class:`Job`; what is derived from an input
(the parsed manifest, its key rules, get-status's SignatureFileContents as AWS returned it)
is computed on first use and kept, so a run parses the manifest once and builds its key
rules once, whichever checks ask. Nothing here prints or exits: an input that cannot be
used raises from the one exception tree (:mod:`..errors`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, BinaryIO

from ..aws import SIGNATURE_NAME
from ..errors import DeviceError, FindingsError, MissingKeyError, StatusFormatError
from ..inputs import SIGNATURE_LIMIT, STATUS_LIMIT, read_source
from ..sniff import kind_hint, sniff, wrong_kind
from .manifest_input import ManifestInput, read_manifest

if TYPE_CHECKING:
    from ..credentials import SecretKey
    from ..diagnostics import Diagnostic
    from ..signature import SignatureFile
    from ..status import StatusReading
    from ..status.jobs import JobSummary

__all__ = ["DeviceInput", "Job", "KeyInput", "KeyRequest", "ManifestInput", "SignatureInput",
           "SignatureReading", "StatusInput", "load_job", "read_manifest",
           "read_signature_contents"]


@dataclass(frozen=True, slots=True)
class SignatureReading:
    """A SIGNATURE file's contents parsed (``parsed`` None: a key is missing) with its
    findings; ``from_aws``: AWS returned them (SignatureFileContents), so findings on what
    AWS decides are warnings, listed again in ``decided_by_aws``."""

    parsed: SignatureFile | None
    findings: tuple[Diagnostic, ...]
    decided_by_aws: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.findings if d.is_error]


def read_signature_contents(data: bytes, *, from_aws: bool) -> SignatureReading:
    """Parse SIGNATURE contents; with ``from_aws`` the one place where the findings on what
    AWS decides (``signature.AUTHORITATIVE_RULES``: AWS's own documentation prints a
    29-character signature placeholder) become warnings (``signature.as_returned_by_aws``)."""
    from ..signature import AUTHORITATIVE_RULES, as_returned_by_aws, parse_signature_file

    parsed, findings = parse_signature_file(data)
    if not from_aws:
        return SignatureReading(parsed, tuple(findings))
    returned = tuple(as_returned_by_aws(findings))
    return SignatureReading(parsed, returned, tuple(
        d for d in returned if d.rule in AUTHORITATIVE_RULES and not d.is_error))


@dataclass(frozen=True)
class StatusInput:
    """get-status or create-job output read in any form, or list-jobs output (``jobs``)."""

    label: str
    data: bytes
    reading: StatusReading | None  # None for list-jobs output
    jobs: tuple[JobSummary, ...] | None = None

    def require(self) -> StatusReading:
        """The get-status reading (list-jobs output was refused when the job was loaded
        for a command that needs one job's status)."""
        assert self.reading is not None, "list-jobs output is only loaded for 'status'"
        return self.reading

    @cached_property
    def signature(self) -> SignatureReading | None:
        """SignatureFileContents read as AWS returned it (None when there is none), for
        verify, preflight, write-signature and prepare."""
        contents = self.require().status.SignatureFileContents
        if contents is None:
            return None
        return read_signature_contents(contents.encode("utf-8"), from_aws=True)


@dataclass(frozen=True)
class DeviceInput:
    """A device root and its SIGNATURE, read through the one device reader; ``error`` when
    that reader refused it (a symlink, a folder, too large), which each command handles."""

    root: str
    signature: bytes | None  # None: no SIGNATURE (or ``error``)
    error: DeviceError | None = None

    @property
    def label(self) -> str:
        return os.path.join(self.root, SIGNATURE_NAME)

    def signature_bytes(self) -> bytes | None:
        """The SIGNATURE's bytes (None: there is none); raises what the reader raised."""
        if self.error is not None:
            raise self.error
        return self.signature


@dataclass(frozen=True)
class SignatureInput:
    """A SIGNATURE file a user saved (``--signature-file``)."""

    label: str
    data: bytes


@dataclass(frozen=True)
class KeyInput:
    """The secret key, or why there is none (``missing``)."""

    key: SecretKey | None
    missing: str = "no secret key given"

    @property
    def value(self) -> str | None:
        return self.key.value if self.key is not None else None


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """Where the key may come from, and whether the command cannot run without it."""

    key_file: str | None = None
    profile: str | None = None
    required: bool = False
    stdin: BinaryIO | None = None  # for ``--key-file -`` (the CLI's hidden prompt)


@dataclass(frozen=True)
class Job:
    """One job's inputs, each None when the command was not given it."""

    manifest: ManifestInput | None = None
    status: StatusInput | None = None
    device: DeviceInput | None = None
    signature_file: SignatureInput | None = None
    key: KeyInput | None = None

    @cached_property
    def rules_manifest(self) -> ManifestInput | None:
        """The manifest whose prefix, substitutions and ignore patterns name the job's
        keys: the one given, else get-status's CurrentManifest (what AWS holds)."""
        if self.manifest is not None:
            return self.manifest
        reading = self.status.reading if self.status is not None else None
        current = reading.status.CurrentManifest if reading is not None else None
        return ManifestInput("CurrentManifest", current.encode()) if current else None


def read_status(path: str, *, list_jobs: bool = False,
                stdin: BinaryIO | None = None) -> StatusInput:
    """get-status output at ``path`` in any form; list-jobs output only with ``list_jobs``
    (``status`` lists the jobs; the other commands need one job's status, and list-jobs
    output can read as a get-status of one job: it is named before it fails on a missing
    SignatureFileContents). Raises FindingsError (MT510) for another kind of file and for
    output that cannot be read (located: ``path:line:column``)."""
    from ..status import read_status as read

    data = read_source(path, STATUS_LIMIT, stdin).data
    kind = sniff(data)
    if kind == "list-jobs":
        if list_jobs:
            from ..status.jobs import read_list_jobs

            return StatusInput(path, data, None, read_list_jobs(data))
        raise FindingsError(f"{path}: MT510 {kind_hint(kind, 'get-status')}")
    try:
        reading = read(data)
    except StatusFormatError as exc:
        hint = kind_hint(kind, "get-status")
        if hint is not None:
            raise FindingsError(f"{path}: MT510 {hint}") from None
        d = exc.diagnostics[0]
        # One located line (main prints the place from the finding), not the finding and
        # then the error again.
        raise FindingsError(f"{d.rule} {d.message}", [replace(d, source=path)]) from None
    return StatusInput(path, data, reading)


def read_device(root: str) -> DeviceInput:
    """The device's SIGNATURE through the one device reader (``device.signature``)."""
    from ..device.signature import read_signature

    try:
        return DeviceInput(root, read_signature(root))
    except DeviceError as exc:
        return DeviceInput(root, None, exc)


def read_signature_file(path: str, stdin: BinaryIO | None = None) -> SignatureInput:
    """A SIGNATURE file; another kind of file is FindingsError (MT410)."""
    source = read_source(path, SIGNATURE_LIMIT, stdin)
    hint = wrong_kind(source.data, "signature")
    if hint is not None:
        raise FindingsError(f"{path}: MT410 {hint}")
    return SignatureInput(path, source.data)


def read_key(request: KeyRequest) -> KeyInput:
    """The key from the documented sources (never argv). Required: MissingKeyError when
    there is none. Optional: an explicit key file must still work; otherwise its absence is
    said in ``missing``."""
    from ..credentials import load_secret_key

    def load(key_file: str | None) -> SecretKey:
        return load_secret_key(key_file=key_file, profile=request.profile,
                               stdin=request.stdin)

    if request.required or request.key_file is not None:
        return KeyInput(load(request.key_file), "")
    try:
        return KeyInput(load(None), "")
    except MissingKeyError as exc:
        return KeyInput(None, f"no secret key found ({exc})")


def load_job(*, manifest: str | None = None, status: str | None = None,
             device: str | None = None, signature_file: str | None = None,
             key: KeyRequest | None = None, list_jobs: bool = False,
             stdin: BinaryIO | None = None) -> Job:
    """Read every input named (in this order: key, manifest, device, SIGNATURE file,
    status), each once; a manifest of another kind is refused here, since every command
    but ``validate`` (which calls :func:`read_manifest`) needs a manifest."""
    return Job(
        key=read_key(key) if key is not None else None,
        manifest=read_manifest(manifest, stdin).require_kind() if manifest is not None
        else None,
        device=read_device(device) if device is not None else None,
        signature_file=read_signature_file(signature_file, stdin)
        if signature_file is not None else None,
        status=read_status(status, list_jobs=list_jobs, stdin=stdin)
        if status is not None else None,
    )
