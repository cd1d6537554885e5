"""Settings: declared once, read from defaults, a TOML file, KEFU_* variables and flags."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from appliance.paths import default_data_dir, user_data_dir


class ConfigError(Exception):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: int = 0  # for int settings

    @property
    def env(self) -> str:
        return "KEFU_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", Path, None,
            "Folder for the database, backups and uploads. Default: ./data in a source "
            "checkout, otherwise the user's data folder (~/.local/share/kefu on Linux)."),
    Setting("host", str, "127.0.0.1",
            "Address to listen on. Use 0.0.0.0 to serve other machines on the LAN."),
    Setting("port", int, 8080, "TCP port to listen on."),
    Setting("public_url", str, "",
            "Base address visitors' browsers use to reach this appliance (for the embed "
            "snippet), e.g. https://chat.example.com. Empty: taken from the admin's request."),
    Setting("log_level", str, "info", "Logging level.",
            ("debug", "info", "warning", "error")),
    Setting("upload_max_bytes", int, 10_485_760,
            "Largest file a visitor or agent may upload, in bytes.", minimum=1),
    Setting("max_body_bytes", int, 1_048_576, "Largest accepted request body, in bytes.",
            minimum=1),
    Setting("session_days", int, 30, "How long a sign-in lasts without being used, in days.",
            minimum=1),
    Setting("login_max_failures", int, 5,
            "Failed sign-ins allowed per login name within login_window_seconds.", minimum=1),
    Setting("login_ip_max_failures", int, 20,
            "Failed sign-ins (and setup codes) allowed per client address within the window.",
            minimum=1),
    Setting("login_window_seconds", int, 900, "Window for counting failed sign-ins, in seconds."),
    Setting("cookie_secure", str, "auto",
            "Mark cookies Secure: auto (when the request came over HTTPS), always, or never.",
            ("auto", "always", "never")),
    Setting("proxies_count", int, 0,
            "Number of trusted reverse proxies in front of the appliance (to read the client's "
            "address and scheme from X-Forwarded-* headers). 0: trust none."),
    Setting("setup_code", str, "",
            "Fixed first-run setup code instead of a random one. Empty: a random code, printed "
            "by `kefu serve` (desktop mode fills it into the window's setup page)."),
    Setting("presence_grace_seconds", int, 30,
            "An agent whose last console closed counts as present this long (a reload is not "
            "a departure), in seconds."),
    Setting("return_chats_after_seconds", int, 60,
            "An agent absent from the console's workbench this long (no console there, the "
            "reload grace over) has their open chats handed to a colleague who can take them, "
            "in seconds; 0: never (a deactivated agent's chats are handed on at once anyway).",
            minimum=0),
    Setting("away_after_seconds", int, 600,
            "An online agent with no activity in the console this long is away, in seconds.",
            minimum=1),
    Setting("ws_ping_seconds", int, 20, "Interval of WebSocket heartbeats, in seconds.",
            minimum=1),
    Setting("missed_after_seconds", int, 120,
            "A conversation whose visitor has had no connection this long before any agent "
            "answered is recorded as missed, in seconds.", minimum=1),
    Setting("bot_model", str, "off",
            "The answer bot's optional re-ranking model: off, or e5-small (multilingual-e5-small "
            "from the 'rerank' extra; not in the one-file build).", ("off", "e5-small")),
    Setting("bot_close_after_seconds", int, 1800,
            "A chat the answer bot serves is closed when its visitor has written nothing and "
            "had no connection this long (recorded as the bot's alone, not missed), in "
            "seconds.", minimum=1),
    Setting("mail_retry_seconds", int, 60,
            "First wait before retrying a mail the SMTP server did not take; it doubles on each "
            "failure (at most an hour) and the mail is given up after 24 hours, in seconds.",
            minimum=1),
    # What one visitor (one browser) and one client address may do on the widget's routes;
    # a refused request gets 429 with Retry-After (a socket `send`: a nack). Addresses come
    # from trusted proxies only (proxies_count), as for login.
    Setting("visitor_sessions_per_minute", int, 30,
            "Widget sessions (page loads) per visitor per minute.", minimum=1),
    Setting("address_new_visitors_per_minute", int, 120,
            "New visitors per client address per minute.", minimum=1),
    Setting("visitor_messages_per_minute", int, 30,
            "Messages per visitor per minute (a resend of a stored message is free).",
            minimum=1),
    Setting("address_messages_per_minute", int, 600,
            "Visitors' messages per client address per minute.", minimum=1),
    Setting("visitor_uploads_per_hour", int, 30,
            "Uploads per visitor per hour (sent or not).", minimum=1),
    Setting("address_uploads_per_hour", int, 300,
            "Visitors' uploads per client address per hour.", minimum=1),
    Setting("visitor_upload_quota_bytes", int, 52_428_800,
            "Bytes of uploads one visitor may have stored; more is refused (413).",
            minimum=1),
    Setting("abandoned_upload_hours", int, 24,
            "Uploads never sent in a message are deleted after this many hours.", minimum=1),
    Setting("visitor_left_messages_per_hour", int, 5,
            "Left messages (each one a mail to the site) per visitor per hour.", minimum=1),
    Setting("address_left_messages_per_hour", int, 30,
            "Left messages per client address per hour.", minimum=1),
    Setting("visitor_transcripts_per_hour", int, 3,
            "Transcript mails per visitor per hour.", minimum=1),
    Setting("address_transcripts_per_hour", int, 20,
            "Transcript mails per client address per hour.", minimum=1),
    Setting("visitor_signals_per_minute", int, 120,
            "Typing and read frames per visitor per minute.", minimum=1),
    Setting("address_signals_per_minute", int, 2400,
            "Visitors' typing and read frames per client address per minute.", minimum=1),
    Setting("visitor_polls_per_minute", int, 120,
            "Long-poll requests and availability checks per visitor per minute.", minimum=1),
    Setting("address_polls_per_minute", int, 2400,
            "Visitors' long-poll requests and availability checks per client address per "
            "minute.", minimum=1),
    Setting("visitor_pages_per_minute", int, 60,
            "Page, tab and invitation frames of the widget's presence module per visitor per "
            "minute.", minimum=1),
    Setting("address_pages_per_minute", int, 6000,
            "Presence frames per client address per minute (an office or a mobile carrier "
            "puts many visitors behind one address).", minimum=1),
    Setting("visit_gap_minutes", int, 30,
            "A visit ends after this many minutes without a page view; the next page view "
            "starts a new visit.", minimum=1),
    Setting("ip_retention_days", int, 30,
            "Visitors' full IP addresses are kept this many days, then only their network "
            "part (IPv4 /24, IPv6 /48).", minimum=0),
    Setting("backups_keep", int, 10,
            "Automatic pre-migration backups to keep in <data_dir>/backups."),
    Setting("writer_batch_max", int, 500,
            "Most write jobs committed together in one transaction (group commit)."),
    Setting("writer", str, "thread",
            "Where the database writer runs: `thread` (a thread of the server's process) or "
            "`process` (a process of its own, with its own interpreter and core).",
            ("thread", "process")),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
CONFIG_FILE_NAME = "kefu.toml"


@dataclass(frozen=True, slots=True)
class Config:
    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.values["data_dir"])

    def replace(self, **changes: Any) -> Config:
        merged = dict(self.values)
        for name, raw in changes.items():
            merged[name] = _convert(SETTINGS_BY_NAME[name], raw)
        return Config(merged)


def _convert(setting: Setting, raw: Any) -> Any:
    if raw is None:
        return None
    try:
        if setting.type is int:
            if isinstance(raw, bool | float):  # int() would accept and truncate them
                raise ValueError(raw)
            value: Any = int(raw)
        elif setting.type is Path:
            value = Path(raw).expanduser()
        elif isinstance(raw, str):
            value = raw
        else:  # a TOML number, list or table where text belongs
            raise TypeError(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{setting.name}: expected {setting.type.__name__}, got {raw!r}") from exc
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{setting.name}: must be one of {', '.join(setting.choices)}")
    if setting.type is int and value < setting.minimum:
        raise ConfigError(f"{setting.name}: must not be negative" if setting.minimum == 0
                          else f"{setting.name}: must be at least {setting.minimum}")
    return value


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(SETTINGS_BY_NAME))
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting {unknown[0]!r}")
    for name, value in data.items():  # a file has types (the environment has only text)
        if SETTINGS_BY_NAME[name].type is int and isinstance(value, str):
            raise ConfigError(f"{name}: expected a TOML integer such as 8080, got {value!r} "
                              f"(config file {path})")
    return data


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None,
                config_file: Path | None = None) -> Config:
    """Defaults < config file < KEFU_* environment < explicit overrides (command-line flags).

    The config file is `config_file`, else $KEFU_CONFIG, else <data_dir>/kefu.toml if present.
    """
    env = os.environ if environ is None else environ
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    from_env = {s.name: env[s.env] for s in SETTINGS if env.get(s.env, "") != ""}

    data_dir = flags.get("data_dir") or from_env.get("data_dir")
    file_path = config_file or (Path(env["KEFU_CONFIG"]) if env.get("KEFU_CONFIG") else None)
    from_file: dict[str, Any] = {}
    if file_path is not None:
        from_file = _read_file(file_path)
    if data_dir is None:
        data_dir = from_file.get("data_dir") or default_data_dir(env)
    if file_path is None and (Path(data_dir) / CONFIG_FILE_NAME).is_file():
        from_file = _read_file(Path(data_dir) / CONFIG_FILE_NAME)

    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = setting.default
        for source in (from_file, from_env, flags):
            if setting.name in source:
                raw = source[setting.name]
        values[setting.name] = _convert(setting, raw)
    values["data_dir"] = Path(data_dir).expanduser().resolve()
    if not 0 <= values["port"] <= 65535:
        raise ConfigError("port: must be between 0 and 65535")
    _check_public_url(values["public_url"])
    _check_setup_code(values["setup_code"])
    return Config(values)


def _check_public_url(url: str) -> None:
    """Empty, or the http(s) address browsers use: it goes into every embed snippet."""
    if not url:
        return
    parts = urlsplit(url)
    try:
        port = parts.port  # ValueError for one that is no port (99999, abc)
    except ValueError:
        port = 0
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or any(ch.isspace() for ch in url) or port == 0:
        raise ConfigError(f"public_url: {url!r} is not an http:// or https:// address "
                          "such as https://chat.example.com")


def _check_setup_code(code: str) -> None:
    """A fixed setup code is typed on the setup page, which keeps ASCII letters and digits
    only (dashes and blanks group them): anything else could never be entered."""
    if code and (any(not (ch.isascii() and (ch.isalnum() or ch in "- ")) for ch in code)
                 or sum(ch.isalnum() for ch in code) < 6):
        raise ConfigError("setup_code: use at least 6 ASCII letters or digits (dashes and "
                          "blanks may group them), e.g. ABCD-EFGH-JKLM")


def data_dir_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    """KEFU_DATA_DIR is set (desktop mode then uses it instead of the user's data folder)."""
    env = os.environ if environ is None else environ
    return bool(env.get(SETTINGS_BY_NAME["data_dir"].env))


def user_data_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The user's own data folder for Kefu (desktop mode's default)."""
    return user_data_dir(os.environ if environ is None else environ)


def display_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables that tell whether a graphical session is there (X11 or Wayland)."""
    env = os.environ if environ is None else environ
    return {name: env[name] for name in ("DISPLAY", "WAYLAND_DISPLAY") if env.get(name)}
