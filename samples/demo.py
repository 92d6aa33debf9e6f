"""`make demo`: the main job on the bundled samples, printing each command it runs.

validate every sample -> sign one for a job -> write SIGNATURE into a scratch device root ->
verify it against the manifest -> preflight the scratch device (the S3 key of every file), then
the same against a get-status output -> after the "import", reconcile the job's log with the
device. The secret key is AWS's documented example key, given through a key file (never on the
command line).

Until the local Import/Export service writes the log of a simulated job, the log is written
here with the toolkit's own log writer (manifest_tools.logs.write), as AWS would for the
scratch device: every file loaded under the manifest's keys, SIGNATURE and ignored files
103 Ignored.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent
EXAMPLE_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def run(*args: str, expect: int = 0) -> None:
    shown = " ".join(shlex.quote(a) for a in args)
    print(f"\n$ manifest-tools {shown}", flush=True)
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", *args], check=False)
    if proc.returncode != expect:
        print(f"demo: expected exit {expect}, got {proc.returncode}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="manifest-tools-demo-"))
    try:
        steps(scratch)
    finally:
        # The scratch key file is AWS's example key, but a demo leaves no key file behind.
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"demo: scratch files removed ({scratch})")


def steps(scratch: Path) -> None:
    key_file = scratch / "secret-key"
    key_file.write_text(EXAMPLE_KEY + "\n")
    os.chmod(key_file, 0o600)
    device = scratch / "device"
    device.mkdir()
    manifest = str(SAMPLES / "valid" / "s3-import.yaml")
    signature = str(scratch / "SIGNATURE.s3-import")

    print("1. Validate every bundled manifest (warnings shown, exit 0 when no errors)")
    valid = sorted(str(p) for p in (SAMPLES / "valid").glob("*.yaml"))
    run("validate", *valid)
    print("\n   ...and one with mistakes (exit 1, every finding located)")
    run("validate", str(SAMPLES / "invalid" / "MT303-expedited-outside-us.yaml"), expect=1)

    print("\n2. Sign a manifest for job EX1ID (validates it first)")
    run("sign", manifest, "--job-id", "EX1ID", "--key-file", str(key_file),
        "--output", signature)
    print(Path(signature).read_text(), end="")

    print(f"\n3. Write it into a scratch device root ({device}), atomically")
    run("write-signature", str(device), "--signature-file", signature)
    run("write-signature", str(device), "--signature-file", signature)  # idempotent

    print("\n4. Verify the device's SIGNATURE against the manifest and key")
    run("verify", "--signature-file", str(device / "SIGNATURE"), "--manifest", manifest,
        "--key-file", str(key_file))

    print("\n5. Preflight the scratch device: the checks AWS's own reading would fail, and the S3 "
          "key of every file")
    (device / "Old Photos").mkdir()
    (device / "Old Photos" / "beach.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    (device / "notes.txt").write_text("packing list\n")
    (device / "notes.txt.bak").write_text("an editor's backup: ignored by the manifest\n")
    keys = scratch / "keys.csv"
    # A folder, not a mounted disk: warnings (MT603, and MT604 on tmpfs), so exit 0.
    run("preflight", str(device), "--manifest", manifest, "--keys", str(keys))
    print(keys.read_text(), end="")

    print("\n6. From get-status output (any form): write, then verify everything it says")
    status = str(SAMPLES / "status" / "get-status.txt")
    device2 = scratch / "device2"
    device2.mkdir()
    run("status", status)
    run("write-signature", str(device2), "--status", status)
    run("verify", "--status", status, "--device", str(device2), "--key-file", str(key_file))
    print("\n7. After the import: read the job's log and reconcile it with the device")
    log = write_import_log(device, Path(manifest), scratch / "import-log-EX1ID")
    run("log", str(log), "--device", str(device), "--manifest", manifest)
    print("\n   ...one byte changed on the device since: found, and listed to send again")
    photo = device / "Old Photos" / "beach.jpg"
    photo.write_bytes(b"\xff" + photo.read_bytes()[1:])
    retry = scratch / "retry.txt"
    run("log", str(log), "--device", str(device), "--manifest", manifest, "--retry",
        str(retry), expect=1)
    print(f"{retry}:\n{retry.read_text()}", end="")
    print("\ndemo: all steps passed")


def write_import_log(device: Path, manifest: Path, log: Path) -> Path:
    """Files on the scratch device and the log AWS would write for them."""
    sys.path.insert(0, str(SAMPLES.parent))
    from manifest_tools.device.keys import KeyRules
    from manifest_tools.device.walk import walk
    from manifest_tools.logs.write import LogWriter
    from manifest_tools.manifest.parse import parse_manifest

    files = {"Old Photos/beach.jpg": os.urandom(50_000), "notes/readme.txt": b"hello\n",
             "draft.bak": b"old draft", "music/song.mp3": os.urandom(20_000)}
    for rel, data in files.items():
        (device / rel).parent.mkdir(parents=True, exist_ok=True)
        (device / rel).write_bytes(data)
    data = parse_manifest(manifest.read_bytes()).data
    assert isinstance(data, dict)
    rules = KeyRules.from_manifest(data)
    bucket = data["bucket"]
    with log.open("w", newline="", encoding="utf-8") as stream:
        writer = LogWriter(stream)
        for entry in walk(device):
            if entry.kind != "file":
                continue
            decision = rules.decide(entry.relpath)
            body = (device / entry.relpath).read_bytes()
            if entry.relpath == "SIGNATURE":
                writer.signature(len(body))
            elif decision.action == "ignored":
                writer.ignored(entry.relpath, len(body))
            else:
                writer.loaded(entry.relpath, f"{bucket}/{decision.key}",
                              hashlib.md5(body).hexdigest(), len(body))
    print(f"   (log written for the scratch device: {log})")
    return log


if __name__ == "__main__":
    main()
