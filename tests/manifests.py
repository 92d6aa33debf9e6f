"""The manifests tests build on, typed once: a US return address and a valid S3 import.

Tests that need a variation start from these (``IMPORT + "ignore:\\n  - x\\n"``, a
``.replace``) instead of re-typing a whole manifest.
"""

ADDRESS = """\
returnAddress:
  name: Jane Doe
  street1: 123 Main Street
  city: Boston
  stateOrProvince: MA
  postalCode: 02134
  phoneNumber: 617-555-0100
  country: USA
"""

IMPORT_FIELDS = """\
manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: 49382
bucket: example-import-bucket
eraseDevice: yes
"""

# Later AWS templates require notificationEmail (warning MT311): the bases end with it, so
# that the line numbers of everything above stay put.
NOTIFY = "notificationEmail: jane.doe@example.com\n"

# A valid S3 import manifest (manifestVersion 2.0) as text.
IMPORT = IMPORT_FIELDS + ADDRESS + NOTIFY

EXPORT_FIELDS = """\
manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: HD001
fileSystem: NTFS
logBucket: example-log-bucket
operations:
  - exportBucket: example-export-bucket
"""

# A valid S3 export manifest, but for its password (trueCryptPassword or pinCode).
EXPORT = EXPORT_FIELDS + ADDRESS + NOTIFY
