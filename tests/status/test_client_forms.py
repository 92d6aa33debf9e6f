"""get-status as other clients print it: AWS Tools for PowerShell, boto3, the raw API XML,
and any of them quoted in an e-mail reply or re-wrapped by a mail client.

Each input is rendered here from the client's documented output shape (AWS Tools for
PowerShell's Get-IEStatus, boto3, the 2010-06-01 API's XML, the AWS CLI's --debug):
PowerShell's list layout and ConvertTo-Json, the repr of the dict botocore's own parser
builds from the API's XML, the XML as the local service answers, a ``--debug`` log line.
"""

from __future__ import annotations

import json
import pprint
import textwrap
from typing import Any

import pytest

from manifest_tools.errors import StatusFormatError
from manifest_tools.service.protocol import response_document
from manifest_tools.status import read_status
from manifest_tools.status.mail import unquote, unwrap_json
from manifest_tools.status.powershell import json_date

SIG = "Ara83XX0K7K15HeRcHM9hXMrNpw="
SIGFILE = f"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:{SIG}\n"
MANIFEST = ("manifestVersion: 2.0\nbucket: my-archive\ndeviceId: WD-4471 serial 0042\n"
            "eraseDevice: yes\n")
LABEL = "https://s3.amazonaws.com/awsimportexport-labels/EX1ID.pdf"
STATUS: dict[str, Any] = {
    "JobId": "EX1ID", "JobType": "Import", "LocationCode": "NotReceived",
    "LocationMessage": "The specified job has not been received at the AWS loading facility",
    "ProgressCode": "Pending",
    "ProgressMessage": "The specified job has not started; ship the device with its "
                       "SIGNATURE file in the root directory",
    "ErrorCount": 0, "Signature": SIG, "SignatureFileContents": SIGFILE,
    "CurrentManifest": MANIFEST, "CreationDate": "2015-05-27T18:58:21Z",
    "ArtifactList": [{"Description": "Shipping label", "URL": LABEL}],
}


def _check(data: bytes | str, form: str, *, date: str = "2015-05-27T18:58:21Z",
           signature: str = SIGFILE, artifacts: bool = True,
           manifest: str = MANIFEST) -> list[str]:
    reading = read_status(data.encode("utf-8") if isinstance(data, str) else data)
    s = reading.status
    assert reading.form == form
    assert (s.JobId, s.JobType, s.ProgressCode, s.ErrorCount) == ("EX1ID", "Import",
                                                                  "Pending", 0)
    assert s.Signature == SIG and s.SignatureFileContents == signature
    assert s.CurrentManifest == manifest
    assert s.LocationMessage == STATUS["LocationMessage"]
    assert s.ProgressMessage == STATUS["ProgressMessage"]
    assert s.CreationDate == date
    if artifacts:
        assert [(a.Description, a.URL) for a in s.ArtifactList] == [("Shipping label", LABEL)]
    return [f"{d.rule} {d.message}" for d in reading.diagnostics]


# --- AWS Tools for PowerShell ---------------------------------------------------------

# What the list layout cannot show: the final newline of a value, the artifacts' URLs; the
# date is the machine's local time in its culture's format.
PS: dict[str, Any] = {"date": "5/27/2015 6:58:21 PM", "signature": SIGFILE.rstrip("\n"),
                      "manifest": MANIFEST.rstrip("\n"), "artifacts": False}

def powershell_list(status: dict[str, Any]) -> str:
    """Get-IEStatus's response object as PowerShell's list layout: properties sorted by name
    (the SDK declares them so), then the .NET response's own; names padded to one column,
    further lines of a value indented to the value column, null members printed empty."""
    props = {**{k: v for k, v in status.items()},
             "ArtifactList": "{Amazon.ImportExport.Model.Artifact}",
             "CreationDate": "5/27/2015 6:58:21 PM", "Carrier": "", "TrackingNumber": "",
             "LogBucket": "", "LogKey": ""}
    names = [*sorted(props), "ResponseMetadata", "ContentLength", "HttpStatusCode"]
    props.update(ResponseMetadata="Amazon.Runtime.ResponseMetadata", ContentLength="1466",
                 HttpStatusCode="OK")
    pad = max(map(len, names))
    lines = [""]
    for name in names:
        value = str(props[name]).rstrip("\n").split("\n")
        lines.append(f"{name.ljust(pad)} : {value[0]}".rstrip(" "))
        lines.extend(" " * (pad + 3) + more for more in value[1:])
    return "\n".join([*lines, "", "", ""])


def test_powershell_list_redirected_by_powershell_51_is_read() -> None:
    text = powershell_list(STATUS)
    # Windows PowerShell 5.1's '>' writes UTF-16LE with a BOM and CR LF line ends.
    data = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
    notes = _check(data, "powershell", **PS)
    assert any(n.startswith("MT506 the file is UTF-16-LE with a byte order mark") for n in notes)
    assert any(n.startswith("MT522 read from AWS Tools for PowerShell's list layout") and
               "CreationDate is kept as PowerShell printed it (local time and culture)" in n
               for n in notes)
    assert "MT503 ArtifactList shows only .NET type names in this layout; its URLs are not " \
           "read" in notes
    assert not any("MT505" in n for n in notes)  # ResponseMetadata, ContentLength: not members


def test_powershell_list_in_utf8_is_read() -> None:
    _check(powershell_list(STATUS), "powershell", **PS)


def test_powershell_list_wrapped_at_the_console_width_is_uncertain() -> None:
    long = {**STATUS, "CurrentManifest": MANIFEST + "generator: " + "x" * 90 + "\n"}
    text = powershell_list(long)
    width = 100
    wrapped = []
    for line in text.split("\n"):  # PowerShell cuts a line at the width, goes on indented
        while len(line) > width:
            wrapped.append(line[:width])
            line = " " * 24 + line[width:]
        wrapped.append(line)
    reading = read_status("\n".join(wrapped).encode())
    assert "CurrentManifest" in reading.uncertain
    assert any(d.rule == "MT503" and d.message.startswith(
        "CurrentManifest has a line as long as the layout's width (100 columns)")
        for d in reading.diagnostics)


def test_convertto_json_date_becomes_the_timestamp() -> None:
    # ConvertTo-Json (Windows PowerShell 5.1): "\/Date(ms)\/", enums as {"Value": ...},
    # the .NET response's own properties beside AWS's members.
    obj = {**STATUS, "JobType": {"Value": "Import"}, "CreationDate": "@DATE@",
           "ContentLength": 1466, "HttpStatusCode": 200}
    text = json.dumps(obj, indent=4).replace('"@DATE@"', '"\\/Date(1432753101000)\\/"')
    notes = _check(text, "json")
    assert not any("MT505" in n or "MT504" in n for n in notes), notes


def test_json_date_keeps_milliseconds_and_refuses_other_text() -> None:
    assert json_date("/Date(1432753101000)/") == "2015-05-27T18:58:21Z"
    assert json_date("/Date(1432753101250+0200)/") == "2015-05-27T18:58:21.250Z"
    assert json_date("2015-05-27T18:58:21Z") is None
    assert json_date("/Date(99999999999999999)/") is None


# --- boto3 -----------------------------------------------------------------------------

def _xml(status: dict[str, Any]) -> bytes:
    members = [(k, [[("Description", a["Description"]), ("URL", a["URL"])]
                    for a in v] if k == "ArtifactList" else v) for k, v in status.items()]
    return response_document("GetStatus", members, "8d6f2e61-0c3a-4b9e-9d0e-3f1f0a7c2b11")


def boto3_response(status: dict[str, Any]) -> dict[str, Any]:
    """What boto3's get_status returns: botocore's own parser over the API's XML."""
    import botocore.parsers
    import botocore.session
    from dateutil.tz import tzutc  # type: ignore[import-untyped]

    model = botocore.session.get_session().get_service_model("importexport")
    shape = model.operation_model("GetStatus").output_shape
    parsed: dict[str, Any] = botocore.parsers.QueryParser().parse(
        {"body": _xml(status), "status_code": 200,
         "headers": {"x-amzn-requestid": "8d6f2e61", "content-type": "text/xml"}}, shape)
    parsed["CreationDate"] = parsed["CreationDate"].astimezone(tzutc())
    parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return parsed


def test_boto3_print_of_the_response_is_read_without_eval() -> None:
    text = repr(boto3_response(STATUS)) + "\n"
    assert "datetime.datetime(2015, 5, 27, 18, 58, 21, tzinfo=tzutc())" in text
    notes = _check(text, "python", date="2015-05-27T18:58:21+00:00")
    assert notes == []


def test_boto3_pprint_is_read_too() -> None:
    _check(pprint.pformat(boto3_response(STATUS)), "python", date="2015-05-27T18:58:21+00:00")


def test_boto3_tzlocal_is_kept_without_offset_and_said() -> None:
    text = repr(boto3_response(STATUS)).replace("tzinfo=tzutc()", "tzinfo=tzlocal()")
    notes = _check(text, "python", date="2015-05-27T18:58:21")
    assert notes == ["MT503 CreationDate was printed in the local zone of the machine that "
                     "ran boto3 (tzlocal()); kept without an offset"]


@pytest.mark.parametrize("code", [
    "{'JobId': __import__('os').system('true')}",
    "{'JobId': 'EX1ID', 'CreationDate': datetime.datetime(2015, 5, 27, tzinfo=open('x'))}",
    "{'JobId': 'EX1ID', **other}",
    "{'JobId': 'EX1ID', 'ErrorCount': (lambda: 0)()}",
])
def test_a_repr_with_anything_but_literals_is_refused(code: str) -> None:
    with pytest.raises(StatusFormatError) as exc:
        read_status(code.encode())
    assert "holds something other than literals and datetime.datetime(...)" in str(exc.value)


# --- the raw API response --------------------------------------------------------------

def test_raw_xml_response_is_read() -> None:
    _check(_xml(STATUS), "xml")


def test_xml_cut_from_aws_debug_output_is_read() -> None:
    log = ("2026-12-03 14:00:00,101 - MainThread - botocore.parsers - DEBUG - Response "
           "headers: {'x-amzn-RequestId': '8d6f2e61', 'Content-Type': 'text/xml'}\n"
           "2026-12-03 14:00:00,101 - MainThread - botocore.parsers - DEBUG - Response body:\n"
           f"{_xml(STATUS)!r}\n"
           "2026-12-03 14:00:00,102 - MainThread - botocore.hooks - DEBUG - Event "
           "needs-retry.importexport.GetStatus: calling handler\n")
    _check(log, "xml")


def test_xml_with_a_dtd_is_refused_before_parsing() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<GetStatusResponse><GetStatusResult><JobId>&b;</JobId></GetStatusResult>'
            '</GetStatusResponse>')
    with pytest.raises(StatusFormatError) as exc:
        read_status(bomb.encode())
    assert "the XML holds a DTD" in str(exc.value)


def test_cut_xml_names_what_is_missing() -> None:
    with pytest.raises(StatusFormatError) as exc:
        read_status(_xml(STATUS)[:200])
    assert "is never closed: the response was cut" in str(exc.value)


# --- e-mail ----------------------------------------------------------------------------

def _quote(text: str, marks: str = "> ") -> str:
    return "\n".join((marks + line).rstrip(" ") if line else marks.rstrip(" ")
                     for line in text.split("\n"))


@pytest.mark.parametrize("marks", ["> ", ">> ", "> > "])
def test_json_quoted_in_a_reply_is_read(marks: str) -> None:
    notes = _check(_quote(json.dumps(STATUS, indent=4), marks), "json")
    depth = marks.count(">")
    shown = " ".join([">"] * depth)
    assert f"MT520 every line was quoted as in an e-mail reply ('{shown} ' before each " \
           "line); the quote marks were removed" in notes


def test_powershell_list_quoted_in_a_reply_is_read() -> None:
    _check(_quote(powershell_list(STATUS)), "powershell", **PS)


def test_boto3_print_quoted_in_a_reply_is_read() -> None:
    _check(_quote(repr(boto3_response(STATUS))), "python", date="2015-05-27T18:58:21+00:00")


def test_unquote_keeps_a_value_line_that_starts_with_a_mark() -> None:
    assert unquote("JobId: EX1ID\n> not a quote\n") == ("JobId: EX1ID\n> not a quote\n", 0)
    assert unquote(">a\n>  b\n") == ("a\n  b\n", 1)  # '>text': the value's own spaces stay


@pytest.mark.parametrize("width", [72, 76, 78])
def test_json_rewrapped_by_a_mail_client_is_joined(width: int) -> None:
    wrapped = "\n".join(textwrap.fill(line, width, drop_whitespace=True,
                                      break_long_words=False, break_on_hyphens=False)
                        for line in json.dumps(STATUS, indent=4).split("\n"))
    assert len(wrapped.split("\n")) > len(json.dumps(STATUS, indent=4).split("\n"))
    reading = read_status(wrapped.encode())
    assert reading.status.ProgressMessage == STATUS["ProgressMessage"]
    assert reading.status.LocationMessage == STATUS["LocationMessage"]
    assert reading.status.CurrentManifest == MANIFEST
    rules = [d.rule for d in reading.diagnostics]
    assert "MT521" in rules
    mt521 = next(d for d in reading.diagnostics if d.rule == "MT521")
    assert "inside JSON strings" in mt521.message and "ProgressMessage" in mt521.message


def test_json_rewrapped_then_quoted_is_read() -> None:
    wrapped = "\n".join(textwrap.fill(line, 72, break_long_words=False,
                                      break_on_hyphens=False)
                        for line in json.dumps(STATUS, indent=4).split("\n"))
    reading = read_status(_quote(wrapped).encode())
    assert reading.status.ProgressMessage == STATUS["ProgressMessage"]
    assert {"MT520", "MT521"} <= {d.rule for d in reading.diagnostics}


def test_unwrap_json_removes_a_flowed_break_without_guessing() -> None:
    text = '{"A": "one two \nthree"}'
    assert unwrap_json(text) == ('{"A": "one two three"}', [1], False)


def test_an_error_response_is_named_as_such() -> None:
    error = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="http://'
             b'importexport.amazonaws.com/doc/2010-06-01/"><Error><Type>Sender</Type><Code>'
             b'InvalidJobIdException</Code><Message>No such job ZZZZZ</Message></Error>'
             b'<RequestId>1f2e</RequestId></ErrorResponse>')
    with pytest.raises(StatusFormatError) as exc:
        read_status(error)
    assert str(exc.value).startswith("this is AWS's error response (InvalidJobIdException: "
                                     "No such job ZZZZZ), not get-status output")
