"""The running appliance's parts wired together: database, hub and services."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from appliance.config import Config
from appliance.domain.events import EventSink
from appliance.realtime.hub import Hub
from appliance.realtime.presence import Presence
from appliance.services.context import Limits, NullSink, Services
from appliance.services.setup import new_setup_code
from appliance.storage.database import Database
from appliance.storage.migrations import MigrationReport, migrate

DATABASE_FILE = "kefu.db"


class DataDirError(Exception):
    """The data directory cannot be created or written."""


def utc_now() -> datetime:
    """Naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def prepare_data_dir(path: Path) -> Path:
    """Create the data directory if needed and prove it is writable."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise DataDirError(
            f"The data directory {path} is not writable ({exc.strerror}). Choose another with "
            "--data-dir or KEFU_DATA_DIR, or fix its permissions."
        ) from exc
    return path


def database_path(config: Config) -> Path:
    return config.data_path / DATABASE_FILE


def migrate_database(config: Config) -> MigrationReport:
    data_dir = prepare_data_dir(config.data_path)
    return migrate(database_path(config), data_dir / "backups", now=utc_now(),
                   keep_backups=config.backups_keep)


@dataclass
class Runtime:
    config: Config
    db: Database
    hub: Hub
    services: Services
    migration: MigrationReport

    @classmethod
    def open(cls, config: Config, *, with_hub: bool = True) -> Runtime:
        """Migrate (backing up first) and start the database threads."""
        report = migrate_database(config)
        db = Database(database_path(config), batch_max=config.writer_batch_max)
        db.start()
        hub = Hub()
        sink: EventSink = hub if with_hub else NullSink()
        presence = Presence(time.monotonic, grace_seconds=config.presence_grace_seconds,
                            away_after_seconds=config.away_after_seconds)
        services = Services(
            db=db, events=sink, clock=utc_now, monotonic=time.monotonic,
            limits=Limits(
                session_days=config.session_days,
                login_max_failures=config.login_max_failures,
                login_ip_max_failures=config.login_ip_max_failures,
                login_window_seconds=config.login_window_seconds,
            ),
            setup_code=(config.setup_code.replace("-", "").upper() or new_setup_code()),
            presence=presence,
        )
        return cls(config, db, hub, services, report)

    @property
    def uploads_dir(self) -> Path:
        return self.config.data_path / "uploads"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
