"""`make demo`: the main job on the bundled samples, printing each command it runs.

validate every sample -> sign one for a job -> write SIGNATURE into a scratch device root ->
verify it against the manifest -> preflight the scratch device (the S3 key of every file), then
the same against a get-status output -> after the "import", reconcile the job's log with the
device; finally a whole job rehearsed against the local Import/Export service with the real
AWS CLI (create-job, prepare from get-status text: copy, journal, SIGNATURE, preflight;
receive, get-status, the log it wrote against device and journal, return, then the journal
alone once the device is erased). The secret key is AWS's documented example key, given
through a key file (never on the command line).

In step 6 the log is written with the toolkit's own log writer (manifest_tools.logs.write), as
AWS would for the scratch device; in step 7 the local service writes it.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent
EXAMPLE_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def run(*args: str, expect: int = 0, expect_any: bool = False) -> None:
    shown = " ".join(shlex.quote(a) for a in args)
    print(f"\n$ manifest-tools {shown}", flush=True)
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", *args], check=False)
    if expect_any and proc.returncode in (0, 1):
        return
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
    rehearse_job(scratch, key_file)
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


# --- 7. a whole job against the local Import/Export service, with the real AWS CLI ----------

EXAMPLE_ACCESS = "AKIA2E0A8F3B244C9986"


def _start_service(scratch: Path) -> tuple[subprocess.Popen[str], str]:
    creds = scratch / "service-credentials"
    creds.write_text(f"[default]\naws_access_key_id = {EXAMPLE_ACCESS}\n"
                     f"aws_secret_access_key = {EXAMPLE_KEY}\n")
    os.chmod(creds, 0o600)
    args = ["service", "run", "--port", "0", "--data", str(scratch / "service"),
            "--credentials", str(creds)]
    print(f"\n$ manifest-tools {' '.join(shlex.quote(a) for a in args)} &", flush=True)
    proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    print(line, end="")
    if "listening on" not in line:
        proc.kill()
        sys.exit("demo: the service did not start")
    return proc, line.strip().rsplit(" ", 1)[1]


def _aws(url: str, scratch: Path, *args: str, output: Path | None = None) -> str:
    """The real AWS CLI, with a private HOME and config and the example key pair."""
    home = scratch / "aws-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"HOME": str(home), "AWS_CONFIG_FILE": str(home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                "AWS_ACCESS_KEY_ID": EXAMPLE_ACCESS, "AWS_SECRET_ACCESS_KEY": EXAMPLE_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""})
    shown = " ".join(shlex.quote(a) for a in args)
    print(f"\n$ aws importexport {shown} --endpoint-url {url}"
          + (f" > {output.name}" if output else ""), flush=True)
    aws = str(Path(sys.executable).with_name("aws"))
    proc = subprocess.run([aws, "importexport", *args, "--endpoint-url", url], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"demo: aws failed: {proc.stderr}")
    if output is not None:
        output.write_text(proc.stdout)
    else:
        print(proc.stdout, end="")
    return proc.stdout


def _source_for_job(scratch: Path) -> Path:
    source = scratch / "job-source"
    (source / "Old Photos").mkdir(parents=True)
    (source / "Old Photos" / "beach.jpg").write_bytes(b"\xff\xd8\xff beach")
    (source / "notes.txt").write_text("what is on this disk\n")
    (source / "notes.txt.bak").write_text("an old copy\n")
    return source


def _has_command(name: str) -> bool:
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", name, "--help"],
                          capture_output=True, check=False)
    return proc.returncode == 0


def rehearse_job(scratch: Path, key_file: Path) -> None:
    import json

    print("\n7. Rehearse a whole job against the local Import/Export service with the real "
          "AWS CLI")
    print("   The service speaks the 2010-06-01 API; the CLI only needs --endpoint-url.")
    service, url = _start_service(scratch)
    try:
        manifest = SAMPLES / "valid" / "s3-import.yaml"
        print("\n   create-job: the service validates the manifest, issues a JobId and "
              "signs the manifest with the caller's secret key")
        job_id = json.loads(_aws(url, scratch, "create-job", "--job-type", "Import",
                                 "--manifest", f"file://{manifest}",
                                 "--no-validate-only"))["JobId"]
        print("\n   get-status as text (what a user saves); prepare copies the source folder "
              "onto the device, hashing as it copies, with a journal kept outside the "
              "device, writes SIGNATURE from that output and runs the device's preflight")
        status = scratch / "job-status.txt"
        _aws(url, scratch, "get-status", "--job-id", job_id, "--output", "text",
             output=status)
        source, device = _source_for_job(scratch), scratch / "job-device"
        device.mkdir()
        journal = scratch / "job.journal"
        run("prepare", str(source), str(device), "--manifest", str(manifest), "--status",
            str(status), "--journal", str(journal))
        print("\n   the same command again (after a crash it would go on): nothing to copy")
        run("prepare", str(source), str(device), "--manifest", str(manifest), "--status",
            str(status), "--journal", str(journal), "--format", "json")
        print("\n   The device 'arrives': the receiving dock checks its SIGNATURE, imports "
              "it with the manifest's prefix, substitutions and ignore rules and writes the "
              "import log")
        run("service", "receive", job_id, str(device), "--data", str(scratch / "service"),
            "--copy")
        print("\n   get-status now says Success, with the log's bucket and key")
        answer = json.loads(_aws(url, scratch, "get-status", "--job-id", job_id, "--query",
                                 "{Progress: ProgressCode, Location: LocationCode, "
                                 "Errors: ErrorCount, LogBucket: LogBucket, LogKey: LogKey}"))
        log = scratch / "service" / "buckets" / answer["LogBucket"] / answer["LogKey"]
        print(f"\n   the import log ({log}):")
        print(log.read_text(encoding="utf-8"), end="")
        if _has_command("log"):
            print("\n   manifest-tools log reconciles that log with the device, with the key "
                  "rules of get-status's CurrentManifest: every file arrived unchanged")
            after = scratch / "job-status-after.json"
            _aws(url, scratch, "get-status", "--job-id", job_id, output=after)
            run("log", str(log), "--device", str(device), "--journal", str(journal),
                "--status", str(after))
        print("\n   The device is shipped back")
        run("service", "return", job_id, "--data", str(scratch / "service"),
            "--tracking-number", "1Z999AA10123456784")
        _aws(url, scratch, "get-status", "--job-id", job_id, "--query",
             "[LocationCode, Carrier, TrackingNumber]", "--output", "text")
        print("\n   verify: the device's SIGNATURE, the manifest and the key agree with what "
              "the service said")
        run("verify", "--status", str(status), "--device", str(device), "--manifest",
            str(manifest), "--key-file", str(key_file))
        print("\n   eraseDevice: yes, so the disk comes back blank: the journal alone is "
              "checked against the log")
        shutil.rmtree(device)
        run("log", str(log), "--journal", str(journal))
    finally:
        service.send_signal(signal.SIGTERM)
        code = service.wait(30)
        print(f"\n   service stopped (SIGTERM, exit {code})")


if __name__ == "__main__":
    main()
