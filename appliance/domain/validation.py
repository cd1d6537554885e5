"""Checks for untrusted input: each function returns the cleaned value or raises Invalid."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from appliance.domain.errors import Invalid
from appliance.domain.model import LANGUAGES, WIDGET_POSITIONS, Role

NAME_MAX = 80
LOGIN_MIN, LOGIN_MAX = 3, 100
PASSWORD_MIN, PASSWORD_MAX = 8, 256
URL_MAX = 500
GREETING_MAX = 500
ORIGINS_MAX = 50
SETUP_CODE_MAX = 64
EMAIL_MAX = 254
ID_MAX = 2**63 - 1  # SQLite's largest integer

_LOGIN_RE = re.compile(r"^[a-z0-9._-]+$")
# One address, no display name or list: a dot-atom local part (at most 64 characters) and a
# host name of dot-separated labels ending in a top-level name (ASCII; IDN as punycode).
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL_RE = re.compile(rf"(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+"
                       r"(?:[a-z][a-z0-9-]{0,61}[a-z0-9]|xn--[a-z0-9-]{1,59})")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# Bidirectional overrides let a name display as something it is not.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Not text on one line: control characters, surrogates, line and paragraph separators.
_NOT_ONE_LINE = frozenset(("Cc", "Cs", "Zl", "Zp"))


def require_str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string", field=field)
    return value


def one_line(text: str, limit: int) -> str:
    """Untrusted one-line text a browser reports (a page's title, address or referrer), cut to
    `limit` and cleaned, never refused: control characters, line and paragraph separators and
    the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: they
    make text display as something it is not) are dropped. Every other format character is
    kept: real text needs them (ZWJ U+200D joins emoji, ZWNJ U+200C is part of Persian
    spelling, LRM/RLM U+200E/U+200F order mixed-direction text). The same characters are
    refused in names (`clean_name`)."""
    return "".join(ch for ch in text[:limit] if ch not in _BIDI_CONTROLS
                   and unicodedata.category(ch) not in _NOT_ONE_LINE)


def check_visible(value: str, field: str, *, multiline: bool) -> None:
    """Refuse text with control characters (line breaks and tabs allowed in `multiline` text),
    line or paragraph separators in one line, or bidirectional embeddings, overrides and
    isolates; other format characters (ZWJ, ZWNJ, LRM, RLM…) are text."""
    for ch in value:
        if ch in _BIDI_CONTROLS:
            raise Invalid(f"{field} contains invisible control characters", field=field)
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") and not (multiline and ch in "\n\t"):
            raise Invalid(f"{field} contains control characters", field=field)
        if category in ("Zl", "Zp") and not multiline:
            raise Invalid(f"{field} must be one line", field=field)


def clean_name(value: Any, field: str = "name", *, max_len: int = NAME_MAX,
               allow_empty: bool = False) -> str:
    """A one-line human name: trimmed, 1..max_len characters, no control characters."""
    text = unicodedata.normalize("NFC", require_str(value, field)).strip()
    if not text and not allow_empty:
        raise Invalid(f"{field} is required", field=field)
    if len(text) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters", field=field)
    check_visible(text, field, multiline=False)
    return text


def clean_text(value: Any, field: str, *, max_len: int) -> str:
    """Free text that may span lines (a greeting)."""
    text = unicodedata.normalize("NFC", require_str(value, field)).strip()
    if len(text) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters", field=field)
    check_visible(text, field, multiline=True)
    return text


def clean_login(value: Any, field: str = "login") -> str:
    """A login name or e-mail address, lower-cased so that logins are case-insensitive."""
    login = require_str(value, field).strip().lower()
    if not LOGIN_MIN <= len(login) <= LOGIN_MAX:
        raise Invalid(f"{field} must be {LOGIN_MIN}-{LOGIN_MAX} characters", field=field)
    if "@" in login:
        if not is_email(login):
            raise Invalid(f"{field} is not a valid e-mail address", field=field)
    elif not _LOGIN_RE.match(login):
        raise Invalid(
            f"{field} may contain only letters, digits, '.', '_' and '-', or be an e-mail address",
            field=field,
        )
    return login


def is_email(text: str) -> bool:
    """Exactly one plain address: no list, display name, angle brackets, spaces or controls."""
    return len(text) <= EMAIL_MAX and _EMAIL_RE.fullmatch(text) is not None


def clean_email(value: Any, field: str = "email", *, allow_empty: bool = False) -> str:
    """One e-mail address (lower-cased), or "" when allowed; it may end up in mail headers."""
    email = require_str(value, field).strip().lower()
    if not email and allow_empty:
        return ""
    if not is_email(email):
        raise Invalid(f"{field} must be one valid e-mail address", field=field)
    return email


def check_password(value: Any, field: str = "password") -> str:
    password = require_str(value, field)
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"{field} must be at least {PASSWORD_MIN} characters", field=field)
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"{field} must be at most {PASSWORD_MAX} characters", field=field)
    return password


def clean_url(value: Any, field: str = "url", *, allow_empty: bool = False) -> str:
    """An absolute http(s) address with a host; nothing else can be linked or embedded."""
    url = require_str(value, field).strip()
    if not url and allow_empty:
        return ""
    if len(url) > URL_MAX:
        raise Invalid(f"{field} must be at most {URL_MAX} characters", field=field)
    if any(ch.isspace() or ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc"
           for ch in url):
        raise Invalid(f"{field} must not contain spaces or control characters", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"{field} is not a valid address", field=field) from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid(f"{field} must start with http:// or https:// and name a host", field=field)
    if parts.username or parts.password:
        raise Invalid(f"{field} must not contain a user name or password", field=field)
    del port
    return url


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an address already checked by clean_url, default port dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    elif not host.isascii():
        # Browsers send internationalised hosts in their ASCII (punycode) form.
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise Invalid("not a valid internationalised host name", field="url") from exc
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def clean_origin(value: Any, field: str = "allowed_origins") -> str:
    url = clean_url(value, field)
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise Invalid(f"{field}: an origin is scheme://host[:port] without a path", field=field)
    return origin_of(url)


def clean_origins(value: Any, field: str = "allowed_origins") -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f"{field} must be a list", field=field)
    if len(value) > ORIGINS_MAX:
        raise Invalid(f"{field} may hold at most {ORIGINS_MAX} entries", field=field)
    seen: dict[str, None] = {}
    for item in value:
        seen[clean_origin(item, field)] = None
    return tuple(seen)


def clean_color(value: Any, field: str = "theme_color") -> str:
    color = require_str(value, field).strip()
    if not _COLOR_RE.fullmatch(color):
        raise Invalid(f"{field} must be a colour like #1f6feb", field=field)
    return color.lower()


def clean_int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"{field} must be a whole number from {low} to {high}", field=field)
    return value


def clean_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", field=field)
    return value


def clean_choice(value: Any, field: str, choices: Iterable[str]) -> str:
    options = tuple(choices)
    if value not in options:
        raise Invalid(f"{field} must be one of: {', '.join(options)}", field=field)
    return str(value)


def clean_language(value: Any, field: str = "language") -> str:
    return clean_choice(value, field, LANGUAGES)


def clean_position(value: Any, field: str = "widget_position") -> str:
    return clean_choice(value, field, WIDGET_POSITIONS)


def clean_role(value: Any, field: str = "role") -> Role:
    return Role(clean_choice(value, field, [r.value for r in Role]))


def clean_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ID_MAX:
        raise Invalid(f"{field} must be a positive integer", field=field)
    return value


def clean_digits(text: str, field: str, low: int, high: int) -> int:
    """A number written in a path or query: ASCII digits only ("١٢" or "²" are not numbers
    here), within [low, high]."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)) or not (
            low <= int(text) <= high):
        raise Invalid(f"{field} must be a number from {low} to {high}", field=field)
    return int(text)


def clean_id_list(value: Any, field: str, *, max_items: int = 1000) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise Invalid(f"{field} must be a list", field=field)
    if len(value) > max_items:
        raise Invalid(f"{field} may hold at most {max_items} entries", field=field)
    return tuple(sorted({clean_id(v, field) for v in value}))


def clean_setup_code(value: Any, field: str = "setup_code") -> str:
    """Setup codes are shown grouped (ABCD-EFGH-JKLM); accept them with or without dashes."""
    code = require_str(value, field)
    if len(code) > SETUP_CODE_MAX:
        raise Invalid(f"{field} is too long", field=field)
    # NFKC: full-width letters typed with a Chinese input method count as the plain ones.
    code = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


@contextmanager
def named_under(parent: str) -> Iterator[None]:
    """Errors of the fields of an object inside a body are named by their path
    (`settings.retention_days`, `site.url`)."""
    try:
        yield
    except Invalid as error:
        if error.field and not error.field.startswith(f"{parent}."):
            error.field = f"{parent}.{error.field}"
        raise


def only_fields(data: Any, allowed: Iterable[str], what: str = "body") -> dict[str, Any]:
    """The request object, refusing unknown keys so that typos are not silently ignored."""
    if not isinstance(data, dict):
        if what == "body":
            raise Invalid("body must be a JSON object")
        raise Invalid(f"{what} must be a JSON object", field=what)
    # Every frame a client sends passes here: a frozenset is taken as it is, and the common
    # case (no unknown key) is one comparison of sets.
    allowed_set = allowed if isinstance(allowed, frozenset) else frozenset(allowed)
    if data.keys() <= allowed_set:
        return data
    unknown = sorted(k for k in data if k not in allowed_set)
    # A nested object's key is named with its path ("page.colour"), as its other errors are.
    name = unknown[0] if what == "body" else f"{what}.{unknown[0]}"
    raise Invalid(f"unknown field: {name}", field=name)
