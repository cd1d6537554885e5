"""Visitors' trails: the presence module's page and tab frames, the live visitor list, a
visitor's details, and how long full addresses are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.blocks import Block
from appliance.domain.conversations import Conversation, Visitor
from appliance.domain.errors import Invalid, NotFound
from appliance.domain.events import (
    EXIT_INTENT,
    TAB_CLOSED,
    TAB_HIDDEN,
    TAB_VISIBLE,
    Event,
    PageViewed,
    TabChanged,
    VisitorChanged,
)
from appliance.domain.invitations import Invitation
from appliance.domain.model import Site, User
from appliance.domain.permissions import can_access_site
from appliance.domain.traffic import classify_source
from appliance.domain.visits import (
    ChatPage,
    LiveVisitor,
    PageFrame,
    PageView,
    Viewed,
    Visit,
    clean_page_frame,
    clean_tab,
)
from appliance.domain.visits import own_hosts as hosts_of
from appliance.services.blocks import block_of
from appliance.services.context import Services, on_writer
from appliance.services.devices import describe
from appliance.services.phones import same_number_as
from appliance.storage import conversations as conv_store
from appliance.storage import invitations as invitation_store
from appliance.storage import offline as offline_store
from appliance.storage import sites as site_store
from appliance.storage import visits as store
from appliance.storage.visits import VisitStart

VISITS_SHOWN, PAGES_SHOWN = 20, 200
CONVERSATIONS_SHOWN, INVITATIONS_SHOWN = 50, 50
RETENTION_BATCH = 500


@dataclass(frozen=True, slots=True)
class Tracked:
    """What a presence socket knows about its visitor, refreshed with its rights."""

    visitor: Visitor
    site: Site
    address: str
    user_agent: str
    chat_page: ChatPage | None = None  # on the site's standalone chat page: it is a page too


async def tracking_allowed(svc: Services, tracked: Tracked) -> bool:
    """Page views are recorded unless the visitor is blocked, or the site tracks nobody before
    a chat and this visitor has no conversation going."""
    if await block_of(svc, tracked.site, tracked.visitor.id, tracked.address) is not None:
        return False
    if tracked.site.track_before_chat:
        return True
    return await svc.db.read(offline_store.active_conversation_of,
                             tracked.visitor.id) is not None


async def check_page(svc: Services, tracked: Tracked, data: dict[str, Any]) -> bool:
    """A tab shows a page: recorded (a visit, a page view) and announced to the live list.
    False when it was accepted but dropped (blocked, or not tracked before a chat)."""
    site, visitor = tracked.site, tracked.visitor
    frame = clean_page_frame(data, site.allowed_origins, tracked.chat_page)
    if not await tracking_allowed(svc, tracked):
        return False
    ours = site.allowed_origins + ((tracked.chat_page.origin,) if tracked.chat_page else ())
    source = classify_source(frame.url, frame.referrer, hosts_of(ours))
    device = describe(tracked.user_agent)
    start = VisitStart(source_kind=source.kind, source_name=source.name,
                       keyword=source.keyword, campaign=source.campaign,
                       user_agent=tracked.user_agent, browser=device["browser"],
                       os=device["os"], device=device["device"], ip=tracked.address,
                       place=svc.places.place_of(tracked.address))
    now, gap = svc.now(), svc.tracking.visit_gap_minutes
    known = svc.live.get(visitor.id)  # the live list follows their conversation by events

    known_visit_id = None if known is None else known.visit_id
    await svc.commit(on_writer(_record_page_job, visitor.id, site.id, frame, start, now, gap,
                               known_visit_id),
                     lambda done: _page_events(visitor, site, frame, done))
    return True


@dataclass(frozen=True, slots=True)
class _Recorded:
    viewed: Viewed
    conversation: Conversation | None  # read for the live list (a new visit or visitor)
    conversation_known: bool
    followed: Visitor | None  # the visitor as agents now see them, when they are chatting


def _page_events(visitor: Visitor, site: Site, frame: PageFrame, done: _Recorded,
                 ) -> list[Event]:
    events: list[Event] = [PageViewed(visitor.id, site.id, visitor.name, frame, done.viewed,
                                      done.conversation, done.conversation_known)]
    if done.followed is not None:
        events.append(VisitorChanged(done.followed, describe(done.followed.user_agent)))
    return events


async def check_tab(svc: Services, tracked: Tracked, kind: str, data: dict[str, Any]) -> None:
    """`tab` (shown or hidden), `tab_closed` (its page ended now) or `exit_intent`."""
    tab = clean_tab(data.get("tab"))
    visitor, site = tracked.visitor, tracked.site
    if kind == "tab":
        visible = data.get("visible")
        if not isinstance(visible, bool):
            raise Invalid("visible must be true or false", field="page.visible")
        svc.publish(TabChanged(visitor.id, site.id, tab, TAB_VISIBLE if visible else TAB_HIDDEN))
    elif kind == "exit_intent":
        svc.publish(TabChanged(visitor.id, site.id, tab, EXIT_INTENT))
    else:
        now = svc.now()
        await svc.commit(on_writer(store.close_pages, visitor.id, (tab,), now),
                         lambda _: [TabChanged(visitor.id, site.id, tab, TAB_CLOSED)])


async def do_close_left(svc: Services) -> int:
    """Visitors who left (no tab or no socket for a minute): their pages end now."""
    left = svc.live.take_left(svc.now())
    if not left:
        return 0
    now = svc.now()

    return await svc.db.write(_close_left_job, list(left), now)


async def do_truncate_addresses(svc: Services) -> int:
    """Full addresses are kept `ip_retention_days`; then only their network part."""
    before = svc.now() - timedelta(days=svc.tracking.ip_retention_days)
    total = 0
    while True:
        done = await svc.db.write(store.truncate_old_addresses, before, RETENTION_BATCH)
        total += done
        if done < RETENTION_BATCH:
            return total


# -- what agents see ------------------------------------------------------------------------

def _scope(actor: User) -> frozenset[int] | None:
    return None if actor.role.manages_install else frozenset(actor.site_ids)


def live_visitors(svc: Services, actor: User, site_id: int | None,
                  ) -> tuple[list[LiveVisitor], dict[int, int]]:
    """The live visitor list of the actor's sites (or one of them) and a count per site."""
    scope = _scope(actor)
    if site_id is not None:
        if not can_access_site(actor, site_id):
            raise NotFound("No such site", field="site_id")
        scope = frozenset({site_id})
    return svc.live.listing(scope), svc.live.counts(scope)


@dataclass(frozen=True, slots=True)
class VisitorDetails:
    visitor: Visitor
    live: LiveVisitor | None
    visits: list[tuple[Visit, list[PageView]]]
    conversations: list[Conversation]
    invitations: list[Invitation]
    blocked: Block | None
    visit_count: int


async def access_visitor(svc: Services, actor: User, visitor_id: int) -> Visitor:
    """A visitor of a site the actor serves; anyone else's answers like a missing one."""
    try:
        visitor = await svc.db.read(conv_store.get_visitor, visitor_id)
    except NotFound:
        visitor = None
    if visitor is None or not can_access_site(actor, visitor.site_id):
        raise NotFound("No such visitor")
    return visitor


async def visitor_details(svc: Services, actor: User, visitor_id: int) -> VisitorDetails:
    """The visitor, their visits with every page, their conversations — and, within the same
    company only, those of the same person on its other sites the actor serves (linked to the
    same customer, or matched by signed user id, e-mail in any case or phone however written)
    — their invitations and the block keeping them out."""
    visitor = await access_visitor(svc, actor, visitor_id)
    sites = await svc.db.read(site_store.list_sites)
    site = next(s for s in sites if s.id == visitor.site_id)
    company_sites = [s.id for s in sites
                     if s.company_id == site.company_id and can_access_site(actor, s.id)]
    digits, same_phone = same_number_as(visitor.phone)
    people = await svc.db.read(store.same_person, visitor.id, company_sites, digits, same_phone)
    conversations = await svc.db.read(lambda: sorted(
        (c for person in people for c in conv_store.list_conversations(
            site_ids=company_sites, status=None, visitor_id=person,
            limit=CONVERSATIONS_SHOWN)),
        key=lambda c: (c.last_activity_at, c.id), reverse=True)[:CONVERSATIONS_SHOWN])
    visits = await svc.db.read(store.visits_of, visitor.id, VISITS_SHOWN, PAGES_SHOWN)
    count = await svc.db.read(store.visit_count, visitor.id)
    invitations = await svc.db.read(invitation_store.invitations_of, [visitor.id],
                                    INVITATIONS_SHOWN)
    last_ip = visits[0][0].ip if visits else ""
    blocked = await block_of(svc, site, visitor.id, last_ip)
    return VisitorDetails(visitor, svc.live.get(visitor.id), visits, conversations,
                          invitations, blocked, count)


def clean_site_query(value: str | None) -> int | None:
    return None if value is None else v.clean_digits(value, "site_id", 1, v.ID_MAX)


def _record_page_job(visitor_id: int, site_id: int, frame: PageFrame, start: VisitStart,
                     now: datetime, gap: int, known_visit_id: int | None) -> _Recorded:
    viewed = store.record_page(visitor_id, site_id, frame, start, now, gap)
    same_visit = known_visit_id == viewed.visit.id
    conversation = None if same_visit and not viewed.new_page else (
        offline_store.active_conversation_of(visitor_id))
    # A visitor chatting moved to another page: agents follow them (a `visitor` frame),
    # as after a session on a new page. A reconnect reporting the same page is no news.
    followed = conv_store.get_visitor(visitor_id) if (
        viewed.new_page and conversation is not None) else None
    return _Recorded(viewed, None if same_visit else conversation, same_visit, followed)


def _close_left_job(left: list[int], now: datetime) -> int:
    return sum(store.close_pages(visitor_id, None, now) for visitor_id in left)
