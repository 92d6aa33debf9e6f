"""The JSON Schemas in the top-level ``schemas/`` folder, tested on their own.

The schemas must work without manifest-tools: in editors (yaml-language-server) and with
``check-jsonschema`` on manifests in standard YAML form, where ``2.0`` is a number. They must
also work on the tree manifest-tools validates, where every scalar is a string.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML

from manifest_tools.schemas_bundle import bundle, schema_id, with_id

ROOT = Path(__file__).parents[2]
SCHEMAS = ROOT / "schemas"
STANDARD = ROOT / "samples" / "standard"
VALID = ROOT / "samples" / "valid"

JOB_TYPES = ["s3-import", "s3-export", "ebs-import", "glacier-import"]
SCHEMA_FILES = ["common", *JOB_TYPES]

# Samples in samples/valid/ that are also standard YAML (the compact and flat-address forms
# need manifest-tools' lenient reader), with their job type.
VALID_STANDARD_FORM = {
    "s3-import.yaml": "s3-import",
    "s3-import-crlf.yaml": "s3-import",
    "s3-import-utf8.yaml": "s3-import",
    "s3-export.yaml": "s3-export",
    "s3-export-pincode.yaml": "s3-export",
    "ebs-import.yaml": "ebs-import",
    "glacier-import.yaml": "glacier-import",
}

Tree = dict[str, Any]


def _schema(name: str) -> Tree:
    data: Tree = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return data


def _registry() -> Registry[Any]:
    resources = [
        (f"{name}.schema.json", Resource.from_contents(_schema(name), DRAFT202012))
        for name in SCHEMA_FILES
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


def _validator(job_type: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(job_type), registry=_registry())


def _load_standard(job_type: str) -> Tree:
    data: Tree = YAML(typ="safe", pure=True).load(
        (STANDARD / f"{job_type}.yaml").read_text(encoding="utf-8")
    )
    return data


def _errors(job_type: str, tree: Tree) -> list[ValidationError]:
    return sorted(_validator(job_type).iter_errors(tree), key=lambda e: list(e.absolute_path))


def _walk(node: Any) -> list[Any]:
    """Every mapping and list in a schema, depth first."""
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


# --- the schema files themselves -------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = _schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_has_its_id_and_refers_to_nothing_outside_itself(name: str) -> None:
    """Each file works alone (printed by `schema`, opened from the installed package): its
    $id names the published file and every $ref is internal."""
    schema = _schema(name)
    assert schema["$id"] == schema_id(f"{name}.schema.json")
    for node in _walk(schema)[1:]:
        if isinstance(node, dict):
            assert "$id" not in node
            target = node.get("$ref")
            if isinstance(target, str):
                assert target.startswith("#/$defs/"), target


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_bundled_schema_is_in_sync_with_common(job_type: str) -> None:
    """The shared definitions are copies of common.schema.json's: run
    scripts/bundle_schemas.py after editing it."""
    schema = _schema(job_type)
    assert bundle(f"{job_type}.schema.json", schema, _schema("common")) == schema
    assert with_id("common.schema.json", _schema("common")) == _schema("common")


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_every_property_has_a_description(job_type: str) -> None:
    defs = _schema(job_type)["$defs"]

    def described(prop: Tree) -> bool:
        if "description" in prop:
            return True
        target = prop.get("$ref", "")
        return target.startswith("#/$defs/") and "description" in defs[target.rsplit("/", 1)[1]]

    for node in _walk(_schema(job_type)):
        if isinstance(node, dict) and isinstance(node.get("properties"), dict):
            for key, prop in node["properties"].items():
                assert described(prop), f"{job_type}: property {key} has no description"


def test_yes_no_fields_offer_their_values_as_an_enum() -> None:
    """Editors complete an enum; other letter cases stay valid (AWS read them)."""
    yes_no = _schema("s3-import")["$defs"]["yesNo"]
    assert {"yes", "no"} <= set(yes_no["anyOf"][0]["enum"])
    tree = _load_standard("s3-import")
    for value in ("yes", "No", "yEs"):
        tree["eraseDevice"] = value
        assert _errors("s3-import", tree) == [], value


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_top_level_is_closed(job_type: str) -> None:
    assert _schema(job_type)["additionalProperties"] is False


def test_required_fields() -> None:
    assert _schema("s3-import")["required"] == [
        "manifestVersion",
        "deviceId",
        "returnAddress",
        "bucket",
    ]
    assert _schema("s3-export")["required"] == [
        "manifestVersion",
        "deviceId",
        "returnAddress",
        "fileSystem",
        "operations",
        "logBucket",
    ]
    for job_type in ("ebs-import", "glacier-import"):
        assert _schema(job_type)["required"] == [
            "manifestVersion",
            "deviceId",
            "returnAddress",
            "eraseDevice",
            "logBucket",
            "operations",
        ]
    for job_type in JOB_TYPES:
        assert "accessKeyId" not in _schema(job_type)["required"]


# --- the standard samples --------------------------------------------------------------------


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_standard_sample_is_valid(job_type: str) -> None:
    assert _errors(job_type, _load_standard(job_type)) == []


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_standard_sample_has_modeline(job_type: str) -> None:
    first = (STANDARD / f"{job_type}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../../schemas/{job_type}.schema.json"
    assert (STANDARD / f"../../schemas/{job_type}.schema.json").resolve().is_file()


def test_standard_samples_exercise_numbers() -> None:
    """Standard YAML types 2.0 and 49382 as numbers; the schemas accept them."""
    tree = _load_standard("s3-import")
    assert tree["manifestVersion"] == 2.0
    assert isinstance(tree["deviceId"], int)
    assert _load_standard("glacier-import")["manifestVersion"] == 3.0


@pytest.mark.parametrize("name", sorted(VALID_STANDARD_FORM))
def test_valid_samples_as_all_string_trees(name: str) -> None:
    """manifest-tools reads every scalar as a string; the base loader does the same."""
    tree: Tree = YAML(typ="base").load((VALID / name).read_text(encoding="utf-8"))
    assert isinstance(tree["manifestVersion"], str)
    assert _errors(VALID_STANDARD_FORM[name], tree) == []


def test_all_string_tree_keeps_text() -> None:
    tree = _load_standard("s3-import")
    tree.update(manifestVersion="2.0", deviceId="49382", eraseDevice="Yes")
    tree["returnAddress"]["postalCode"] = "02134"
    tree["customs"]["deviceValue"] = "250.00"
    tree["returnAddress"]["street2"] = ""
    assert _errors("s3-import", tree) == []


def test_crlf_sample_bytes() -> None:
    data = (VALID / "s3-import-crlf.yaml").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 5


# --- mutations that must fail ----------------------------------------------------------------

Mutation = Callable[[Tree], None]


def _set(*path: str | int, value: Any) -> Mutation:
    def apply(tree: Tree) -> None:
        node: Any = tree
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return apply


def _delete(*path: str | int) -> Mutation:
    def apply(tree: Tree) -> None:
        node: Any = tree
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return apply


# (job type, mutation, expected error path, expected validator)
MUTATIONS: dict[str, tuple[str, Mutation, list[str | int], str]] = {
    "s3-import missing bucket": ("s3-import", _delete("bucket"), [], "required"),
    "s3-import acl world": ("s3-import", _set("acl", value="world"), ["acl"], "enum"),
    "s3-import manifestVersion 3.0": (
        "s3-import",
        _set("manifestVersion", value="3.0"),
        ["manifestVersion"],
        "anyOf",
    ),
    "s3-import manifestVersion number 3.0": (
        "s3-import",
        _set("manifestVersion", value=3.0),
        ["manifestVersion"],
        "anyOf",
    ),
    "s3-import unknown field": ("s3-import", _set("bukket", value="x"), [], "additionalProperties"),
    "s3-import eraseDevice maybe": (
        "s3-import",
        _set("eraseDevice", value="maybe"),
        ["eraseDevice"],
        "anyOf",  # the enum of the usual spellings, or the pattern of any letter case
    ),
    "s3-import accessKeyId lower case": (
        "s3-import",
        _set("accessKeyId", value="akiaiosfodnn7example"),
        ["accessKeyId"],
        "pattern",
    ),
    "s3-import accessKeyId 19 characters": (
        "s3-import",
        _set("accessKeyId", value="AKIAIOSFODNN7EXAMPL"),
        ["accessKeyId"],
        "pattern",
    ),
    "s3-import ignore not a list": ("s3-import", _set("ignore", value="^tmp/"), ["ignore"], "type"),
    "s3-import contentTypes nested": (
        "s3-import",
        _set("contentTypes", "jpg", value={"a": "b"}),
        ["contentTypes", "jpg"],
        "type",
    ),
    "s3-import serviceLevel overnight": (
        "s3-import",
        _set("serviceLevel", value="overnight"),
        ["serviceLevel"],
        "enum",
    ),
    "s3-import returnAddress missing city": (
        "s3-import",
        _delete("returnAddress", "city"),
        ["returnAddress"],
        "required",
    ),
    "s3-import returnAddress unknown field": (
        "s3-import",
        _set("returnAddress", "zip", value="02134"),
        ["returnAddress"],
        "additionalProperties",
    ),
    "s3-import customs unknown field": (
        "s3-import",
        _set("customs", "value", value="1"),
        ["customs"],
        "additionalProperties",
    ),
    "s3-import customs deviceType": (
        "s3-import",
        _set("customs", "deviceType", value="floppy"),
        ["customs", "deviceType"],
        "enum",
    ),
    "s3-export operation without exportBucket": (
        "s3-export",
        _delete("operations", 0, "exportBucket"),
        ["operations", 0],
        "required",
    ),
    "s3-export operation unknown field": (
        "s3-export",
        _set("operations", 0, "bucket", value="x"),
        ["operations", 0],
        "additionalProperties",
    ),
    "s3-export empty operations": (
        "s3-export",
        _set("operations", value=[]),
        ["operations"],
        "minItems",
    ),
    "s3-export fileSystem HFS": (
        "s3-export",
        _set("fileSystem", value="HFS+"),
        ["fileSystem"],
        "pattern",
    ),
    "s3-export missing logBucket": ("s3-export", _delete("logBucket"), [], "required"),
    "s3-export manifestVersion 3.0": (
        "s3-export",
        _set("manifestVersion", value="3.0"),
        ["manifestVersion"],
        "anyOf",
    ),
    "ebs-import manifestVersion 2.0": (
        "ebs-import",
        _set("manifestVersion", value="2.0"),
        ["manifestVersion"],
        "enum",
    ),
    "ebs-import legacy 1.0": (
        "ebs-import",
        _set("manifestVersion", value="1.0"),
        ["manifestVersion"],
        "enum",
    ),
    "ebs-import eraseDevice maybe": (
        "ebs-import",
        _set("eraseDevice", value="maybe"),
        ["eraseDevice"],
        "anyOf",  # the enum of the usual spellings, or the pattern of any letter case
    ),
    "ebs-import missing eraseDevice": ("ebs-import", _delete("eraseDevice"), [], "required"),
    "ebs-import wrong destination": (
        "ebs-import",
        _set("operations", 0, "destination", value="glacier"),
        ["operations", 0, "destination"],
        "enum",
    ),
    "ebs-import missing region": (
        "ebs-import",
        _delete("operations", 0, "region"),
        ["operations", 0],
        "required",
    ),
    "glacier-import archiveComment 998": (
        "glacier-import",
        _set("operations", 0, "archiveComment", value="x" * 998),
        ["operations", 0, "archiveComment"],
        "maxLength",
    ),
    "glacier-import missing vaultName": (
        "glacier-import",
        _delete("operations", 0, "vaultName"),
        ["operations", 0],
        "required",
    ),
    "glacier-import operation unknown field": (
        "glacier-import",
        _set("operations", 0, "vault", value="x"),
        ["operations", 0],
        "additionalProperties",
    ),
    "glacier-import wrong source": (
        "glacier-import",
        _set("operations", 0, "source", value="s3"),
        ["operations", 0, "source"],
        "enum",
    ),
    "glacier-import missing logBucket": ("glacier-import", _delete("logBucket"), [], "required"),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_mutation_fails_for_the_right_reason(case: str) -> None:
    job_type, mutate, path, validator = MUTATIONS[case]
    tree = copy.deepcopy(_load_standard(job_type))
    mutate(tree)
    errors = _errors(job_type, tree)
    assert len(errors) == 1, [(list(e.absolute_path), e.message) for e in errors]
    assert list(errors[0].absolute_path) == path
    assert errors[0].validator == validator


def test_missing_field_is_named() -> None:
    tree = _load_standard("s3-import")
    del tree["bucket"]
    (error,) = _errors("s3-import", tree)
    assert "'bucket' is a required property" in error.message


def test_archive_comment_of_997_characters_is_valid() -> None:
    tree = _load_standard("glacier-import")
    tree["operations"][0]["archiveComment"] = "é" * 997
    assert _errors("glacier-import", tree) == []


def test_ebs_operation_accepts_unknown_sub_fields() -> None:
    tree = _load_standard("ebs-import")
    tree["operations"][0]["snapshotDescription"] = "nightly"
    assert _errors("ebs-import", tree) == []


@pytest.mark.parametrize("version", ["1.0", "1.5", 1.0, "2.0", 2.0])
def test_s3_schemas_accept_current_and_legacy_versions(version: str | float) -> None:
    for job_type in ("s3-import", "s3-export"):
        tree = _load_standard(job_type)
        tree["manifestVersion"] = version
        assert _errors(job_type, tree) == []


@pytest.mark.parametrize("value", ["yes", "no", "Yes", "No", "YES", "nO"])
def test_yes_no_is_case_insensitive(value: str) -> None:
    tree = _load_standard("glacier-import")
    tree["eraseDevice"] = value
    assert _errors("glacier-import", tree) == []


@pytest.mark.parametrize("value", ["NTFS", "ntfs", "EXT4", "EXT3", "EXT2", "FAT32", "fat32"])
def test_file_systems(value: str) -> None:
    tree = _load_standard("s3-export")
    tree["fileSystem"] = value
    assert _errors("s3-export", tree) == []


# --- check-jsonschema ------------------------------------------------------------------------


def _check_jsonschema() -> Path:
    exe = Path(sys.executable).parent / "check-jsonschema"
    if not exe.is_file():
        pytest.skip("check-jsonschema is not installed next to this Python")
    return exe


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_check_jsonschema_accepts_standard_sample(job_type: str) -> None:
    result = subprocess.run(
        [
            str(_check_jsonschema()),
            "--schemafile",
            str(SCHEMAS / f"{job_type}.schema.json"),
            str(STANDARD / f"{job_type}.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_check_jsonschema_rejects_broken_copy(job_type: str, tmp_path: Path) -> None:
    exe = _check_jsonschema()
    # Copy the schemas too: relative refs resolve against the schema file's own location.
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (STANDARD / f"{job_type}.yaml").read_text(encoding="utf-8")
    broken = tmp_path / f"{job_type}.yaml"
    broken.write_text(text + "planet: Earth\n", encoding="utf-8")  # unknown top-level field
    result = subprocess.run(
        [str(exe), "--schemafile", str(schemas / f"{job_type}.schema.json"), str(broken)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "planet" in result.stdout + result.stderr
