"""Commented skeleton manifests printed by ``manifest-tools init``; each one validates."""

from __future__ import annotations

from .jobtype import JobType

_ADDRESS = """\
# Where AWS ships the device back. No PO boxes.
returnAddress:
  name: Jane Doe
  company: Example Corp
  street1: 123 Any Street
  city: Anytown
  stateOrProvince: WA
  postalCode: "98101"
  phoneNumber: 206-555-0100
  country: USA
"""

_COMMON = """\
# The Access Key ID of the account that pays for the job (must match the CreateJob caller).
accessKeyId: AKIAIOSFODNN7EXAMPLE
# The device's serial number, or the text of a sticker you put on it.
deviceId: CHANGE-ME-12345
"""

SKELETONS: dict[JobType, str] = {
    JobType.IMPORT: "# AWS Import/Export manifest: import to Amazon S3.\n"
    "manifestVersion: 2.0\n" + _COMMON + """\
# The bucket the device's files are imported into (DNS-compatible name).
bucket: my-import-bucket
# AWS erases the device after the import when this is yes.
eraseDevice: yes
# Optional: a log bucket (defaults to bucket) and a prefix (no '/' is added for you).
logPrefix: logs/
""" + _ADDRESS,
    JobType.EXPORT: "# AWS Import/Export manifest: export from Amazon S3.\n"
    "manifestVersion: 2.0\n" + _COMMON + """\
# File system AWS writes on the device: NTFS or EXT4.
fileSystem: NTFS
# Required: AWS encrypts the exported data with this password (or give pinCode instead).
trueCryptPassword: CHANGE-ME
# The bucket AWS writes its export log to.
logBucket: my-log-bucket
# What to export: one item per bucket (prefix, beginMarker, endMarker, targetDirectory
# are optional).
operations:
  - exportBucket: my-export-bucket
""" + _ADDRESS,
    JobType.EBS: "# AWS Import/Export manifest: import to an Amazon EBS snapshot.\n"
    "manifestVersion: 3.0\n" + _COMMON + """\
eraseDevice: yes
logBucket: my-log-bucket
operations:
  - destination: ebs-snapshot
    source: device
    region: us-east-1
""" + _ADDRESS,
    JobType.GLACIER: "# AWS Import/Export manifest: import to an Amazon Glacier vault.\n"
    "manifestVersion: 3.0\n" + _COMMON + """\
eraseDevice: yes
logBucket: my-log-bucket
operations:
  - destination: glacier
    source: device
    region: us-east-1
    vaultName: my-vault
    # At most 997 characters.
    archiveComment: Device CHANGE-ME-12345
""" + _ADDRESS,
}
