"""The set-based rebuild of the report aggregates (`kefu reports-rebuild`): every aggregate
again from the raw rows, in bounded chunks of ids, one short writer transaction each, moving
the marks (or writing the facts) with the rows it added like the live jobs in
report_aggregates.py, whose cells, facts and marks it shares.

Visits and page views are grouped by SQL: the local day and hour come from a small table of
the company's UTC-offset intervals (built from zoneinfo), so only the groups reach Python,
where the keys are cleaned as the consumer cleans them. Conversations and invitations are read
a chunk at a time (their messages in one query, only those a metric looks at) and go through
the same `report_metrics` functions as the consumer's."""

from __future__ import annotations

import contextlib
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from appliance.domain import report_metrics as rm
from appliance.domain.bot_chat import HANDED_OVER
from appliance.domain.reports import zone
from appliance.storage.report_aggregates import (
    _RELEVANT_MESSAGES,
    CONVERSATION_FINGERPRINT,
    FACTS,
    GROWING,
    INVITATION_FINGERPRINT,
    _add_spans,
    _db,
    _Delta,
    _marks,
    _moment,
    all_rows,
    reset,
    zones,
)
from appliance.storage.sites import list_companies

REBUILD_ROWS = 50_000  # page views or status spans per rebuild transaction
REBUILD_VISITS = 20_000  # visits per rebuild transaction (each adds many keyed cells)
REBUILD_FACTS = 2_000  # conversations or invitations per rebuild transaction
REBUILD_CACHE_KIB = 262_144  # the writer's page cache during a rebuild job (then restored)
_FAR = "9999-12-31 23:59:59"  # after every stored moment (text: never read as a number)


@functools.lru_cache(maxsize=64)
def _offset_rows(name: str) -> tuple[tuple[str, str], ...]:
    """(end of the interval, SQLite modifier of its offset) for each interval of the zone."""
    spans = rm.offset_spans(zone(name), rm.SPAN_FIRST, rm.SPAN_LAST)
    return tuple((str(spans[i + 1][0]) if i + 1 < len(spans) else _FAR,
                  f"{offset:+d} seconds") for i, (_, offset) in enumerate(spans))


def _zone_table() -> None:
    """temp.report_zone: each company's offset intervals, for the shift of a moment."""
    db = _db()
    db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS report_zone (company_id INTEGER NOT NULL, "
                   "stop TEXT NOT NULL, shift TEXT NOT NULL, PRIMARY KEY (company_id, stop)) "
                   "WITHOUT ROWID")
    db.execute_sql("DELETE FROM temp.report_zone")
    db.connection().cursor().executemany(
        "INSERT INTO temp.report_zone (company_id, stop, shift) VALUES (?, ?, ?)",
        [(c.id, stop, shift) for c in list_companies()
         for stop, shift in _offset_rows(c.settings.timezone)])


def _shift(moment: str) -> str:
    """SQL: the offset modifier of a stored moment in the company `s.company_id`'s zone."""
    return ("(SELECT z.shift FROM temp.report_zone z WHERE z.company_id = s.company_id "  # noqa: S608
            f"AND z.stop > {moment} ORDER BY z.stop LIMIT 1)")


@contextlib.contextmanager
def _rebuild_cache() -> Iterator[None]:
    """A larger page cache for one rebuild job: its many aggregate rows are written into
    B-tree pages the default cache would read again and again."""
    db = _db()
    before = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


def _chunk_top(table: str, after: int, limit: int) -> int | None:
    row = _db().execute_sql(
        f"SELECT max(id) FROM (SELECT id FROM {table} WHERE id > ? "  # noqa: S608
        "ORDER BY id LIMIT ?)", (after, limit)).fetchone()
    return None if row[0] is None else int(row[0])


def _rebuild_visits(delta: _Delta, after: int, top: int) -> None:
    db = _db()
    db.execute_sql("DROP TABLE IF EXISTS temp.report_chunk")
    db.execute_sql(
        "CREATE TEMP TABLE report_chunk AS SELECT site_id, company_id, date(t, shift) AS day, "  # noqa: S608
        "strftime('%H', t, shift) AS hour, number <= 1 AS new, source_kind, source_name, "
        "keyword, entry_url, device, country, province FROM (SELECT v.site_id, s.company_id, "
        "substr(v.started_at, 1, 19) AS t, v.number, v.source_kind, v.source_name, v.keyword, "
        f"v.entry_url, v.device, v.country, v.province, {_shift('v.started_at')} AS shift "
        "FROM visit v JOIN site s ON s.id = v.site_id WHERE v.id > ? AND v.id <= ?) "
        "WHERE shift IS NOT NULL", (after, top))
    days: dict[str, date] = {}

    def groups(columns: str, where: str = "") -> Iterable[tuple[Any, ...]]:
        for row in db.execute_sql(
                f"SELECT site_id, company_id, day, {columns}, count(*) "  # noqa: S608
                f"FROM temp.report_chunk {where} GROUP BY site_id, company_id, day, "
                f"{columns}").fetchall():
            if row[2] not in days:
                days[row[2]] = date.fromisoformat(row[2])
            yield (row[0], row[1], days[row[2]], *row[3:])

    for s, company, day, hour, new, n in groups("hour, new"):
        rows: list[rm.Row] = [("visits", s, 0, 0, "", n, 0.0),
                              ("visit_hours", s, 0, 0, hour, n, 0.0)]
        if new:
            rows.append(("new_visitors", s, 0, 0, "", n, 0.0))
        delta.add(company, day, rows)
    for s, company, day, kind, name, n in groups("source_kind, source_name"):
        source = rm.source_of(kind, name)
        delta.add(company, day, [("sources", s, 0, 0, f"{rm.clean_key(kind)}\t{source}", n, 0.0),
                                 ("cv_visits", s, 0, 0, "s:" + source, n, 0.0)])
    for s, company, day, device, n in groups("device"):
        delta.add(company, day, [("devices", s, 0, 0, rm.clean_key(device), n, 0.0)])
    for s, company, day, country, province, n in groups("country, province"):
        key = f"{rm.clean_key(country)}\t{rm.clean_key(province)}"
        delta.add(company, day, [("regions", s, 0, 0, key, n, 0.0)])
    pages: dict[str, str] = {}
    for s, company, day, url, n in groups("entry_url"):
        if url not in pages:
            pages[url] = rm.page_key(url)
        delta.add(company, day, [("entry_pages", s, 0, 0, pages[url], n, 0.0),
                                 ("cv_visits", s, 0, 0, "p:" + pages[url], n, 0.0)])
    for s, company, day, keyword, n in groups("keyword", "WHERE keyword != ''"):
        word = rm.clean_key(keyword)
        delta.add(company, day, [("keywords", s, 0, 0, word, n, 0.0),
                                 ("cv_visits", s, 0, 0, "k:" + word, n, 0.0)])
    db.execute_sql("DROP TABLE temp.report_chunk")


def _rebuild_page_views(delta: _Delta, after: int, top: int) -> None:
    for site_id, company_id, day, n in _db().execute_sql(
            "SELECT site_id, company_id, date(t, shift) AS day, count(*) FROM (SELECT "  # noqa: S608
            "v.site_id, s.company_id, substr(pv.started_at, 1, 19) AS t, "
            f"{_shift('pv.started_at')} AS shift FROM page_view pv "
            "JOIN visit v ON v.id = pv.visit_id JOIN site s ON s.id = v.site_id "
            "WHERE pv.id > ? AND pv.id <= ?) WHERE shift IS NOT NULL GROUP BY 1, 2, 3",
            (after, top)).fetchall():
        delta.add(company_id, date.fromisoformat(day),
                  [("page_views", site_id, 0, 0, "", n, 0.0)])


def rebuild_growing(source: str, limit: int | None = None) -> int:
    """On the writer: add up to `limit` (REBUILD_VISITS, REBUILD_ROWS) rows of a source above its
    mark, grouped in SQL, and move the mark, in this one transaction. Returns how many ids it
    passed (0: done)."""
    mark = _marks()[source]
    top = _chunk_top(source, mark,
                     limit or (REBUILD_VISITS if source == "visit" else REBUILD_ROWS))
    if top is None:
        return 0
    delta = _Delta()
    with _rebuild_cache():
        if source == "visit":
            _zone_table()
            _rebuild_visits(delta, mark, top)
        elif source == "page_view":
            _zone_table()
            _rebuild_page_views(delta, mark, top)
        else:
            _add_spans(delta, zones(), "a.id > ? AND a.id <= ?", (mark, top))
        _db().execute_sql("UPDATE report_mark SET last_id = ? WHERE source = ?",
                          (top, source))
        delta.write(spread_in_sql=True)
    return top - mark


def _messages(first: int, last: int) -> dict[int, list[rm.MessageRecord]]:
    found: dict[int, list[rm.MessageRecord]] = defaultdict(list)
    for conversation_id, created_at, sender_type, sender_id, kind, body, client_id in _db(
    ).execute_sql(
            "SELECT m.conversation_id, m.created_at, m.sender_type, m.sender_id, m.kind, "  # noqa: S608
            "m.body, m.client_id FROM message m WHERE m.conversation_id >= ? "
            f"AND m.conversation_id <= ? AND {_RELEVANT_MESSAGES} "
            "ORDER BY m.conversation_id, m.seq", (first, last)).fetchall():
        found[conversation_id].append(rm.MessageRecord(
            _moment(created_at), sender_type, sender_id, kind,
            body if kind == "system" else "", client_id))
    return found


_VISIT_AT = ("LEFT JOIN visit vv ON vv.id = (SELECT v.id FROM visit v WHERE "
             "v.visitor_id = {alias}.visitor_id AND v.started_at <= {alias}.created_at "
             "ORDER BY v.started_at DESC LIMIT 1)")


def _conversation_records(after: int, top: int) -> list[tuple[int, int, str, Any]]:
    rows = _db().execute_sql(
        f"SELECT c.id, c.site_id, s.company_id, c.team_id, c.assignee_id, c.status, "  # noqa: S608
        f"c.created_at, c.closed_at, c.missed, c.rating, {CONVERSATION_FINGERPRINT}, "
        "(SELECT l.effective FROM lead l WHERE l.conversation_id = c.id), vv.id, "
        "vv.source_kind, vv.source_name, vv.keyword, vv.entry_url, c.bot_outcome "
        "FROM conversation c JOIN site s ON s.id = c.site_id "
        "LEFT JOIN report_fact f ON f.source = 'conversation' AND f.row_id = c.id "
        f"{_VISIT_AT.format(alias='c')} "
        "WHERE c.id > ? AND c.id <= ? AND f.row_id IS NULL ORDER BY c.id",
        (after, top)).fetchall()
    if not rows:
        return []
    messages = _messages(rows[0][0], rows[-1][0])
    found = []
    for row in rows:
        if row[12] is None:
            source, keyword, page = rm.NO_VISIT, "", ""
        else:
            source, keyword, page = rm.source_of(row[13], row[14]), row[15], row[16]
        found.append((row[0], row[2], row[10], rm.ConversationRecord(
            site_id=row[1], team_id=row[3], assignee_id=row[4], status=row[5],
            created_at=_moment(row[6]), closed_at=None if row[7] is None else _moment(row[7]),
            missed=bool(row[8]), rating=row[9], messages=messages.get(row[0], []),
            lead_effective=None if row[11] is None else bool(row[11]),
            source=source, keyword=keyword, page=page, handed_over=row[17] == HANDED_OVER)))
    return found


def _invitation_records(after: int, top: int) -> list[tuple[int, int, str, Any]]:
    rows = _db().execute_sql(
        f"SELECT i.id, i.site_id, s.company_id, i.rule_id, i.status, i.created_at, "  # noqa: S608
        f"i.conversation_id, i.page_url, {INVITATION_FINGERPRINT}, "
        "(SELECT l.effective FROM lead l WHERE l.conversation_id = i.conversation_id), "
        "vv.id, vv.source_kind, vv.source_name, vv.keyword "
        "FROM invitation i JOIN site s ON s.id = i.site_id "
        "LEFT JOIN report_fact f ON f.source = 'invitation' AND f.row_id = i.id "
        f"{_VISIT_AT.format(alias='i')} "
        "WHERE i.id > ? AND i.id <= ? AND f.row_id IS NULL ORDER BY i.id",
        (after, top)).fetchall()
    found = []
    for row in rows:
        if row[10] is None:
            source, keyword = rm.NO_VISIT, ""
        else:
            source, keyword = rm.source_of(row[11], row[12]), row[13]
        found.append((row[0], row[2], row[8], rm.InvitationRecord(
            site_id=row[1], rule_id=row[3], status=row[4], created_at=_moment(row[5]),
            chatted=row[6] is not None, lead_effective=None if row[9] is None else bool(row[9]),
            source=source, keyword=keyword, page=row[7])))
    return found


def rebuild_facts(source: str, after: int, limit: int | None = None) -> int:
    """On the writer: the facts of up to `limit` (REBUILD_FACTS) conversations or invitations
    above id `after` that have none, and what they add to the aggregates, in this one
    transaction. Returns the last id passed (0: done)."""
    table = FACTS[source][0].split()[0]
    top = _chunk_top(table, after, limit or REBUILD_FACTS)
    if top is None:
        return 0
    tzs = zones()
    delta = _Delta()
    facts = []
    records = (_conversation_records(after, top) if source == "conversation"
               else _invitation_records(after, top))
    for row_id, company_id, fingerprint, record in records:
        tz = tzs.get(company_id)
        if tz is None:
            continue
        rows = (rm.conversation_rows(record, tz) if isinstance(record, rm.ConversationRecord)
                else rm.invitation_rows(record))
        day = rm.local(record.created_at, tz).date()
        delta.add(company_id, day, rows)
        facts.append((source, row_id, company_id, fingerprint,
                      json.dumps({"day": day.isoformat(), "rows": rows}, ensure_ascii=False)))
    with _rebuild_cache():
        if facts:
            _db().connection().cursor().executemany(
                "INSERT INTO report_fact (source, row_id, company_id, fingerprint, contrib) "
                "VALUES (?, ?, ?, ?, ?)", facts)
        delta.write(spread_in_sql=True)
    return top




def rebuild_all() -> None:
    """On the writer: every aggregate again from the raw rows, in this one transaction."""
    reset()
    for source in GROWING:
        while rebuild_growing(source):
            pass
    for source in FACTS:
        after = 0
        while after := rebuild_facts(source, after):
            pass


def rebuilt_rows() -> list[tuple[Any, ...]]:
    """On the writer: what a rebuild would store, leaving everything as it was."""
    with _db().atomic() as savepoint:
        rebuild_all()
        rows = all_rows()
        savepoint.rollback()
    return rows
