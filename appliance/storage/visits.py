"""Visits and page views (a visitor's trail): recording, reading, and keeping addresses short."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import apsw
import peewee as pw

from appliance.domain import report_metrics as rm
from appliance.domain.traffic import truncate_ip
from appliance.domain.visits import PageFrame, PageView, Place, Viewed, Visit, is_new_visit
from appliance.storage.database import bound_database
from appliance.storage.tables import PageViewRow, VisitorRow, VisitRow

VISITOR_PAGE_MAX = 1000  # the visitor row's copy of the current page (Visitor.page_url)


def source_at(visitor_id: int, moment: datetime) -> tuple[str, str, str]:
    """(source, keyword, entry page) of the visit the visitor was on at `moment` (the last one
    started by then): what a chat or invitation at that moment, and its lead, are credited
    to. No visit recorded: ("unknown", "", "")."""
    row = bound_database.obj.execute_sql(
        "SELECT source_kind, source_name, keyword, entry_url FROM visit WHERE visitor_id = ? "
        "AND started_at <= ? ORDER BY started_at DESC LIMIT 1",
        (visitor_id, str(moment))).fetchone()
    if row is None:
        return rm.NO_VISIT, "", ""
    return rm.source_of(row[0], row[1]), row[2], row[3]


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


_VISIT_COLUMNS = """id, visitor_id, site_id, number, started_at, last_seen_at, entry_url,
  entry_title, referrer, source_kind, source_name, keyword, campaign, user_agent, browser, os,
  device, language, ip, country, province, city, page_count"""
# Statements built once from the constant column list above; values are always bound.
_LATEST = (f"SELECT {_VISIT_COLUMNS} FROM visit WHERE visitor_id = ? "  # noqa: S608
           "ORDER BY started_at DESC, id DESC LIMIT 1")
_LAST_OF_TAB = ("SELECT id, url, title, started_at, seconds, position FROM page_view "
                "WHERE visit_id = ? AND tab = ? ORDER BY position DESC LIMIT 1")


def _cursor() -> apsw.Cursor:
    return bound_database.obj.cursor()


def _visit_of(row: tuple[Any, ...]) -> Visit:
    return Visit(id=row[0], visitor_id=row[1], site_id=row[2], number=row[3],
                 started_at=datetime.fromisoformat(row[4]),
                 last_seen_at=datetime.fromisoformat(row[5]), entry_url=row[6],
                 entry_title=row[7], referrer=row[8], source_kind=row[9], source_name=row[10],
                 keyword=row[11], campaign=row[12], user_agent=row[13], browser=row[14],
                 os=row[15], device=row[16], language=row[17], ip=row[18],
                 place=Place(row[19], row[20], row[21]), page_count=row[22])


def latest_visit(visitor_id: int) -> Visit | None:
    row = _cursor().execute(_LATEST, (visitor_id,)).fetchone()
    return None if row is None else _visit_of(row)


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def record_page(visitor_id: int, site_id: int, frame: PageFrame, start: VisitStart,
                now: datetime, gap_minutes: int) -> Viewed:
    """A tab shows a page: a new visit if the last one is over, a page view unless the tab
    already showed this page (a reconnect), and the previous page of the tab closed.

    Every visitor's every page view comes through here, so it is plain SQL (like
    message_log.py): the ORM's query building cost several times the SQLite work."""
    cursor, stamp = _cursor(), str(now)
    visit = latest_visit(visitor_id)
    new_visit = visit is None or is_new_visit(visit.last_seen_at, now, gap_minutes)
    previous = None
    if new_visit:
        if visit is not None:  # the last visit's open pages ended when it was last seen
            _close_open_pages(visit.id, None, visit.last_seen_at)
        number = 1 if visit is None else visit.number + 1
        cursor.execute(
            f"INSERT INTO visit ({_VISIT_COLUMNS.split(', ', 1)[1]}, ip_truncated) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (visitor_id, site_id, number, stamp, stamp, frame.url, frame.title,
             frame.referrer, start.source_kind, start.source_name, start.keyword,
             start.campaign, start.user_agent, start.browser, start.os, start.device,
             frame.language, start.ip, start.place.country, start.place.province,
             start.place.city, 0))
        visit = Visit(bound_database.obj.connection().last_insert_rowid(), visitor_id, site_id,
                      number, now, now, frame.url, frame.title, frame.referrer,
                      start.source_kind, start.source_name, start.keyword, start.campaign,
                      start.user_agent, start.browser, start.os, start.device, frame.language,
                      start.ip, start.place, 0)
    else:
        assert visit is not None
        previous = cursor.execute(_LAST_OF_TAB, (visit.id, frame.tab)).fetchone()
    if previous is not None and previous[1] == frame.url:
        cursor.execute("UPDATE visit SET last_seen_at = ? WHERE id = ?", (stamp, visit.id))
        page = PageView(previous[0], visit.id, visitor_id, previous[1], previous[2],
                        datetime.fromisoformat(previous[3]), previous[4], previous[5])
        return Viewed(replace(visit, last_seen_at=now), page, False, False)
    if previous is not None and previous[4] == 0:
        seconds = max(1, _seconds_between(datetime.fromisoformat(previous[3]), now))
        cursor.execute("UPDATE page_view SET seconds = ? WHERE id = ?", (seconds, previous[0]))
    position = visit.page_count + 1
    cursor.execute(
        "INSERT INTO page_view (visit_id, visitor_id, tab, url, title, started_at, seconds, "
        "position) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
        (visit.id, visitor_id, frame.tab, frame.url, frame.title, stamp, position))
    page = PageView(bound_database.obj.connection().last_insert_rowid(), visit.id, visitor_id,
                    frame.url, frame.title, now, 0, position)
    cursor.execute("UPDATE visit SET page_count = ?, last_seen_at = ? WHERE id = ?",
                   (position, stamp, visit.id))
    cursor.execute(
        "UPDATE visitor SET page_url = ?, page_title = ?, last_seen_at = ?, "
        "referrer = CASE WHEN ? THEN ? ELSE referrer END WHERE id = ?",
        (frame.url[:VISITOR_PAGE_MAX], frame.title, stamp, new_visit,
         frame.referrer[:VISITOR_PAGE_MAX], visitor_id))
    return Viewed(replace(visit, page_count=position, last_seen_at=now), page, new_visit, True)


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


def same_person(visitor_id: int, site_ids: list[int], phone_digits: str = "",
                same_phone: Callable[[str], bool] | None = None) -> list[int]:
    """Visitors on `site_ids` who are the same person as `visitor_id`: linked to the same
    customer, or with the same signed user id, e-mail address (in any case) or phone number
    (the visitor themself included). Phones are stored as visitors wrote them: those whose
    digits include `phone_digits` in order are read, and `same_phone(phone)` says which are
    the same number."""
    me = VisitorRow.get_or_none(VisitorRow.id == visitor_id)
    if me is None:
        return []
    attributes: dict[str, Any] = json.loads(me.attributes)
    user_id = attributes.get("user_id")
    match = VisitorRow.id == visitor_id
    if me.customer_id is not None:
        match |= VisitorRow.customer_id == me.customer_id
    email = me.email.strip().lower()
    if email:
        match |= pw.fn.lower(pw.fn.trim(VisitorRow.email)) == email
    if isinstance(user_id, str) and user_id:
        match |= pw.fn.json_extract(VisitorRow.attributes, "$.user_id") == user_id
    query = VisitorRow.select(VisitorRow.id).where(match & VisitorRow.site.in_(site_ids))
    found = {row.id for row in query.limit(200)} | {visitor_id}
    if phone_digits.isdigit() and same_phone is not None:
        written = (VisitorRow.select(VisitorRow.id, VisitorRow.phone)
                   .where(VisitorRow.site.in_(site_ids)
                          & (VisitorRow.phone ** f"%{'%'.join(phone_digits)}%"))
                   .limit(1000))
        found |= {row.id for row in written if same_phone(row.phone)}
    return sorted(found)
