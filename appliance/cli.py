"""The `kefu` command: serve, setup, create-user, backup, migrate, version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appliance import __version__
from appliance.config import (
    SETTINGS_BY_NAME,
    Config,
    ConfigError,
    data_dir_from_environment,
    load_config,
)
from appliance.domain import validation as v
from appliance.domain.embed import embed_snippet
from appliance.domain.errors import DatabaseTooNew, DatabaseUnusable, DomainError
from appliance.domain.sites import clean_site_fields
from appliance.runtime import (
    DataDirError,
    Runtime,
    database_path,
    migrate_database,
    prepare_data_dir,
    utc_now,
)
from appliance.services import setup as setup_service
from appliance.services import users as user_service

EXIT_OK, EXIT_REFUSED, EXIT_CANNOT_START = 0, 1, 3  # 2: a usage error (argparse exits)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help=SETTINGS_BY_NAME["data_dir"].help)
    parser.add_argument("--config", type=Path,
                        help="TOML settings file (see docs/configuration.md)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu", description="Kefu: self-hosted online customer service in one program.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the appliance (migrates the database first)")
    _common(serve)
    serve.add_argument("--host", help=SETTINGS_BY_NAME["host"].help)
    serve.add_argument("--port", type=int, help=SETTINGS_BY_NAME["port"].help)

    setup = sub.add_parser("setup", help="first-run setup without a browser")
    _common(setup)
    setup.add_argument("--company", required=True, help="company name")
    setup.add_argument("--owner", required=True, help="owner's login name or e-mail")
    setup.add_argument("--owner-name", help="owner's display name (default: the login)")
    setup.add_argument("--password-file", required=True, type=Path,
                       help="file whose first line is the owner's password ('-' for stdin)")
    setup.add_argument("--site-name", required=True, help="first site's name")
    setup.add_argument("--site-url", required=True, help="first site's address (https://...)")
    setup.add_argument("--public-url", help=SETTINGS_BY_NAME["public_url"].help)

    create = sub.add_parser("create-user", help="add an owner, admin, supervisor or agent")
    _common(create)
    create.add_argument("--login", required=True)
    create.add_argument("--display-name", help="default: the login")
    create.add_argument("--role", required=True, choices=["owner", "admin", "supervisor", "agent"])
    create.add_argument("--password-file", required=True, type=Path,
                        help="file whose first line is the password ('-' for stdin)")
    create.add_argument("--site", type=int, action="append", default=[], dest="sites",
                        help="id of a site the user serves (repeatable)")

    backup = sub.add_parser("backup", help="consistent copy of the database, also while serving")
    _common(backup)
    backup.add_argument("--to", required=True, type=Path, help="file to write (must not exist)")

    restore = sub.add_parser("restore", help="put a backup in place of the database "
                             "(Kefu stopped); the replaced one is kept under backups/")
    _common(restore)
    restore.add_argument("--from", dest="source", required=True, type=Path,
                         help="a backup file made by `kefu backup` (or an automatic one)")

    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    _common(migrate)

    rebuild = sub.add_parser("reports-rebuild", help="make the report aggregates again from "
                                                     "the raw rows (or --check them)")
    _common(rebuild)
    rebuild.add_argument("--check", action="store_true",
                         help="only compare the aggregates with a rebuild; exit 1 if they differ")

    sub.add_parser("version", help="print the version")

    desktop = sub.add_parser("desktop", help="serve in the background and open the console in "
                                             "a window (what a double-click does)")
    _common(desktop)
    return parser


def _read_password(path: Path) -> str:
    try:
        text = sys.stdin.readline() if str(path) == "-" else path.read_text("utf-8")
    except OSError as exc:
        raise CliError(f"cannot read password file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"password file {path} is not UTF-8 text") from exc
    lines = text.splitlines()
    return lines[0] if lines else ""


# Libraries that log what passes through them at DEBUG level: peewee every SQL statement with
# its parameters (session and CSRF tokens, password hashes), websockets every frame (a
# visitor's auth frame with its token), httpcore the bot's model endpoint calls. Their debug
# output never reaches Kefu's log.
CHATTY_LOGGERS = ("peewee", "websockets", "sanic.websockets", "httpcore", "httpx")
# websockets also says "connection closed" at INFO for every socket that ends: on a classic
# multi-page site that is a line per page view (hundreds a second at 2,000 visitors, each written
# on the event loop). Only its warnings and errors reach Kefu's log.
QUIET_LOGGERS = ("websockets", "sanic.websockets")


def set_log_level(level: str) -> None:
    logging.getLogger().setLevel(level.upper())
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def _config(args: argparse.Namespace, **extra: Any) -> Any:
    overrides = {"data_dir": getattr(args, "data_dir", None), **extra}
    config = load_config(overrides, config_file=getattr(args, "config", None))
    set_log_level(config.log_level)
    return config


def _open_runtime(args: argparse.Namespace, **extra: Any) -> Runtime:
    return Runtime.open(_config(args, **extra))


def cmd_version(args: argparse.Namespace) -> int:
    del args
    print(f"kefu {__version__}")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    config = _config(args)
    report = migrate_database(config)
    if report.applied:
        print(f"Applied migrations {', '.join(map(str, report.applied))}; "
              f"schema version {report.version}.")
        if report.backup:
            print(f"Backup of the previous database: {report.backup}")
    else:
        print(f"Database is up to date (schema version {report.version}).")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from appliance.services.backup import BackupError, do_backup

    config = _config(args)
    source = database_path(config)
    try:
        size = do_backup(source, args.to)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"Backed up {source} to {args.to.resolve()} ({size:,} bytes, integrity ok).")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from appliance import desktop
    from appliance.services.backup import BackupError, do_restore

    config = _config(args)
    prepare_data_dir(config.data_path)
    lock = desktop.InstanceLock(config.data_path)
    if not lock.acquire():
        raise CliError(f"Kefu is running on {config.data_path}: stop it first, then restore.",
                       EXIT_CANNOT_START)
    try:
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        kept = do_restore(args.source, database_path(config), config.data_path / "backups",
                          stamp)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    finally:
        lock.release()
    print(f"Restored {args.source.resolve()} as {database_path(config)}.")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    print("Files in uploads/ are not in a backup: copy that folder back too if it was lost. "
          "Start Kefu again (it migrates an older backup first).")
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    try:
        site_fields = clean_site_fields({"name": args.site_name, "url": args.site_url},
                                        creating=True)
        setup = setup_service.SetupInput(
            company_name=v.clean_name(args.company, "company"),
            login=v.clean_login(args.owner, "owner"),
            display_name=v.clean_name(args.owner_name or args.owner, "owner-name"),
            password=v.check_password(_read_password(args.password_file), "password"),
            site=site_fields,
        )
    except DomainError as exc:
        raise CliError(f"{exc.message}") from exc
    runtime = _open_runtime(args, public_url=args.public_url)
    try:
        result = asyncio.run(setup_service.do_setup(runtime.services, setup))
    finally:
        runtime.close()
    config = runtime.config
    base = config.public_url or f"http://{_display_host(config.host)}:{config.port}"
    print(f"Set up {result.company.name}: owner {result.owner.login}, site "
          f"{result.site.name} (id {result.site.id}).")
    print("Paste this snippet into every page of the website, just before </body>:\n")
    print(embed_snippet(base, result.site.widget_key))
    if not config.public_url:
        # Visitors' browsers load the widget from this address: 127.0.0.1 is their own
        # machine, and port 0 none at all.
        print(f"\nNote: this snippet points at {base}, which only this machine (or, for "
              "0.0.0.0, the address you open the console with) can use. Set public_url "
              "(docs/configuration.md) to the address visitors' browsers reach Kefu at, then "
              "copy the snippet from the console's Sites page.", file=sys.stderr)
    elif args.public_url and args.public_url == config.public_url:
        print("\nNote: --public-url applies to this snippet only; set public_url in kefu.toml "
              "(or KEFU_PUBLIC_URL) so the console's snippets use it too.", file=sys.stderr)
    return EXIT_OK


def cmd_create_user(args: argparse.Namespace) -> int:
    from appliance.domain.users import clean_new_user

    try:
        fields = clean_new_user({
            "login": args.login, "display_name": args.display_name or args.login,
            "role": args.role, "password": _read_password(args.password_file),
            "site_ids": list(args.sites),
        })
    except DomainError as exc:
        raise CliError(exc.message) from exc
    runtime = _open_runtime(args)
    try:
        user = asyncio.run(user_service.do_create_user(runtime.services, fields))
    finally:
        runtime.close()
    print(f"Created {user.role.value} {user.login} (id {user.id}).")
    return EXIT_OK


def cmd_reports_rebuild(args: argparse.Namespace) -> int:
    from appliance.services import report_aggregates

    runtime = _open_runtime(args)
    try:
        if args.check:
            differences = asyncio.run(report_aggregates.check(runtime.services))
            for row in differences[:50]:
                print("differs:", *row)
            print(f"{len(differences)} aggregate cells differ from the raw rows.")
            return EXIT_OK if not differences else EXIT_REFUSED
        aggregator = report_aggregates.Aggregator(runtime.services)
        asyncio.run(aggregator.rebuild())
    finally:
        runtime.close()
    print("Report aggregates rebuilt from the raw rows.")
    return EXIT_OK


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def _bind(host: str, port: int) -> socket.socket:
    from appliance.web.server import PortInUse, bind_socket

    try:
        return bind_socket(host, port)
    except PortInUse as exc:
        raise CliError(str(exc), EXIT_CANNOT_START) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    from appliance import desktop

    config = _config(args, host=args.host, port=args.port)
    prepare_data_dir(config.data_path)
    # One Kefu per data directory (desktop mode takes the same lock): two would each send
    # the outbox's mails and each believe its own presence.
    lock = desktop.InstanceLock(config.data_path)
    if not lock.acquire():
        running = lock.running_url()
        raise CliError(f"Another Kefu is already serving {config.data_path}"
                       + (f" at {running}" if running else "")
                       + ". Stop it first, or choose another --data-dir.", EXIT_CANNOT_START)
    try:
        return _serve(config, lock)
    finally:
        lock.release()


def _serve(config: Config, lock: Any) -> int:
    from appliance.web.app import create_app
    from appliance.web.server import serve_forever

    sock = _bind(config.host, config.port)
    runtime = Runtime.open(config)
    try:
        app = create_app(runtime)
        port = sock.getsockname()[1]
        url = f"http://{_display_host(config.host)}:{port}"
        lock.publish(url + "/app/")  # a double-click opens this server's console
        print(f"Kefu {__version__} is serving at {url}", flush=True)
        print(f"Data directory: {config.data_path}", flush=True)
        if runtime.migration.backup:
            print(f"Database migrated; previous version backed up to {runtime.migration.backup}")
        if asyncio.run(setup_service.needs_setup(runtime.services)):
            code = setup_service.format_setup_code(runtime.services.setup_code)
            print(f"First run: open {url}/setup and enter the setup code {code}", flush=True)
        serve_forever(app, sock)
    finally:
        runtime.close()
    return EXIT_OK


def cmd_desktop(args: argparse.Namespace) -> int:
    from appliance import desktop

    explicit = args.data_dir is not None or data_dir_from_environment()
    config = _config(args)
    config = config.replace(data_dir=desktop.desktop_data_dir(config, explicit))
    if not desktop.has_display():
        raise CliError("No graphical display was found, so Kefu cannot open its window. To run "
                       "it as a server, use: kefu serve [--host 0.0.0.0] [--port 8080]",
                       EXIT_CANNOT_START)
    prepare_data_dir(config.data_path)
    lock = desktop.InstanceLock(config.data_path)
    if not lock.acquire():
        return _desktop_second_launch(lock)
    try:
        return _desktop_first_launch(config, lock)
    finally:
        lock.release()


def _desktop_first_launch(config: Config, lock: Any) -> int:
    """Serve on a free loopback port and show the console until the owner quits."""
    from appliance import desktop
    from appliance.web.app import create_app
    from appliance.web.server import BackgroundServer

    runtime = Runtime.open(config)
    server = BackgroundServer(create_app(runtime), _bind("127.0.0.1", 0)).start()
    stop = threading.Event()
    base = f"http://127.0.0.1:{server.port}"

    def console_url() -> str:
        if asyncio.run(setup_service.needs_setup(runtime.services)):
            # First run: the window opens the setup page with the code already filled in.
            code = setup_service.format_setup_code(runtime.services.setup_code)
            return f"{base}/setup#code={code}"
        return f"{base}/app/"

    def in_background() -> None:
        print("Kefu keeps serving visitors in the background; open Kefu again to show the "
              "console.", flush=True)

    window = desktop.Window(config.data_path / desktop.WINDOW_STORAGE, in_background)

    def control(command: str) -> str:
        if command != "focus":
            return "unknown"
        if window.bring_to_front(console_url()):
            return desktop.FOCUSED
        return f"{desktop.OPEN} {console_url()}"

    def quit_now() -> None:  # SIGTERM (logout, shutdown) or Ctrl+C
        stop.set()
        window.close_quietly()

    channel = desktop.ControlServer(control).start()
    try:
        lock.publish(base + "/app/", channel)
        print(f"Kefu {__version__} (desktop) is serving at {base}; data in {config.data_path}",
              flush=True)
        with desktop.on_stop_signals(quit_now):
            if not window.run(console_url()):
                desktop.show_in_browser(console_url())
                print("No window toolkit is available: opened the console in your web browser. "
                      "Kefu keeps serving until you press Ctrl+C.", flush=True)
                stop.wait()
    finally:
        channel.close()
        server.stop()
        runtime.close()
    print("Kefu stopped.", flush=True)
    return EXIT_OK


def _desktop_second_launch(lock: Any) -> int:
    """Another double-click: bring the running window forward (or open the browser on it)."""
    from appliance import desktop

    reply = desktop.ask_running(lock.running_state(), "focus")
    if reply == desktop.FOCUSED:
        print("Kefu is already running: brought its window to the front.", flush=True)
        return EXIT_OK
    opening = f"{desktop.OPEN} "
    url = reply.removeprefix(opening) if reply and reply.startswith(opening) else None
    url = url or lock.running_url()
    if url:
        desktop.show_in_browser(url)
    print(f"Kefu is already running for {lock.path.parent}" + (f" at {url}" if url else ""),
          flush=True)
    return EXIT_OK


COMMANDS = {
    "serve": cmd_serve, "setup": cmd_setup, "create-user": cmd_create_user,
    "backup": cmd_backup, "restore": cmd_restore, "migrate": cmd_migrate,
    "version": cmd_version,
    "desktop": cmd_desktop, "reports-rebuild": cmd_reports_rebuild,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    # No arguments at all is a double-click on the executable: desktop mode.
    args = parser.parse_args(argv or ["desktop"])
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The database holds customers' data, password hashes and the SMTP password; uploads and
    # backups the same people's files: what Kefu creates is its user's alone (0700 folders,
    # 0600 files), whatever the login's umask.
    os.umask(0o077)

    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"kefu: {exc}", file=sys.stderr)
        return exc.code
    except (ConfigError, DataDirError) as exc:
        print(f"kefu: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    except (DatabaseTooNew, DatabaseUnusable) as exc:
        print(f"kefu: {exc.message}", file=sys.stderr)
        return EXIT_CANNOT_START
    except DomainError as exc:
        print(f"kefu: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return EXIT_OK
