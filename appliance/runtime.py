"""The composition root: the running appliance assembled in one place.

Database, migrations, the realtime hub, agents' presence, the services, the outbox and its
deliveries, every background loop and every consumer of events are created here, in the
readable lists below. `web/app.py` only builds the Sanic app around a `Runtime`; `cli.py`
opens one to migrate, set up or add users without any web code.

A new feature plugs in here: its event consumers in `event_consumers`, its loops in
`background_loops`, its outbox deliveries in `outbox_deliveries`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from appliance.config import Config, ConfigError
from appliance.domain.events import (
    BotChatChanged,
    ConversationChanged,
    ConversationErased,
    Event,
    InvitationChanged,
    MessageCreated,
    OutboxChanged,
    PageViewed,
    QueueSummary,
    QueueUpdate,
    ReadUpTo,
    SessionsEnded,
    TabChanged,
    Typing,
    Unanswered,
    UserChanged,
    VisitorChanged,
    VisitorErased,
)
from appliance.domain.mail import MAIL
from appliance.realtime.hub import Hub
from appliance.realtime.presence import Presence
from appliance.realtime.visitors import LiveVisitors
from appliance.services import (
    bot,
    invitations,
    kb_model,
    privacy,
    reports,
    routing,
    search,
    uploads,
    visits,
)
from appliance.services.auth import do_delete_expired_sessions
from appliance.services.board import REFRESH_SECONDS, BoardWatchers
from appliance.services.bot_chat import LeftBotChats, UnansweredBotChats
from appliance.services.context import Limits, Services, Tracking
from appliance.services.events import Consumer, EventBus
from appliance.services.mail import MailDelivery
from appliance.services.offline import MissedChats
from appliance.services.outbox import Delivery, OutboxDispatcher
from appliance.services.places import OWNER_FILE, Places
from appliance.services.queue import QueueNotices
from appliance.services.report_aggregates import Aggregator
from appliance.services.setup import new_setup_code
from appliance.services.throttle import WidgetLimits
from appliance.storage.database import Database
from appliance.storage.migrations import MigrationReport, migrate

log = logging.getLogger(__name__)
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
    # A database another user made (`kefu setup` run as root, then the service as kefu) is
    # read but never written: every change would fail.
    for name in (DATABASE_FILE, f"{DATABASE_FILE}-wal", f"{DATABASE_FILE}-shm", "uploads"):
        held = path / name
        if held.exists() and not os.access(held, os.W_OK):
            raise DataDirError(
                f"{held} is not writable by this user. It was probably made by another user "
                "(root?): give it to the user Kefu runs as (chown), or run Kefu as its owner.")
    return path


def database_path(config: Config) -> Path:
    return config.data_path / DATABASE_FILE


def migrate_database(config: Config) -> MigrationReport:
    data_dir = prepare_data_dir(config.data_path)
    return migrate(database_path(config), data_dir / "backups", now=utc_now(),
                   keep_backups=config.backups_keep)


# -- the lists a feature adds to ------------------------------------------------------------

def event_consumers(hub: Hub, outbox: OutboxDispatcher,
                    queue: QueueNotices, live: LiveVisitors, aggregator: Aggregator,
                    boards: BoardWatchers) -> dict[type[Event], list[Consumer]]:
    """Who hears of each committed event (tests/test_events.py: every event has a consumer,
    every consumer's event is published somewhere)."""
    return {
        MessageCreated: [hub.on_message, aggregator.on_message],
        BotChatChanged: [hub.on_bot_chat],
        ConversationChanged: [hub.on_conversation, queue.on_conversation, live.on_conversation,
                              aggregator.on_conversation, boards.on_conversation],
        ConversationErased: [hub.on_conversation_erased],
        ReadUpTo: [hub.on_read],
        Typing: [hub.on_typing],
        QueueUpdate: [hub.on_queue],
        QueueSummary: [hub.on_queue_summary],
        Unanswered: [hub.on_unanswered],
        SessionsEnded: [hub.on_sessions_ended],
        UserChanged: [hub.on_user_changed],
        VisitorChanged: [hub.on_visitor_changed, live.on_visitor_changed],
        VisitorErased: [live.on_visitor_erased],
        PageViewed: [live.on_page_viewed, boards.on_page_viewed],
        TabChanged: [live.on_tab],
        InvitationChanged: [live.on_invitation, hub.on_invitation, aggregator.on_invitation],
        OutboxChanged: [outbox.on_outbox_changed],
    }


def outbox_deliveries(db: Database, attachments: reports.ReportAttachments
                      ) -> dict[str, Delivery]:
    """How each kind of outbox item leaves the process."""
    return {MAIL: MailDelivery(db, attachments=attachments)}


@dataclass(frozen=True, slots=True)
class Loop:
    """A background task: `run` once every `every` seconds (None: `run` loops by itself)."""

    name: str
    run: Callable[[], Awaitable[object]]
    every: float | None = None
    first_after: float = 0.0  # seconds to wait before the first run


def background_loops(runtime: Runtime) -> list[Loop]:
    svc, config = runtime.services, runtime.config
    missed = MissedChats(svc, config.missed_after_seconds)
    left_bot = LeftBotChats(svc, config.bot_close_after_seconds)
    return [
        Loop("outbox delivery", runtime.outbox.run),
        Loop("expired sessions", lambda: do_delete_expired_sessions(svc), every=3600),
        Loop("unanswered chats", lambda: routing.reoffer_unanswered(svc), every=5,
             first_after=5),
        Loop("chats whose agent is gone", lambda: routing.return_held_chats(
            svc, config.return_chats_after_seconds), every=5, first_after=5),
        # New chats the routing after the ack never reached (the process stopped first), or
        # that came when nobody could take them: routed when someone can.
        Loop("unrouted chats", lambda: routing.route_unrouted(svc), every=5, first_after=5),
        Loop("missed chats", missed.sweep, every=10),
        Loop("bot chats whose visitor left", left_bot.sweep,
             every=min(10.0, max(0.5, config.bot_close_after_seconds / 4))),
        # The bot's replies never written (the process stopped between the two writes).
        Loop("bot chats left unanswered", UnansweredBotChats(svc).sweep, every=10,
             first_after=1),
        Loop("abandoned uploads", lambda: uploads.do_delete_abandoned(svc, runtime.uploads_dir),
             every=600, first_after=60),
        Loop("search index", lambda: search.index_behind(svc), every=0.5),
        # Who left, unanswered invitations, the rules (one sweep over the live visitors).
        Loop("visitor sweep", lambda: invitations.sweep(svc), every=1, first_after=1),
        Loop("live visitor list", runtime.flush_visitor_list, every=0.1),
        Loop("agents' own status", runtime.tell_statuses, every=1),
        Loop("invitations left showing", lambda: invitations.do_expire(svc, everything=True),
             every=60),
        Loop("IP retention", lambda: visits.do_truncate_addresses(svc), every=3600,
             first_after=30),
        Loop("scheduled reports", lambda: reports.send_due_reports(svc), every=600,
             first_after=30),
        Loop("report aggregates", runtime.aggregator.catch_up, every=1, first_after=0.5),
        Loop("agents' status spans", runtime.aggregator.sample_presence, every=5),
        Loop("live boards", runtime.boards.refresh, every=REFRESH_SECONDS),
        Loop("visitor retention", lambda: privacy.purge_expired_visitors(
            svc, runtime.uploads_dir), every=3600, first_after=120),
        Loop("delivered mail", runtime.outbox.forget_delivered, every=3600, first_after=90),
    ]


async def _repeat(loop: Loop) -> None:
    await asyncio.sleep(loop.first_after)
    while True:
        try:
            await loop.run()
        except Exception:
            log.exception("background task %r failed", loop.name)
        if loop.every is None:
            return
        await asyncio.sleep(loop.every)


# -- the runtime ----------------------------------------------------------------------------

@dataclass
class Runtime:
    config: Config
    db: Database
    hub: Hub
    presence: Presence
    live: LiveVisitors
    outbox: OutboxDispatcher
    services: Services
    migration: MigrationReport
    aggregator: Aggregator
    boards: BoardWatchers
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def open(cls, config: Config) -> Runtime:
        """Migrate (backing up first), start the database threads and assemble the parts."""
        try:
            model = kb_model.load(config.bot_model, config.data_path / "kb-vectors")
        except kb_model.ModelMissing as exc:
            raise ConfigError(str(exc)) from exc
        report = migrate_database(config)
        db = Database(database_path(config), batch_max=config.writer_batch_max,
                      process=config.writer == "process")
        db.start()
        bot.index_cache(db, model)
        hub = Hub()
        presence = Presence(time.monotonic, grace_seconds=config.presence_grace_seconds,
                            away_after_seconds=config.away_after_seconds)
        attachments = reports.ReportAttachments(db)
        outbox = OutboxDispatcher(db, utc_now, outbox_deliveries(db, attachments),
                                  retry_seconds=config.mail_retry_seconds)
        queue = QueueNotices()
        live = LiveVisitors(utc_now)
        bus = EventBus({})
        services = Services(
            db=db, events=bus, clock=utc_now,
            monotonic=time.monotonic,
            limits=Limits(
                session_days=config.session_days,
                login_max_failures=config.login_max_failures,
                login_ip_max_failures=config.login_ip_max_failures,
                login_window_seconds=config.login_window_seconds,
                widget=WidgetLimits(**{name: config.values[name]
                                       for name in WidgetLimits.names()}),
                abandoned_upload_hours=config.abandoned_upload_hours,
            ),
            # As the setup page reads what is typed: letters and digits, upper-cased.
            setup_code=("".join(ch for ch in config.setup_code.upper() if ch.isalnum())
                        or new_setup_code()),
            presence=presence,
            visitors=hub,
            live=live,
            tracking=Tracking(visit_gap_minutes=config.visit_gap_minutes,
                              ip_retention_days=config.ip_retention_days),
            places=Places(config.data_path / OWNER_FILE),
        )
        services.queue_board = queue
        queue.bind(services)
        aggregator = Aggregator(services)
        services.aggregator = aggregator
        attachments.svc = services
        boards = BoardWatchers(services)
        bus.table = {kind: tuple(consumers) for kind, consumers in event_consumers(
            hub, outbox, queue, live, aggregator, boards).items()}
        return cls(config, db, hub, presence, live, outbox, services, report, aggregator,
                   boards)

    async def tell_statuses(self) -> None:
        """Agents' consoles hear when their status changed by itself (away, online again)."""
        self.hub.tell_statuses(self.presence.status)

    async def flush_visitor_list(self) -> None:
        """Consoles watching the live visitor list get what changed (at most twice a second)."""
        self.live.flush()

    @property
    def uploads_dir(self) -> Path:
        return self.config.data_path / "uploads"

    def start_background(self) -> None:
        """Start every background loop on the running event loop (when serving)."""
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(_repeat(item), name=f"kefu: {item.name}")
                       for item in background_loops(self)]

    async def stop_background(self) -> None:
        bot.index_cache(self.db).model.stop()  # an embedding of the KB under way ends soon
        with contextlib.suppress(Exception):  # the spans open now end with the process
            await self.aggregator.sample_presence(closing=True)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
