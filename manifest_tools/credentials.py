"""Where the AWS secret access key comes from, without ever showing it.

Sources, first match wins:

1. ``key_file``: a file holding only the key (surrounding whitespace stripped); ``"-"``
   reads it from ``stdin``. Like ssh with a private key, a key file that group or others
   may read still works but yields a warning in :attr:`SecretKey.warnings`.
2. The environment variable ``AWS_SECRET_ACCESS_KEY`` (skipped when ``profile`` is given
   explicitly: botocore lets an explicitly named profile override environment
   credentials, and a user who typed ``--profile`` means that profile).
3. The AWS shared credentials file (``AWS_SHARED_CREDENTIALS_FILE``, default
   ``~/.aws/credentials``), section ``profile``, else ``$AWS_PROFILE``, else ``default``,
   option ``aws_secret_access_key`` - the same file and names the AWS CLI uses; then static
   keys in the AWS CLI's config file (``AWS_CONFIG_FILE``, default ``~/.aws/config``),
   section ``[profile NAME]`` (``[default]``), as the CLI finds them.

A key file may be the AWS Import/Export Web Service Tool's ``AWSCredentials.properties``
(``accessKeyId:`` and ``secretKey:`` lines); its access key id then feeds MT411.

The key's value never appears in an exception message, a repr or a str: messages name the
source (a path, a variable, a profile) only.
"""

from __future__ import annotations

import configparser
import os
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from .errors import InputError, MissingKeyError
from .inputs import MiB, read_source

ENV_SECRET = "AWS_SECRET_ACCESS_KEY"
ENV_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
ACCESS_KEY_OPTION = "aws_access_key_id"
ENV_PROFILE = "AWS_PROFILE"
ENV_CREDENTIALS_FILE = "AWS_SHARED_CREDENTIALS_FILE"
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"
ENV_CONFIG_FILE = "AWS_CONFIG_FILE"
DEFAULT_CONFIG_FILE = "~/.aws/config"
CREDENTIALS_OPTION = "aws_secret_access_key"
# A secret access key is 40 characters; a key file is read up to this many bytes, so that
# ``--key-file /dev/zero`` (or a huge file given by mistake) is refused, not read forever.
KEY_FILE_LIMIT = 4096
# A shared credentials file holds a few sections; a large one has hundreds (a few KiB each
# at most). Larger is not a credentials file.
CREDENTIALS_LIMIT = 1 * MiB


@dataclass(frozen=True)
class SecretKey:
    """A secret access key and where it came from; repr and str never show the value."""

    value: str = field(repr=False)
    source: str
    warnings: tuple[str, ...] = ()
    # The access key id stored beside the secret (same variable family, same section); a
    # key file holds the secret only, so it has none. Not a secret: AWS prints it in logs.
    access_key_id: str | None = None

    def __repr__(self) -> str:
        return f"SecretKey(source={self.source!r}, value=<redacted>)"

    def __str__(self) -> str:
        return f"<secret key from {self.source}>"


# An access key id is upper-case letters and digits (AKIA..., ASIA...; IAM's AccessKey
# type: 16 to 128 characters); a secret access key is 40 characters of base64's alphabet.
ACCESS_KEY_ID_SHAPE = re.compile(r"[A-Z0-9]{16,128}")


def shown_key_file(key_file: str) -> str:
    """How messages name a --key-file argument: as given when it names an existing file or
    nothing in it could be a key; else not at all. The key typed where the path goes, whole
    or cut short, with './' or a space around it, is never echoed."""
    if os.path.lexists(key_file) or not any(
            might_be_key(part) for part in (key_file, *key_file.split("/"))):
        return key_file
    return "(the --key-file argument, not shown: it looks like a secret key, not a path)"


def might_be_key(text: str) -> bool:
    """Whether ``text`` could be a secret access key, whole or cut short: base64's alphabet,
    at least 8 characters, lower case and a digit, '/', '+' or two capitals after the first
    character (any 8 characters of a random key almost always; a profile or file name,
    'Production', 'default', 'key.txt', rarely)."""
    text = text.strip()
    return (len(text) >= 8 and re.fullmatch(r"[A-Za-z0-9/+=]+", text) is not None
            and any(c.islower() for c in text)
            and (any(c.isdigit() or c in "/+" for c in text)
                 or sum(c.isupper() for c in text[1:]) >= 2))


def shown_access_key_id(access_key_id: str) -> str:
    """An access key id as messages show it: as is when it has an access key id's shape;
    else it may be the secret key put in its place (AWS_ACCESS_KEY_ID), never shown."""
    if ACCESS_KEY_ID_SHAPE.fullmatch(access_key_id):
        return access_key_id
    return "(not shown: it is not shaped like an access key id and may be a secret key)"


def _env_text(env: Mapping[str, str], name: str) -> str:
    """A variable's value, stripped; one that is not UTF-8 (os.environ keeps undecodable
    bytes as surrogates) is refused without being shown."""
    value = env.get(name, "").strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"the environment variable {name} is not UTF-8 text; a key is "
                         "ASCII letters, digits and / + =") from None
    return value


# The AWS Import/Export Web Service Tool's AWSCredentials.properties (the
# Developer Guide has every user create it for that tool):
# 'accessKeyId:<id>' and 'secretKey:<key>' lines, '#' comments; Java properties also allow
# '=' or spaces as the separator and '!' comments.
_PROPERTY = re.compile(r"[ \t]*(?P<name>accessKeyId|secretKey)[ \t]*[:=][ \t]*(?P<value>\S*)"
                       r"[ \t]*")


def properties_pair(text: str) -> tuple[str | None, str] | None:
    """(access key id or None, secret key) of an AWSCredentials.properties text, or None
    when it is not one (a line that is neither such a pair, a comment nor blank)."""
    values: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "!")):
            continue
        m = _PROPERTY.fullmatch(line)
        if m is None:
            return None
        values.setdefault(m.group("name"), m.group("value"))
    if not values.get("secretKey"):
        return None
    return values.get("accessKeyId") or None, values["secretKey"]


def _from_text(raw: bytes, where: str, path: str | None) -> tuple[str, str | None]:
    """The key in a key file's bytes, and the access key id beside it (an
    AWSCredentials.properties file); errors name ``where`` only, never the bytes."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"key file {where} is not UTF-8 text", path) from None
    pair = properties_pair(text)
    if pair is not None and pair[1].isprintable():
        return pair[1], pair[0]
    key = text.strip()
    if not key:
        raise MissingKeyError(f"key file {where} is empty")
    # A secret access key is one token. Several lines usually mean the user pointed at a
    # credentials file or a CSV export: signing with that would give a wrong SIGNATURE.
    if any(char.isspace() for char in key):
        raise InputError(f"key file {where} holds more than the secret access key (it "
                         "contains whitespace or several lines); put only the key in it",
                         path)
    if not key.isprintable():
        # NUL bytes or other control characters: a binary file, never a key.
        raise InputError(f"key file {where} holds control characters; put only the secret "
                         "access key in it", path)
    return key, None


def _check_key_size(raw: bytes, where: str, path: str | None) -> None:
    if len(raw) > KEY_FILE_LIMIT:
        raise InputError(f"key file {where} is larger than {KEY_FILE_LIMIT} bytes; it should "
                         "hold only the secret access key", path)


def _read_key_file(key_file: str, stdin: BinaryIO | None) -> SecretKey:
    if key_file == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(KEY_FILE_LIMIT + 1)
        _check_key_size(raw, "<stdin>", None)
        key, key_id = _from_text(raw, "<stdin>", None)
        return SecretKey(key, "--key-file -", access_key_id=key_id)
    warnings: tuple[str, ...] = ()
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang (reads block again below).
        fd = os.open(key_file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise InputError(f"key file {key_file} is a directory", key_file)
            os.set_blocking(fd, True)
            raw = handle.read(KEY_FILE_LIMIT + 1)
    except FileNotFoundError:
        raise MissingKeyError(f"key file {shown_key_file(key_file)} does not exist: give "
                              "the path of a file holding the key, never the key") from None
    except IsADirectoryError:
        raise InputError(f"key file {key_file} is a directory", key_file) from None
    except OSError as exc:
        # exc.strerror only: str(exc) is safe too, but keep messages uniform.
        shown = shown_key_file(key_file)
        raise InputError(f"cannot read key file {shown}: {exc.strerror}",
                         key_file if shown == key_file else None) from None
    _check_key_size(raw, key_file, key_file)
    if stat.S_IMODE(mode) & 0o077:
        # ssh refuses such private keys; we only warn, the CLI prints it.
        warnings = (f"key file {key_file} is accessible by others (mode "
                    f"{stat.S_IMODE(mode):04o}); restrict it with: chmod 600 {key_file}",)
    key, key_id = _from_text(raw, key_file, key_file)
    return SecretKey(key, f"--key-file {key_file}", warnings, access_key_id=key_id)


def _credentials_path(env: Mapping[str, str]) -> tuple[str, str]:
    """(path to open, path to show) of the shared credentials file; a HOME given in ``env``
    (tests, embedding) is honoured before the process's own."""
    return _expand(env, env.get(ENV_CREDENTIALS_FILE) or DEFAULT_CREDENTIALS_FILE)


def _config_path(env: Mapping[str, str]) -> tuple[str, str]:
    """(path to open, path to show) of the AWS CLI's config file."""
    return _expand(env, env.get(ENV_CONFIG_FILE) or DEFAULT_CONFIG_FILE)


def _expand(env: Mapping[str, str], shown: str) -> tuple[str, str]:
    if shown.startswith("~") and env.get("HOME") and shown[1:2] in ("", "/", os.sep):
        return env["HOME"] + shown[1:], shown
    return os.path.expanduser(shown), shown


def _config_section(profile: str) -> str:
    """The config file names a profile '[profile NAME]', except '[default]'."""
    return "default" if profile == "default" else f"profile {profile}"


def _key_in(parser: configparser.RawConfigParser | None, section: str,
            label: str) -> SecretKey | None:
    if parser is None or not parser.has_section(section):
        return None
    value = parser.get(section, CREDENTIALS_OPTION, fallback="").strip()
    if not value:
        return None
    key_id = parser.get(section, ACCESS_KEY_OPTION, fallback="").strip() or None
    return SecretKey(value, label, access_key_id=key_id)


def _read_credentials_file(env: Mapping[str, str], section: str) -> SecretKey | None:
    """``section`` of the credentials file, else its ``[profile NAME]`` in the config file
    (static keys there are found by the AWS CLI too; the credentials file wins)."""
    path, shown = _credentials_path(env)
    found = _key_in(_parse_credentials(path, shown), section, f"{shown} [{section}]")
    if found is not None:
        return found
    path, shown = _config_path(env)
    config = _config_section(section)
    return _key_in(_parse_credentials(path, shown, "config"), config, f"{shown} [{config}]")


def profile_names(env: Mapping[str, str]) -> list[str]:
    """The profiles the credentials and config files name (names only, never a value)."""
    names: list[str] = []
    for (path, shown), kind in ((_credentials_path(env), "credentials"),
                                (_config_path(env), "config")):
        try:
            parser = _parse_credentials(path, shown, kind)
        except InputError:
            continue
        for section in parser.sections() if parser is not None else ():
            name = section.removeprefix("profile ").strip() if kind == "config" else section
            if name and name not in names:
                names.append(name)
    return names


def load_secret_key(key_file: str | None = None, profile: str | None = None,
                    env: Mapping[str, str] | None = None,
                    stdin: BinaryIO | None = None) -> SecretKey:
    """Find the secret access key (see the module docstring for the order)."""
    if env is None:
        env = os.environ
    if key_file is not None:
        return _read_key_file(key_file, stdin)
    if profile is None:
        value = _env_text(env, ENV_SECRET)
        if value:
            return SecretKey(value, ENV_SECRET,
                             access_key_id=_env_text(env, ENV_ACCESS_KEY_ID) or None)
    section = profile or env.get(ENV_PROFILE) or "default"
    found = _read_credentials_file(env, section)
    if found is not None:
        return found
    _, shown = _credentials_path(env)
    _, config = _config_path(env)
    env_part = (f"{ENV_SECRET} (not consulted because a profile was named)"
                if profile is not None else f"the environment variable {ENV_SECRET}")
    known = profile_names(env) if section != "default" else [section]
    if section not in known:
        listed = ", ".join(known) if known else "none"
        if profile is not None and might_be_key(profile):
            # A --profile value that names no section may be the key typed in the wrong place.
            raise MissingKeyError("no profile named by --profile (the value is not shown: it "
                                  "may be a key typed in the wrong place; profiles there: "
                                  f"{listed}); tried --key-file (not given), {env_part}, and "
                                  f"{CREDENTIALS_OPTION} in {shown} and {config}")
        raise MissingKeyError(f"no profile [{section}]: neither {shown} nor {config} has "
                              f"it (profiles there: {listed}); tried --key-file (not given), "
                              f"{env_part}, and {CREDENTIALS_OPTION} in those files")
    raise MissingKeyError(f"no secret access key found: tried --key-file (not given), "
                          f"{env_part}, and {CREDENTIALS_OPTION} in section [{section}] of "
                          f"{shown} and [{_config_section(section)}] of {config}")


# --- key pairs, for the local Import/Export service -------------------------------------
ENV_ACCESS_KEY = ENV_ACCESS_KEY_ID


def _parse_credentials(path: str, shown: str, kind: str = "credentials"
                       ) -> configparser.RawConfigParser | None:
    """The parsed file, None if it does not exist; errors never quote its lines."""
    # RawConfigParser: no '%' interpolation (a secret key may contain '%'); strict=False
    # lets a repeated section or option win by position, as botocore's reader does.
    parser = configparser.RawConfigParser(strict=False)
    try:
        # Bounded and non-blocking, as manifests are read: /dev/zero is refused at the
        # limit, a FIFO nobody writes to at once.
        data = read_source(path, CREDENTIALS_LIMIT).data
    except InputError as exc:
        if not os.path.lexists(path):
            return None
        raise InputError(f"credentials file {shown}: "
                         f"{str(exc).removeprefix(path + ': ')}", path) from None
    try:
        parser.read_string(data.decode("utf-8"), source=shown)
    except UnicodeDecodeError:
        raise InputError(f"{kind} file {shown} is not UTF-8 text", path) from None
    except configparser.Error as exc:
        # The parser's own message quotes the offending line, which may hold a key: give
        # line numbers only.
        numbers = [str(n) for n, _ in getattr(exc, "errors", ())]
        if not numbers and getattr(exc, "lineno", None) is not None:
            numbers = [str(exc.lineno)]  # type: ignore[attr-defined]
        where = f" (line {', '.join(numbers)})" if numbers else ""
        raise InputError(f"{kind} file {shown} is not valid INI{where}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read {kind} file {shown}: {exc.strerror}",
                         path) from None
    return parser


def _properties_file(path: str) -> tuple[str | None, str] | None:
    """The pair of an AWSCredentials.properties file, None when it is not one (or missing;
    the INI reader reports that)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(KEY_FILE_LIMIT + 1)
    except OSError:
        return None
    try:
        return properties_pair(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None


def _pairs_of(parser: configparser.RawConfigParser) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for section in parser.sections():
        access = parser.get(section, ACCESS_KEY_OPTION, fallback="").strip()
        secret = parser.get(section, CREDENTIALS_OPTION, fallback="").strip()
        if access and secret:
            pairs.setdefault(access, secret)
    return pairs


def load_key_pairs(credentials_file: str | None = None,
                   env: Mapping[str, str] | None = None) -> dict[str, SecretKey]:
    """Every (access key id -> secret key) the service accepts.

    With ``credentials_file`` (AWS shared-credentials format): every section of it that has
    both ``aws_access_key_id`` and ``aws_secret_access_key``, and nothing else. Without it,
    the sources the rest of the toolkit reads: the pair in ``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY``, then every complete section of the shared credentials file.
    Raises MissingKeyError when no pair is found; messages never hold a secret.
    """
    if env is None:
        env = os.environ
    found: dict[str, SecretKey] = {}
    if credentials_file is not None:
        pair = _properties_file(credentials_file)
        if pair is not None and pair[0] is not None:
            return {pair[0]: SecretKey(pair[1], credentials_file)}
        if pair is not None:
            raise MissingKeyError(f"credentials file {credentials_file} has secretKey but no "
                                  "accessKeyId line: the service needs both")
        parser = _parse_credentials(credentials_file, credentials_file)
        if parser is None:
            raise MissingKeyError(f"credentials file {credentials_file} does not exist")
        for access, secret in _pairs_of(parser).items():
            found[access] = SecretKey(secret, f"{credentials_file}")
        if not found:
            raise MissingKeyError(f"credentials file {credentials_file} has no section with "
                                  f"both {ACCESS_KEY_OPTION} and {CREDENTIALS_OPTION}")
        return found
    access, secret = _env_text(env, ENV_ACCESS_KEY), _env_text(env, ENV_SECRET)
    if access and secret:
        found[access] = SecretKey(secret, f"{ENV_ACCESS_KEY}/{ENV_SECRET}")
    path, shown = _credentials_path(env)
    parser = _parse_credentials(path, shown)
    if parser is not None:
        for access_id, value in _pairs_of(parser).items():
            found.setdefault(access_id, SecretKey(value, shown))
    if not found:
        raise MissingKeyError(f"no access key pair found: tried {ENV_ACCESS_KEY} with "
                              f"{ENV_SECRET}, and the sections of {shown}; give "
                              "--credentials FILE")
    return found
