"""Commented skeleton manifests printed by ``manifest-tools init``.

Every value the user must supply is ``CHANGE-ME`` (an MT208 error until filled in); once
they are filled the skeleton validates with no finding (a test fills them and checks).
"""

from __future__ import annotations

from ..aws import EXPORT_FILESYSTEMS
from .jobtype import JobType

# The export file systems the validator accepts, NTFS first (the guide's own example).
_FILESYSTEMS = ", ".join(["NTFS", *sorted(EXPORT_FILESYSTEMS - {"NTFS"})[:-1]]) + " or " + \
    sorted(EXPORT_FILESYSTEMS - {"NTFS"})[-1]

_ADDRESS = """\
# Where AWS ships the device back. No PO boxes.
# stateOrProvince is required for the USA and Canada only; company and street2 are optional
# (remove the '#' to give one).
returnAddress:
  name: CHANGE-ME
  # company: your company
  street1: CHANGE-ME
  city: CHANGE-ME
  stateOrProvince: CHANGE-ME
  postalCode: CHANGE-ME
  phoneNumber: CHANGE-ME
  country: CHANGE-ME
"""

_COMMON = """\
# The Access Key ID of the account that pays for the job (must match the CreateJob caller).
accessKeyId: CHANGE-ME
# The device's serial number, or the text of a sticker you put on it.
deviceId: CHANGE-ME
# Who AWS mails about the job (several addresses separated by ';').
notificationEmail: CHANGE-ME
"""

SKELETONS: dict[JobType, str] = {
    JobType.IMPORT: "# AWS Import/Export manifest: import to Amazon S3.\n"
    "manifestVersion: 2.0\n" + _COMMON + """\
# The bucket the device's files are imported into (DNS-compatible name).
bucket: CHANGE-ME
# AWS erases the device after the import when this is yes.
eraseDevice: yes
# Optional: a log bucket (defaults to bucket) and a prefix (no '/' is added for you).
logPrefix: logs/
""" + _ADDRESS,
    JobType.EXPORT: "# AWS Import/Export manifest: export from Amazon S3.\n"
    "manifestVersion: 2.0\n" + _COMMON + """\
# File system AWS writes on the device: """ + _FILESYSTEMS + """.
fileSystem: NTFS
# Required: AWS encrypts the exported data with this password (or give pinCode instead).
trueCryptPassword: CHANGE-ME
# The bucket AWS writes its export log to.
logBucket: CHANGE-ME
# What to export: one item per bucket (prefix, beginMarker, endMarker, targetDirectory
# are optional).
operations:
  - exportBucket: CHANGE-ME
""" + _ADDRESS,
    JobType.EBS: "# AWS Import/Export manifest: import to an Amazon EBS snapshot.\n"
    "manifestVersion: 3.0\n" + _COMMON + """\
eraseDevice: yes
logBucket: CHANGE-ME
operations:
  - destination: ebs-snapshot
    source: device
    region: CHANGE-ME
""" + _ADDRESS,
    JobType.GLACIER: "# AWS Import/Export manifest: import to an Amazon Glacier vault.\n"
    "manifestVersion: 3.0\n" + _COMMON + """\
eraseDevice: yes
logBucket: CHANGE-ME
operations:
  - destination: glacier
    source: device
    region: CHANGE-ME
    vaultName: CHANGE-ME
    # At most 997 characters.
    archiveComment: CHANGE-ME
""" + _ADDRESS,
}
