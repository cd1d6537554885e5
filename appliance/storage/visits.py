"""Visits and page views (a visitor's trail): recording, reading, and keeping addresses short."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.traffic import truncate_ip
from appliance.domain.visits import PageFrame, PageView, Place, Viewed, Visit, is_new_visit
from appliance.storage.tables import PageViewRow, VisitorRow, VisitRow

VISITOR_PAGE_MAX = 1000  # the visitor row's copy of the current page (Visitor.page_url)


@dataclass(frozen=True, slots=True)
class VisitStart:
    """What a new visit records about where it came from (worked out before the write)."""

    source_kind: str
    source_name: str
    keyword: str
    campaign: str
    user_agent: str
    browser: str
    os: str
    device: str
    ip: str
    place: Place


def _visit(row: VisitRow) -> Visit:
    return Visit(
        id=row.id, visitor_id=row.visitor_id, site_id=row.site_id, number=row.number,
        started_at=row.started_at, last_seen_at=row.last_seen_at, entry_url=row.entry_url,
        entry_title=row.entry_title, referrer=row.referrer, source_kind=row.source_kind,
        source_name=row.source_name, keyword=row.keyword, campaign=row.campaign,
        user_agent=row.user_agent, browser=row.browser, os=row.os, device=row.device,
        language=row.language, ip=row.ip, place=Place(row.country, row.province, row.city),
        page_count=row.page_count)


def _page(row: PageViewRow) -> PageView:
    return PageView(id=row.id, visit_id=row.visit_id, visitor_id=row.visitor_id, url=row.url,
                    title=row.title, started_at=row.started_at, seconds=row.seconds,
                    position=row.position)


def latest_visit(visitor_id: int) -> Visit | None:
    row = (VisitRow.select().where(VisitRow.visitor == visitor_id)
           .order_by(VisitRow.started_at.desc(), VisitRow.id.desc()).first())
    return None if row is None else _visit(row)


def _last_page_of_tab(visit_id: int, tab: str) -> PageViewRow | None:
    return (PageViewRow.select().where((PageViewRow.visit == visit_id) & (PageViewRow.tab == tab))
            .order_by(PageViewRow.position.desc()).first())


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def record_page(visitor_id: int, site_id: int, frame: PageFrame, start: VisitStart,
                now: datetime, gap_minutes: int) -> Viewed:
    """A tab shows a page: a new visit if the last one is over, a page view unless the tab
    already showed this page (a reconnect), and the previous page of the tab closed."""
    visit = latest_visit(visitor_id)
    new_visit = visit is None or is_new_visit(visit.last_seen_at, now, gap_minutes)
    if new_visit:
        if visit is not None:  # the last visit's open pages ended when it was last seen
            _close_open_pages(visit.id, None, visit.last_seen_at)
        row = VisitRow.create(
            visitor=visitor_id, site=site_id, number=1 if visit is None else visit.number + 1,
            started_at=now, last_seen_at=now, entry_url=frame.url, entry_title=frame.title,
            referrer=frame.referrer, source_kind=start.source_kind,
            source_name=start.source_name, keyword=start.keyword, campaign=start.campaign,
            user_agent=start.user_agent, browser=start.browser, os=start.os,
            device=start.device, language=frame.language, ip=start.ip, ip_truncated=False,
            country=start.place.country, province=start.place.province,
            city=start.place.city, page_count=0)
        visit_id = row.id
        previous = None
    else:
        assert visit is not None
        visit_id = visit.id
        previous = _last_page_of_tab(visit_id, frame.tab)
    if previous is not None and previous.url == frame.url:
        VisitRow.update(last_seen_at=now).where(VisitRow.id == visit_id).execute()
        return Viewed(_visit(VisitRow.get_by_id(visit_id)), _page(previous), False, False)
    if previous is not None and previous.seconds == 0:
        PageViewRow.update(seconds=max(1, _seconds_between(previous.started_at, now))).where(
            PageViewRow.id == previous.id).execute()
    position = (VisitRow.get_by_id(visit_id).page_count or 0) + 1
    page = PageViewRow.create(visit=visit_id, visitor_id=visitor_id, tab=frame.tab,
                              url=frame.url, title=frame.title, started_at=now, seconds=0,
                              position=position)
    VisitRow.update(page_count=position, last_seen_at=now).where(VisitRow.id == visit_id).execute()
    VisitorRow.update(page_url=frame.url[:VISITOR_PAGE_MAX], page_title=frame.title,
                      last_seen_at=now).where(VisitorRow.id == visitor_id).execute()
    if new_visit:
        VisitorRow.update(referrer=frame.referrer[:VISITOR_PAGE_MAX]).where(
            VisitorRow.id == visitor_id).execute()
    return Viewed(_visit(VisitRow.get_by_id(visit_id)), _page(page), new_visit, True)


def close_pages(visitor_id: int, tabs: tuple[str, ...] | None, now: datetime) -> int:
    """The visitor's open pages (in `tabs`, or all) were left now: their time is final."""
    visit = latest_visit(visitor_id)
    if visit is None:
        return 0
    closed = _close_open_pages(visit.id, tabs, now)
    VisitRow.update(last_seen_at=now).where(VisitRow.id == visit.id).execute()
    return closed


def _close_open_pages(visit_id: int, tabs: tuple[str, ...] | None, now: datetime) -> int:
    query = PageViewRow.select().where((PageViewRow.visit == visit_id)
                                       & (PageViewRow.seconds == 0))
    if tabs is not None:
        query = query.where(PageViewRow.tab.in_(tabs))
    closed = 0
    for row in query:
        PageViewRow.update(seconds=max(1, _seconds_between(row.started_at, now))).where(
            PageViewRow.id == row.id).execute()
        closed += 1
    return closed


def visits_of(visitor_id: int, limit: int, pages_limit: int,
              ) -> list[tuple[Visit, list[PageView]]]:
    """The visitor's latest visits, newest first, each with its pages in order."""
    visits = [_visit(r) for r in VisitRow.select().where(VisitRow.visitor == visitor_id)
              .order_by(VisitRow.started_at.desc(), VisitRow.id.desc()).limit(limit)]
    if not visits:
        return []
    pages: dict[int, list[PageView]] = {visit.id: [] for visit in visits}
    rows = (PageViewRow.select().where(PageViewRow.visit.in_(list(pages)))
            .order_by(PageViewRow.visit, PageViewRow.position))
    for row in rows:
        kept = pages[row.visit_id]
        if len(kept) < pages_limit:
            kept.append(_page(row))
    return [(visit, pages[visit.id]) for visit in visits]


def visit_count(visitor_id: int) -> int:
    return VisitRow.select().where(VisitRow.visitor == visitor_id).count()


def truncate_old_addresses(before: datetime, limit: int) -> int:
    """Addresses of visits that started before `before` keep only their network part."""
    rows = list(VisitRow.select(VisitRow.id, VisitRow.ip).where(
        (VisitRow.ip_truncated == False) & (VisitRow.started_at < before))  # noqa: E712
        .limit(limit))
    for row in rows:
        VisitRow.update(ip=truncate_ip(row.ip), ip_truncated=True).where(
            VisitRow.id == row.id).execute()
    return len(rows)


def same_person(visitor_id: int, site_ids: list[int]) -> list[int]:
    """Visitors on `site_ids` who are the same person as `visitor_id`: the same signed user id,
    e-mail address or phone number (the visitor themself included)."""
    me = VisitorRow.get_or_none(VisitorRow.id == visitor_id)
    if me is None:
        return []
    attributes: dict[str, Any] = json.loads(me.attributes)
    user_id = attributes.get("user_id")
    match = VisitorRow.id == visitor_id
    if me.email:
        match |= VisitorRow.email == me.email
    if me.phone:
        match |= VisitorRow.phone == me.phone
    if isinstance(user_id, str) and user_id:
        match |= pw.fn.json_extract(VisitorRow.attributes, "$.user_id") == user_id
    query = VisitorRow.select(VisitorRow.id).where(match & VisitorRow.site.in_(site_ids))
    return sorted({row.id for row in query.limit(200)} | {visitor_id})
