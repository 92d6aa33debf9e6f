"""The public Python API: what ``manifest_tools`` exports, that it is documented and cheap to
import, that the functions behave, and that the README's examples run as printed."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import manifest_tools
from manifest_tools import (
    BadSignature,
    Diagnostic,
    FileResult,
    FindingsError,
    JobType,
    Manifest,
    ManifestToolsError,
    UsageError,
    load_manifest,
    read_status,
    sign,
    validate,
    verify,
)
from tests import cputime

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE = ROOT / "samples" / "valid" / "s3-import.yaml"
MT303 = ROOT / "samples" / "invalid" / "MT303-expedited-outside-us.yaml"
STATUS = ROOT / "samples" / "status" / "get-status.json"
KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

API_FUNCTIONS = ["load_manifest", "validate", "sign", "verify", "read_status"]
EXCEPTIONS = ["ManifestToolsError", "InputError", "UsageError", "FindingsError",
              "StatusFormatError", "SignatureError", "BadSignature", "MissingKeyError",
              "DeviceError", "ExistingSignatureError"]


@pytest.mark.parametrize("name", sorted(manifest_tools.__all__))
def test_every_public_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(manifest_tools, name)
    if name == "__version__":
        assert isinstance(value, str) and value
        return
    doc = value.__doc__ or ""
    assert doc.strip(), f"{name} has no docstring"
    # A dataclass without a docstring gets its signature as __doc__: that is not one.
    assert not doc.startswith(f"{name}("), f"{name} has only the generated docstring"


def test_the_promised_surface_is_public() -> None:
    assert {*API_FUNCTIONS, "Diagnostic", *EXCEPTIONS} <= set(manifest_tools.__all__)
    for name in EXCEPTIONS:
        assert issubclass(getattr(manifest_tools, name), ManifestToolsError), name


def test_unknown_names_still_raise() -> None:
    with pytest.raises(AttributeError):
        _ = manifest_tools.no_such_name


def test_api_functions_are_not_shadowed_by_submodules() -> None:
    """The core modules are ``validation`` and ``verification``, so loading them can never
    replace the API functions ``validate`` and ``verify`` on the package."""
    import manifest_tools.job.verification
    import manifest_tools.manifest.validate

    assert manifest_tools.validate is validate
    assert manifest_tools.verify is verify


def test_import_stays_cheap() -> None:
    code = ("import sys, manifest_tools\n"
            "heavy = ('typer', 'click', 'jsonschema', 'cryptography', 'ruamel')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
            "manifest_tools.validate, manifest_tools.sign, manifest_tools.Diagnostic\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=cputime.BACKSTOP).stdout.splitlines()
    assert out == ["[]", "[]"]


def test_validate_detects_or_takes_the_job_type() -> None:
    result = validate(SAMPLE.read_bytes(), "s3-import.yaml")
    assert isinstance(result, FileResult)
    assert result.valid and result.job_type is JobType.IMPORT and result.path == "s3-import.yaml"
    bad = validate(MT303.read_bytes())
    assert not bad.valid and bad.path == "<bytes>"
    [d] = bad.diagnostics
    assert isinstance(d, Diagnostic)
    assert (d.rule, d.line, d.column) == ("MT303", 7, 15)
    forced = validate(SAMPLE.read_bytes(), job_type="EXPORT")
    assert forced.job_type is JobType.EXPORT and not forced.valid
    assert validate(SAMPLE.read_bytes(), job_type=JobType.IMPORT).valid
    with pytest.raises(UsageError, match="unknown job type 'disk'"):
        validate(SAMPLE.read_bytes(), job_type="disk")


def test_load_manifest_keeps_text_and_positions() -> None:
    manifest = load_manifest(SAMPLE.read_bytes())
    assert isinstance(manifest, Manifest) and manifest.readable
    assert manifest.data["manifestVersion"] == "2.0"
    assert manifest.data["returnAddress"]["postalCode"] == "02134"
    assert manifest.position("/bucket") == (5, 9)
    assert not load_manifest(b"- a list\n").readable


def test_sign_and_verify_round_trip() -> None:
    data = SAMPLE.read_bytes()
    contents = sign(data, "EX1ID", KEY)
    lines = contents.decode("ascii").splitlines()
    assert lines[:3] == ["version:2.0", "signingMethod:HmacSHA1", "jobId:EX1ID"]
    assert contents.endswith(b"\n") and len(lines[3]) == len("signature:") + 28
    assert sign(data, "EX1ID", KEY, version="1.0").startswith(b"version:1.0\n")
    assert KEY.encode() not in contents
    verify(data, contents, KEY)
    verify(data.replace(b"\n", b"\r\n"), contents, KEY)  # CRLF signs as LF
    with pytest.raises(BadSignature) as caught:
        verify(data + b"\n", contents, KEY)
    assert KEY not in str(caught.value)
    with pytest.raises(BadSignature):
        verify(data, contents, "another key")
    with pytest.raises(BadSignature):
        verify(data, contents.replace(b"EX1ID", b"EX2ID"), KEY)
    with pytest.raises(FindingsError) as invalid:
        verify(data, b"version:2.0\nsignature:x\n", KEY)
    assert {d.rule for d in invalid.value.diagnostics} >= {"MT402"}
    with pytest.raises(UsageError):
        sign(data, "EX 1", KEY)
    with pytest.raises(UsageError):
        sign(data, "EX1ID", KEY, version="3.0")


def test_read_status_reads_the_sample() -> None:
    reading = read_status(STATUS.read_bytes())
    assert reading.form == "json"
    assert reading.status.JobId and reading.status.ProgressCode
    with pytest.raises(ManifestToolsError):
        read_status(b"")


def _readme_api_code() -> str:
    section = README[README.index("## Python API"):README.index("## Development")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 5, "one example per use: validate, load, sign, verify, read_status"
    return "\n".join(blocks)


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(MT303, tmp_path / "manifest.yaml")
    shutil.copy(STATUS, tmp_path / "get-status.json")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_readme_api_code(), "README.md", "exec"), {"__name__": "readme"})
    printed = out.getvalue().splitlines()
    assert printed[0] == "False import 1 0"
    assert printed[1].startswith("7:15 error MT303 serviceLevel: expeditedShipping")
    assert printed[2] == "example-import-bucket (5, 9)"
    assert printed[3].startswith("no match: ")
    reading = read_status(STATUS.read_bytes())
    assert printed[4] == (f"json {reading.status.JobId} {reading.status.ProgressCode}")
    assert len(printed) == 5
    # The SIGNATURE the example wrote verifies against the manifest.
    verify((tmp_path / "manifest.yaml").read_bytes(), (tmp_path / "SIGNATURE").read_bytes(),
           KEY)


# --- inputs of the wrong kind say what to pass ------------------------------------


@pytest.mark.parametrize(("function", "args"), [
    (validate, ()), (load_manifest, ()), (read_status, ()),
    (sign, ("ABCDE", KEY)),
])
@pytest.mark.parametrize("given", ["text", "path"])
def test_text_or_path_instead_of_bytes_is_a_clear_type_error(
        function: object, args: tuple[str, ...],
                                                             given: str) -> None:
    value: object = str(SAMPLE) if given == "text" else SAMPLE
    assert callable(function)
    with pytest.raises(TypeError, match=r"as bytes; it is (text|a path).*read_bytes\(\)"):
        function(value, *args)


def test_verify_checks_both_inputs_are_bytes() -> None:
    manifest = SAMPLE.read_bytes()
    signature = sign(manifest, "ABCDE", KEY)
    with pytest.raises(TypeError, match="SIGNATURE file as bytes"):
        verify(manifest, signature.decode(), KEY)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="manifest as bytes"):
        verify(str(SAMPLE), signature, KEY)  # type: ignore[arg-type]
    verify(bytearray(manifest), signature, KEY)  # type: ignore[arg-type]  # bytes-like works


@pytest.mark.parametrize("key", ["", "   ", b""])
def test_empty_key_is_refused(key: str | bytes) -> None:
    manifest = SAMPLE.read_bytes()
    with pytest.raises(UsageError, match="secret access key is empty"):
        sign(manifest, "ABCDE", key)
    signature = sign(manifest, "ABCDE", KEY)
    with pytest.raises(UsageError, match="secret access key is empty"):
        verify(manifest, signature, key)
