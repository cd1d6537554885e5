"""Reading the report aggregates (the reports and the live board): sums of cells over local
days and months, filtered by site, team and agent inside SQLite, so only the groups reach
Python. The cells are written by report_aggregates.py and report_rebuild.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.storage.report_aggregates import _db, _moment


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
