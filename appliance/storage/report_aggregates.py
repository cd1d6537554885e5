"""The report aggregates, filled behind the raw rows and read by the reports.

Each job runs on the writer in its own transaction and moves what it has read in that same
transaction: the high-water marks of the growing sources (visits, page views, agents' status
spans) and the facts of conversations and invitations (what each one added, with a fingerprint
of the columns it was computed from). A crash at any point leaves marks, facts and aggregates
agreeing with each other; the next job starts where the last committed one stopped, and a
fact whose fingerprint still matches adds nothing again. A change of a company's time zone
re-buckets that company (the periods are local dates)."""

from __future__ import annotations

import contextlib
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.domain import report_metrics as rm
from appliance.domain.reports import zone
from appliance.storage.database import bound_database
from appliance.storage.sites import list_companies

BATCH = 2000
FACT_BATCH = 300
GROWING = ("visit", "page_view", "agent_status")
ROLLUP = -1  # site, team and agent of the rolled-up rows

CONVERSATION_FINGERPRINT = (
    "c.status || '|' || ifnull(c.assignee_id, '') || '|' || ifnull(c.team_id, '') || '|' || "
    "ifnull(c.first_response_at, '') || '|' || c.missed || '|' || ifnull(c.rating, '') || '|' "
    "|| ifnull(c.closed_at, '') || '|' || c.last_seq || '|' || c.site_id || '|' || "
    "ifnull((SELECT l.id || '.' || l.effective FROM lead l WHERE l.conversation_id = c.id), '')")
INVITATION_FINGERPRINT = (
    "i.status || '|' || ifnull(i.conversation_id, '') || '|' || "
    "ifnull((SELECT l.id || '.' || l.effective FROM lead l "
    "WHERE l.conversation_id = i.conversation_id), '')")
FACTS = {
    "conversation": ("conversation c", "c", CONVERSATION_FINGERPRINT),
    "invitation": ("invitation i", "i", INVITATION_FINGERPRINT),
}


def _db() -> Any:
    return bound_database.obj


Key = tuple[str, str, int, int, int, str]


class _Delta:
    """Changes to the aggregates, summed per company, day and detailed cell before they are
    spread over their periods and rollups and written."""

    def __init__(self) -> None:
        self.detail: dict[tuple[int, date, str, int, int, int, str], list[float]] = \
            defaultdict(lambda: [0, 0.0])

    def add(self, company_id: int, day: date, rows: Iterable[rm.Row], sign: int = 1) -> None:
        detail = self.detail
        for metric, site, team, agent, key, n, total in rows:
            cell = detail[(company_id, day, metric, site, team, agent, key)]
            cell[0] += sign * n
            cell[1] += sign * total

    def _cells(self) -> dict[tuple[int, str, str, int, int, int, str], list[float]]:
        """Each row on its day and month; and, unless it is an agent's own figure, rolled up
        per site (team and agent -1) and per company (site -1 too), which is what reports
        without a team or agent filter read."""
        cells: dict[tuple[int, str, str, int, int, int, str], list[float]] = \
            defaultdict(lambda: [0, 0.0])
        periods: dict[date, tuple[str, str]] = {}
        for (company_id, day, metric, site, team, agent, key), (n, total) in self.detail.items():
            if not n and not total:
                continue
            if day not in periods:
                periods[day] = (rm.day_period(day), rm.month_period(day))
            targets = [(site, team, agent)]
            if metric not in rm.AGENT_ONLY:
                targets += [(site, ROLLUP, ROLLUP), (ROLLUP, ROLLUP, ROLLUP)]
            for period in periods[day]:
                for s, t, a in targets:
                    cell = cells[(company_id, metric, period, s, t, a, key)]
                    cell[0] += n
                    cell[1] += total
        return cells

    def _spread_in_sql(self) -> None:
        db = _db()
        db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS report_detail (company_id INTEGER, "
                       "day TEXT, metric TEXT, site_id INTEGER, team_id INTEGER, agent_id INTEGER, "
                       "key TEXT, n INTEGER, total REAL, agent_only INTEGER)")
        db.execute_sql("DELETE FROM temp.report_detail")
        agent_only = rm.AGENT_ONLY
        days: dict[date, str] = {}
        rows = []
        for (company_id, day, metric, site, team, agent, key), (n, total) in self.detail.items():
            if n or total:
                if day not in days:
                    days[day] = day.isoformat()
                rows.append((company_id, days[day], metric, site, team, agent, key, n, total,
                             metric in agent_only))
        if rows:
            db.connection().cursor().executemany(
                "INSERT INTO temp.report_detail VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute_sql(_SPREAD)
        db.execute_sql("DELETE FROM temp.report_detail")

    def write(self, *, spread_in_sql: bool = False) -> None:
        """Add the changes to the aggregates. `spread_in_sql`: the detailed cells go to a
        temporary table and SQL spreads them over periods and rollups (the rebuild's many
        cells); otherwise Python does (the consumer's few)."""
        recorded = _recorded_zones()
        if any(str(cell[0]) not in recorded for cell in self.detail):
            # The zone these were bucketed in (read in this transaction): a later change of
            # the company's zone is then seen and re-buckets it.
            current = {str(c.id): c.settings.timezone for c in list_companies()}
            recorded.update({k: n for k, n in current.items() if k not in recorded})
            _db().execute_sql("UPDATE report_mark SET timezones = ? WHERE source = 'zones'",
                              (json.dumps(recorded),))
        if spread_in_sql:
            self._spread_in_sql()
            self.detail.clear()
            return
        cells = self._cells()
        # In key order: the B-tree is walked once instead of sought at random.
        rows = sorted((*k, int(v[0]), v[1]) for k, v in cells.items() if v[0] or v[1])
        if rows:
            _db().connection().cursor().executemany(
                "INSERT INTO report_agg (company_id, metric, period, site_id, team_id, "
                "agent_id, key, n, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET n = n + excluded.n, total = total + excluded.total",
                rows)
        self.detail.clear()


_SPREAD = (
    # Each detailed cell on its day and month (p), as itself and, unless it is an agent's
    # own figure, rolled up per site and per company (r): as _Delta._cells does.
    "INSERT INTO report_agg (company_id, metric, period, site_id, team_id, agent_id, key, n, "
    "total) SELECT d.company_id, d.metric, "
    "CASE p.kind WHEN 0 THEN 'd' || d.day ELSE 'm' || substr(d.day, 1, 7) END, "
    "CASE r.kind WHEN 2 THEN -1 ELSE d.site_id END, "
    "CASE r.kind WHEN 0 THEN d.team_id ELSE -1 END, "
    "CASE r.kind WHEN 0 THEN d.agent_id ELSE -1 END, d.key, sum(d.n), sum(d.total) "
    "FROM temp.report_detail d, (SELECT 0 AS kind UNION ALL SELECT 1) p, "
    "(SELECT 0 AS kind UNION ALL SELECT 1 UNION ALL SELECT 2) r "
    "WHERE r.kind = 0 OR NOT d.agent_only GROUP BY 1, 2, 3, 4, 5, 6, 7 "
    "HAVING sum(d.n) != 0 OR sum(d.total) != 0 ORDER BY 1, 2, 3, 4, 5, 6, 7 "
    "ON CONFLICT DO UPDATE SET n = n + excluded.n, total = total + excluded.total")


# -- time zones --------------------------------------------------------------------------------

def zones() -> dict[int, ZoneInfo]:
    return {c.id: zone(c.settings.timezone) for c in list_companies()}


def _recorded_zones() -> dict[str, str]:
    row = _db().execute_sql("SELECT timezones FROM report_mark WHERE source = 'zones'").fetchone()
    return json.loads(row[0] or "{}") if row else {}


def rezone_needed() -> list[int]:
    """Companies whose time zone differs from the one their aggregates were made in."""
    recorded = _recorded_zones()
    current = {c.id: c.settings.timezone for c in list_companies()}
    return sorted(cid for cid, name in current.items()
                  if recorded.get(str(cid), name) != name)


def _record_zones() -> None:
    current = {str(c.id): c.settings.timezone for c in list_companies()}
    _db().execute_sql("UPDATE report_mark SET timezones = ? WHERE source = 'zones'",
                      (json.dumps(current),))


def rezone(company_id: int) -> None:
    """On the writer: rebuild one company's aggregates in its current time zone (its facts are
    dropped and recomputed by the next fact jobs; the growing sources are re-read here up to
    their marks)."""
    db = _db()
    db.execute_sql("DELETE FROM report_agg WHERE company_id = ?", (company_id,))
    db.execute_sql("DELETE FROM report_fact WHERE company_id = ?", (company_id,))
    tzs = zones()
    delta = _Delta()
    marks = _marks()
    _add_visits(delta, tzs, "v.id <= ? AND s.company_id = ?", (marks["visit"], company_id))
    _add_page_views(delta, tzs, "pv.id <= ? AND s.company_id = ?",
                    (marks["page_view"], company_id))
    _add_spans(delta, tzs, "a.id <= ?", (marks["agent_status"],), only_company=company_id)
    delta.write()
    recorded = _recorded_zones()
    recorded[str(company_id)] = next(c.settings.timezone for c in list_companies()
                                     if c.id == company_id)
    _db().execute_sql("UPDATE report_mark SET timezones = ? WHERE source = 'zones'",
                      (json.dumps(recorded),))


def reset() -> None:
    """On the writer: forget every aggregate (the jobs then rebuild them from the raw rows)."""
    db = _db()
    db.execute_sql("DELETE FROM report_agg")
    db.execute_sql("DELETE FROM report_fact")
    db.execute_sql("UPDATE report_mark SET last_id = 0 WHERE source != 'zones'")
    _record_zones()


# -- the growing sources -----------------------------------------------------------------------

def _marks() -> dict[str, int]:
    return {str(s): int(i) for s, i in _db().execute_sql(
        "SELECT source, last_id FROM report_mark").fetchall()}


def pending() -> bool:
    """Anything above a mark (cheap: three max() lookups)."""
    marks = _marks()
    db = _db()
    for source in GROWING:
        top = db.execute_sql(f"SELECT max(id) FROM {source}").fetchone()[0] or 0  # noqa: S608
        if top > marks[source]:
            return True
    return False


def _add_visits(delta: _Delta, tzs: dict[int, ZoneInfo], where: str,
                args: tuple[Any, ...], limit: int | None = None) -> int:
    sql = ("SELECT v.id, v.site_id, s.company_id, v.started_at, v.number, v.source_kind, "  # noqa: S608
           "v.source_name, v.keyword, v.entry_url, v.device, v.country, v.province "
           f"FROM visit v JOIN site s ON s.id = v.site_id WHERE {where} ORDER BY v.id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    last = 0
    for row in _db().execute_sql(sql, args).fetchall():
        last = row[0]
        tz = tzs.get(row[2])
        if tz is None:
            continue
        started = _moment(row[3])
        record = rm.VisitRecord(row[1], started, row[4], row[5], row[6], row[7], row[8],
                                row[9], row[10], row[11])
        delta.add(row[2], rm.local(started, tz).date(), rm.visit_rows(record, tz))
    return last


def _add_page_views(delta: _Delta, tzs: dict[int, ZoneInfo], where: str,
                    args: tuple[Any, ...], limit: int | None = None) -> int:
    sql = ("SELECT pv.id, v.site_id, s.company_id, pv.started_at FROM page_view pv "  # noqa: S608
           "JOIN visit v ON v.id = pv.visit_id JOIN site s ON s.id = v.site_id "
           f"WHERE {where} ORDER BY pv.id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    last = 0
    for pv_id, site_id, company_id, started_at in _db().execute_sql(sql, args).fetchall():
        last = pv_id
        tz = tzs.get(company_id)
        if tz is not None:
            day = rm.local(_moment(started_at), tz).date()
            delta.add(company_id, day, [("page_views", site_id, 0, 0, "", 1, 0.0)])
    return last


def _agent_companies() -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for user_id, company_id in _db().execute_sql(
            "SELECT us.user_id, s.company_id FROM user_site us JOIN site s "
            "ON s.id = us.site_id").fetchall():
        found[user_id].add(company_id)
    return found


def _add_spans(delta: _Delta, tzs: dict[int, ZoneInfo], where: str, args: tuple[Any, ...],
               limit: int | None = None, only_company: int | None = None) -> int:
    sql = ("SELECT a.id, a.user_id, a.status, a.started_at, a.ended_at FROM agent_status a "  # noqa: S608
           f"WHERE {where} ORDER BY a.id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    companies = _agent_companies()
    last = 0
    for span_id, user_id, status, started_at, ended_at in _db().execute_sql(sql, args):
        last = span_id
        start, end = _moment(started_at), _moment(ended_at)
        for company_id in companies.get(user_id, ()):
            tz = tzs.get(company_id)
            if tz is None or (only_company is not None and company_id != only_company):
                continue
            rows = [(m, s, t, user_id, k, n, v) for m, s, t, _, k, n, v
                    in rm.span_rows(status, (end - start).total_seconds())]
            delta.add(company_id, rm.local(start, tz).date(), rows)
    return last


GROWERS = {"visit": _add_visits, "page_view": _add_page_views, "agent_status": _add_spans}
ALIASES = {"visit": "v", "page_view": "pv", "agent_status": "a"}


def grow_batch(limit: int = BATCH) -> int:
    """On the writer: add the rows above each mark (up to `limit` each) and move the marks, in
    this one transaction. Returns how many rows were read."""
    tzs = zones()
    marks = _marks()
    delta = _Delta()
    read = 0
    for source, grower in GROWERS.items():
        last = grower(delta, tzs, f"{ALIASES[source]}.id > ?", (marks[source],), limit=limit)
        if last:
            read += last - marks[source]
            _db().execute_sql("UPDATE report_mark SET last_id = ? WHERE source = ?",
                              (last, source))
    delta.write()
    return read


# -- conversations and invitations: facts ------------------------------------------------------

def stale(source: str, after_id: int, limit: int) -> list[int]:
    """Ids above `after_id` whose fact is missing or was computed from other values."""
    table, alias, fingerprint = FACTS[source]
    rows = _db().execute_sql(
        f"SELECT {alias}.id FROM {table} LEFT JOIN report_fact f ON f.source = ? "  # noqa: S608
        f"AND f.row_id = {alias}.id WHERE {alias}.id > ? "
        f"AND (f.fingerprint IS NULL OR f.fingerprint != {fingerprint}) "
        f"ORDER BY {alias}.id LIMIT ?", (source, after_id, limit)).fetchall()
    return [r[0] for r in rows]


def orphans(source: str, limit: int) -> list[int]:
    """Facts whose conversation or invitation no longer exists (erased)."""
    table = FACTS[source][0].split()[0]
    rows = _db().execute_sql(
        f"SELECT row_id FROM report_fact f WHERE source = ? AND NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {table} WHERE id = f.row_id) LIMIT ?", (source, limit)).fetchall()
    return [r[0] for r in rows]


def top_id(source: str) -> int:
    table = FACTS[source][0].split()[0]
    return int(_db().execute_sql(f"SELECT ifnull(max(id), 0) FROM {table}").fetchone()[0])  # noqa: S608


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _visit_at(visitor_id: int, moment: datetime) -> tuple[str, str, str]:
    row = _db().execute_sql(
        "SELECT source_kind, source_name, keyword, entry_url FROM visit WHERE visitor_id = ? "
        "AND started_at <= ? ORDER BY started_at DESC LIMIT 1",
        (visitor_id, str(moment))).fetchone()
    if row is None:
        return "direct", "", ""
    return rm.source_of(row[0], row[1]), row[2], row[3]


# Messages any conversation metric looks at (report_metrics.conversation_rows): replies,
# assignments and transfers, the left message, the bot's. The live path reads only these too:
# it runs after every message, and a long chat's visitor lines would be re-read each time.
_RELEVANT_MESSAGES = (
    "((m.sender_type = 'agent' AND m.kind != 'note') OR m.sender_type = 'bot' "
    "OR (m.kind = 'system' AND m.body IN ('agent_joined', 'transferred')) "
    "OR (m.sender_type = 'visitor' AND substr(m.client_id, 1, 5) = 'left-'))")


def _conversation(conversation_id: int) -> tuple[int, str, rm.ConversationRecord] | None:
    db = _db()
    row = db.execute_sql(
        f"SELECT c.site_id, s.company_id, c.team_id, c.assignee_id, c.status, c.created_at, "  # noqa: S608
        f"c.closed_at, c.missed, c.rating, c.visitor_id, {CONVERSATION_FINGERPRINT}, "
        "(SELECT l.effective FROM lead l WHERE l.conversation_id = c.id) "
        "FROM conversation c JOIN site s ON s.id = c.site_id WHERE c.id = ?",
        (conversation_id,)).fetchone()
    if row is None:
        return None
    messages = [rm.MessageRecord(_moment(m[0]), m[1], m[2], m[3], m[4] if m[3] == "system"
                                 else "", m[5]) for m in db.execute_sql(
        "SELECT m.created_at, m.sender_type, m.sender_id, m.kind, m.body, m.client_id "  # noqa: S608
        f"FROM message m WHERE m.conversation_id = ? AND {_RELEVANT_MESSAGES} ORDER BY m.seq",
        (conversation_id,)).fetchall()]
    created = _moment(row[5])
    source, keyword, page = _visit_at(row[9], created)
    record = rm.ConversationRecord(
        site_id=row[0], team_id=row[2], assignee_id=row[3], status=row[4], created_at=created,
        closed_at=None if row[6] is None else _moment(row[6]), missed=bool(row[7]),
        rating=row[8], messages=messages,
        lead_effective=None if row[11] is None else bool(row[11]),
        source=source, keyword=keyword, page=page)
    return row[1], row[10], record


def _invitation(invitation_id: int) -> tuple[int, str, rm.InvitationRecord] | None:
    row = _db().execute_sql(
        f"SELECT i.site_id, s.company_id, i.rule_id, i.status, i.created_at, "  # noqa: S608
        f"i.conversation_id, i.visitor_id, i.page_url, {INVITATION_FINGERPRINT}, "
        "(SELECT l.effective FROM lead l WHERE l.conversation_id = i.conversation_id) "
        "FROM invitation i JOIN site s ON s.id = i.site_id WHERE i.id = ?",
        (invitation_id,)).fetchone()
    if row is None:
        return None
    created = _moment(row[4])
    source, keyword, _ = _visit_at(row[6], created)
    return row[1], row[8], rm.InvitationRecord(
        site_id=row[0], rule_id=row[2], status=row[3], created_at=created,
        chatted=row[5] is not None, lead_effective=None if row[9] is None else bool(row[9]),
        source=source, keyword=keyword, page=row[7])


def sync_facts(source: str, ids: Iterable[int]) -> int:
    """On the writer: bring the facts of these conversations or invitations up to date,
    applying only the difference to the aggregates. Returns how many changed."""
    tzs = zones()
    delta = _Delta()
    db = _db()
    changed = 0
    for row_id in sorted(set(ids)):
        old = db.execute_sql("SELECT company_id, fingerprint, contrib FROM report_fact "
                             "WHERE source = ? AND row_id = ?", (source, row_id)).fetchone()
        found = _conversation(row_id) if source == "conversation" else _invitation(row_id)
        if found is not None and old is not None and found[1] == old[1]:
            continue
        if old is not None:
            stored = json.loads(old[2])
            delta.add(old[0], date.fromisoformat(stored["day"]),
                      [tuple(r) for r in stored["rows"]], sign=-1)
        if found is None or found[0] not in tzs:
            db.execute_sql("DELETE FROM report_fact WHERE source = ? AND row_id = ?",
                           (source, row_id))
        else:
            company_id, fingerprint, record = found
            tz = tzs[company_id]
            rows = (rm.conversation_rows(record, tz) if isinstance(record, rm.ConversationRecord)
                    else rm.invitation_rows(record))
            day = rm.local(record.created_at, tz).date()
            delta.add(company_id, day, rows)
            db.execute_sql(
                "INSERT OR REPLACE INTO report_fact (source, row_id, company_id, fingerprint, "
                "contrib) VALUES (?, ?, ?, ?, ?)",
                (source, row_id, company_id, fingerprint,
                 json.dumps({"day": day.isoformat(), "rows": rows}, ensure_ascii=False)))
        changed += 1
    delta.write()
    return changed


# -- the set-based rebuild ---------------------------------------------------------------------
# A rebuild reads the raw rows in bounded chunks of ids, one short writer transaction each,
# moving the marks (or writing the facts) with the rows it added, like the jobs above. Visits
# and page views are grouped by SQL: the local day and hour come from a small table of the
# company's UTC-offset intervals (built from zoneinfo), so only the groups reach Python, where
# the keys are cleaned as the consumer cleans them. Conversations and invitations are read a
# chunk at a time (their messages in one query, only those a metric looks at) and go through
# the same `report_metrics` functions as the consumer's.

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
        "vv.source_kind, vv.source_name, vv.keyword, vv.entry_url "
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
            source, keyword, page = "direct", "", ""
        else:
            source, keyword, page = rm.source_of(row[13], row[14]), row[15], row[16]
        found.append((row[0], row[2], row[10], rm.ConversationRecord(
            site_id=row[1], team_id=row[3], assignee_id=row[4], status=row[5],
            created_at=_moment(row[6]), closed_at=None if row[7] is None else _moment(row[7]),
            missed=bool(row[8]), rating=row[9], messages=messages.get(row[0], []),
            lead_effective=None if row[11] is None else bool(row[11]),
            source=source, keyword=keyword, page=page)))
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
            source, keyword = "direct", ""
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


# -- agents' status spans ----------------------------------------------------------------------

def record_spans(spans: list[tuple[int, str, datetime, datetime]]) -> None:
    """On the writer: spans of effective status that ended (user, status, start, end)."""
    if spans:
        _db().connection().cursor().executemany(
            "INSERT INTO agent_status (user_id, status, started_at, ended_at) "
            "VALUES (?, ?, ?, ?)", [(u, s, a.isoformat(sep=" "), b.isoformat(sep=" "))
                                    for u, s, a, b in spans])


# -- reading -------------------------------------------------------------------------------------

def _where(company_id: int, metrics: tuple[str, ...], months: list[str],
           ranges: list[tuple[str, str]], site_ids: list[int] | None, team_id: int | None,
           agent_id: int | None, by_agent: bool, key_prefix: str | None,
           keys: list[str] | None) -> tuple[str, list[Any]] | None:
    if not metrics or (site_ids is not None and not site_ids) or not (months or ranges):
        return None
    where = ["company_id = ?", f"metric IN ({','.join('?' * len(metrics))})"]
    args: list[Any] = [company_id, *metrics]
    spans = []
    if months:
        spans.append(f"period IN ({','.join('?' * len(months))})")
        args += months
    for first, last in ranges:
        spans.append("period BETWEEN ? AND ?")
        args += [first, last]
    where.append("(" + " OR ".join(spans) + ")")
    if by_agent or team_id is not None or agent_id is not None:
        where.append("agent_id >= 0 AND team_id >= 0 AND site_id >= 0")
        if site_ids is not None:
            where.append(f"site_id IN ({','.join('?' * len(site_ids))})")
            args += site_ids
    elif site_ids is None:
        where.append("site_id = -1 AND team_id = -1 AND agent_id = -1")
    else:
        where.append(f"site_id IN ({','.join('?' * len(site_ids))}) "
                     "AND team_id = -1 AND agent_id = -1")
        args += site_ids
    if team_id is not None:
        where.append("team_id = ?")
        args.append(team_id)
    if agent_id is not None:
        where.append("agent_id = ?")
        args.append(agent_id)
    if key_prefix is not None:
        where.append("key >= ? AND key < ?")
        args += [key_prefix, key_prefix + "\U0010ffff"]
    if keys is not None:
        where.append(f"key IN ({','.join('?' * len(keys))})")
        args += keys
    return " AND ".join(where), args


def read(company_id: int, metrics: tuple[str, ...], months: list[str],
         ranges: list[tuple[str, str]], *, site_ids: list[int] | None, team_id: int | None,
         agent_id: int | None, by_period: bool = False, by_agent: bool = False,
         key_prefix: str | None = None, keys: list[str] | None = None,
         ) -> list[tuple[str, str, int, str, int, float]]:
    """Sums of `metrics` over the given periods and filters: (metric, period or "", agent id
    or 0, key, count, total). Without a team or agent (or per-agent rows) the rolled-up rows
    are read: per company, or per site."""
    if keys is not None and not keys:
        return []
    found = _where(company_id, metrics, months, ranges, site_ids, team_id, agent_id, by_agent,
                   key_prefix, keys)
    if found is None:
        return []
    where, args = found
    period = "period" if by_period else "''"
    agent = "agent_id" if by_agent else "0"
    groups = ", ".join(["metric", *(["period"] if by_period else []),
                        *(["agent_id"] if by_agent else []), "key"])
    rows = _db().execute_sql(
        f"SELECT metric, {period}, {agent}, key, sum(n), sum(total) FROM report_agg "  # noqa: S608
        f"WHERE {where} GROUP BY {groups}", args).fetchall()
    return [(r[0], r[1], int(r[2]), r[3], int(r[4]), float(r[5])) for r in rows]


def agent_series(company_id: int, months: list[str], ranges: list[tuple[str, str]], *,
                 site_ids: list[int] | None, team_id: int | None, agent_id: int | None,
                 ) -> list[tuple[str, int, float, float]]:
    """Per stored period and agent: seconds holding chats (on `site_ids`, of `team_id`) and
    seconds at work (online or busy; presence is kept per agent, site 0 and team 0). Each
    metric is summed inside SQLite on its own (one range of the primary key, grouped by
    period and agent only), which is several times faster than one grouped query over all."""
    parts: list[str] = []
    args: list[Any] = []
    for metric, held in (("chat_seconds", True), ("online_seconds", False),
                         ("busy_seconds", False)):
        found = _where(company_id, (metric,), months, ranges,
                       site_ids if held else [0], team_id if held else None, agent_id, True,
                       None, None)
        if found is None:
            continue
        where, part_args = found
        if not held:
            where += " AND site_id = 0 AND team_id = 0"
        column = "sum(total) AS h, 0 AS w" if held else "0 AS h, sum(total) AS w"
        parts.append(f"SELECT period, agent_id, {column} FROM report_agg "  # noqa: S608
                     f"WHERE {where} AND agent_id > 0 GROUP BY period, agent_id")
        args += part_args
    if not parts:
        return []
    # The three sums merged per point inside SQLite too: a year by day is 365 × agents points,
    # three times that many rows if Python merged them.
    rows = _db().execute_sql(
        f"SELECT period, agent_id, sum(h), sum(w) FROM ({' UNION ALL '.join(parts)}) "  # noqa: S608
        "GROUP BY period, agent_id", args).fetchall()
    return [(str(p), int(a), float(h), float(w)) for p, a, h, w in rows]


def top_keys(company_id: int, metric: str, months: list[str], ranges: list[tuple[str, str]],
             *, site_ids: list[int] | None, team_id: int | None, agent_id: int | None,
             key_prefix: str | None, limit: int) -> tuple[list[tuple[str, int]], int]:
    """The `limit` keys with the largest counts (ties by key), and the sum of all counts:
    ranked inside SQLite, so a long tail of keys never reaches Python."""
    found = _where(company_id, (metric,), months, ranges, site_ids, team_id, agent_id, False,
                   key_prefix, None)
    if found is None:
        return [], 0
    where, args = found
    db = _db()
    top = db.execute_sql(
        f"SELECT key, sum(n) AS c FROM report_agg WHERE {where} GROUP BY key "  # noqa: S608
        "HAVING c != 0 ORDER BY c DESC, key LIMIT ?", [*args, limit]).fetchall()
    total = db.execute_sql(f"SELECT ifnull(sum(n), 0) FROM report_agg WHERE {where}",  # noqa: S608
                           args).fetchone()[0]
    return [(str(k), int(c)) for k, c in top], int(total)


def all_rows() -> list[tuple[Any, ...]]:
    """Every aggregate cell that is not zero, sorted (for checks and tests)."""
    return [tuple(r) for r in _db().execute_sql(
        "SELECT company_id, metric, period, site_id, team_id, agent_id, key, n, total "
        "FROM report_agg WHERE n != 0 OR total != 0 ORDER BY 1, 2, 3, 4, 5, 6, 7").fetchall()]


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


def live_load(site_ids: list[int]) -> tuple[dict[int, int], int, int, datetime | None]:
    """Open chats per agent, open chats with an agent, open chats without one (in the queue or
    the waiting list) and when the longest-waiting of those started waiting."""
    if not site_ids:
        return {}, 0, 0, None
    marks = ",".join("?" * len(site_ids))
    db = _db()
    load = {int(a): int(n) for a, n in db.execute_sql(
        f"SELECT assignee_id, count(*) FROM conversation WHERE site_id IN ({marks}) "  # noqa: S608
        "AND status = 'open' AND assignee_id IS NOT NULL GROUP BY assignee_id",
        site_ids).fetchall()}
    waiting, oldest = db.execute_sql(
        "SELECT count(*), min(ifnull(queued_at, created_at)) FROM conversation "  # noqa: S608
        f"WHERE site_id IN ({marks}) AND status = 'open' AND assignee_id IS NULL",
        site_ids).fetchone()
    return load, sum(load.values()), int(waiting), None if oldest is None else _moment(oldest)
