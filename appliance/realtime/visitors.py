"""Who is on the sites right now: the live visitor registry, and the coalesced updates of the
console's live visitor list.

In memory (one process: it is the truth). It hears of page views, tabs, conversations and
invitations through events, of the presence sockets from the web layer, and sends each watching
console a snapshot, then at most one `visitors_delta` frame every FLUSH_EVERY (half a second):
every changed visitor is encoded once per flush, whatever the number of consoles watching its
site. The list is updated live within a second (≤ 0.5 s of coalescing plus the flush loop's
0.1 s tick) and a console takes at most two deltas a second however busy the sites are."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from appliance.domain.conversations import BOT, OPEN
from appliance.domain.events import (
    EXIT_INTENT,
    TAB_CLOSED,
    TAB_HIDDEN,
    TAB_VISIBLE,
    ConversationChanged,
    InvitationChanged,
    PageViewed,
    TabChanged,
    VisitorChanged,
    VisitorErased,
)
from appliance.domain.invitations import SHOW_SECONDS, SHOWN, Candidate, Moment
from appliance.domain.visits import PHONE, LiveVisitor, Visit, device_kind, live_state
from appliance.realtime.connection import encode, text_frame
from appliance.wire.frames import visitor_invitation_frame, visitors_delta_frame, visitors_frame
from appliance.wire.visitors import live_visitor_json

LEFT_AFTER = timedelta(seconds=60)  # no tab (or no socket) this long: the visitor left
DROP_AFTER = timedelta(minutes=5)  # a visitor who left leaves the list this much later
EXIT_INTENT_FOR = timedelta(seconds=10)  # an exit-intent signal counts this long for rules
FLUSH_EVERY = 0.5  # seconds: at most two deltas a second per console


class Watcher(Protocol):
    site_scope: frozenset[int] | None

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool: ...


@dataclass(slots=True)
class _Tab:
    url: str
    title: str
    visible: bool
    page_started_at: datetime
    active_at: datetime  # its page was opened, or it was shown, at this time


@dataclass(slots=True)
class _Live:
    visitor_id: int
    site_id: int
    name: str
    visit: Visit
    page_url: str
    page_title: str
    page_started_at: datetime
    on_phone: bool
    last_seen_at: datetime
    tabs: dict[str, _Tab] = field(default_factory=dict)
    no_tabs_since: datetime | None = None
    left_at: datetime | None = None  # marked as left (LEFT_AFTER after they went)
    went_at: datetime | None = None  # when they went: their last tab closed or socket lost
    conversation_id: int | None = None
    assigned: bool = False
    with_bot: bool = False  # their conversation is the answer bot's
    invitation_id: int | None = None
    invitation_status: str | None = None
    invitation_shown_at: datetime | None = None
    exit_intent_at: datetime | None = None
    rules_done: set[int] = field(default_factory=set)
    cached: tuple[LiveVisitor, str] | None = None  # the snapshot and its JSON

    def snapshot(self) -> tuple[LiveVisitor, str]:
        if self.cached is None:
            visit = self.visit
            live = LiveVisitor(
                id=self.visitor_id, site_id=self.site_id, name=self.name,
                state=live_state(left=self.left_at is not None,
                                 conversation_id=self.conversation_id, assigned=self.assigned,
                                 invitation_showing=self.invitation_status == SHOWN,
                                 with_bot=self.with_bot),
                page_url=self.page_url, page_title=self.page_title,
                source_kind=visit.source_kind, source_name=visit.source_name,
                keyword=visit.keyword, place=visit.place, browser=visit.browser, os=visit.os,
                device=visit.device, language=visit.language, visit_id=visit.id,
                visit_number=visit.number, visit_started_at=visit.started_at,
                page_count=visit.page_count, conversation_id=self.conversation_id,
                invitation_id=self.invitation_id, invitation_status=self.invitation_status,
                last_seen_at=self.last_seen_at,
                left_at=self.went_at if self.left_at is not None else None,
                device_kind=device_kind(visit.user_agent, visit.device))
            self.cached = (live, encode(live_visitor_json(live)))
        return self.cached


@dataclass(slots=True)
class _Watch:
    scope: frozenset[int] | None


class LiveVisitors:
    """The registry. `clock` is naive UTC wall time (the visits' own timestamps)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._live: dict[int, _Live] = {}
        self._sockets: dict[int, set[object]] = defaultdict(set)
        self._socket_lost: dict[int, datetime] = {}
        self._showing: dict[int, tuple[int, datetime]] = {}  # visitor -> invitation, shown at
        self._invitation_frames: dict[int, dict[str, Any]] = {}
        self._watchers: dict[Watcher, _Watch] = {}
        self._changed: dict[int, set[int]] = defaultdict(set)  # site -> visitors
        self._gone: dict[int, set[int]] = defaultdict(set)
        self._last_flush: datetime | None = None

    # -- what services read (services/context.LiveView) --------------------------------------
    def get(self, visitor_id: int) -> LiveVisitor | None:
        rec = self._live.get(visitor_id)
        return None if rec is None else rec.snapshot()[0]

    def listing(self, scope: frozenset[int] | None) -> list[LiveVisitor]:
        return [rec.snapshot()[0] for rec in self._live.values()
                if scope is None or rec.site_id in scope]

    def counts(self, scope: frozenset[int] | None) -> dict[int, int]:
        """Visitors on each site now (those who left are not counted)."""
        counts: dict[int, int] = defaultdict(int)
        for rec in self._live.values():
            if (scope is None or rec.site_id in scope) and rec.left_at is None:
                counts[rec.site_id] += 1
        return dict(counts)

    def candidates(self, now: datetime, site_ids: Iterable[int]) -> list[Candidate]:
        """Visitors of these sites a rule may invite now."""
        sites = set(site_ids)
        found = []
        for rec in self._live.values():
            if (rec.site_id not in sites or rec.left_at is not None or not rec.tabs
                    or rec.conversation_id is not None or rec.invitation_status == SHOWN
                    or not self._sockets.get(rec.visitor_id)):
                continue
            visit = rec.visit
            moment = Moment(
                time_on_page=(now - rec.page_started_at).total_seconds(),
                time_on_site=(now - visit.started_at).total_seconds(),
                url=rec.page_url, title=rec.page_title, referrer=visit.referrer,
                keyword=visit.keyword, source_kind=visit.source_kind,
                visit_number=visit.number, page_count=visit.page_count,
                exit_intent=rec.exit_intent_at is not None
                and now - rec.exit_intent_at <= EXIT_INTENT_FOR,
                on_phone=rec.on_phone)
            found.append(Candidate(rec.visitor_id, rec.site_id, visit.id, rec.page_url, moment,
                                   frozenset(rec.rules_done)))
        return found

    def rule_done(self, visitor_id: int, rule_id: int) -> None:
        """The rule fired, or may not fire again, in this visit."""
        rec = self._live.get(visitor_id)
        if rec is not None:
            rec.rules_done.add(rule_id)

    def expired_invitations(self, now: datetime) -> list[int]:
        """Invitations shown longer than SHOW_SECONDS without an answer."""
        cutoff = now - timedelta(seconds=SHOW_SECONDS)
        return [invitation for invitation, shown_at in self._showing.values()
                if shown_at <= cutoff]

    def take_left(self, now: datetime) -> list[int]:
        """Mark who left (no tab, or no socket, for LEFT_AFTER) and drop who left long ago;
        returns the visitors who just left (their open pages end now)."""
        left = []
        for rec in list(self._live.values()):
            if rec.left_at is not None:
                if now - rec.left_at >= DROP_AFTER:
                    self._drop(rec)
                continue
            lost = self._socket_lost.get(rec.visitor_id)
            empty = rec.no_tabs_since if not rec.tabs else None
            since = min((t for t in (lost, empty) if t is not None), default=None)
            if since is not None and now - since >= LEFT_AFTER:
                rec.left_at, rec.went_at = now, since
                rec.tabs.clear()
                self._touch(rec)
                left.append(rec.visitor_id)
        return left

    def drop(self, visitor_id: int) -> None:
        """Off the list now (a blocked visitor is not tracked)."""
        rec = self._live.get(visitor_id)
        if rec is not None:
            self._drop(rec)

    # -- presence sockets (web/sockets.py) ---------------------------------------------------
    def socket_opened(self, visitor_id: int, socket: object) -> None:
        self._sockets[visitor_id].add(socket)
        self._socket_lost.pop(visitor_id, None)

    def socket_closed(self, visitor_id: int, socket: object) -> None:
        sockets = self._sockets.get(visitor_id)
        if sockets is None or socket not in sockets:
            return
        sockets.discard(socket)
        if not sockets:
            del self._sockets[visitor_id]
            self._socket_lost[visitor_id] = self._clock()

    def socket_count(self, visitor_id: int) -> int:
        """Presence sockets open for this visitor (one per browser where it can)."""
        return len(self._sockets.get(visitor_id, ()))

    def invitation_frame(self, visitor_id: int) -> dict[str, Any] | None:
        """The invitation showing to this visitor (sent again to a page that connects)."""
        return self._invitation_frames.get(visitor_id)

    # -- consumers of events (appliance/runtime.py) ------------------------------------------
    def on_page_viewed(self, event: PageViewed) -> None:
        viewed, frame = event.viewed, event.frame
        rec = self._live.get(event.visitor_id)
        if rec is None or rec.visit.id != viewed.visit.id:
            rec = _Live(visitor_id=event.visitor_id, site_id=event.site_id, name=event.name,
                        visit=viewed.visit, page_url=frame.url, page_title=frame.title,
                        page_started_at=viewed.page.started_at,
                        on_phone=frame.screen == PHONE, last_seen_at=viewed.visit.last_seen_at,
                        tabs=rec.tabs if rec is not None else {},
                        invitation_id=None if rec is None else rec.invitation_id,
                        invitation_status=None if rec is None else rec.invitation_status,
                        invitation_shown_at=None if rec is None else rec.invitation_shown_at)
            self._live[event.visitor_id] = rec
        elif viewed.new_page:
            rec.page_url, rec.page_title = frame.url, frame.title
            rec.page_started_at = viewed.page.started_at
        rec.visit, rec.name = viewed.visit, event.name
        rec.on_phone = frame.screen == PHONE
        rec.last_seen_at = viewed.visit.last_seen_at
        known = rec.tabs.get(frame.tab)
        rec.tabs[frame.tab] = _Tab(
            frame.url, frame.title, frame.visible,
            viewed.page.started_at if known is None or viewed.new_page else known.page_started_at,
            self._clock())
        rec.no_tabs_since = rec.left_at = rec.went_at = None
        conversation = event.conversation
        if event.conversation_known:
            pass
        elif conversation is not None and conversation.status in (OPEN, BOT):
            rec.conversation_id = conversation.id
            rec.assigned = conversation.assignee_id is not None
            rec.with_bot = conversation.status == BOT
        else:
            rec.conversation_id, rec.assigned, rec.with_bot = None, False, False
        self._touch(rec)

    def on_tab(self, event: TabChanged) -> None:
        rec = self._live.get(event.visitor_id)
        if rec is None or rec.left_at is not None:
            return
        tab = rec.tabs.get(event.tab)
        if event.change in (TAB_VISIBLE, TAB_HIDDEN) and tab is not None:
            tab.visible = event.change == TAB_VISIBLE
            if tab.visible:
                tab.active_at = self._clock()
            self._show_current_tab(rec)
        elif event.change == TAB_CLOSED and tab is not None:
            del rec.tabs[event.tab]
            if not rec.tabs:
                rec.no_tabs_since = self._clock()
            self._show_current_tab(rec)
        elif event.change == EXIT_INTENT:
            rec.exit_intent_at = self._clock()

    def _show_current_tab(self, rec: _Live) -> None:
        """The listed page is that of the tab still open that was active last (a visible tab
        before a hidden one); with no tab open it stays the last page shown."""
        if not rec.tabs:
            return
        tab = max(rec.tabs.values(), key=lambda t: (t.visible, t.active_at))
        if (tab.url, tab.title) != (rec.page_url, rec.page_title):
            rec.page_url, rec.page_title = tab.url, tab.title
            rec.page_started_at = tab.page_started_at
            self._touch(rec)

    def on_conversation(self, event: ConversationChanged) -> None:
        conv = event.conversation
        rec = self._live.get(conv.visitor_id)
        if rec is None:
            return
        if conv.status in (OPEN, BOT):
            before = (rec.conversation_id, rec.assigned, rec.with_bot)
            rec.conversation_id, rec.assigned = conv.id, conv.assignee_id is not None
            rec.with_bot = conv.status == BOT
            if before != (rec.conversation_id, rec.assigned, rec.with_bot):
                self._touch(rec)
        elif rec.conversation_id == conv.id:
            rec.conversation_id, rec.assigned, rec.with_bot = None, False, False
            self._touch(rec)

    def on_visitor_changed(self, event: VisitorChanged) -> None:
        rec = self._live.get(event.visitor.id)
        if rec is not None and rec.name != event.visitor.name:
            rec.name = event.visitor.name
            self._touch(rec)

    def on_visitor_erased(self, event: VisitorErased) -> None:
        """Off the list, with the invitation showing: what the list held of them (name, page,
        source, place) was erased; a page they open next lists them afresh."""
        self._showing.pop(event.visitor_id, None)
        self._invitation_frames.pop(event.visitor_id, None)
        self.drop(event.visitor_id)

    def on_invitation(self, event: InvitationChanged) -> None:
        """The visitor's state follows; a showing invitation's frame is kept to show it again
        on the next page the visitor opens."""
        invitation = event.invitation
        visitor_id = invitation.visitor_id
        if invitation.status == SHOWN:
            self._showing[visitor_id] = (invitation.id, invitation.created_at)
            self._invitation_frames[visitor_id] = visitor_invitation_frame(invitation)
        elif self._showing.get(visitor_id, (None,))[0] == invitation.id:
            del self._showing[visitor_id]
            self._invitation_frames.pop(visitor_id, None)
        rec = self._live.get(visitor_id)
        if rec is None:
            return
        if invitation.rule_id is not None and invitation.visit_id == rec.visit.id:
            rec.rules_done.add(invitation.rule_id)
        if rec.invitation_id is None or invitation.id >= rec.invitation_id:
            rec.invitation_id, rec.invitation_status = invitation.id, invitation.status
            rec.invitation_shown_at = invitation.created_at
            self._touch(rec)

    # -- the console's live visitor list -----------------------------------------------------
    def watch(self, watcher: Watcher) -> None:
        """A console shows the list: its snapshot now, deltas from the next flush."""
        self._watchers[watcher] = _Watch(watcher.site_scope)
        self._send_snapshot(watcher)

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.pop(watcher, None)

    def watching(self, watcher: Watcher) -> bool:
        return watcher in self._watchers

    def flush(self) -> int:
        """Send what changed since the last flush (at most once per FLUSH_EVERY seconds);
        returns how many frames left."""
        now = self._clock()
        if self._last_flush is not None and (
                now - self._last_flush).total_seconds() < FLUSH_EVERY:
            return 0
        if not (self._changed or self._gone):
            return self._resnapshot_rescoped()
        self._last_flush = now
        changed, gone = self._changed, self._gone
        self._changed, self._gone = defaultdict(set), defaultdict(set)
        if not self._watchers:
            return 0
        sites = set(changed) | set(gone)
        upserts: dict[int, tuple[list[dict[str, Any]], list[str]]] = {}
        for site_id in sites:
            recs = [self._live[v] for v in changed.get(site_id, ()) if v in self._live]
            snapshots = [rec.snapshot() for rec in recs]
            upserts[site_id] = ([live_visitor_json(s[0]) for s in snapshots],
                                [s[1] for s in snapshots])
        counts = self.counts(frozenset(sites))
        sent = 0
        for watcher, watch in list(self._watchers.items()):
            if watcher.site_scope != watch.scope:
                watch.scope = watcher.site_scope
                self._send_snapshot(watcher)
                sent += 1
                continue
            mine = sorted(s for s in sites if watch.scope is None or s in watch.scope)
            if not mine:
                continue
            frame, text = self._delta(mine, upserts, gone, counts)
            if not watcher.push(frame, text_frame(text)):
                self._watchers.pop(watcher, None)
            sent += 1
        return sent

    def _resnapshot_rescoped(self) -> int:
        sent = 0
        for watcher, watch in list(self._watchers.items()):
            if watcher.site_scope != watch.scope:
                watch.scope = watcher.site_scope
                self._send_snapshot(watcher)
                sent += 1
        return sent

    @staticmethod
    def _delta(sites: list[int], upserts: dict[int, tuple[list[dict[str, Any]], list[str]]],
               gone: dict[int, set[int]], counts: dict[int, int],
               ) -> tuple[dict[str, Any], str]:
        """The frame, and its text joined from the visitors' JSON encoded once per flush."""
        dicts = [d for s in sites for d in upserts[s][0]]
        texts = [t for s in sites for t in upserts[s][1]]
        gone_ids = sorted(v for s in sites for v in gone.get(s, ()))
        site_counts = {str(s): counts.get(s, 0) for s in sites}
        frame = visitors_delta_frame(dicts, gone_ids, site_counts)
        text = ('{"type":"visitors_delta","upsert":[' + ",".join(texts) + '],"gone":'
                + json.dumps(gone_ids) + ',"counts":' + encode(site_counts) + "}")
        return frame, text

    def _send_snapshot(self, watcher: Watcher) -> None:
        scope = watcher.site_scope
        snapshots = [rec.snapshot() for rec in self._live.values()
                     if scope is None or rec.site_id in scope]
        counts = {str(s): n for s, n in self.counts(scope).items()}
        frame = visitors_frame([live_visitor_json(s[0]) for s in snapshots], counts)
        text = ('{"type":"visitors","visitors":[' + ",".join(s[1] for s in snapshots)
                + '],"counts":' + encode(counts) + "}")
        if not watcher.push(frame, text_frame(text)):
            self._watchers.pop(watcher, None)

    # -- bookkeeping -------------------------------------------------------------------------
    def _touch(self, rec: _Live) -> None:
        rec.cached = None
        self._changed[rec.site_id].add(rec.visitor_id)

    def _drop(self, rec: _Live) -> None:
        del self._live[rec.visitor_id]
        self._socket_lost.pop(rec.visitor_id, None)
        self._changed[rec.site_id].discard(rec.visitor_id)
        self._gone[rec.site_id].add(rec.visitor_id)

    def __len__(self) -> int:
        return len(self._live)
