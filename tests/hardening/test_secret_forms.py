"""trueCryptPassword and pinCode in every YAML form the reader accepts are masked in every
output of every command that reads a manifest.

A property test: hypothesis picks a secret value (letters and digits, or with a run of
spaces inside), a field and a form (plain, quoted, block scalars with every indicator,
values continued on the next line, explicit ``?`` keys, one-line JSON and flow mappings, a
BOM right before the key, compact ``key:value``), and every command's stdout and stderr, in
every format, must not hold it (nor any long piece of it) without ``--show-secrets``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.manifest.redact import redact_manifest_text
from manifest_tools.signature import render_signature_file, sign
from tests.conftest import RunCli
from tests.manifests import ADDRESS, EXPORT_FIELDS

KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
HEAD = EXPORT_FIELDS


def _json_line(field: str, value: str) -> str:
    return json.dumps({"manifestVersion": "2.0", "accessKeyId": "AKIA2E0A8F3B244C9986",
                       "deviceId": "HD001", "fileSystem": "NTFS",
                       "logBucket": "example-log-bucket",
                       "operations": [{"exportBucket": "example-export-bucket"}],
                       field: value}) + "\n"


def _flow(field: str, value: str) -> str:
    return ("{manifestVersion: 2.0, accessKeyId: AKIA2E0A8F3B244C9986, deviceId: HD001, "
            "fileSystem: NTFS, logBucket: example-log-bucket, operations: [{exportBucket: "
            f"example-export-bucket}}], {field}: '{value}'}}\n")


# Each form: (field, value) -> the whole manifest text. The value is whatever the form can
# hold; the reader reads it back as the field's value (checked below).
FORMS: dict[str, Callable[[str, str], str]] = {
    "plain": lambda f, v: HEAD + f"{f}: {v}\n" + ADDRESS,
    "compact": lambda f, v: HEAD + f"{f}:{v}\n" + ADDRESS,
    "tab": lambda f, v: HEAD + f"{f}:\t{v}\n" + ADDRESS,
    "single-quoted": lambda f, v: HEAD + f"{f}: '{v}'\n" + ADDRESS,
    "double-quoted": lambda f, v: HEAD + f'{f}: "{v}"\n' + ADDRESS,
    "literal": lambda f, v: HEAD + f"{f}: |\n  {v}\n" + ADDRESS,
    "literal-strip": lambda f, v: HEAD + f"{f}: |-\n  {v}\n" + ADDRESS,
    "literal-keep": lambda f, v: HEAD + f"{f}: |+\n  {v}\n\n" + ADDRESS,
    "folded": lambda f, v: HEAD + f"{f}: >\n  {v}\n" + ADDRESS,
    "folded-indent": lambda f, v: HEAD + f"{f}: >2\n   {v}\n" + ADDRESS,
    "next-line-plain": lambda f, v: HEAD + f"{f}:\n  {v}\n" + ADDRESS,
    "continued-plain": lambda f, v: HEAD + f"{f}: x\n  {v}\n" + ADDRESS,
    "continued-double": lambda f, v: HEAD + f'{f}: "x\n  {v}"\n' + ADDRESS,
    "continued-single": lambda f, v: HEAD + f"{f}: 'x\n  {v}'\n" + ADDRESS,
    "explicit-key": lambda f, v: HEAD + f"? {f}\n: {v}\n" + ADDRESS,
    "explicit-key-next": lambda f, v: HEAD + f"? {f}\n:\n  {v}\n" + ADDRESS,
    "json-line": lambda f, v: _json_line(f, v),
    "flow-mapping": _flow,
    "bom-before-key": lambda f, v: f"\ufeff{f}: {v}\n" + HEAD + ADDRESS,
    "crlf-literal": lambda f, v: (HEAD + f"{f}: |\n  {v}\n" + ADDRESS).replace("\n", "\r\n"),
    "list-of-one": lambda f, v: HEAD + f"{f}:\n  - {v}\n" + ADDRESS,
    "wrapped": lambda f, v: HEAD + f"{f}:\n{v}\n" + ADDRESS,
}

# Each word of a value starts with 'Qz' or 'Qy', which nothing else in any output holds.
values = st.builds(lambda head, tail, gap: "Qz" + head + (" " * gap + "Qy" + tail if gap
                                                          else ""),
                   st.text("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789",
                           min_size=6, max_size=14),
                   st.text("abcdefghijkmnpqrstuvwxyz23456789", min_size=6, max_size=10),
                   st.sampled_from([0, 0, 1, 3, 40]))


def _pieces(value: str) -> list[str]:
    """What would betray the value: itself and each word of it."""
    return [value, *value.split()]


def _leaks(text: str, value: str) -> list[str]:
    return [p for p in _pieces(value) if p in text]


def _status(manifest: str) -> str:
    sig = sign(manifest.encode("utf-8"), "ABCDE", KEY)
    return json.dumps({"JobId": "ABCDE", "JobType": "Export", "ProgressCode": "Pending",
                       "Signature": sig.signature,
                       "SignatureFileContents": render_signature_file(sig).decode(),
                       "CurrentManifest": manifest})


_LOG = ("DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n"
        "2010-07-22 10:00:00,a.txt,200,Success,example-export-bucket/a.txt,"
        "d41d8cd98f00b204e9800998ecf8427e,0,text/plain\n")


def _runs(run_cli: RunCli, folder: Path, manifest: str) -> list[tuple[str, str]]:
    """(what ran, stdout + stderr) of every command that reads the manifest."""
    m = folder / "m.yaml"
    m.write_bytes(manifest.encode("utf-8"))
    other = folder / "local.yaml"
    other.write_bytes(manifest.replace("HD001", "HD002").encode("utf-8"))
    status = folder / "status.json"
    status.write_text(_status(manifest), encoding="utf-8")
    device = folder / "device"
    device.mkdir(exist_ok=True)
    log = folder / "export-log-ABCDE"
    log.write_text(_LOG, encoding="utf-8")
    env = {"AWS_SECRET_ACCESS_KEY": KEY}
    commands: list[list[str]] = [
        *(["validate", "--format", fmt, str(m)] for fmt in ("text", "json", "sarif",
                                                             "github")),
        *(["status", "--format", fmt, str(status)] for fmt in ("text", "json")),
        *(["verify", "--status", str(status), "--manifest", str(path), "--format", fmt]
          for path in (m, other) for fmt in ("text", "json")),
        *(["preflight", str(device), "--manifest", str(path), "--status", str(status),
           "--format", fmt] for path in (m, other) for fmt in ("text", "json")),
        ["sign", str(m), "--job-id", "ABCDE"],
        ["sign", str(m), "--job-id", "ABCDE", "--no-validate"],
        ["write-signature", str(device), "--manifest", str(m), "--job-id", "ABCDE",
         "--no-validate", "--force"],
        *(["log", str(log), "--manifest", str(m), "--format", fmt] for fmt in ("text",
                                                                              "json")),
        ["log", str(log), "--status", str(status)],
    ]
    out = []
    for argv in commands:
        result = run_cli(*argv, env=env)
        out.append((" ".join(argv[:2]), result.out + result.err))
    return out


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_is_read_as_the_secret(form: str) -> None:
    """The forms are real: the reader takes each value as the field's (so a mask that
    misses it would be a leak), and the redactor masks it in the text."""
    value = "QzSecretPw42"
    text = FORMS[form]("pinCode", value)
    manifest = parse_manifest(text.encode("utf-8"))
    if form != "wrapped":  # a value a web form wrapped below its key: MT100, masked by lines
        assert manifest.readable, manifest.diagnostics
        assert value in json.dumps(manifest.data.get("pinCode")), (form, manifest.data)
    masked = redact_manifest_text(text)
    assert value not in masked
    assert masked.count("\n") == text.count("\n")  # line structure kept (the diff needs it)
    assert "example-export-bucket" in masked  # other values are left alone


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(form=st.sampled_from(sorted(FORMS)), field=st.sampled_from(["trueCryptPassword",
                                                                   "pinCode"]),
       value=values)
def test_no_command_shows_a_secret_in_any_form(run_cli: RunCli, tmp_path_factory:
                                               pytest.TempPathFactory, form: str, field: str,
                                               value: str) -> None:
    manifest = FORMS[form](field, value)
    folder = tmp_path_factory.mktemp("forms")
    for what, output in _runs(run_cli, folder, manifest):
        assert _leaks(output, value) == [], (form, what, output)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_status_shows_the_secret_only_when_asked(run_cli: RunCli, tmp_path: Path,
                                                 form: str) -> None:
    value = "QzSecretPw42"
    status = tmp_path / "status.json"
    status.write_text(_status(FORMS[form]("trueCryptPassword", value)), encoding="utf-8")
    for fmt in ("text", "json"):
        hidden = run_cli("status", "--format", fmt, str(status))
        assert value not in hidden.out + hidden.err, (form, fmt, hidden)
        assert "****" in hidden.out
        shown = run_cli("status", "--format", fmt, "--show-secrets", str(status))
        assert value in shown.out, (form, fmt)


@pytest.mark.parametrize("text", [
    "- pinCode: QzSecretPw42\n",                       # a list at the top: not a manifest
    "deviceId: x\n---\npinCode: QzSecretPw42\n",       # the parser stops at a second document
    "pinCode: |\n  QzSecretPw42\n  bad: [\n",          # a syntax error inside the value
    '{"pin\\u0043ode": "QzSecretPw42", ]\n',           # an escaped key in broken JSON
    "? trueCryptPassword\n: QzSecretPw42\n- x\n",      # an explicit key, then a syntax error
    "pinCode:\n\n# the PIN:\nQzSecretPw42\n",          # wrapped below a comment
    "a: 1\n\ufeffpinCode: QzSecretPw42\n- x\n",        # a BOM before the key, unparseable
    "pinCode: a\udc80\n  QzSecretPw42\n",              # a lone surrogate: not text to parse
])
def test_unparseable_text_masks_every_line_that_may_hold_a_secret(text: str) -> None:
    masked = redact_manifest_text(text)
    assert "QzSecretPw42" not in masked
    assert masked.count("\n") == text.count("\n")
