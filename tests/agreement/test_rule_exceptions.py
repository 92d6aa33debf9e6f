"""`manifest-tools rules` and the local service name the same AWS exception for each rule.

Every error rule that names an AWS exception has an example; each example is built into a
whole manifest (the tests' base import, the example's fields put in place of the base's),
sent to the service's CreateJob (the backend the HTTP server calls, ValidateOnly), and the
exception it answers must be the one ``rules ID`` names for that field.
"""

from __future__ import annotations

import re

import pytest

from manifest_tools.credentials import SecretKey
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.manifest.validate import check_manifest
from manifest_tools.report.rules import render_rule
from manifest_tools.rules import RULES, aws_exception
from manifest_tools.service.errors import ServiceError
from manifest_tools.service.operations import Context, create_job
from manifest_tools.service.store import Store
from tests.manifests import ADDRESS, EXPORT, IMPORT, NOTIFY

from .conftest import ACCESS, SECRET

# An EBS import (3.0): the operations rules (MT313, MT331) judge its operations.
EBS = ("manifestVersion: 3.0\naccessKeyId: AKIA2E0A8F3B244C9986\ndeviceId: 532404500021\n"
       "eraseDevice: yes\nlogBucket: example-log-bucket\noperations:\n"
       "  - destination: ebs-snapshot\n    source: device\n    region: us-east-1\n"
       ) + ADDRESS + NOTIFY

# Examples that are words, not manifest text, or that belong inside returnAddress: the
# whole manifest each stands for.
WHOLE: dict[str, bytes] = {
    "MT101": IMPORT.replace("city: Boston", "city: M\xfcnchen").encode("latin-1"),
    "MT105": IMPORT.replace("  name: Jane Doe", "\tname: Jane Doe").encode(),
    "MT109": b"- bucket: my-bucket\n",
    "MT110": b"# nothing but comments\n",
    "MT113": IMPORT.replace("deviceId: 49382", "deviceId: AB\x00CD").encode(),
    "MT115": IMPORT.encode("utf-16"),
    "MT117": IMPORT.replace("street1: 123 Main Street",
                            "street1: Unit 4: Rear Entrance").encode(),
    "MT118": IMPORT.replace("  city: Boston", "   city: Boston").encode(),
    "MT119": IMPORT.replace("  name: Jane Doe", "\u00a0\u00a0name: Jane Doe").encode(),
    "MT313": EBS.replace("    region: us-east-1\n", "    region: us-east-1\n"
                         "    deviceCapacityGreaterThan1TB: maybe\n").encode(),
    "MT331": EBS.replace("region: us-east-1", "region: eu-west-1").encode(),
    "MT201": IMPORT.replace("bucket: example-import-bucket\n", "").encode(),
    "MT208": IMPORT.replace("name: Jane Doe", "name: [Your name]").encode(),
    "MT301": (IMPORT + "logPrefix: " + "x" * 1020 + "\n").encode(),
    "MT302": EXPORT.encode(),
    "MT303": (IMPORT.replace("  stateOrProvince: MA\n", "").replace("USA", "Germany")
              + "serviceLevel: expeditedShipping\n").encode(),
    "MT309": IMPORT.replace("  stateOrProvince: MA\n", "").replace("USA", "Canada").encode(),
}
_TOP = re.compile(r"([A-Za-z][A-Za-z0-9]*)\s*[:=]")


def _merged(example: str) -> bytes:
    """The base import with each top-level field of ``example`` (and its block) replaced."""
    keys = {m.group(1) for line in example.splitlines() if (m := _TOP.match(line))}
    kept: list[str] = []
    skipping = False
    for line in IMPORT.splitlines(keepends=True):
        m = _TOP.match(line)
        if m is not None or not line.startswith((" ", "\t")):
            skipping = m is not None and m.group(1) in keys
        if not skipping:
            kept.append(line)
    return ("".join(kept) + example + "\n").encode()


# MT205 (the job type cannot be told from the fields) never reaches CreateJob's answer: the
# request's JobType says it, and the manifest is judged as that type (a field it then
# lacks is MT201, MissingManifestFieldException, the exception MT205 names too).
ERROR_RULES = sorted(r.id for r in RULES.values()
                     if r.level == "error" and r.aws_error and r.example and r.id != "MT205")


def test_every_error_rule_with_an_exception_has_an_example() -> None:
    # MT123 (the file cannot be read at all) never reaches a service; MT127 (another kind of
    # file: get-status, a SIGNATURE) is validate's word for the file, while CreateJob judges
    # the fields the JobType asks for (a missing one: MissingManifestFieldException).
    assert {r.id for r in RULES.values() if r.level == "error" and r.id < "MT400"} - set(
        ERROR_RULES) == {"MT123", "MT127", "MT205"}


@pytest.mark.parametrize("rule", ERROR_RULES)
def test_the_service_answers_the_exception_rules_names(rule: str, tmp_path: object) -> None:
    manifest = WHOLE.get(rule) or _merged(RULES[rule].example)
    _, found = check_manifest(parse_manifest(manifest),
                                     JobType.IMPORT if rule == "MT201" else None)
    errors = sorted((d for d in found if d.is_error), key=lambda d: d.sort_key())
    assert errors and errors[0].rule == rule, [(d.rule, d.message) for d in errors]
    named = aws_exception(rule, errors[0].pointer)
    assert named in render_rule(RULES[rule])  # what `manifest-tools rules ID` prints
    store = Store(str(tmp_path))
    ctx = Context(store, {ACCESS: SecretKey(SECRET, "test")}, "http://localhost")
    with pytest.raises(ServiceError) as refused:
        create_job(ctx, ACCESS, {"JobType": b"Export" if rule == "MT302" else b"Import",
                                 "Manifest": manifest, "ValidateOnly": b"true"})
    store.close()
    assert refused.value.code == named
    assert f"({rule})" in str(refused.value)  # the finding answered is the example's
