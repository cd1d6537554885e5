"""The report aggregates, filled behind the raw rows and read by the reports.

Each job runs on the writer in its own transaction and moves what it has read in that same
transaction: the high-water marks of the growing sources (visits, page views, agents' status
spans) and the facts of conversations and invitations (what each one added, with a fingerprint
of the columns it was computed from). A crash at any point leaves marks, facts and aggregates
agreeing with each other; the next job starts where the last committed one stopped, and a
fact whose fingerprint still matches adds nothing again. A change of a company's time zone
re-buckets that company (the periods are local dates)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.domain import report_metrics as rm
from appliance.domain.bot_chat import HANDED_OVER
from appliance.domain.reports import zone
from appliance.storage.database import bound_database
from appliance.storage.sites import list_companies
from appliance.storage.tables.core import REPORT_MESSAGES_WHERE
from appliance.storage.visits import source_at

BATCH = 2000
FACT_BATCH = 300
GROWING = ("visit", "page_view", "agent_status")
ROLLUP = -1  # site, team and agent of the rolled-up rows

# RULES names the version of what report_metrics makes of a record: a new version makes every
# stored fact stale, so the appliance's first catch-up after an upgrade recomputes them all.
# r2: chats and invitations without a visit are "unknown", not "direct"; r3: the chats of each
# agent who served them (report_metrics.SERVED); r4: a chat that came as a left message has no
# first response, queue wait or `queued`, and a chat the bot handed over (an agent's take-over
# too) is not bot-only.
RULES = "'r4|' || "
CONVERSATION_FINGERPRINT = RULES + (  # noqa: S608 (constants only)
    "c.status || '|' || ifnull(c.assignee_id, '') || '|' || ifnull(c.team_id, '') || '|' || "
    "ifnull(c.first_response_at, '') || '|' || c.missed || '|' || ifnull(c.rating, '') || '|' "
    "|| ifnull(c.closed_at, '') || '|' || c.last_seq || '|' || c.site_id || '|' || "
    "ifnull(c.bot_outcome, '') || '|' || "
    "ifnull((SELECT l.id || '.' || l.effective FROM lead l WHERE l.conversation_id = c.id), '')")
INVITATION_FINGERPRINT = RULES + (  # noqa: S608 (constants only)
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
            if not rm.agent_only(metric):
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
        agent_only = rm.agent_only
        days: dict[date, str] = {}
        rows = []
        for (company_id, day, metric, site, team, agent, key), (n, total) in self.detail.items():
            if n or total:
                if day not in days:
                    days[day] = day.isoformat()
                rows.append((company_id, days[day], metric, site, team, agent, key, n, total,
                             agent_only(metric)))
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
    """The companies whose reports count each person's time at work: those of the sites
    they serve; owners and admins serve every site, so every company."""
    found: dict[int, set[int]] = defaultdict(set)
    for user_id, company_id in _db().execute_sql(
            "SELECT us.user_id, s.company_id FROM user_site us JOIN site s "
            "ON s.id = us.site_id").fetchall():
        found[user_id].add(company_id)
    everyone = {row[0] for row in _db().execute_sql('SELECT "id" FROM "company"').fetchall()}
    for (user_id,) in _db().execute_sql(
            'SELECT "id" FROM "user" WHERE "role" IN (\'owner\', \'admin\')').fetchall():
        found[user_id] |= everyone
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


def top_id(source: str) -> int:
    table = FACTS[source][0].split()[0]
    return int(_db().execute_sql(f"SELECT ifnull(max(id), 0) FROM {table}").fetchone()[0])  # noqa: S608


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# Messages any conversation metric looks at (report_metrics.conversation_rows): replies,
# assignments and transfers, the left message, the bot's. The live path reads only these too,
# through their partial index: it runs after every message, and a long chat's visitor lines
# would be read again each time. The text is the index's own (a query must repeat it for SQLite
# to use the index), so it names no table: use it in queries on `message` alone.
_RELEVANT_MESSAGES = REPORT_MESSAGES_WHERE


def _conversation(conversation_id: int) -> tuple[int, str, rm.ConversationRecord] | None:
    db = _db()
    row = db.execute_sql(
        f"SELECT c.site_id, s.company_id, c.team_id, c.assignee_id, c.status, c.created_at, "  # noqa: S608
        f"c.closed_at, c.missed, c.rating, c.visitor_id, {CONVERSATION_FINGERPRINT}, "
        "(SELECT l.effective FROM lead l WHERE l.conversation_id = c.id), c.bot_outcome "
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
    source, keyword, page = source_at(row[9], created)
    record = rm.ConversationRecord(
        site_id=row[0], team_id=row[2], assignee_id=row[3], status=row[4], created_at=created,
        closed_at=None if row[6] is None else _moment(row[6]), missed=bool(row[7]),
        rating=row[8], messages=messages,
        lead_effective=None if row[11] is None else bool(row[11]),
        source=source, keyword=keyword, page=page, handed_over=row[12] == HANDED_OVER)
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
    source, keyword, _ = source_at(row[6], created)
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


# -- agents' status spans ----------------------------------------------------------------------

def record_spans(spans: list[tuple[int, str, datetime, datetime]]) -> None:
    """On the writer: spans of effective status that ended (user, status, start, end)."""
    if spans:
        _db().connection().cursor().executemany(
            "INSERT INTO agent_status (user_id, status, started_at, ended_at) "
            "VALUES (?, ?, ?, ?)", [(u, s, a.isoformat(sep=" "), b.isoformat(sep=" "))
                                    for u, s, a, b in spans])


def all_rows() -> list[tuple[Any, ...]]:
    """Every aggregate cell that is not zero, sorted (for checks and tests)."""
    return [tuple(r) for r in _db().execute_sql(
        "SELECT company_id, metric, period, site_id, team_id, agent_id, key, n, total "
        "FROM report_agg WHERE n != 0 OR total != 0 ORDER BY 1, 2, 3, 4, 5, 6, 7").fetchall()]
