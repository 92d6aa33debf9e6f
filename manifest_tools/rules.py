"""The table of rules: id -> short and full description and the source it comes from.

It feeds ``--help``, the README's rule list and SARIF's ``rules``. Ids are stable: never
reuse or renumber one. Ranges: MT1xx reading, MT2xx schema, MT3xx cross-field,
MT4xx SIGNATURE files, MT5xx get-status output, MT6xx the device (preflight),
MT7xx job logs (log).
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDE = "AWS Import/Export Developer Guide (2010-06-01)"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    short: str
    full: str
    source: str = ""


_RULES = [
    # --- MT1xx: reading the bytes (manifest parser) ---
    Rule("MT100", "yaml-syntax", "Manifest is not well formed",
         "The file could not be read as a manifest (YAML syntax). AWS rejected such files with "
         "MalformedManifestException.", GUIDE),
    Rule("MT101", "invalid-utf8", "Byte that is not UTF-8",
         "Manifests are UTF-8 text (the API takes 'the UTF-8 encoded text of the manifest')."
         , GUIDE),
    Rule("MT102", "byte-order-mark", "File starts with a UTF-8 byte order mark",
         "Tolerated for reading, but the BOM is part of the signed bytes and many tools "
         "mishandle it; save the file without a BOM."),
    Rule("MT103", "compact-form", "Compact key:value form",
         "Lines such as 'bucket:mybucket' (no space after the colon) are what AWS itself "
         "writes and are accepted, but standard YAML tools read them as one string. Reported "
         "once per file."),
    Rule("MT104", "flattened-address", "returnAddress fields not indented",
         "Address lines written unindented under an empty 'returnAddress:' (as in AWS's own "
         "documentation) are read as the address, but standard YAML tools misread them.",
         GUIDE),
    Rule("MT105", "tab-indentation", "Tab in indentation",
         "YAML forbids tabs in indentation; the structure of the file is ambiguous."),
    Rule("MT106", "duplicate-key", "Duplicate key",
         "A key appears twice in one mapping; which value AWS used is undefined."),
    Rule("MT107", "anchor-alias", "Anchor or alias",
         "YAML anchors and aliases have no meaning in a manifest and are never expanded."),
    Rule("MT108", "tag", "YAML tag",
         "Explicit YAML tags (!!str, !foo) have no meaning in a manifest."),
    Rule("MT109", "not-a-mapping", "Top level is not a mapping",
         "A manifest is a mapping of field names to values."),
    Rule("MT110", "empty", "Empty manifest", "The file holds no manifest at all."),
    Rule("MT111", "multiple-documents", "More than one YAML document",
         "A manifest is one document; '---' separators start another one."),
    Rule("MT112", "complex-key", "Key that is not text",
         "Field names are plain text; lists or mappings used as keys are not."),
    Rule("MT113", "control-character", "Control character",
         "NUL and other control characters cannot appear in a manifest (YAML forbids them)."),
    Rule("MT114", "too-deep", "Nesting too deep or too many values",
         "A manifest nests a few levels and holds a few dozen values; input nested deeper "
         "than 32 levels or holding more than 10,000 values is not read further."),
    # --- MT2xx: schema ---
    Rule("MT201", "missing-field", "Required field missing",
         "A field the job type requires is absent (MissingManifestFieldException).", GUIDE),
    Rule("MT202", "invalid-value", "Invalid field value",
         "A field's value does not have the form AWS accepts (InvalidManifestFieldException).",
         GUIDE),
    Rule("MT203", "unknown-field", "Unknown field",
         "A field no AWS guide documents. AWS ignored or rejected such fields; check the "
         "spelling."),
    Rule("MT204", "misspelled-field", "Misspelled field",
         "A field that is a known misspelling of a manifest field (did you mean ...?)."),
    Rule("MT205", "job-type", "Job type cannot be determined",
         "The job type (S3 import, S3 export, EBS import, Glacier import) is read from the "
         "fields present; pass --job-type when it is ambiguous."),
    Rule("MT206", "wrong-structure", "Wrong structure",
         "A field holds a list or mapping where text is expected, or the reverse."),
    # --- MT3xx: cross-field rules ---
    Rule("MT301", "log-prefix-length", "logPrefix too long",
         "logPrefix + 'import-log-'/'export-log-' + the job id must fit in 1024 bytes.", GUIDE),
    Rule("MT302", "export-password", "Export without trueCryptPassword or pinCode",
         "S3 export jobs must give trueCryptPassword or pinCode to encrypt the device.", GUIDE),
    Rule("MT303", "expedited-us-only", "expeditedShipping outside the US",
         "serviceLevel expeditedShipping is available only for return addresses in the US.",
         GUIDE),
    Rule("MT304", "bucket-dns", "Bucket name not DNS-compatible",
         "Bucket names should be 3-63 characters of lowercase letters, digits, '.' and '-'; "
         "AWS only warned about others.", GUIDE),
    Rule("MT305", "country-code", "Two-letter country code",
         "AWS's examples spell the return country out (e.g. 'USA'); a two-letter code may be "
         "misread by the carrier.", GUIDE),
    Rule("MT306", "legacy-version", "Legacy manifestVersion 1.x",
         "manifestVersion 1.x belongs to the 2009 e-mail workflow; use 2.0 (S3) or 3.0 "
         "(EBS, Glacier).", GUIDE),
    Rule("MT307", "access-key-missing", "accessKeyId missing",
         "The 2010 guide requires accessKeyId; later examples omit it.", GUIDE),
    Rule("MT308", "po-box", "PO box in return address",
         "AWS cannot return devices to a PO box.", GUIDE),
    # --- MT4xx: SIGNATURE files ---
    Rule("MT401", "signature-unknown-key", "Unknown key in SIGNATURE",
         "A SIGNATURE file holds exactly version, signingMethod, jobId and signature.", GUIDE),
    Rule("MT402", "signature-missing-key", "Missing key in SIGNATURE",
         "A SIGNATURE file holds exactly version, signingMethod, jobId and signature.", GUIDE),
    Rule("MT403", "signature-version", "Unsupported SIGNATURE version",
         "SIGNATURE files are version 2.0 (or the older 1.0).", GUIDE),
    Rule("MT404", "signature-method", "Unsupported signingMethod",
         "The only signing method is HmacSHA1.", GUIDE),
    Rule("MT405", "signature-value", "Malformed signature value",
         "The signature is 28 characters of base64 encoding 20 bytes (HMAC-SHA1).", GUIDE),
    Rule("MT406", "job-id-shape", "Unusual job id",
         "Job ids are 5 characters of 1-9 and A-Z without O; later AWS documents only say "
         "'string', so this is a warning.", GUIDE),
    Rule("MT407", "job-id-invalid", "Invalid job id",
         "A job id never contains '/', whitespace or control characters."),
    Rule("MT408", "signature-duplicate-key", "Duplicate key in SIGNATURE",
         "Each key appears once."),
    Rule("MT409", "signature-syntax", "Malformed SIGNATURE line",
         "Each line is 'key:value'."),
    Rule("MT410", "signature-wrong-input", "Not a SIGNATURE file",
         "The file given as a SIGNATURE is recognisably a manifest, get-status or list-jobs "
         "output; the message names the option that takes it."),
    Rule("MT411", "access-key-mismatch", "accessKeyId is not the signing credentials'",
         "The manifest's accessKeyId differs from the access key id stored beside the secret "
         "key used (AWS_ACCESS_KEY_ID, or aws_access_key_id of the same profile); AWS "
         "answered such jobs with InvalidAccessKeyIdException. A warning.", GUIDE),
    # --- MT5xx: get-status output ---
    Rule("MT501", "status-format", "Unrecognised get-status output",
         "Expected the output of 'aws importexport get-status' or 'create-job' as json, yaml, "
         "text or table."),
    Rule("MT502", "status-reconstructed", "get-status text was reconstructed",
         "The text rendering had lost its TABs (documentation, e-mail); columns were "
         "recovered by anchoring on fields of known shape."),
    Rule("MT503", "status-uncertain", "get-status field read with uncertainty",
         "A field's boundaries could not be fixed with certainty."),
    Rule("MT504", "status-value", "Invalid get-status field",
         "A field's value does not have the shape AWS prints."),
    Rule("MT505", "status-unknown-member", "Unknown get-status member",
         "A member that neither get-status nor create-job returns; it is ignored."),
    Rule("MT506", "status-encoding", "get-status output in UTF-16 or UTF-32",
         "The file is UTF-16 or UTF-32 (Windows PowerShell 5.1 writes UTF-16LE with a BOM on "
         "'>'); it was read as that encoding."),
    Rule("MT507", "status-console-crlf", "Console line-end translation undone",
         "Every line ended in CR LF, as a Windows console writes the CLI's output; the "
         "translation was undone once, so a CR LF AWS sent inside CurrentManifest is kept."),
    Rule("MT508", "status-signature-rebuilt", "SignatureFileContents rebuilt from a copy",
         "A copy had added trailing spaces, indentation, CRs or non-breaking spaces to the "
         "four 'key:value' lines; they were stripped on that fixed grammar."),
    Rule("MT509", "status-signature-shape", "Unusual Signature value",
         "The Signature is not 28 base64 characters (AWS's documentation example prints a "
         "29-character placeholder containing EXAMPLE); AWS's value is kept and written, "
         "never refused."),
    Rule("MT510", "status-wrong-input", "Not get-status output",
         "The file is recognisably a manifest, a SIGNATURE file or list-jobs output; the "
         "message names the command that takes it."),
    Rule("MT511", "status-pasted-spaces", "Spaces at the end of every line removed",
         "Every line of the copy ended in spaces (terminals and e-mail add them); they were "
         "removed, so no value, and no SIGNATURE line, keeps them."),
    # --- MT6xx: the device (preflight) ---
    Rule("MT601", "signature-missing", "No SIGNATURE in the device root",
         "AWS looks for a file named exactly SIGNATURE in the root directory of the device; "
         "without it the job ends with ProgressCode MissingSignature and the device comes "
         "back unprocessed.", GUIDE),
    Rule("MT602", "signature-misplaced", "SIGNATURE in a subfolder or another spelling",
         "A file named like SIGNATURE in a subfolder, or spelt otherwise (signature, "
         "SIGNATURE.txt), is not the job's SIGNATURE: AWS imports it as an ordinary file.",
         GUIDE),
    Rule("MT603", "not-mount-root", "Device root is not a mounted filesystem's root",
         "AWS reads the root directory of the device; a folder inside a disk is fine for a "
         "rehearsal, not for shipping."),
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
         "handling in many tools (S3 User Guide, 'Object key naming guidelines')."),
    Rule("MT611", "ignore-pattern", "Unusable ignore pattern",
         "An ignore pattern is not a valid Java regular expression, or uses a Java construct "
         "with no Python equivalent, so which files it skips cannot be checked.", GUIDE),
    Rule("MT612", "substitution-invalid", "Unusable substitution",
         "A substitution replaces an empty text, which has no meaning."),
    Rule("MT613", "case-collision", "Keys that differ only in case",
         "S3 keys are case-sensitive, but the objects will collide on any case-insensitive "
         "file system they are later exported or downloaded to."),
    Rule("MT614", "device-too-large", "Device over 16 TB",
         "A device holds at most 16 TB (its capacity, or the files on it).", GUIDE),
    Rule("MT615", "empty-file", "Empty file",
         "A zero-byte file becomes a zero-byte object; often a sign of a failed copy."),
    Rule("MT616", "empty-folder", "Empty folder",
         "AWS imports files, not folders: an empty folder will not exist in S3."),
    Rule("MT617", "special-file", "Symbolic link, FIFO, socket or device file",
         "Not a regular file: what AWS does with it is undocumented; the preflight never "
         "follows it. Replace a link with the file it points to."),
    Rule("MT618", "unreadable", "Unreadable folder or file",
         "The preflight could not read it, so nothing below it was checked."),
    Rule("MT619", "status-mismatch", "Device or manifest does not match get-status",
         "With --status: the device's SIGNATURE is checked as 'verify' does and the manifest "
         "against CurrentManifest."),
    Rule("MT620", "export-collision", "Export target already on the device",
         "An S3 export writes <bucket>/<key> (or targetDirectory) and recoveryDirectory into "
         "the root; files already there would be mixed with or replaced by exported ones.",
         GUIDE),
    Rule("MT621", "export-name", "Export folder name invalid on the file system",
         "targetDirectory or recoveryDirectory cannot be a folder name on the device's file "
         "system (FAT32 and NTFS forbid double quotes, '*', ':', '<', '>', '?', backslash, the "
         "vertical bar and names over 255 characters)."),
    Rule("MT622", "export-not-writable", "Export device not writable",
         "The device is mounted read-only or has no free space; AWS cannot write the export "
         "to it."),
    Rule("MT623", "findings-truncated", "More findings of one rule",
         "At most 200 findings of one rule are listed; the rest are counted."),
    # --- MT7xx: job logs (log) ---
    Rule("MT701", "log-format", "Not an import/export log",
         "No row of the file has the log's columns DateTime, File, Status, Code, Key, MD5, "
         "Bytes, Content-Type (nor is it a Glacier log).", GUIDE),
    Rule("MT702", "log-row", "Malformed log row",
         "A row with another number of fields than eight, a quoted field never closed, or a "
         "line too long to be a row; it is skipped and the rest of the log is read."),
    Rule("MT703", "log-value", "Invalid log value",
         "Bytes is not a whole number, or MD5 is neither 32 hexadecimal digits nor a "
         "multipart ETag; the value is not used."),
    Rule("MT704", "log-unknown-code", "Status and code this tool does not know",
         "The guide's table of Import/Export codes is lost; an unknown pair is kept as "
         "written and counted by its status (2xx loaded, 103 Ignored ignored, else failed).",
         GUIDE),
    Rule("MT705", "file-failed", "The log says a file was not loaded",
         "A row whose status is neither 2xx nor 103 Ignored, e.g. 400 InvalidSubstitution; "
         "the file is in the --retry list.", GUIDE),
    Rule("MT706", "error-count", "ErrorCount differs from the log",
         "get-status's ErrorCount is compared with the log's failed rows; a difference means "
         "an incomplete log or the log of another job."),
    Rule("MT707", "log-encoding", "Log bytes that are not UTF-8",
         "Bytes that are not UTF-8 were read as U+FFFD; such a file name could not have "
         "become an S3 key."),
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
         "was compared.", GUIDE),
    Rule("MT716", "ignored-unasked", "Ignored without an ignore pattern",
         "AWS ignored the file (103 Ignored) but none of the manifest's ignore patterns "
         "matches it: it is not in S3."),
    Rule("MT717", "rules-mismatch", "Log disagrees with the manifest's key rules",
         "A loaded file matches an ignore pattern, or its key differs from prefix + path + "
         "substitutions: the manifest AWS used may differ from the one given."),
    Rule("MT718", "device-file-unreadable", "Device file cannot be compared",
         "The file could not be read, or is not a regular file, so it was not compared."),
    Rule("MT719", "duplicate-row", "More than one row for a file",
         "The log lists a file twice; the last row is used."),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

