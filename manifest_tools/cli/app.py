"""The ``manifest-tools`` command line: collect options, call the core, render, exit.

This is the only module that imports typer, and with ``entry.py`` (which answers a bare
``--help``/``--version`` before this module loads) the only one that prints or exits; it
holds the one map from exceptions to exit codes (``EXIT_CODES``). Heavy modules are imported
inside the commands that need them, so ``validate`` starts fast.
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from .._version import __version__
from ..errors import (
    BadSignature,
    DeviceError,
    ExistingSignatureError,
    FindingsError,
    InputError,
    ManifestToolsError,
    MissingKeyError,
    UsageError,
)
from ..manifest.jobtype import JobType

if TYPE_CHECKING:
    from ..status import StatusReading


class ExitCode(IntEnum):
    OK = 0  # nothing wrong (warnings allowed unless --strict)
    FINDINGS = 1  # invalid input, failed verification, a refused write
    TROUBLE = 2  # usage error, missing file, missing key, I/O error, internal error


# The one map from exceptions to exit codes; the most specific class listed wins.
EXIT_CODES: dict[type[BaseException], ExitCode] = {
    ExistingSignatureError: ExitCode.FINDINGS,
    BadSignature: ExitCode.FINDINGS,
    FindingsError: ExitCode.FINDINGS,
    DeviceError: ExitCode.TROUBLE,
    InputError: ExitCode.TROUBLE,
    MissingKeyError: ExitCode.TROUBLE,
    UsageError: ExitCode.TROUBLE,
    ManifestToolsError: ExitCode.TROUBLE,
}


def exit_code_for(exc: BaseException) -> ExitCode:
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return ExitCode.TROUBLE


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


app = typer.Typer(
    name="manifest-tools",
    help="Validate AWS Import/Export (Disk) manifests, write and verify SIGNATURE files, and "
    "read get-status output. Exit codes: 0 clean, 1 findings, 2 usage or I/O error.",
    no_args_is_help=True,
    # Locals in tracebacks could show the secret key: never pretty-print exceptions.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    result_callback=lambda code, **_: _exit_with(code),
)

_state = {"debug": False}


def _exit_with(code: object) -> None:
    """Commands return their exit code; click's standalone mode would drop it."""
    if isinstance(code, int) and code != 0:
        raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"manifest-tools {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a full traceback on an "
                                        "internal error.")] = False,
) -> None:
    _state["debug"] = debug


def _err(message: str) -> None:
    typer.echo(f"manifest-tools: {message}", err=True)


def _use_color(mode: ColorMode, output_format: OutputFormat) -> bool:
    """Colour only text output; ``auto``: a terminal and no NO_COLOR (no-color.org)."""
    if output_format is not OutputFormat.TEXT or mode is ColorMode.NEVER:
        return False
    if mode is ColorMode.ALWAYS:  # an explicit request wins over NO_COLOR
        return True
    # no-color.org: NO_COLOR set to a non-empty value disables colour by default.
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _color_option(ctx: typer.Context, mode: ColorMode) -> ColorMode:
    """``--color always`` must survive a pipe: click strips ANSI codes off a non-terminal."""
    if mode is ColorMode.ALWAYS:
        ctx.color = True
    return mode


JobTypeOption = Annotated[JobType | None, typer.Option(
    "--job-type", case_sensitive=False,
    help="Job type, instead of detecting it from the fields: import (S3), export (S3), ebs, "
    "glacier.")]


@app.command()
def validate(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...",
                                               help="Manifest files; '-' reads stdin.")],
    job_type: JobTypeOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False, help="Output format: text, json, sarif (SARIF "
        "2.1.0) or github (GitHub Actions annotations).")] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text/github: print errors "
                                        "only, no warnings and no summary.")] = False,
    color: Annotated[ColorMode, typer.Option(
        "--color", case_sensitive=False, callback=_color_option,
        help="Colour text output: auto (on a terminal, unless NO_COLOR is set), always, "
        "never. Other formats are never coloured.")] = ColorMode.AUTO,
) -> int:
    """Validate manifests: syntax, schema and cross-field rules, every finding located."""
    from ..inputs import MANIFEST_LIMIT, read_source
    from ..manifest.validate import FileResult, validate_bytes
    from ..report.findings import RENDERERS, RenderOptions

    results: list[FileResult] = []
    code = ExitCode.OK
    for path in paths:
        try:
            source = read_source(path, MANIFEST_LIMIT)
        except InputError as exc:
            _err(str(exc))
            code = max(code, exit_code_for(exc))
            continue
        results.append(validate_bytes(source.data, source.name, job_type))
    options = RenderOptions(quiet=quiet, color=_use_color(color, output_format))
    if results:
        typer.echo(RENDERERS[output_format.value](results, options), nl=False)
    failed = any(not r.valid or (strict and r.warnings) for r in results)
    if failed:
        code = max(code, ExitCode.FINDINGS)
    return int(code)


@app.command()
def init(job_type: Annotated[JobType, typer.Option("--job-type", case_sensitive=False,
                                                   help="Which job the manifest is for.")]
         = JobType.IMPORT) -> int:
    """Print a commented skeleton manifest that validates; edit the CHANGE-ME values."""
    from ..manifest.skeletons import SKELETONS

    typer.echo(SKELETONS[job_type], nl=False)
    return int(ExitCode.OK)


# --- keys, SIGNATURE files, devices -------------------------------------------------------

KeyFileOption = Annotated[str | None, typer.Option(
    "--key-file", metavar="PATH", help="File holding the secret access key ('-' reads stdin). "
    "Otherwise AWS_SECRET_ACCESS_KEY, then the AWS shared credentials file.")]
ProfileOption = Annotated[str | None, typer.Option(
    "--profile", help="Profile of the AWS shared credentials file (default: AWS_PROFILE, "
    "then 'default').")]
ShowSecretsOption = Annotated[bool, typer.Option(
    "--show-secrets", help="Show trueCryptPassword and pinCode values instead of ****.")]


def _load_key(key_file: str | None, profile: str | None) -> str:
    """The secret key from the documented sources; never from argv, never printed."""
    from ..credentials import load_secret_key

    key = load_secret_key(key_file=key_file, profile=profile)
    for message in key.warnings:
        _err(f"warning: {message}")
    return key.value


def _optional_key(key_file: str | None, profile: str | None) -> tuple[str | None, str]:
    """For verify: a key when one is configured; an explicit --key-file must work."""
    if key_file is not None:
        return _load_key(key_file, profile), ""
    try:
        return _load_key(None, profile), ""
    except MissingKeyError as exc:
        return None, f"no secret key found ({exc})"


def _manifest_bytes(path: str, *, check: bool, job_type: JobType | None = None) -> bytes:
    """Read a manifest; with ``check``, validation errors stop the command (exit 1)."""
    from ..inputs import MANIFEST_LIMIT, read_source

    source = read_source(path, MANIFEST_LIMIT)
    if check:
        from ..manifest.validate import validate_bytes
        from ..report.findings import RENDERERS, RenderOptions

        result = validate_bytes(source.data, source.name, job_type)
        if not result.valid:
            typer.echo(RENDERERS["text"]([result], RenderOptions(quiet=True)), err=True,
                       nl=False)
            raise FindingsError(f"{source.name} is not a valid manifest; fix it or pass "
                                "--no-validate")
    return source.data


def _signature_contents(manifest: str, job_id: str, version: str, key_file: str | None,
                        profile: str | None, check: bool) -> bytes:
    from ..signature import render_signature_file, sign

    data = _manifest_bytes(manifest, check=check)
    return render_signature_file(sign(data, job_id, _load_key(key_file, profile), version))


class SignatureVersion(StrEnum):
    V2 = "2.0"
    V1 = "1.0"


@app.command("sign")
def sign_command(
    manifest: Annotated[str, typer.Argument(metavar="MANIFEST", help="Manifest file ('-': "
                                            "stdin). Its bytes are signed exactly as read.")],
    job_id: Annotated[str, typer.Option("--job-id", help="The JobId CreateJob returned.")],
    signature_version: Annotated[SignatureVersion, typer.Option(
        "--signature-version", help="SIGNATURE file layout version.")] = SignatureVersion.V2,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write the file here instead of "
                                               "stdout.")] = None,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Sign even if the "
                                              "manifest has errors.")] = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
) -> int:
    """Compute the SIGNATURE file for a manifest and job id (HMAC-SHA1, AWS's algorithm)."""
    contents = _signature_contents(manifest, job_id, signature_version.value, key_file,
                                   profile, check=not no_validate)
    if output is None:
        sys.stdout.buffer.write(contents)
        sys.stdout.flush()
    else:
        try:
            with open(output, "wb") as stream:
                stream.write(contents)
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror}", output) from None
        _err(f"wrote {output}")
    return int(ExitCode.OK)


def _status_reading(path: str) -> StatusReading:
    from ..errors import StatusFormatError
    from ..inputs import STATUS_LIMIT, read_source
    from ..status import read_status

    try:
        reading = read_status(read_source(path, STATUS_LIMIT).data)
    except StatusFormatError as exc:
        # The located MT501 finding, in the same form as the warnings below.
        for d in exc.diagnostics:
            _err(f"{path}:{d.line}:{d.column}: {d.severity.value} {d.rule} {d.message}")
        raise
    for d in reading.diagnostics:
        _err(f"{path}:{d.line}:{d.column}: {d.severity.value} {d.rule} {d.message}")
    return reading


@app.command("write-signature")
def write_signature_command(
    device_root: Annotated[str, typer.Argument(metavar="DEVICE_ROOT",
                                               help="Root folder of the mounted device.")],
    status: Annotated[str | None, typer.Option("--status", metavar="FILE", help="get-status "
                                               "or create-job output, any form ('-': "
                                               "stdin).")] = None,
    manifest: Annotated[str | None, typer.Option("--manifest", metavar="M",
                                                 help="Sign this manifest (needs --job-id "
                                                 "and a key).")] = None,
    job_id: Annotated[str | None, typer.Option("--job-id", help="Job id for "
                                               "--manifest.")] = None,
    signature_file: Annotated[str | None, typer.Option("--signature-file", metavar="F",
                                                       help="An existing SIGNATURE "
                                                       "file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a different existing "
                                        "SIGNATURE.")] = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
) -> int:
    """Write SIGNATURE into a device root atomically, read it back and compare."""
    from ..device.signature import write_signature
    from ..inputs import SIGNATURE_LIMIT, read_source
    from ..signature import parse_signature_file

    sources = [name for name, value in (("--status", status), ("--manifest", manifest),
                                        ("--signature-file", signature_file)) if value]
    if len(sources) != 1:
        raise UsageError("give exactly one of --status, --manifest (with --job-id) or "
                         "--signature-file")
    if manifest is not None:
        if job_id is None:
            raise UsageError("--manifest needs --job-id")
        contents = _signature_contents(manifest, job_id, "2.0", key_file, profile, check=True)
        origin = f"signature of {manifest}"
    elif status is not None:
        reading = _status_reading(status)
        text = reading.status.SignatureFileContents
        if text is None:
            raise FindingsError(f"{status}: the status output has no SignatureFileContents")
        contents = text.encode("utf-8")
        origin = f"{status} (SignatureFileContents)"
    else:
        assert signature_file is not None
        contents = read_source(signature_file, SIGNATURE_LIMIT).data
        origin = signature_file
    parsed, findings = parse_signature_file(contents)
    errors = [d for d in findings if d.is_error]
    if parsed is None or errors:
        for d in errors:
            _err(f"{origin}:{d.line}:{d.column}: error {d.rule} {d.message}")
        raise FindingsError("refusing to write: the contents are not a valid SIGNATURE file")
    result = write_signature(device_root, contents, force=force)
    for message in result.warnings:
        _err(f"warning: {message}")
    if result.action == "unchanged":
        typer.echo(f"{result.path} already holds this SIGNATURE (job {parsed.job_id}); "
                   "nothing written")
    elif result.action == "replaced":
        typer.echo(f"replaced {result.path}: job {result.previous_job_id or '?'} -> "
                   f"{parsed.job_id} (written atomically, read back and compared)")
    else:
        typer.echo(f"wrote {result.path} for job {parsed.job_id} (written atomically, read "
                   "back and compared)")
    return int(ExitCode.OK)


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command("verify")
def verify_command(
    status: Annotated[str | None, typer.Option("--status", metavar="FILE",
                                               help="get-status output, any form ('-': "
                                               "stdin).")] = None,
    manifest: Annotated[str | None, typer.Option("--manifest", metavar="M",
                                                 help="Your local manifest.")] = None,
    device: Annotated[str | None, typer.Option("--device", metavar="ROOT",
                                               help="Device root holding "
                                               "SIGNATURE.")] = None,
    signature_file: Annotated[str | None, typer.Option("--signature-file", metavar="F",
                                                       help="A SIGNATURE file.")] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", case_sensitive=False,
                                                        help="Output format.")]
    = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
) -> int:
    """Check a job: SIGNATURE vs get-status, local manifest vs CurrentManifest, the HMAC."""
    import json
    import os

    from ..aws import SIGNATURE_NAME
    from ..inputs import SIGNATURE_LIMIT, read_source
    from ..verification import verify_signature_file, verify_status

    if device is not None and signature_file is not None:
        raise UsageError("give --device or --signature-file, not both")
    if status is None and device is None and signature_file is None:
        raise UsageError("give --status, or --signature-file/--device with --manifest")
    key, why = _optional_key(key_file, profile)
    local = _manifest_bytes(manifest, check=False) if manifest is not None else None
    label: str | None = None
    sig_bytes: bytes | None = None
    if device is not None:
        if not os.path.isdir(device):
            raise InputError(f"{device}: no such folder", device)
        label = os.path.join(device, SIGNATURE_NAME)
        sig_bytes = (read_source(label, SIGNATURE_LIMIT).data if os.path.lexists(label)
                     else None)
    elif signature_file is not None:
        label = signature_file
        sig_bytes = read_source(signature_file, SIGNATURE_LIMIT).data
    if status is not None:
        reading = _status_reading(status)
        report = verify_status(reading.status, manifest=local, manifest_label=manifest or "",
                               device_file=sig_bytes, device_label=label, key=key,
                               key_missing_reason=why, show_secrets=show_secrets)
    else:
        if sig_bytes is None:
            raise InputError(f"{label}: no such file", label)
        report = verify_signature_file(sig_bytes, label or "", manifest=local,
                                       manifest_label=manifest or "", key=key,
                                       key_missing_reason=why)
    if output_format is ReportFormat.JSON:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(f"verify job {report.job_id or '?'}")
        marks = {True: "ok  ", False: "FAIL", None: "skip"}
        for check in report.checks:
            first, *rest = check.detail.splitlines() or [""]
            typer.echo(f"  {marks[check.ok]}  {check.name}: {first}")
            for line in rest:
                typer.echo(f"        {line}")
        failed = sum(1 for c in report.checks if c.ok is False)
        ran = sum(1 for c in report.checks if c.ok is not None)
        verdict = "ok" if report.ok else ("FAILED" if failed else "nothing verified")
        typer.echo(f"result: {verdict} ({ran - failed} of {ran} checks passed, "
                   f"{len(report.checks) - ran} skipped)")
    if report.ok:
        return int(ExitCode.OK)
    return int(ExitCode.FINDINGS)


@app.command("status")
def status_command(
    path: Annotated[str, typer.Argument(metavar="FILE", help="get-status or create-job "
                                        "output, any form ('-': stdin).")],
    output_format: Annotated[ReportFormat, typer.Option("--format", case_sensitive=False,
                                                        help="Output format.")]
    = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
) -> int:
    """Summarise get-status output: where the device is, progress, what to do next."""
    import json

    from ..redact import redact_manifest_text
    from ..report.status import summarise

    reading = _status_reading(path)
    data = reading.status.to_json()
    manifest = data.get("CurrentManifest")
    if isinstance(manifest, str) and not show_secrets:
        data["CurrentManifest"] = redact_manifest_text(manifest)
    if output_format is ReportFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(summarise(reading, show_secrets=show_secrets, status_path=path), nl=False)
    return int(ExitCode.OK)


def _fail(exc: BaseException) -> NoReturn:
    code = exit_code_for(exc)
    _err(f"error: {exc}")
    sys.exit(int(code))


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the app and turn every outcome into a documented exit code.

    typer/click handle usage errors themselves (exit 2); a command's returned code reaches
    ``_exit_with`` through the group's result callback.
    """
    try:
        app(args=argv, prog_name="manifest-tools")
    except ManifestToolsError as exc:
        _fail(exc)
    except Exception as exc:
        # One line, the type name only: an exception's message could hold anything.
        if _state["debug"]:
            import traceback

            # The standard form: code lines and messages, never local variables (which
            # could hold the secret key); then exit 2 like without --debug.
            traceback.print_exc()
        _err(f"internal error: {type(exc).__name__}; this is a bug, please report it with "
             "the command you ran" + ("" if _state["debug"] else " (run again with --debug "
                                      "for the traceback)"))
        sys.exit(int(ExitCode.TROUBLE))
    sys.exit(int(ExitCode.OK))
