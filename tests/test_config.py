"""Settings: precedence of defaults, file, environment and flags; bad values; documentation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from appliance.cli import build_parser
from appliance.config import (
    CONFIG_FILE_NAME,
    SETTINGS,
    SETTINGS_BY_NAME,
    Config,
    ConfigError,
    load_config,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    config = load_config({"data_dir": tmp_path}, environ={})
    for setting in SETTINGS:
        if setting.name != "data_dir":
            assert getattr(config, setting.name) == setting.default, setting.name
    assert config.data_path == tmp_path.resolve()
    assert config.port == 8080
    assert config.host == "127.0.0.1"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    write_toml(tmp_path / CONFIG_FILE_NAME,
               'port = 9001\nhost = "0.0.0.0"\nlog_level = "debug"\nsession_days = 7\n')
    data = {"data_dir": tmp_path}

    from_file = load_config(data, environ={})
    assert (from_file.port, from_file.host, from_file.log_level) == (9001, "0.0.0.0", "debug")

    env = {"KEFU_PORT": "9002", "KEFU_LOG_LEVEL": "warning"}
    from_env = load_config(data, environ=env)
    assert (from_env.port, from_env.host, from_env.log_level) == (9002, "0.0.0.0", "warning")

    from_flags = load_config({**data, "port": 9003, "host": None}, environ=env)
    assert from_flags.port == 9003
    assert from_flags.host == "0.0.0.0"  # a flag left out (None) does not hide lower sources
    assert from_flags.log_level == "warning"
    assert from_flags.session_days == 7


def test_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    write_toml(tmp_path / CONFIG_FILE_NAME, "port = 9001\n")
    config = load_config({"data_dir": tmp_path}, environ={"KEFU_PORT": "", "KEFU_HOST": ""})
    assert config.port == 9001
    assert config.host == "127.0.0.1"


def test_only_the_given_environ_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_PORT", "9555")
    assert load_config({"data_dir": tmp_path}, environ={}).port == 8080
    assert load_config({"data_dir": tmp_path}).port == 9555  # environ=None: the process's


def test_data_dir_from_environment_finds_its_settings_file(tmp_path: Path) -> None:
    data = tmp_path / "from-env"
    write_toml(data / CONFIG_FILE_NAME, "port = 9010\n")
    config = load_config(environ={"KEFU_DATA_DIR": str(data)})
    assert config.data_path == data.resolve()
    assert config.port == 9010

    flag_dir = tmp_path / "from-flag"
    flag_dir.mkdir()
    config = load_config({"data_dir": flag_dir}, environ={"KEFU_DATA_DIR": str(data)})
    assert config.data_path == flag_dir.resolve()
    assert config.port == 8080  # the other folder's file is not read


def test_explicit_file_replaces_the_one_in_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Would be refused if it were read at all.
    write_toml(data / CONFIG_FILE_NAME, "no_such_setting = 1\n")
    explicit = write_toml(tmp_path / "elsewhere.toml", f'data_dir = "{data}"\nport = 9020\n')

    config = load_config(environ={}, config_file=explicit)
    assert config.data_path == data.resolve()
    assert config.port == 9020

    via_env = load_config(environ={"KEFU_CONFIG": str(explicit)})
    assert via_env.port == 9020

    flag_file = write_toml(tmp_path / "flag.toml", f'data_dir = "{data}"\nport = 9030\n')
    both = load_config(environ={"KEFU_CONFIG": str(explicit)}, config_file=flag_file)
    assert both.port == 9030


def test_home_is_expanded_in_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config(environ={"KEFU_DATA_DIR": "~/kefu-data"})
    assert config.data_path == (tmp_path / "kefu-data").resolve()


BAD_VALUES: list[tuple[str, dict[str, str], str, dict[str, Any], str]] = [
    # (id, environment, kefu.toml text, flags, text the message must contain)
    ("port-not-a-number", {"KEFU_PORT": "abc"}, "", {}, "port"),
    ("port-too-large-env", {"KEFU_PORT": "70000"}, "", {}, "port"),
    ("port-too-large-flag", {}, "", {"port": 70000}, "port"),
    ("port-negative", {"KEFU_PORT": "-1"}, "", {}, "port"),
    ("port-float-in-file", {}, "port = 8080.5\n", {}, "port"),
    ("port-bool-in-file", {}, "port = true\n", {}, "port"),
    ("int-as-decimal-text", {"KEFU_SESSION_DAYS": "1.5"}, "", {}, "session_days"),
    ("zero-failures-allowed", {"KEFU_LOGIN_MAX_FAILURES": "0"}, "", {}, "login_max_failures"),
    ("zero-ping-interval", {"KEFU_WS_PING_SECONDS": "0"}, "", {}, "ws_ping_seconds"),
    ("choice-outside-list", {"KEFU_LOG_LEVEL": "verbose"}, "", {}, "log_level"),
    ("choice-wrong-case", {"KEFU_COOKIE_SECURE": "Always"}, "", {}, "cookie_secure"),
    ("choice-in-file", {}, 'cookie_secure = "sometimes"\n', {}, "cookie_secure"),
    ("number-where-text-belongs", {}, "host = 5\n", {}, "host"),
    ("list-where-text-belongs", {}, 'public_url = ["https://a.example"]\n', {}, "public_url"),
    ("table-where-number-belongs", {}, "[port]\nvalue = 1\n", {}, "port"),
    ("unknown-key-in-file", {}, "prot = 8080\n", {}, "prot"),
    ("invalid-toml", {}, "port = = 1\n", {}, "not valid TOML"),
]


@pytest.mark.parametrize(("environ", "toml", "flags", "needle"),
                         [case[1:] for case in BAD_VALUES], ids=[case[0] for case in BAD_VALUES])
def test_bad_values_are_refused_by_name(tmp_path: Path, environ: dict[str, str], toml: str,
                                        flags: dict[str, Any], needle: str) -> None:
    if toml:
        write_toml(tmp_path / CONFIG_FILE_NAME, toml)
    with pytest.raises(ConfigError) as refused:
        load_config({"data_dir": tmp_path, **flags}, environ=environ)
    assert needle in str(refused.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "broken.toml", 'host = "unterminated\n')
    with pytest.raises(ConfigError, match="not valid TOML") as refused:
        load_config({"data_dir": tmp_path}, environ={}, config_file=path)
    assert str(path) in str(refused.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="cannot read config file") as refused:
        load_config({"data_dir": tmp_path}, environ={"KEFU_CONFIG": str(missing)})
    assert str(missing) in str(refused.value)


def test_config_values_and_replace(tmp_path: Path) -> None:
    config = load_config({"data_dir": tmp_path}, environ={})
    changed = config.replace(port="9040", public_url="https://chat.example.com")
    assert changed.port == 9040
    assert changed.public_url == "https://chat.example.com"
    assert config.port == 8080  # the original is unchanged
    with pytest.raises(ConfigError, match="log_level"):
        config.replace(log_level="loud")
    with pytest.raises(AttributeError):
        _ = config.no_such_setting
    assert isinstance(config, Config)


def test_every_setting_has_a_well_formed_declaration() -> None:
    assert len(SETTINGS_BY_NAME) == len(SETTINGS)
    for setting in SETTINGS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", setting.name)
        assert setting.env == "KEFU_" + setting.name.upper()
        assert setting.help.strip().endswith((".", ")"))
        if setting.choices:
            assert setting.default in setting.choices


def _doc_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text("utf-8").splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def _setting_flags() -> dict[str, set[str]]:
    """Command-line flags that set a setting, per setting name, across all commands."""
    flags: dict[str, set[str]] = {}
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                for option in command._actions:
                    if option.dest in SETTINGS_BY_NAME:
                        flags.setdefault(option.dest, set()).update(option.option_strings)
    return flags


def test_every_setting_is_documented() -> None:
    text = DOC.read_text("utf-8")
    rows = _doc_rows()
    for setting in SETTINGS:
        assert setting.name in text and setting.env in text, setting.name
        assert setting.name in rows, f"{setting.name} has no row in {DOC.name}"
        _name, env, _flag, kind, default, what = rows[setting.name]
        assert env == f"`{setting.env}`"
        assert what, setting.name
        if setting.default is not None:
            shown = '""' if setting.default == "" else str(setting.default)
            assert default == f"`{shown}`", f"{setting.name}: documented default {default}"
        for choice in setting.choices:
            assert f"`{choice}`" in kind
    assert set(rows) == set(SETTINGS_BY_NAME), "the doc lists settings that do not exist"
    assert "KEFU_CONFIG" in text
    assert CONFIG_FILE_NAME in text


def test_documented_flags_match_the_command_line() -> None:
    rows = _doc_rows()
    flags = _setting_flags()
    assert {"data_dir", "host", "port", "public_url"} <= set(flags)
    for name, options in flags.items():
        for option in options:
            assert option in rows[name][2], f"{option} is not documented for {name}"
    for name, row in rows.items():
        if name not in flags:
            assert row[2] == "—", f"{name} documents a flag the command line does not have"
