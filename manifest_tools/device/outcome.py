"""The outcome of one device entry in an S3 import: the one answer every command gives.

``entry_outcome(rules, entry)`` says what AWS does with one entry of the walk: import it
under a key, ignore it (``103 Ignored``: the root SIGNATURE, an ``ignore`` pattern, or an
entry that is not a regular file), or refuse it (a ``400`` row in the import log, with the
S3 or Import/Export code, and the preflight rule that predicts it). The preflight writes it
to ``--keys`` and reports it, the service's dock writes it to the import log, and
``log --device`` agrees with a log row that says the same (so the dock's own log of an
untouched device reconciles clean).

The key and the ``ignore`` search are :class:`.keys.KeyRules`' (``decide``); the refusals
are decided here, in this order (AWS is silent; README, "Preflight decisions"):

1. a substitution that leaves the key, or one '/'-separated name in it, empty where the
   unsubstituted key had none: ``400 InvalidSubstitution`` (MT609; the guide: an empty
   replacement of a whole name fails that file). ``prefix: imports/`` with
   ``drafts: ""`` makes ``drafts/b.txt`` the key ``imports//b.txt``: refused;
2. a key over 1,024 bytes of UTF-8: ``400 KeyTooLongError`` (MT607);
3. a file over 5 TB: ``400 EntityTooLarge`` (MT606).

The key comes before the size because that is the order of an upload: Import/Export forms
the key before it asks S3 for anything, and S3 refuses a request line with a long key
before it reads the body.

Entries that are no regular file of a UTF-8 name never reach the rules: a name that is not
UTF-8 is ``400 InvalidObjectName`` (MT605; "a file whose name is not valid UTF-8 is not
imported"), an entry that cannot be read (or a folder that cannot be listed)
``400 IncompleteBody`` (MT618), and a symbolic link, FIFO, socket or device file is never
followed: ``103 Ignored`` (MT617, a warning; AWS's handling is undocumented).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..aws import IGNORED_CODE, IGNORED_STATUS, S3_KEY_LIMIT, S3_OBJECT_LIMIT
from .keys import KeyRules
from .walk import Entry

__all__ = ["REFUSALS", "EntryOutcome", "entry_outcome", "file_outcome", "key_bytes",
           "key_refusal"]

Action = Literal["import", "ignored", "refused"]

# Preflight rule -> the import log's (Status, Code) for a refused entry.
REFUSALS: dict[str, tuple[str, str]] = {
    "MT605": ("400", "InvalidObjectName"),
    "MT606": ("400", "EntityTooLarge"),
    "MT607": ("400", "KeyTooLongError"),
    "MT609": ("400", "InvalidSubstitution"),
    "MT618": ("400", "IncompleteBody"),
}
# The rule of an entry that is not a regular file (ignored, never followed).
SPECIAL_RULE = "MT617"


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """What AWS does with one entry. ``key`` is the object key inside the bucket ('' when
    the entry gets none: a name that is not UTF-8, a special or unreadable entry);
    ``status`` and ``code`` are the import log's columns; ``rule`` the preflight rule that
    predicts a refusal or an ignored special file; ``pattern`` the ``ignore`` pattern (as
    written in the manifest) that matched."""

    action: Action
    key: str = ""
    status: str = "200"
    code: str = "OK"
    rule: str = ""
    pattern: str | None = None

    @property
    def reason(self) -> str:
        """The ``--keys`` CSV's reason: '' for an import, ``signature`` for the root
        SIGNATURE, ``ignore:PATTERN``, else the rule id."""
        if self.action == "import":
            return ""
        if self.pattern is not None:
            return "ignore:" + self.pattern
        return self.rule or "signature"

    @property
    def csv_action(self) -> str:
        """The ``--keys`` CSV's action (``skipped`` for a refusal, as it always was)."""
        return "skipped" if self.action == "refused" else self.action


def refused(rule: str, key: str = "") -> EntryOutcome:
    status, code = REFUSALS[rule]
    return EntryOutcome("refused", key, status, code, rule)


def key_bytes(key: str) -> int:
    """The key's length as S3 counts it: UTF-8 bytes."""
    return len(key) if key.isascii() else len(key.encode("utf-8", "surrogateescape"))


def key_refusal(rules: KeyRules, relpath: str, key: str, size: int) -> str | None:
    """The rule that keeps a file with this key and size from S3 (in the module doc's
    order), or None."""
    if rules.substitutions and _empties_a_name(rules.prefix + relpath, key):
        return "MT609"
    if key_bytes(key) > S3_KEY_LIMIT:
        return "MT607"
    if size > S3_OBJECT_LIMIT:
        return "MT606"
    return None


def file_outcome(rules: KeyRules, relpath: str, size: int) -> EntryOutcome:
    """The outcome of a regular file whose name is UTF-8."""
    decision = rules.decide(relpath)
    if decision.action == "ignored":
        return EntryOutcome("ignored", decision.key, IGNORED_STATUS, IGNORED_CODE,
                            pattern=decision.pattern)
    rule = key_refusal(rules, relpath, decision.key, size)
    if rule is not None:
        return refused(rule, decision.key)
    return EntryOutcome("import", decision.key)


def entry_outcome(rules: KeyRules, entry: Entry) -> EntryOutcome | None:
    """The outcome of any entry of the walk; None for a folder that could be listed (AWS
    imports files, not folders: it has no row in the log)."""
    if entry.kind == "dir":
        return None if entry.error is None else refused("MT618")
    if entry.kind == "error":
        return refused("MT618")
    if entry.kind != "file":
        return EntryOutcome("ignored", "", IGNORED_STATUS, IGNORED_CODE, SPECIAL_RULE)
    if not entry.utf8:
        return refused("MT605")
    return file_outcome(rules, entry.relpath, entry.size)


def _empties_a_name(before: str, after: str) -> bool:
    """True when substitution left the key, or a '/'-separated name in it, empty where the
    unsubstituted key had none."""
    if not after:
        return True
    return ("//" in after and "//" not in before) or (
        after[0] == "/" and not before.startswith("/")) or (
        after[-1] == "/" and not before.endswith("/"))
