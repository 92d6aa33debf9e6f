"""The package as a user gets it: the sdist is built from a copy of this checkout, the wheel
from the unpacked sdist (as pip does), and the wheel installed into a fresh venv.

- The installed command works from anywhere, the checkout's own root included (there
  Python imports the checkout's ``manifest_tools``, which has no ``schemas`` sub-package:
  the schemas come from the top-level ``schemas/`` folder then).
- The wheel holds the schemas, ``py.typed`` and the LICENSE; its metadata the licence, the
  capped ruamel.yaml, classifiers and keywords.
- The sdist holds what the suite needs, and its tests collect.

Offline: setuptools from this venv builds in-process (no build isolation, no download); the
fresh venv gets this venv's dependencies through a ``.pth`` line (without this venv's
editable install of the checkout, which only a site directory's own .pth files would add).
"""

from __future__ import annotations

import email
import os
import shutil
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import cputime

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging")]

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "samples" / "valid" / "s3-import.yaml"
IGNORE = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist",
                                ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
                                ".work", "node_modules")
CPU = 120.0  # CPU seconds for one build or install step


@dataclass(frozen=True)
class Built:
    sdist: Path
    unpacked: Path  # the sdist, unpacked
    wheel: Path
    venv: Path  # a fresh venv with the wheel installed


def _env() -> dict[str, str]:
    # Nothing of this pytest run (xdist worker, addopts) leaks into the children.
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "PYTHON")) and k != "VIRTUAL_ENV"}


def _run(argv: list[str], cwd: Path) -> str:
    run = cputime.run(argv, cpu_seconds=CPU, cwd=cwd, env=_env())
    assert run.problem() is None, run.problem()
    assert run.returncode == 0, (argv, run.out[-3000:], run.err[-3000:])
    return run.out


def _build(kind: str, source: Path, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    name = _run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
                 f"print(b.build_{kind}(sys.argv[1]))", str(out)], source).splitlines()[-1]
    return out / name


def _share_bytecode(unpacked: Path) -> None:
    """Copy this checkout's byte-code (``make test`` compiles the package and the tests, and
    pytest writes its rewritten test modules) beside the unpacked sdist's sources: compiling
    them all again was ~4.5 of the ~7 CPU s of collecting its tests. Python uses a ``.pyc``
    only while its source has the size and mtime it was compiled from (the sdist keeps both),
    and compiles the source otherwise, so this changes no outcome. The sdist itself holds no
    byte-code (test_sdist_holds_what_the_suite_needs)."""
    for top in ("manifest_tools", "tests"):
        for cache in (ROOT / top).rglob("__pycache__"):
            target = unpacked / cache.relative_to(ROOT)
            if target.parent.is_dir():
                shutil.copytree(cache, target, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    where = tmp_path_factory.mktemp("packaging")
    source = where / "checkout"
    shutil.copytree(ROOT, source, ignore=IGNORE)
    sdist = _build("sdist", source, where / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(where / "unpacked", filter="data")
    unpacked = where / "unpacked" / sdist.name.removesuffix(".tar.gz")
    _share_bytecode(unpacked)
    wheel = _build("wheel", unpacked, where / "dist")
    venv = where / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], where)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", "--no-index", str(wheel)], where)
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                where).strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield Built(sdist, unpacked, wheel, venv)


def _validate(built: Built, cwd: Path, *command: str) -> cputime.Finished:
    return cputime.run([*command, "validate", str(VALID)], cpu_seconds=30, cwd=cwd,
                       env=_env())


@pytest.mark.parametrize("where", ["checkout-root", "elsewhere"])
def test_installed_command_runs_from_anywhere(built: Built, tmp_path: Path, where: str) -> None:
    cwd = ROOT if where == "checkout-root" else tmp_path
    python = str(built.venv / "bin" / "python")
    for command in ([python, "-m", "manifest_tools"], [str(built.venv / "bin" / "manifest-tools")]):
        run = _validate(built, cwd, *command)
        assert run.problem() is None, run.problem()
        assert (run.returncode, run.err) == (0, ""), (command, run.out, run.err)
        assert "1 file checked, all valid" in run.out


def test_elsewhere_the_installed_package_and_its_schemas_are_used(built: Built,
                                                                   tmp_path: Path) -> None:
    out = _run([str(built.venv / "bin" / "python"), "-c",
                "import manifest_tools.manifest.schema as s; print(s.schema_folder()); "
                "print(sorted(s.load_schemas()))"], tmp_path)
    folder, names = out.splitlines()
    assert Path(folder).is_relative_to(built.venv), folder
    assert Path(folder).name == "schemas"
    assert names == repr(sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json")))


def test_wheel_contents_and_metadata(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(wheel.read(info))
        licence = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
        assert wheel.read(licence) == (ROOT / "LICENSE").read_bytes()
    for schema in (ROOT / "schemas").glob("*.schema.json"):
        assert f"manifest_tools/schemas/{schema.name}" in names
    assert "manifest_tools/py.typed" in names
    assert not any(n.startswith(("tests/", "samples/", "schemas/")) for n in names), names
    assert meta["License-Expression"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text() and meta["License-File"]
    ruamel = [r for r in meta.get_all("Requires-Dist", []) if r.startswith("ruamel")]
    assert ruamel and "<0.20" in ruamel[0], ruamel
    assert meta.get_all("Classifier") and meta["Keywords"]
    for what in ("validate", "sign", "get-status", "preflight", "log", "service"):
        assert what in meta["Summary"], meta["Summary"]


def test_sdist_holds_what_the_suite_needs(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in ("LICENSE", "Makefile", ".pre-commit-hooks.yaml", "pyproject.toml",
                   "MANIFEST.in", "tests/conftest.py", "tests/cputime.py",
                   "samples/invalid/expected.tsv", "samples/demo.py",
                   "schemas/s3-import.schema.json", "tests/fixtures/sarif-schema-2.1.0.json"):
        assert needed in names, needed
    tracked = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert tracked <= names, sorted(tracked - names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_the_unpacked_sdist_tests_collect(built: Built) -> None:
    out = _run([sys.executable, "-m", "pytest", "-o", "addopts=", "--collect-only", "-q",
                "-p", "no:cacheprovider"], built.unpacked)
    assert " collected" in out.splitlines()[-1] and "error" not in out.splitlines()[-1], out
    files = {line.split("::", 1)[0] for line in out.splitlines() if "::" in line}
    here = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")}
    assert files == here, sorted(files ^ here)
