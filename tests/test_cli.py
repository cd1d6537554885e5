"""The `kefu` command, run as a real subprocess against real data directories and sockets."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import apsw
import httpx
import pytest
from served import Served, kefu, kefu_env

from appliance import __version__
from appliance.storage.database import integrity_check
from appliance.storage.migrations import LATEST_VERSION, MIGRATIONS

PASSWORD = "correct horse battery"
SETUP_CODE_LINE = re.compile(r"setup code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})")


def password_file(folder: Path, password: str = PASSWORD) -> Path:
    path = folder / "password.txt"
    path.write_text(password + "\n", "utf-8")
    return path


def setup_args(data: Path, pw: Path, owner: str = "Boss@Example.com") -> list[str | Path]:
    return ["setup", "--data-dir", data, "--company", "悦齿口腔", "--owner", owner,
            "--owner-name", "王老板", "--password-file", pw, "--site-name", "官网",
            "--site-url", "https://www.example.com"]


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def users_in(db: Path) -> list[tuple[object, ...]]:
    return rows(db, 'SELECT "login", "role" FROM "user" ORDER BY "id"')


def make_newer(db: Path) -> None:
    conn = apsw.Connection(str(db))
    try:
        conn.execute("INSERT INTO schema_migration VALUES (999, 'from the future', '2030-01-01')")
    finally:
        conn.close()


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    """Start `kefu serve` processes; every one is killed at the end, whatever happened."""
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str | Path, env: dict[str, str] | None = None) -> None:
            super().__init__(*args, env=env)
            started.append(self)

    try:
        yield Tracked
    finally:
        for served in started:
            served.kill()


# -- simple commands ------------------------------------------------------------------------

def test_version() -> None:
    result = kefu("version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "kefu 0.1.0\n"
    assert __version__ == "0.1.0"


@pytest.mark.parametrize("args", [
    ["bogus"],  # (no arguments at all is desktop mode: see the double-click test)
    ["backup", "--data-dir", "x"],  # --to is required
    ["setup", "--company", "Acme"],
    ["create-user", "--login", "lina", "--role", "root", "--password-file", "pw"],
    ["serve", "--port", "eighty"],
    ["version", "--extra"],
])
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    result = kefu(*args, env=kefu_env(KEFU_DATA_DIR=str(tmp_path / "data")))
    assert result.returncode == 2, result
    assert "usage: kefu" in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()


def test_migrate_reports_applied_then_up_to_date(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = kefu("migrate", "--data-dir", data)
    assert first.returncode == 0, first.stderr
    versions = [m.version for m in MIGRATIONS]
    assert (f"Applied migrations {', '.join(map(str, versions))}; "
            f"schema version {LATEST_VERSION}.") in first.stdout
    assert rows(data / "kefu.db", 'SELECT "version" FROM "schema_migration"') == [
        (v,) for v in versions]

    second = kefu("migrate", env=kefu_env(KEFU_DATA_DIR=str(data)))  # the same dir, by variable
    assert second.returncode == 0, second.stderr
    assert f"up to date (schema version {LATEST_VERSION})" in second.stdout
    assert not (data / "backups").exists()


def test_log_level_setting_quiets_the_command(tmp_path: Path) -> None:
    chatty = kefu("migrate", "--data-dir", tmp_path / "one")
    assert "INFO appliance.storage.migrations: applied migration 1" in chatty.stderr
    quiet = kefu("migrate", "--data-dir", tmp_path / "two", env=kefu_env(KEFU_LOG_LEVEL="warning"))
    assert quiet.returncode == 0, quiet.stderr
    assert "INFO" not in quiet.stderr
    assert "Applied migrations 1" in quiet.stdout


@pytest.mark.parametrize(("env", "toml", "needle"), [
    ({"KEFU_PORT": "abc"}, None, "port"),
    ({"KEFU_COOKIE_SECURE": "sometimes"}, None, "cookie_secure"),
    ({}, "prot = 8080\n", "prot"),
    ({}, "port = [\n", "not valid TOML"),
    ({}, 'port = "8080"\n', "TOML integer"),
])
def test_bad_settings_exit_3_naming_the_setting(tmp_path: Path, env: dict[str, str],
                                                toml: str | None, needle: str) -> None:
    data = tmp_path / "data"
    if toml is not None:
        data.mkdir()
        (data / "kefu.toml").write_text(toml, "utf-8")
    result = kefu("migrate", "--data-dir", data, env=kefu_env(**env))
    assert result.returncode == 3, result
    assert result.stderr.startswith("kefu: ")
    assert needle in result.stderr
    assert not (data / "kefu.db").exists()


def test_missing_config_file_exits_3(tmp_path: Path) -> None:
    result = kefu("migrate", "--data-dir", tmp_path, "--config", tmp_path / "nope.toml")
    assert result.returncode == 3
    assert "cannot read config file" in result.stderr
    assert "nope.toml" in result.stderr


# -- setup and users ------------------------------------------------------------------------

def test_setup_prints_the_snippet_once(tmp_path: Path) -> None:
    data, pw = tmp_path / "data", password_file(tmp_path)
    result = kefu(*setup_args(data, pw), "--public-url", "https://chat.example.com/")
    assert result.returncode == 0, result.stderr
    db = data / "kefu.db"
    [(widget_key,)] = rows(db, 'SELECT "widget_key" FROM "site"')
    assert "/embed.js" in result.stdout
    assert f'"{widget_key}"' in result.stdout
    assert '"https://chat.example.com"' in result.stdout
    assert "owner boss@example.com" in result.stdout  # the login, normalised
    assert users_in(db) == [("boss@example.com", "owner")]
    assert rows(db, 'SELECT "name" FROM "company"') == [("悦齿口腔",)]

    again = kefu(*setup_args(data, pw, owner="other"))
    assert again.returncode == 1
    assert "already set up" in again.stderr
    assert users_in(db) == [("boss@example.com", "owner")]
    assert rows(db, 'SELECT count(*) FROM "company"') == [(1,)]


def test_setup_reads_the_password_from_stdin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = setup_args(data, Path("-"))
    result = kefu(*args, stdin=PASSWORD + "\nignored second line\n")
    assert result.returncode == 0, result.stderr
    assert "snippet" in result.stdout
    assert "http://127.0.0.1:8080" in result.stdout  # no public_url: the default address


@pytest.mark.parametrize(("password", "extra", "message"), [
    ("short", [], "password must be at least 8 characters"),
    ("", [], "password must be at least 8 characters"),
    (PASSWORD, ["--site-url", "javascript:alert(1)"], "url must start with http"),
    (PASSWORD, ["--owner", "not a login"], "owner may contain only"),
    (PASSWORD, ["--company", "  "], "company is required"),
])
def test_setup_refuses_bad_input_and_creates_nothing(tmp_path: Path, password: str,
                                                     extra: list[str], message: str) -> None:
    data = tmp_path / "data"
    migrated = kefu("migrate", "--data-dir", data)  # an existing, empty install
    assert migrated.returncode == 0
    result = kefu(*setup_args(data, password_file(tmp_path, password)), *extra)
    assert result.returncode == 1, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert users_in(data / "kefu.db") == []  # still needs setup
    assert rows(data / "kefu.db", 'SELECT count(*) FROM "site"') == [(0,)]


def test_setup_with_a_short_password_on_a_fresh_dir_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = kefu(*setup_args(data, password_file(tmp_path, "1234567")))
    assert result.returncode == 1
    assert result.stderr == "kefu: password must be at least 8 characters\n"
    assert not data.exists()  # refused before anything was opened or created


def test_setup_with_a_missing_password_file(tmp_path: Path) -> None:
    result = kefu(*setup_args(tmp_path / "data", tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "cannot read password file" in result.stderr
    assert "missing.txt" in result.stderr


def test_create_user(tmp_path: Path) -> None:
    data, pw = tmp_path / "data", password_file(tmp_path)
    assert kefu(*setup_args(data, pw)).returncode == 0
    base = ["create-user", "--data-dir", data, "--password-file", pw]

    created = kefu(*base, "--login", "Li.Na", "--display-name", "李娜", "--role", "agent",
                   "--site", "1")
    assert created.returncode == 0, created.stderr
    assert "Created agent li.na (id 2)." in created.stdout
    assert rows(data / "kefu.db", 'SELECT "user_id", "site_id" FROM "user_site"') == [(2, 1)]

    duplicate = kefu(*base, "--login", "LI.NA", "--role", "admin")
    assert duplicate.returncode == 1
    assert "That login is already taken" in duplicate.stderr

    no_site = kefu(*base, "--login", "wang", "--role", "agent", "--site", "99")
    assert no_site.returncode == 1
    assert "No such site: 99" in no_site.stderr

    (tmp_path / "weak").mkdir()
    weak = kefu("create-user", "--data-dir", data, "--login", "zhao", "--role", "agent",
                "--password-file", password_file(tmp_path / "weak", "weak"))
    assert weak.returncode == 1
    assert "password must be at least 8 characters" in weak.stderr

    assert users_in(data / "kefu.db") == [("boss@example.com", "owner"), ("li.na", "agent")]
    # The refused users were not half-created: the login is still free.
    assert kefu(*base, "--login", "wang", "--role", "supervisor").returncode == 0


# -- data directory and database problems ---------------------------------------------------

def test_unwritable_data_dir_exits_3(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    data = blocker / "data"
    for args in (["serve", "--port", "0"], ["migrate"], setup_args(data, password_file(tmp_path))):
        result = kefu(*args, "--data-dir", data)
        assert result.returncode == 3, result
        assert f"The data directory {data.resolve()} is not writable" in result.stderr
        assert "--data-dir" in result.stderr
    assert blocker.read_text() == "not a folder"


def test_database_from_a_newer_version_exits_3_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert kefu("migrate", "--data-dir", data).returncode == 0
    db = data / "kefu.db"
    make_newer(db)
    before = db.read_bytes()
    pw = password_file(tmp_path)
    for args in (["serve", "--port", "0", "--data-dir", data], ["migrate", "--data-dir", data],
                 setup_args(data, pw),
                 ["create-user", "--data-dir", data, "--login", "lina", "--role", "agent",
                  "--password-file", pw]):
        result = kefu(*args, timeout=30)
        assert result.returncode == 3, result
        assert "written by a newer version of Kefu" in result.stderr
        assert "schema 999" in result.stderr
    assert db.read_bytes() == before
    assert not (data / "backups").exists()


def test_serve_on_an_occupied_port_exits_3(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = kefu("serve", "--data-dir", tmp_path / "data", "--host", "127.0.0.1",
                      "--port", str(port), timeout=30)
    assert result.returncode == 3, result
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr


# -- serving --------------------------------------------------------------------------------

def test_backup_while_serving(tmp_path: Path, serve: type[Served]) -> None:
    data, pw = tmp_path / "data", password_file(tmp_path)
    assert kefu(*setup_args(data, pw)).returncode == 0
    server = serve("--data-dir", data)
    url = server.wait_ready()
    assert "setup code" not in server.output  # already set up

    copy = tmp_path / "copies" / "kefu-backup.db"
    copy.parent.mkdir()
    result = kefu("backup", "--data-dir", data, "--to", copy)
    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout
    assert str(copy.resolve()) in result.stdout
    assert integrity_check(copy) == "ok"
    assert users_in(copy) == [("boss@example.com", "owner")]
    assert sorted(p.name for p in copy.parent.iterdir()) == ["kefu-backup.db"]

    again = kefu("backup", "--data-dir", data, "--to", copy)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    no_folder = kefu("backup", "--data-dir", data, "--to", tmp_path / "nowhere" / "x.db")
    assert no_folder.returncode == 1
    assert "does not exist" in no_folder.stderr

    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200  # still serving
    assert server.stop(signal.SIGTERM) == 0


def test_backup_without_a_database(tmp_path: Path) -> None:
    result = kefu("backup", "--data-dir", tmp_path, "--to", tmp_path / "copy.db")
    assert result.returncode == 1
    assert "no database at" in result.stderr
    assert not (tmp_path / "copy.db").exists()


def test_serve_first_run_then_restart(tmp_path: Path, serve: type[Served]) -> None:
    data = tmp_path / "data"
    first = serve("--data-dir", data)
    url = first.wait_ready()
    code = first.wait_for(SETUP_CODE_LINE).group(1)
    assert f"{url}/setup" in first.output
    assert f"Data directory: {data.resolve()}" in first.output
    # The printed code really sets up this install, through the running server.
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/api/setup/status").json() == {"needs_setup": True}
        response = client.post("/api/setup", json={
            "setup_code": code.lower(), "company_name": "Acme",
            "owner": {"login": "boss", "display_name": "Boss", "password": PASSWORD},
            "site": {"name": "Shop", "url": "https://shop.example.com"}})
        assert response.status_code == 201, response.text
    assert first.stop(signal.SIGINT) == 0
    assert "Traceback" not in first.output

    second = serve("--data-dir", data)
    url = second.wait_ready()
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/api/setup/status").json() == {"needs_setup": False}
    assert second.stop(signal.SIGTERM) == 0
    assert "setup code" not in second.output
    assert "Traceback" not in second.output

    db = data / "kefu.db"
    assert integrity_check(db) == "ok"
    assert users_in(db) == [("boss", "owner")]
    assert rows(db, 'SELECT "name", "url" FROM "site"') == [("Shop", "https://shop.example.com")]


def test_serve_refuses_a_file_that_is_not_a_database(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kefu.db").write_bytes(b"this is not sqlite" * 100)
    result = subprocess.run([sys.executable, "-m", "appliance", "migrate", "--data-dir",
                             str(data)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "damaged or not a Kefu database" in result.stderr
    assert "Traceback" not in result.stderr
    assert (data / "kefu.db").read_bytes() == b"this is not sqlite" * 100


def test_a_double_click_without_a_display_explains_serve(tmp_path: Path) -> None:
    env = {k: v for k, v in kefu_env(KEFU_DATA_DIR=str(tmp_path / "data")).items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = kefu(env=env)  # no arguments: what a double-click runs
    assert result.returncode == 3, result
    assert "No graphical display" in result.stderr and "kefu serve" in result.stderr


# -- one Kefu per data directory, restore, start-up refusals --------------------------------

def test_a_second_server_on_the_same_data_directory_exits_3(tmp_path: Path,
                                                             serve: type[Served]) -> None:
    """Two would each send the outbox's mails (a left message mailed twice) and each believe
    its own presence."""
    data = tmp_path / "data"
    first = serve("--data-dir", data)
    url = first.wait_ready()
    second = kefu("serve", "--data-dir", data, "--port", "0", timeout=30)
    assert second.returncode == 3, second
    assert "Another Kefu is already serving" in second.stderr and url in second.stderr
    restore = kefu("restore", "--data-dir", data, "--from", data / "kefu.db")
    assert restore.returncode == 3 and "stop it first" in restore.stderr, restore
    assert first.stop(signal.SIGTERM) == 0
    again = serve("--data-dir", data)  # the lock goes with the process
    again.wait_ready()


def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_database(
        tmp_path: Path, serve: type[Served]) -> None:
    """Copying a backup over kefu.db after a crash left the old -wal beside it, and SQLite
    replayed the old writes onto the backup at the next start (400 messages instead of 200).
    `kefu restore` moves the old database away with its -wal and -shm."""
    data, pw = tmp_path / "data", password_file(tmp_path)
    assert kefu(*setup_args(data, pw)).returncode == 0
    copy = tmp_path / "monday.db"
    assert kefu("backup", "--data-dir", data, "--to", copy).returncode == 0
    server = serve("--data-dir", data)
    server.wait_ready()
    assert kefu("create-user", "--data-dir", data, "--login", "lina", "--role", "agent",
                "--password-file", pw).returncode == 0
    server.kill()  # a crash: kefu.db-wal is left with the new user in it
    assert (data / "kefu.db-wal").exists()
    result = kefu("restore", "--data-dir", data, "--from", copy)
    assert result.returncode == 0, result.stderr
    assert "uploads/" in result.stdout
    assert users_in(data / "kefu.db") == [("boss@example.com", "owner")]
    assert not (data / "kefu.db-wal").exists()
    kept = [p for p in (data / "backups").iterdir() if p.name.startswith("kefu-replaced-")]
    assert any(p.name.endswith(".db-wal") for p in kept), kept
    replaced = next(p for p in kept if p.name.endswith(".db"))
    assert ("lina", "agent") in users_in(replaced)  # with its WAL, nothing of it is lost
    server = serve("--data-dir", data)
    url = server.wait_ready()
    assert httpx.get(f"{url}/healthz", timeout=5).json()["database"] == "ok"
    # Not a backup: refused, and nothing moved.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert server.stop(signal.SIGTERM) == 0
    before = (data / "kefu.db").read_bytes()
    newer = tmp_path / "newer.db"
    assert kefu("backup", "--data-dir", data, "--to", newer).returncode == 0
    make_newer(newer)
    link = tmp_path / "link.db"
    link.symlink_to(data / "kefu.db")
    for bad, words in ((junk, "not a readable SQLite database"),
                       (tmp_path / "missing.db", "no backup at"),
                       (newer, "written by a newer version of Kefu"),
                       (data / "kefu.db", "is the database Kefu uses"),
                       (link, "is the database Kefu uses")):
        result = kefu("restore", "--data-dir", data, "--from", bad)
        assert result.returncode == 1 and words in result.stderr, result
    assert (data / "kefu.db").read_bytes() == before


@pytest.mark.parametrize(("host", "words"), [
    ("no-such-host.invalid", "cannot be resolved"),
    ("192.0.2.77", "is not an address of this machine"),
])
def test_an_address_that_cannot_be_listened_on_exits_3_with_what_to_do(
        tmp_path: Path, host: str, words: str) -> None:
    result = kefu("serve", "--data-dir", tmp_path / "data", "--host", host, "--port", "0",
                  timeout=60)
    assert result.returncode == 3, result
    assert words in result.stderr and "--host" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("env", "needle"), [
    ({"KEFU_SETUP_CODE": "shop_2026"}, "setup_code"),
    ({"KEFU_SETUP_CODE": "abc"}, "setup_code"),
    ({"KEFU_PUBLIC_URL": "not a url"}, "public_url"),
    ({"KEFU_PUBLIC_URL": "ftp://chat.example.com"}, "public_url"),
    ({"KEFU_PUBLIC_URL": "https://chat.example.com:99999"}, "public_url"),
    ({"KEFU_PUBLIC_URL": "https://chat.example.com:abc"}, "public_url"),
    ({"KEFU_PUBLIC_URL": "https://chat.example.com:0"}, "public_url"),
])
def test_values_that_could_never_work_stop_the_start(tmp_path: Path, env: dict[str, str],
                                                      needle: str) -> None:
    result = kefu("migrate", "--data-dir", tmp_path / "data", env=kefu_env(**env))
    assert result.returncode == 3, result
    assert needle in result.stderr


def test_a_fixed_setup_code_is_entered_as_printed(tmp_path: Path, serve: type[Served]) -> None:
    server = serve("--data-dir", tmp_path / "data",
                   env=kefu_env(KEFU_SETUP_CODE="shop-2026-kefu"))
    url = server.wait_ready()
    printed = re.search(r"setup code (\S+)", server.output).group(1)
    assert printed.replace("-", "") == "SHOP2026KEFU"
    for typed, expected in (("wrong-code-1", 403), ("shop-2026-kefu", 201)):
        r = httpx.post(f"{url}/api/setup", json={
            "setup_code": typed, "company_name": "店",
            "owner": {"login": "boss@example.com", "display_name": "老板",
                      "password": PASSWORD},
            "site": {"name": "官网", "url": "https://www.example.com"}}, timeout=30)
        assert r.status_code == expected, r.text


def test_files_kefu_makes_are_its_users_alone(tmp_path: Path) -> None:
    """Customers' data, password hashes and the SMTP password: 0700 folders, 0600 files,
    whatever the login's umask."""
    data, pw = tmp_path / "data", password_file(tmp_path)
    assert kefu(*setup_args(data, pw)).returncode == 0
    copy = tmp_path / "copy.db"
    assert kefu("backup", "--data-dir", data, "--to", copy).returncode == 0
    assert data.stat().st_mode & 0o777 == 0o700
    for made in (data / "kefu.db", copy):
        assert made.stat().st_mode & 0o777 == 0o600, made


def test_a_database_this_user_cannot_write_stops_the_start(tmp_path: Path) -> None:
    """`kefu setup` run as root, then Kefu as another user: it read everything and every
    write answered 500 while /healthz said ok."""
    root = os.geteuid() == 0
    # As root, Kefu runs as nobody, who must reach the folder (pytest's is root's alone).
    base = Path(tempfile.mkdtemp(prefix="kefu-owner-")) if root else tmp_path
    try:
        data, pw = base / "data", password_file(base)
        assert kefu(*setup_args(data, pw)).returncode == 0
        db = data / "kefu.db"
        command: list[str | Path] = [sys.executable, "-m", "appliance", "serve", "--port",
                                     "0", "--data-dir", data]
        if root:  # root writes any file: the folder is nobody's, the database root's
            base.chmod(0o755)
            os.chown(data, 65534, 65534)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        else:
            db.chmod(0o444)
        result = subprocess.run(command, env=kefu_env(), capture_output=True, text=True,
                                timeout=60, check=False)
        assert result.returncode == 3, result
        assert f"{db} is not writable by this user" in result.stderr
    finally:
        if root:
            shutil.rmtree(base, ignore_errors=True)
