"""The AWS SDK for JavaScript v2 (from the npm registry; it signs Import/Export requests with
SigV2) drives the service end to end, as boto3 and the AWS CLI do in the other files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from manifest_tools.signature import compute_signature
from manifest_tools.testing import importexport_server

from .conftest import ACCESS, SAMPLES, SECRET

NPM = shutil.which("npm")
NODE = shutil.which("node")

SCRIPT = r"""
const AWS = require('aws-sdk');
const env = process.env;
const options = {endpoint: env.ENDPOINT, region: 'us-east-1', maxRetries: 0,
                 accessKeyId: env.KEY_ID, secretAccessKey: env.SECRET};
const ie = new AWS.ImportExport(options);
const code = (promise) => promise.then(() => 'none', (e) => e.code);
(async () => {
  const made = await ie.createJob({JobType: 'Import', Manifest: env.MANIFEST,
                                   ValidateOnly: false}).promise();
  const again = await ie.createJob({JobType: 'Import', Manifest: env.MANIFEST,
                                    ValidateOnly: false}).promise();
  const status = await ie.getStatus({JobId: made.JobId}).promise();
  const page = await ie.listJobs({MaxJobs: 1}).promise();
  const rest = await ie.listJobs({MaxJobs: 1, Marker: page.Jobs[0].JobId}).promise();
  const updated = await ie.updateJob({JobId: made.JobId, JobType: 'Import',
                                      Manifest: env.MANIFEST, ValidateOnly: true}).promise();
  const label = await ie.getShippingLabel({jobIds: [made.JobId]}).promise();
  const canceled = await ie.cancelJob({JobId: again.JobId}).promise();
  const forged = new AWS.ImportExport(Object.assign({}, options,
                                                    {secretAccessKey: 'x'.repeat(40)}));
  console.log(JSON.stringify({
    signatureVersion: ie.api.signatureVersion, jobId: made.JobId, signature: made.Signature,
    progress: status.ProgressCode, created: status.CreationDate instanceof Date,
    pages: [page.Jobs.map(j => j.JobId), page.IsTruncated, rest.Jobs.map(j => j.JobId),
            rest.IsTruncated],
    updated: updated.Success, label: label.ShippingLabelURL, canceled: canceled.Success,
    malformed: await code(ie.createJob({JobType: 'Import', Manifest: 'bucket: [',
                                        ValidateOnly: false}).promise()),
    unknown: await code(ie.getStatus({JobId: 'ZZZZZ'}).promise()),
    forged: await code(forged.listJobs({}).promise()),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if NPM is None or NODE is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have node and npm (.ci/run installs them)")
        pytest.skip("no npm here")
    folder = tmp_path_factory.mktemp("js-sdk")
    install = subprocess.run([NPM, "install", "--no-audit", "--no-fund", "--no-save",
                              "--silent", "aws-sdk@2"], cwd=folder, capture_output=True,
                             text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stderr[-2000:]
    return folder


def test_the_javascript_sdk_v2_drives_the_service(sdk: Path) -> None:
    manifest = (SAMPLES / "valid" / "s3-import.yaml").read_text()
    (sdk / "drive.js").write_text(SCRIPT)
    with importexport_server(access_key_id=ACCESS, secret_access_key=SECRET) as server:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
               "ENDPOINT": server.url, "KEY_ID": ACCESS, "SECRET": SECRET,
               "MANIFEST": manifest, "HOME": str(sdk)}
        run = subprocess.run([str(NODE), "drive.js"], cwd=sdk, env=env, capture_output=True,
                             text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr[-3000:]
        seen = json.loads(run.stdout)
        state = server.state()
    job_id = seen["jobId"]
    assert seen["signatureVersion"] == "v2"
    assert seen["signature"] == compute_signature(manifest.encode(), job_id, SECRET)
    assert seen["progress"] == "Pending" and seen["created"] is True
    other = next(j["jobId"] for j in state["jobs"] if j["jobId"] != job_id)
    assert seen["pages"] == [[other], True, [job_id], False]
    assert seen["updated"] is True and seen["canceled"] is True
    assert seen["label"].startswith(server.url + "/labels/")
    assert (seen["malformed"], seen["unknown"], seen["forged"]) == \
        ("MalformedManifestException", "InvalidJobIdException", "SignatureDoesNotMatch")
    assert [j["isCanceled"] for j in state["jobs"]] == [False, True]
