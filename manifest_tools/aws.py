"""Facts about AWS Import/Export, S3 and the AWS CLI, each written once.

Every module that needs one of these imports it from here, so a correction happens in one
place. Sources are cited beside each fact: the AWS Import/Export Developer Guide (2009-05-20
and 2010-06-01 editions), the Amazon S3 User Guide, and the botocore service model
``importexport/2010-06-01/service-2.json``.
"""

from __future__ import annotations

import re

# --- job ids --------------------------------------------------------------------------------
# "A JobId is 5 characters": digits 1-9 and letters A-Z except O (easily confused with 0).
# AWS issues them in upper case, and the HMAC input is case-sensitive (Developer Guide,
# "SIGNATURE File Parameters"; every JobId in the guide's examples has this shape).
JOB_ID_LENGTH = 5
JOB_ID_ALPHABET = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
JOB_ID_SHAPE = re.compile(r"[1-9A-NP-Z]{5}", re.IGNORECASE)
# Exactly as AWS issues them: upper case (the shape above also reads lower-case copies).
JOB_ID_ISSUED = re.compile(r"[1-9A-NP-Z]{5}")
# A manifest signed with one account's secret key but naming another account's access key
# id was refused with InvalidAccessKeyIdException (botocore model, CreateJob errors).
ACCESS_KEY_MISMATCH_ERROR = "InvalidAccessKeyIdException"

# --- buckets and keys -----------------------------------------------------------------------
# DNS-compatible bucket names: 3-63 characters of lower-case letters, digits, '.' and '-',
# starting and ending with a letter or digit, not shaped like an IP address (S3 User Guide,
# "Bucket naming rules"). Import/Export only warned about other names.
DNS_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
IP_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")
# A name some bucket rule of any era allowed: the legacy US Standard rules (the guides of
# the time) also allowed upper case and '_' and up to 255 characters, but every era wanted
# 3 or more characters starting with a letter or digit, and none allowed '/', ':', '\\',
# spaces or control characters (S3 User Guide, "Bucket naming rules", legacy rules). A name
# outside this shape cannot be a bucket ('s3://b', 'b/folder', '../x', '/abs').
POSSIBLE_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,254}")
# S3 object keys are at most 1,024 bytes of UTF-8 (S3 User Guide, "Object key naming").
S3_KEY_LIMIT = 1024
# One S3 object is at most 5 TB (S3 User Guide); larger files are listed in the log and not
# imported (Developer Guide, "Storage device requirements").
S3_OBJECT_LIMIT = 5 * 1024**4
# A device holds at most 16 TB (Developer Guide, "Storage device requirements").
DEVICE_LIMIT = 16 * 1024**4
# "logPrefix + import-log-JOBID cannot be longer than 1024 bytes" (Developer Guide, "Working
# with Amazon S3 Export Manifests / Prefixing Log File Names").
LOG_KEY_LIMIT = S3_KEY_LIMIT

# --- the device -----------------------------------------------------------------------------
# The file AWS looks for, exactly this spelling, in the root of the device (Developer Guide,
# "Preparing Your Storage Device").
SIGNATURE_NAME = "SIGNATURE"
# The four keys of a SIGNATURE file, in the order get-status prints SignatureFileContents
# (AWS CLI reference, importexport get-status example).
SIGNATURE_FILE_KEYS = ("version", "signingMethod", "jobId", "signature")
# The shape of an HMAC-SHA1 signature: 20 bytes are 28 base64 characters ending in one '='
# (evidence only: what AWS returns is authoritative, domain notes section 4).
HMAC_SHAPE = re.compile(r"[A-Za-z0-9+/]{27}=")
# File systems AWS reads for S3 import and writes for S3 export (Developer Guide, "Storage
# device requirements" and "Manifest File Options Reference": fileSystem).
IMPORT_FILESYSTEMS = frozenset({"NTFS", "EXT2", "EXT3", "EXT4", "FAT32", "HFS+"})
EXPORT_FILESYSTEMS = frozenset({"NTFS", "EXT2", "EXT3", "EXT4", "FAT32"})
# Where an S3 export puts objects whose keys cannot be file names (Developer Guide, "Export
# manifest": recoveryDirectory, default EXPORT-RECOVERY).
EXPORT_RECOVERY_DEFAULT = "EXPORT-RECOVERY"
# Characters the S3 User Guide ("Object key naming guidelines", "Characters to avoid") advises
# against in keys, plus the control characters it lists as needing special handling.
S3_KEY_AVOID = "\\{}^%`[]\"<>~#|"

# --- manifests ------------------------------------------------------------------------------
# Fields whose values are passwords: never echoed (Developer Guide, "Manifest File Options
# Reference": trueCryptPassword, pinCode).
SECRET_FIELDS = frozenset({"trueCryptPassword", "pinCode"})
# Values AWS fills in when a manifest omits the field, as CurrentManifest shows them back:
# the AWS CLI's get-status example (awscli examples/importexport/get-status.rst) returns
# "acl:private" and "serviceLevel:standard" for a manifest that did not need to set them.
MANIFEST_DEFAULTS = {"acl": "private", "serviceLevel": "standard"}
# How users spell the United States in returnAddress.country (expeditedShipping is US only).
US_NAMES = frozenset({"us", "usa", "u.s.", "u.s.a.", "united states",
                      "united states of america"})

# --- get-status -----------------------------------------------------------------------------
# LocationCode and ProgressCode values (botocore model documentation; ProgressCode is an open
# set: unknown codes are shown as they are).
LOCATION_CODES = frozenset({"AtAWS", "NotReceived", "Returned"})
PROGRESS_CODES = frozenset({
    "Pending", "Started", "InProgress", "Complete", "Success", "SuccessWithErrors", "Canceled",
    "Expired", "DeviceError", "InvalidSignature", "MissingSignature", "MissingDevice",
    "UnsupportedDeviceType", "UnsupportedFileFormat", "UnsupportedPowerSupply",
})
LOCATION_WORDS = {
    "NotReceived": "not yet received by AWS",
    "AtAWS": "at AWS",
    "Returned": "returned to you",
}
# ProgressCodes after which the device came back unprocessed because of its SIGNATURE.
SIGNATURE_FAILURES = frozenset({"MissingSignature", "InvalidSignature"})

# What the user should do next, by ProgressCode. ``{status}`` is the user's get-status file and
# ``{device}`` the device root, filled in by whoever shows the advice.
NEXT_STEPS = {
    "Pending": "AWS has the job but not the device yet: write the SIGNATURE file "
    "(manifest-tools write-signature {device} --status {status}) and ship the device.",
    # The device comes back unprocessed and this job is over (Developer Guide:
    # a device without the job's SIGNATURE file is returned unprocessed):
    # rewriting its SIGNATURE cannot help; a new job can.
    "MissingSignature": "AWS found no SIGNATURE file in the root of the device; {returned} "
    "this job is over. Create a new job ('aws importexport create-job'), save its output "
    "(NEW_STATUS), write its SIGNATURE with 'manifest-tools write-signature {device} --status "
    "NEW_STATUS', check it with 'manifest-tools verify --status NEW_STATUS --device {device}', "
    "and ship again.",
    "InvalidSignature": "The device's SIGNATURE did not match this job; {returned} this job is "
    "over. Find out why with 'manifest-tools verify --status {status} --device {device}', "
    "then create a new job ('aws importexport create-job'), save its output (NEW_STATUS), "
    "write its SIGNATURE with 'manifest-tools write-signature {device} --status NEW_STATUS "
    "--force', and ship again.",
    "MissingDevice": "AWS has not received the device: check the shipment.",
    "DeviceError": "AWS could not read the device: see the log and contact AWS.",
    "UnsupportedDeviceType": "The device type is not supported: see the AWS device "
    "requirements.",
    "UnsupportedFileFormat": "The device's file system is not supported.",
    "UnsupportedPowerSupply": "The device's power supply is not supported.",
    "SuccessWithErrors": "The job finished with errors: read the log (LogBucket/LogKey).",
    "Expired": "The job expired before AWS received the device: create a new job.",
    "Canceled": "The job was canceled.",
}


# Where the device is after a SIGNATURE failure, by LocationCode.
_RETURNED = {"Returned": "the device has been returned to you unprocessed, and",
             "AtAWS": "AWS returns the device unprocessed, and"}


def next_step(progress: str | None, status: str = "STATUS_FILE",
              device: str = "DEVICE_ROOT", location: str | None = None) -> str | None:
    """The advice for ``progress`` (and, after a SIGNATURE failure, ``location``: where the
    device is), with the user's file names filled in; None if there is none."""
    step = NEXT_STEPS.get(progress or "")
    returned = _RETURNED.get(location or "", "AWS returns the device unprocessed, and")
    return step.format(status=status, device=device, returned=returned) if step else None


# --- addresses ------------------------------------------------------------------------------
# How users spell Canada in returnAddress.country.
CANADA_NAMES = frozenset({"ca", "can", "canada"})
# "stateOrProvince: Required for USA and Canada" (AWS's manifest templates, e.g. the Web
# Service Tool's import templates; the 2010 guide's field table lists it without the
# condition). Other countries (UK, Ireland, Germany, Japan, ...) have no such field.
STATE_REQUIRED_NAMES = US_NAMES | CANADA_NAMES

# --- later guides ---------------------------------------------------------------------------
# The example access key ids of AWS's documentation ("AKIAIOSFODNN7EXAMPLE" throughout the
# Import/Export guide and every AWS guide since; "AKIAI44QH8DHBEXAMPLE" in the S3 guide).
EXAMPLE_ACCESS_KEYS = frozenset({"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"})
# The regions AWS had opened while Import/Export (Disk) took EBS and Glacier jobs
# (2012-2017; the EBS/Glacier option pages give "us-east-1" style codes). A region AWS opened
# later is still a region: the rule only catches template choices and typos.
AWS_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "ap-south-1", "us-gov-west-1", "cn-north-1",
})
REGION_SHAPE = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
# A prefix ending in one of these joins the file name on purpose ('backup-2014-'); any other
# last character without '/' glues a folder name to the file name (MT330).
PREFIX_JOINERS = ("/", "-", "_", ".")

# --- customs (Developer Guide, "Customs Manifest File Options", ManifestFileRef_international) --
# A device shipped across a border needs a customs block (MissingCustomsException); within the
# European Union it does not. The loading facility is in the country of the job's region.
# DECISION: the EU of the service's time (2010-2017, the United Kingdom included); country
# names as users write them, lower case, each mapped to one name.
COUNTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(US_NAMES, "USA"),
    **dict.fromkeys(("canada", "ca", "can"), "Canada"),
    **dict.fromkeys(("ireland", "ie", "irl", "eire", "republic of ireland"), "Ireland"),
    **dict.fromkeys(("united kingdom", "uk", "u.k.", "gb", "gbr", "great britain", "england",
                     "scotland", "wales", "northern ireland"), "United Kingdom"),
    **dict.fromkeys(("germany", "de", "deu", "deutschland"), "Germany"),
    **dict.fromkeys(("france", "fr", "fra"), "France"),
    **dict.fromkeys(("sweden", "se", "swe", "sverige"), "Sweden"),
    **dict.fromkeys(("netherlands", "the netherlands", "nl", "nld", "holland"), "Netherlands"),
    **dict.fromkeys(("spain", "es", "esp", "espana", "españa"), "Spain"),
    **dict.fromkeys(("italy", "it", "ita", "italia"), "Italy"),
    **dict.fromkeys(("japan", "jp", "jpn"), "Japan"),
    **dict.fromkeys(("south korea", "korea", "republic of korea", "kr", "kor"), "South Korea"),
    **dict.fromkeys(("singapore", "sg", "sgp"), "Singapore"),
    **dict.fromkeys(("australia", "au", "aus"), "Australia"),
    **dict.fromkeys(("india", "in", "ind"), "India"),
    **dict.fromkeys(("brazil", "br", "bra", "brasil"), "Brazil"),
    **dict.fromkeys(("china", "cn", "chn", "people's republic of china", "prc"), "China"),
    **dict.fromkeys(("switzerland", "ch", "che", "schweiz", "suisse"), "Switzerland"),
    **dict.fromkeys(("norway", "no", "nor", "norge"), "Norway"),
    **dict.fromkeys(("mexico", "mx", "mex", "méxico"), "Mexico"),
}
EU_COUNTRIES = frozenset({
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czech Republic", "Denmark",
    "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy", "Latvia",
    "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal", "Romania",
    "Slovakia", "Slovenia", "Spain", "Sweden", "United Kingdom",
})
# The country of each region's loading facility (the region's own country).
REGION_COUNTRIES: dict[str, str] = {
    "us-east-1": "USA", "us-east-2": "USA", "us-west-1": "USA", "us-west-2": "USA",
    "us-gov-west-1": "USA", "ca-central-1": "Canada", "sa-east-1": "Brazil",
    "eu-west-1": "Ireland", "eu-west-2": "United Kingdom", "eu-west-3": "France",
    "eu-central-1": "Germany", "eu-north-1": "Sweden", "ap-northeast-1": "Japan",
    "ap-northeast-2": "South Korea", "ap-northeast-3": "Japan", "ap-southeast-1": "Singapore",
    "ap-southeast-2": "Australia", "ap-south-1": "India", "cn-north-1": "China",
}

# --- placeholders ---------------------------------------------------------------------------
# What `manifest-tools init` writes where the user must fill in a value.
PLACEHOLDER = "CHANGE-ME"

# --- every manifest field name --------------------------------------------------------------
# The names the guides document at any level (Developer Guide, "Manifest File Options
# Reference" and its import, export, EBS, Glacier and customs pages). The redaction of a
# wrapped secret uses it to tell a field's line from a password that wrapped onto its own.
MANIFEST_FIELDS = frozenset({
    "manifestVersion", "accessKeyId", "deviceId", "returnAddress", "notificationEmail",
    "generator", "logBucket", "logPrefix", "serviceLevel", "eraseDevice", "trueCryptPassword",
    "pinCode", "customs", "bucket", "acl", "cacheControl", "contentDisposition",
    "contentLanguage", "contentTypes", "defaultContentType", "setContentEncodingForGzFiles",
    "prefix", "substitutions", "ignore", "storageClass", "staticMetadata", "expires",
    "diskTimestampMetadataKey", "fileSystem", "operations", "recoveryDirectory",
    "exportBucket", "beginMarker", "endMarker", "targetDirectory", "destination", "source",
    "region", "vaultName", "archiveComment", "deviceCapacityGreaterThan1TB",
    "name", "company", "street1", "street2", "street3", "city", "stateOrProvince",
    "postalCode", "phoneNumber", "country", "dataDescription", "encryptedData",
    "encryptionClassification", "exportCertifierName", "requiresExportLicense",
    "deviceValue", "deviceCountryOfOrigin", "deviceType", "typeOfExport", "deviceHTS",
})

# --- the 2010-06-01 web service ---------------------------------------------------------------
# botocore model importexport/2010-06-01/service-2.json: metadata apiVersion, xmlNamespace,
# protocol "query". botocore signs every request with SigV4 and the signing name
# IngestionService (botocore/data/endpoints.json: importexport credentialScope service);
# other SDKs may scope it "importexport", which the local service accepts as well.
IMPORTEXPORT_API_VERSION = "2010-06-01"
IMPORTEXPORT_NAMESPACE = "http://importexport.amazonaws.com/doc/2010-06-01/"
SIGNING_NAMES = frozenset({"IngestionService", "importexport"})
# AWS's clock-skew window for SigV4 is 5 minutes (AWS General Reference, "Signature Version 4
# signing process": "the request must reach AWS within five minutes of the time stamp");
# SigV2's Timestamp the same, an explicit Expires until then.
SIGNATURE_SKEW_SECONDS = 5 * 60
# What a new job reads as in the API reference's GetStatus example.
NEW_JOB_LOCATION = "NotReceived"
NEW_JOB_PROGRESS = "Pending"

# --- import/export logs ---------------------------------------------------------------------
# The log AWS writes to the log bucket when a job ends: ``<logPrefix>import-log-<JOBID>`` or
# ``<logPrefix>export-log-<JOBID>``, no '/' added (Developer Guide, "Working with Amazon S3
# Export Manifests / Preventing Log File Name Collisions").
IMPORT_LOG_NAME = "import-log-"
EXPORT_LOG_NAME = "export-log-"
# The columns of an S3/EBS log, in this order (Developer Guide, "Amazon S3 and Amazon EBS Log
# File Fields"; the "Examples" page shows them as the header row of import-log-TSTD1.csv).
LOG_COLUMNS = ("DateTime", "File", "Status", "Code", "Key", "MD5", "Bytes", "Content-Type")
# DateTime as the guide's examples print it (e.g. "Tue 03 Feb 2009 21:57:43 GMT"; the field
# table also shows "Wed Nov 12 11:07:34 PST 2008": the reader keeps the text as it is).
LOG_DATETIME_FORMAT = "%a %d %b %Y %H:%M:%S GMT"
# Status 103 with Code "Ignored": a file not loaded, the device's SIGNATURE and every file the
# manifest's ``ignore`` matched ("The log report includes all ignored files, including the
# SIGNATURE file", Developer Guide, "Import to Amazon S3 Manifest File Options").
IGNORED_STATUS = "103"
IGNORED_CODE = "Ignored"
# "Objects created by Multipart Upload have ETags that are not MD5 digests" (Log File Fields):
# S3 writes them as the MD5 of the parts' MD5s, '-', the number of parts.
MULTIPART_ETAG = re.compile(r"[0-9a-fA-F]{32}-[1-9][0-9]{0,4}")

# (Status, Code) pairs a log can hold, with what they mean in words. Status is "an AWS
# Import/Export status or one of the standard Amazon S3 REST web server HTTP status codes";
# Code is "an AWS Import/Export code, such as Ignored when the Status is 103, or the standard
# Amazon S3 REST error codes" (Log File Fields). The guide's own table of Import/Export codes
# is lost (open); the pairs below are the ones the guide names (200 OK, 103 Ignored,
# 400 InvalidSubstitution) and the S3 REST error codes (S3 API Reference, "Error Responses")
# that an upload of one file can end with. Any other pair is kept as read and reported.
LOG_CODES: dict[tuple[str, str], str] = {
    ("200", "OK"): "loaded",
    (IGNORED_STATUS, IGNORED_CODE): "not loaded: the device's SIGNATURE, or a file the "
    "manifest's ignore matched",
    ("400", "InvalidSubstitution"): "a manifest substitution could not be applied to the "
    "file's key",
    ("400", "KeyTooLongError"): "the key is longer than S3's 1,024-byte limit",
    ("400", "EntityTooLarge"): "the file is larger than S3's 5 TB object limit",
    ("400", "BadDigest"): "the data read did not match its MD5 (a read error on the device)",
    ("400", "InvalidDigest"): "the MD5 computed for the file was not accepted",
    ("400", "IncompleteBody"): "fewer bytes could be read than the file's size",
    ("400", "InvalidArgument"): "S3 refused an argument of the upload (a header or metadata)",
    ("400", "InvalidObjectName"): "the file name cannot be an S3 key (not valid UTF-8?)",
    ("400", "MetadataTooLarge"): "the object's metadata is larger than S3 allows",
    ("403", "AccessDenied"): "the job's credentials may not write this key",
    ("404", "NoSuchBucket"): "the bucket does not exist",
    ("409", "OperationAborted"): "a conflicting operation on the bucket was in progress",
    ("500", "InternalError"): "S3 had an internal error",
    ("503", "ServiceUnavailable"): "S3 was unavailable",
    ("503", "SlowDown"): "S3 asked to slow down and the upload was not retried",
}

# A Glacier import log: "a two-line text file in the following format: <Date>,<Vault Name>,
# /<AWS Account ID>/vaults/<Vault Name>/archives/<Archive ID>,<Archive Comment>" (Developer
# Guide, "Amazon Glacier Log File"). The whole device becomes one archive.
GLACIER_ARCHIVE = re.compile(r"/(?P<account>[^/]+)/vaults/(?P<vault>[^/]+)/archives/"
                             r"(?P<archive>[^/]+)")
