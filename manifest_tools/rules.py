"""The table of rules: id -> name, descriptions, default level, the AWS error it mirrors.

It feeds ``manifest-tools rules``, the README's rule list and SARIF's ``rules``. Ids are
stable: never reuse or renumber one. Ranges: MT1xx reading, MT2xx schema, MT3xx cross-field,
MT4xx SIGNATURE files, MT5xx get-status output, MT6xx the device (preflight), MT7xx job
logs (log).

``aws_error`` names the CreateJob exception the service raised for the same mistake
(botocore ``importexport`` model): the local service maps findings to it. Rules AWS did not
enforce (warnings, later-guide advice) name none.
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDE = "AWS Import/Export Developer Guide (2010-06-01)"
LATER_GUIDE = "AWS Import/Export Developer Guide (later editions) and manifest templates"

# The CreateJob exceptions findings mirror (botocore importexport/2010-06-01 model).
MALFORMED = "MalformedManifestException"
MISSING = "MissingManifestFieldException"
INVALID = "InvalidManifestFieldException"
ADDRESS = "InvalidAddressException"
NO_SUCH_BUCKET = "NoSuchBucketException"  # aws.NO_SUCH_BUCKET_ERROR


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    short: str
    full: str
    source: str = ""
    # The level the rule reports at ("error" or "warning"); SARIF defaultConfiguration.level.
    level: str = "error"
    aws_error: str = ""
    # A short manifest excerpt that triggers the rule (``manifest-tools rules ID``).
    example: str = ""


_RULES = [
    # --- MT1xx: reading the bytes (manifest parser) ---
    Rule("MT100", "yaml-syntax", "Manifest is not well formed",
         "The file could not be read as a manifest (YAML syntax). AWS rejected such files with "
         "MalformedManifestException.", GUIDE, aws_error=MALFORMED,
         example="bucket: [my-bucket"),
    Rule("MT101", "invalid-utf8", "Byte that is not UTF-8",
         "Manifests are UTF-8 text (the API takes 'the UTF-8 encoded text of the manifest'). "
         "A byte that reads as a Windows-1252/Latin-1 letter gets a hint naming it.",
         GUIDE, aws_error=MALFORMED, example="city: M\\xfcnchen   (saved as Windows-1252)"),
    Rule("MT102", "byte-order-mark", "File starts with a UTF-8 byte order mark",
         "Tolerated for reading, but the BOM is part of the signed bytes and many tools "
         "mishandle it; save the file without a BOM.", level="warning",
         example="\\xef\\xbb\\xbfmanifestVersion: 2.0"),
    Rule("MT103", "compact-form", "Compact key:value form",
         "Lines such as 'bucket:mybucket' (no space after the colon) are what AWS itself "
         "writes and are accepted, but standard YAML tools read them as one string. Reported "
         "once per file.", level="warning", example="bucket:my-bucket"),
    Rule("MT104", "flattened-address", "returnAddress fields not indented",
         "Address lines written unindented under an empty 'returnAddress:' (as in AWS's own "
         "documentation) are read as the address, but standard YAML tools misread them.",
         GUIDE, level="warning", example="returnAddress:\nname: Jane Doe\nstreet1: 1 Any Street"),
    Rule("MT105", "tab-indentation", "Tab in indentation",
         "YAML forbids tabs in indentation; the structure of the file is ambiguous. The line "
         "is read as if indented like its neighbours, so no second error follows.",
         aws_error=MALFORMED, example="returnAddress:\n\tname: Jane Doe"),
    Rule("MT106", "duplicate-key", "Duplicate key",
         "A key appears twice in one mapping; which value AWS used is undefined.",
         aws_error=MALFORMED, example="bucket: a\nbucket: b"),
    Rule("MT107", "anchor-alias", "Anchor or alias",
         "YAML anchors and aliases have no meaning in a manifest and are never expanded.",
         aws_error=MALFORMED, example="logBucket: *bucket"),
    Rule("MT108", "tag", "YAML tag",
         "Explicit YAML tags (!!str, !foo) have no meaning in a manifest.",
         aws_error=MALFORMED, example="manifestVersion: !!str 2.0"),
    Rule("MT109", "not-a-mapping", "Top level is not a mapping",
         "A manifest is a mapping of field names to values.", aws_error=MALFORMED,
         example="- bucket: my-bucket"),
    Rule("MT110", "empty", "Empty manifest", "The file holds no manifest at all.",
         aws_error=MALFORMED, example="# nothing but comments"),
    Rule("MT111", "multiple-documents", "More than one YAML document",
         "A manifest is one document; '---' separators start another one.",
         aws_error=MALFORMED, example="bucket: a\n---\nbucket: b"),
    Rule("MT112", "complex-key", "Key that is not text",
         "Field names are plain text; lists or mappings used as keys are not.",
         aws_error=MALFORMED, example="? [a, b]\n: value"),
    Rule("MT113", "control-character", "Control character",
         "NUL and other control characters cannot appear in a manifest (YAML forbids them).",
         aws_error=MALFORMED, example="deviceId: AB\\x00CD"),
    Rule("MT114", "too-deep", "Nesting too deep or too many values",
         "A manifest nests a few levels and holds a few dozen values; input nested deeper "
         "than 32 levels or holding more than 10,000 values is not read further.",
         aws_error=MALFORMED, example="a: " + "[" * 33 + "x" + "]" * 33),
    Rule("MT115", "wrong-encoding", "UTF-16 or UTF-32 file",
         "The file is UTF-16 or UTF-32 (Windows PowerShell 5.1's '>' and Notepad's 'Unicode' "
         "write UTF-16); AWS reads UTF-8 only. Reported once, with the fix, instead of one "
         "finding per byte.", GUIDE, aws_error=MALFORMED,
         example="PowerShell 5.1: Get-Content m.txt > manifest.yaml"),
    Rule("MT116", "key-equals", "'key = value' instead of 'key: value'",
         "Manifest fields are written 'key: value'; an '=' (as in INI or .properties files) "
         "makes the line unreadable. The line is read as 'key: value' so the rest is checked.",
         aws_error=MALFORMED, example="eraseDevice = yes"),
    Rule("MT117", "colon-in-value", "': ' inside an unquoted value",
         "A colon followed by a space inside a value ends the key in YAML: quote the value "
         "('street1: \"Unit 4: Rear\"').", aws_error=MALFORMED,
         example="street1: Unit 4: Rear Entrance"),
    Rule("MT118", "inconsistent-indentation", "Line indented differently from its siblings",
         "Fields of one block share one indentation; a line indented more or less than its "
         "siblings (and not under a field that opens a block) cannot be read.",
         aws_error=MALFORMED, example="returnAddress:\n  name: Jane Doe\n   city: Boston"),
    Rule("MT119", "invisible-whitespace", "Non-breaking or invisible space",
         "A non-breaking space (U+00A0, what a copy from a web page gives) or another "
         "invisible space character in indentation, a key or around a value is not a space "
         "to YAML: it becomes part of the key or value. Read as a space.",
         aws_error=MALFORMED, example="returnAddress:\n\\u00a0\\u00a0name: Jane Doe"),
    Rule("MT120", "smart-quotes", "Typographic quotes around a value",
         "Curly quotes (\u201c \u201d \u2018 \u2019, from a word processor) do not quote a "
         "value: they become part of it. Use straight quotes or none.", level="warning",
         example="name: \u201cJane Doe\u201d"),
    Rule("MT121", "comment-in-value", "' #' cuts a value short",
         "In YAML ' #' starts a comment, so 'street1: 123 Main Street #4' is read as "
         "'123 Main Street'. Quote the value if the '#' belongs to it.", level="warning",
         example="street1: 123 Main Street #4"),
    Rule("MT122", "json-manifest", "Manifest written as JSON",
         "JSON is YAML, so the fields are read, but AWS documents manifests as key: value text "
         "only.", GUIDE, level="warning", example='{"manifestVersion": "2.0", ...}'),
    Rule("MT123", "unreadable-file", "File cannot be read",
         "The file does not exist, is a directory, is larger than the limit or cannot be "
         "opened. Exit code 2; JSON and SARIF output still hold a result for it.",
         example="manifest-tools validate missing.yaml"),
    # MT130-MT139: suppression comments (the manifest's own '# manifest-tools:' comments).
    Rule("MT130", "unused-suppression", "Suppression comment that silenced nothing",
         "A '# manifest-tools: disable-line=...' or 'disable-file=...' comment names a rule "
         "that had no finding where the comment applies, so it can go (as ruff's RUF100). A "
         "rule switched off by configuration or --disable is not reported here.",
         level="warning",
         example="bucket: my-bucket  # manifest-tools: disable-line=MT311"),
    Rule("MT131", "unknown-suppression", "Suppression comment that cannot be used",
         "A '# manifest-tools:' comment names a rule id that does not exist, or a directive "
         "other than disable-line and disable-file; the message names it.",
         level="warning",
         example="# manifest-tools: disable-line=MT999"),
    # --- MT2xx: schema ---
    Rule("MT201", "missing-field", "Required field missing",
         "A field the job type requires is absent (MissingManifestFieldException).", GUIDE,
         aws_error=MISSING, example="(an S3 import without 'bucket:')"),
    Rule("MT202", "invalid-value", "Invalid field value",
         "A field's value does not have the form AWS accepts (InvalidManifestFieldException).",
         GUIDE, aws_error=INVALID, example="eraseDevice: maybe"),
    Rule("MT203", "unknown-field", "Unknown field",
         "A field no AWS guide documents. AWS ignored or rejected such fields; check the "
         "spelling.", level="warning", example="favouriteColour: blue"),
    Rule("MT204", "misspelled-field", "Misspelled field",
         "A field that is a known misspelling of a manifest field (did you mean ...?).",
         aws_error=INVALID, example="returnadress:"),
    Rule("MT205", "job-type", "Job type cannot be determined",
         "The job type (S3 import, S3 export, EBS import, Glacier import) is read from the "
         "fields present; pass --job-type when it is ambiguous.", aws_error=MISSING,
         example="bucket: a\nfileSystem: NTFS"),
    Rule("MT206", "wrong-structure", "Wrong structure",
         "A field holds a list or mapping where text is expected, or the reverse.",
         aws_error=INVALID, example="returnAddress: Jane Doe, Boston"),
    Rule("MT207", "misplaced-field", "Field in the wrong place",
         "A field AWS documents, but for another level (e.g. exportBucket belongs in an item "
         "of operations) or another job type (bucket is for S3 imports). AWS ignores it "
         "there; the message says where it belongs.", GUIDE, level="warning",
         example="# an S3 export\nexportBucket: my-bucket"),
    Rule("MT208", "placeholder", "Placeholder not filled in",
         "A value still holds a placeholder: manifest-tools init's CHANGE-ME, or one of AWS's "
         "template forms ([Your name], <bucket>, ***). A device shipped with one comes back.",
         LATER_GUIDE, aws_error=INVALID, example="name: [Your name]"),
    # --- MT3xx: cross-field rules ---
    Rule("MT301", "log-prefix-length", "logPrefix too long",
         "logPrefix + 'import-log-'/'export-log-' + the job id must fit in 1024 bytes.", GUIDE,
         aws_error=INVALID, example="logPrefix: (1,020 characters)"),
    Rule("MT302", "export-password", "Export without trueCryptPassword or pinCode",
         "S3 export jobs must give trueCryptPassword or pinCode to encrypt the device. A "
         "field that is present with a bad value is reported on that field instead.", GUIDE,
         aws_error=MISSING, example="(an S3 export with neither trueCryptPassword nor pinCode)"),
    Rule("MT303", "expedited-us-only", "expeditedShipping outside the US",
         "serviceLevel expeditedShipping is available only for return addresses in the US "
         "(country USA, US or United States, any case).", GUIDE, aws_error=ADDRESS,
         example="serviceLevel: expeditedShipping\nreturnAddress:\n  country: Germany"),
    Rule("MT304", "bucket-dns", "Bucket name not DNS-compatible",
         "Bucket names should be 3-63 characters of lowercase letters, digits, '.' and '-'; "
         "AWS only warned about others (legacy names with upper case, '_' or up to 255 "
         "characters). A name no bucket rule ever allowed is MT316.", GUIDE, level="warning",
         example="bucket: My_Bucket"),
    Rule("MT305", "country-code", "Two-letter country code",
         "AWS's examples spell the return country out (e.g. 'USA'); a two-letter code may be "
         "misread by the carrier.", GUIDE, level="warning", example="country: DE"),
    Rule("MT306", "legacy-version", "Legacy manifestVersion 1.x",
         "manifestVersion 1.x belongs to the 2009 e-mail workflow; use 2.0 (S3) or 3.0 "
         "(EBS, Glacier).", GUIDE, level="warning", example="manifestVersion: 1.2"),
    Rule("MT307", "access-key-missing", "accessKeyId missing",
         "The 2010 guide requires accessKeyId; later examples omit it.", GUIDE,
         level="warning", example="(a manifest without accessKeyId)"),
    Rule("MT308", "po-box", "PO box in return address",
         "AWS cannot return devices to a PO box.", GUIDE, level="warning",
         example="street1: PO Box 123"),
    Rule("MT309", "state-required", "stateOrProvince missing for the US or Canada",
         "AWS's manifest templates: stateOrProvince is 'Required for USA and Canada'. Other "
         "countries (UK, Ireland, Germany, Japan, ...) may leave it out.", LATER_GUIDE,
         aws_error=ADDRESS, example="returnAddress:\n  country: Canada   (no stateOrProvince)"),
    Rule("MT310", "erase-device", "Import without 'eraseDevice: yes'",
         "Later guides and templates: 'If the eraseDevice field is missing or if the value is "
         "not yes, the job request will fail.' The 2010 guide made it optional for S3 "
         "imports, so this is a warning.", LATER_GUIDE, level="warning",
         example="eraseDevice: no"),
    Rule("MT311", "notification-email", "notificationEmail missing",
         "Later manifest templates mark notificationEmail required (AWS also mails you when "
         "it cannot erase the device); the 2010 guide made it optional, so this is a warning.",
         LATER_GUIDE, level="warning", example="(a manifest without notificationEmail)"),
    Rule("MT312", "region", "region is not an AWS region of the time",
         "An EBS or Glacier operation's region must be one region code AWS Import/Export "
         "served (e.g. us-east-1), not a list of choices from a template.", LATER_GUIDE,
         level="warning", example="region: us-east-1 | us-west-1"),
    Rule("MT313", "device-capacity", "deviceCapacityGreaterThan1TB is not yes or no",
         "Later guides add deviceCapacityGreaterThan1TB (yes or no) to EBS operations.",
         LATER_GUIDE, level="warning", example="deviceCapacityGreaterThan1TB: 2TB"),
    Rule("MT314", "operation-fields", "Glacier field in an EBS operation",
         "vaultName and archiveComment are Glacier operation fields; an EBS snapshot "
         "operation does not use them.", LATER_GUIDE, level="warning",
         example="- destination: ebs-snapshot\n  archiveComment: my disk"),
    Rule("MT315", "example-access-key", "AWS's documentation example access key",
         "AKIAIOSFODNN7EXAMPLE (and AKIAI44QH8DHBEXAMPLE) are the example keys of AWS's "
         "documentation; CreateJob compares accessKeyId with the caller's key.", GUIDE,
         level="warning", example="accessKeyId: AKIAIOSFODNN7EXAMPLE"),
    Rule("MT316", "bucket-impossible", "Not a bucket name at all",
         "bucket, logBucket and exportBucket name one S3 bucket: 3-255 letters, digits, '.', "
         "'-' and '_', starting with a letter or digit (the legacy rules; DNS-compatible "
         "names are MT304's). A value with '/', ':', '\\', spaces or control characters "
         "(s3://bucket, bucket/folder, ../x, /abs), starting with '-' or '.', or shorter "
         "than 3 characters can name no bucket; AWS answered NoSuchBucketException.", GUIDE,
         aws_error=NO_SUCH_BUCKET, example="bucket: s3://my-bucket/photos"),
    # --- MT4xx: SIGNATURE files ---
    Rule("MT401", "signature-unknown-key", "Unknown key in SIGNATURE",
         "A SIGNATURE file holds exactly version, signingMethod, jobId and signature.", GUIDE,
         example='extra:value'),
    Rule("MT402", "signature-missing-key", "Missing key in SIGNATURE",
         "A SIGNATURE file holds exactly version, signingMethod, jobId and signature.", GUIDE,
         example='(a SIGNATURE without signingMethod:)'),
    Rule("MT403", "signature-version", "Unsupported SIGNATURE version",
         "SIGNATURE files are version 2.0 (or the older 1.0).", GUIDE,
         example='version:3.0'),
    Rule("MT404", "signature-method", "Unsupported signingMethod",
         "The only signing method is HmacSHA1.", GUIDE,
         example='signingMethod:HmacSHA256'),
    Rule("MT405", "signature-value", "Malformed signature value",
         "The signature is 28 characters of base64 encoding 20 bytes (HMAC-SHA1).", GUIDE,
         example='signature:not-base64'),
    Rule("MT406", "job-id-shape", "Unusual job id",
         "Job ids are 5 characters of 1-9 and A-Z without O; later AWS documents only say "
         "'string', so this is a warning.", GUIDE, level="warning", example="jobId:abc"),
    Rule("MT407", "job-id-invalid", "Invalid job id",
         "A job id never contains '/', whitespace or control characters.",
         example='jobId:AB/CD'),
    Rule("MT408", "signature-duplicate-key", "Duplicate key in SIGNATURE",
         "Each key appears once.",
         example='jobId:ABCDE\\njobId:ABCDE'),
    Rule("MT409", "signature-syntax", "Malformed SIGNATURE line",
         "Each line is 'key:value'.",
         example='jobId ABCDE'),
    Rule("MT410", "signature-wrong-input", "Not a SIGNATURE file",
         "The file given as a SIGNATURE is recognisably a manifest, get-status or list-jobs "
         "output; the message names the option that takes it."),
    Rule("MT411", "access-key-mismatch", "accessKeyId is not the signing credentials'",
         "The manifest's accessKeyId differs from the access key id stored beside the secret "
         "key used (AWS_ACCESS_KEY_ID, or aws_access_key_id of the same profile); AWS "
         "answered such jobs with InvalidAccessKeyIdException. A warning.", GUIDE,
         level="warning"),
    # --- MT5xx: get-status output ---
    Rule("MT501", "status-format", "Unrecognised get-status output",
         "Expected the output of 'aws importexport get-status' or 'create-job' as json, yaml, "
         "text or table.",
         example='(an HTML error page saved as get-status output)'),
    Rule("MT502", "status-reconstructed", "get-status text was reconstructed",
         "The text rendering had lost its TABs (documentation, e-mail); columns were "
         "recovered by anchoring on fields of known shape.", level="warning",
         example='(get-status text copied from an e-mail, TABs lost)'),
    Rule("MT503", "status-uncertain", "get-status field read with uncertainty",
         "A field's boundaries could not be fixed with certainty.", level="warning",
         example='(a LogKey with spaces in a copy without TABs)'),
    Rule("MT504", "status-value", "Invalid get-status field",
         "A field's value does not have the shape AWS prints.",
         example='"ProgressCode": 42'),
    Rule("MT505", "status-unknown-member", "Unknown get-status member",
         "A member that neither get-status nor create-job returns; it is ignored.",
         level="warning",
         example='"Colour": "blue"'),
    Rule("MT506", "status-encoding", "get-status output in UTF-16 or UTF-32",
         "The file is UTF-16 or UTF-32 (Windows PowerShell 5.1 writes UTF-16LE with a BOM on "
         "'>'); it was read as that encoding.",
         level="warning"),
    Rule("MT507", "status-console-crlf", "Console line-end translation undone",
         "Every line ended in CR LF, as a Windows console writes the CLI's output; the "
         "translation was undone once, so a CR LF AWS sent inside CurrentManifest is kept.",
         level="warning"),
    Rule("MT508", "status-signature-rebuilt", "SignatureFileContents rebuilt from a copy",
         "A copy had added trailing spaces, indentation, CRs or non-breaking spaces to the "
         "four 'key:value' lines; they were stripped on that fixed grammar.",
         level="warning"),
    Rule("MT509", "status-signature-shape", "Unusual Signature value",
         "The Signature is not 28 base64 characters (AWS's documentation example prints a "
         "29-character placeholder containing EXAMPLE); AWS's value is kept and written, "
         "never refused.",
         level="warning"),
    Rule("MT510", "status-wrong-input", "Not get-status output",
         "The file is recognisably a manifest, a SIGNATURE file or list-jobs output; the "
         "message names the command that takes it."),
    Rule("MT511", "status-pasted-spaces", "Spaces at the end of every line removed",
         "Every line of the copy ended in spaces (terminals and e-mail add them); they were "
         "removed, so no value, and no SIGNATURE line, keeps them.",
         level="warning"),
    # --- MT6xx: the device (preflight) ---
    Rule("MT601", "signature-missing", "No SIGNATURE in the device root",
         "AWS looks for a file named exactly SIGNATURE in the root directory of the device; "
         "without it the job ends with ProgressCode MissingSignature and the device comes "
         "back unprocessed.", GUIDE),
    Rule("MT602", "signature-misplaced", "SIGNATURE in a subfolder or another spelling",
         "A file named like SIGNATURE in a subfolder, or spelt otherwise (signature, "
         "SIGNATURE.txt), is not the job's SIGNATURE: AWS imports it as an ordinary file.",
         GUIDE,
         level="warning"),
    Rule("MT603", "not-mount-root", "Device root is not a mounted filesystem's root",
         "AWS reads the root directory of the device; a folder inside a disk is fine for a "
         "rehearsal, not for shipping.",
         level="warning"),
    Rule("MT604", "filesystem-unsupported", "File system AWS does not read",
         "Import devices must be NTFS, EXT2, EXT3, EXT4, FAT32 or HFS+; export devices NTFS, "
         "EXT2-4 or FAT32 (read from the mount table). An error at a mount root, a warning "
         "for a folder.", GUIDE),
    Rule("MT605", "name-not-utf8", "File name is not valid UTF-8",
         "AWS does not import a file whose name is not valid UTF-8.", GUIDE),
    Rule("MT606", "object-too-large", "File over 5 TB",
         "An S3 object is at most 5 TB; a larger file is listed in the log and not imported.",
         GUIDE),
    Rule("MT607", "key-too-long", "S3 key over 1,024 bytes",
         "prefix + path after substitutions must fit in S3's 1,024 bytes of UTF-8."),
    Rule("MT608", "key-collision", "Two files map to one S3 key",
         "After prefix and substitutions two files get the same key; AWS calls the result "
         "undefined.", GUIDE),
    Rule("MT609", "empty-name", "Substitution empties a name",
         "A substitution that leaves the key or one of its names empty fails that file "
         "(400 InvalidSubstitution in the import log).", GUIDE),
    Rule("MT610", "key-characters", "Character S3 advises against in keys",
         "Control characters, backslash, braces, caret, percent, backtick, brackets, quotes, "
         "'<', '>', '~', '#', the vertical bar and non-printable characters need special "
         "handling in many tools (S3 User Guide, 'Object key naming guidelines').",
         level="warning"),
    Rule("MT611", "ignore-pattern", "Unusable ignore pattern",
         "An ignore pattern is not a valid Java regular expression, or uses a Java construct "
         "with no Python equivalent, so which files it skips cannot be checked.", GUIDE),
    Rule("MT612", "substitution-invalid", "Unusable substitution",
         "A substitution replaces an empty text, which has no meaning."),
    Rule("MT613", "case-collision", "Keys that differ only in case",
         "S3 keys are case-sensitive, but the objects will collide on any case-insensitive "
         "file system they are later exported or downloaded to.",
         level="warning"),
    Rule("MT614", "device-too-large", "Device over 16 TB",
         "A device holds at most 16 TB (its capacity, or the files on it).", GUIDE),
    Rule("MT615", "empty-file", "Empty file",
         "A zero-byte file becomes a zero-byte object; often a sign of a failed copy.",
         level="warning"),
    Rule("MT616", "empty-folder", "Empty folder",
         "AWS imports files, not folders: an empty folder will not exist in S3.",
         level="warning"),
    Rule("MT617", "special-file", "Symbolic link, FIFO, socket or device file",
         "Not a regular file: what AWS does with it is undocumented; the preflight never "
         "follows it. Replace a link with the file it points to.",
         level="warning"),
    Rule("MT618", "unreadable", "Unreadable folder or file",
         "The preflight could not read it, so nothing below it was checked."),
    Rule("MT619", "status-mismatch", "Device or manifest does not match get-status",
         "With --status: the device's SIGNATURE is checked as 'verify' does and the manifest "
         "against CurrentManifest."),
    Rule("MT620", "export-collision", "Export target already on the device",
         "An S3 export writes <bucket>/<key> (or targetDirectory) and recoveryDirectory into "
         "the root; files already there would be mixed with or replaced by exported ones.",
         GUIDE,
         level="warning"),
    Rule("MT621", "export-name", "Export folder name invalid on the file system",
         "targetDirectory or recoveryDirectory cannot be a folder name on the device's file "
         "system (FAT32 and NTFS forbid double quotes, '*', ':', '<', '>', '?', backslash, the "
         "vertical bar and names over 255 characters)."),
    Rule("MT622", "export-not-writable", "Export device not writable",
         "The device is mounted read-only or has no free space; AWS cannot write the export "
         "to it."),
    Rule("MT623", "findings-truncated", "More findings of one rule",
         "At most 200 findings of one rule are listed; the rest are counted.",
         level="warning"),
    # --- MT7xx: job logs (log) ---
    Rule("MT701", "log-format", "Not an import/export log",
         "No row of the file has the log's columns DateTime, File, Status, Code, Key, MD5, "
         "Bytes, Content-Type (nor is it a Glacier log).", GUIDE),
    Rule("MT702", "log-row", "Malformed log row",
         "A row with another number of fields than eight, a quoted field never closed, or a "
         "line too long to be a row; it is skipped and the rest of the log is read."),
    Rule("MT703", "log-value", "Invalid log value",
         "Bytes is not a whole number, or MD5 is neither 32 hexadecimal digits nor a "
         "multipart ETag; the value is not used.",
         level="warning"),
    Rule("MT704", "log-unknown-code", "Status and code this tool does not know",
         "The guide's table of Import/Export codes is lost; an unknown pair is kept as "
         "written and counted by its status (2xx loaded, 103 Ignored ignored, else failed).",
         GUIDE,
         level="warning"),
    Rule("MT705", "file-failed", "The log says a file was not loaded",
         "A row whose status is neither 2xx nor 103 Ignored, e.g. 400 InvalidSubstitution; "
         "the file is in the --retry list.", GUIDE),
    Rule("MT706", "error-count", "ErrorCount differs from the log",
         "get-status's ErrorCount is compared with the log's failed rows; a difference means "
         "an incomplete log or the log of another job."),
    Rule("MT707", "log-encoding", "Log bytes that are not UTF-8",
         "Bytes that are not UTF-8 were read as U+FFFD; such a file name could not have "
         "become an S3 key.",
         level="warning"),
    Rule("MT708", "log-job-mismatch", "Log of another job",
         "The log's name (import-log-JOBID) names another job than get-status's JobId."),
    Rule("MT711", "not-in-log", "Device file missing from the log",
         "A file on the device has no row in the log (matched by path, by the key the "
         "manifest's rules give it, and by Unicode-normalised path): it was not imported."),
    Rule("MT712", "not-on-device", "Log row without a device file",
         "The log lists a file the device does not have: it was removed or renamed since, "
         "or the root given is not the device's root."),
    Rule("MT713", "size-mismatch", "Size differs from the log",
         "The file's size on the device differs from the log's Bytes: it changed or the copy "
         "was cut."),
    Rule("MT714", "md5-mismatch", "MD5 differs from the log",
         "The MD5 of the file on the device differs from the log's: the bytes differ."),
    Rule("MT715", "not-compared", "Content not compared",
         "The log's MD5 is a multipart upload ETag ('<hex>-<parts>'), which is not an MD5 of "
         "the file (Developer Guide, 'Log File Fields'), or the row has none; only the size "
         "was compared.", GUIDE,
         level="warning"),
    Rule("MT716", "ignored-unasked", "Ignored without an ignore pattern",
         "AWS ignored the file (103 Ignored) but none of the manifest's ignore patterns "
         "matches it: it is not in S3."),
    Rule("MT717", "rules-mismatch", "Log disagrees with the manifest's key rules",
         "A loaded file matches an ignore pattern, or its key differs from prefix + path + "
         "substitutions: the manifest AWS used may differ from the one given.",
         level="warning"),
    Rule("MT718", "device-file-unreadable", "Device file cannot be compared",
         "The file could not be read, or is not a regular file, so it was not compared."),
    Rule("MT719", "duplicate-row", "More than one row for a file",
         "The log lists a file twice; the last row is used.",
         level="warning"),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

