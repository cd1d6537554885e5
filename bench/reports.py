"""Reports on a busy year: the raw rows generated, the aggregates built by the product's
rebuild, every report timed against the 300 ms target.

1. **Raw rows.** `--conversations` conversations (default 1,000,000) with 20 messages each,
   `--page-views` page views (default 50 per conversation) in visits of ~3.3 page views,
   their visitors, invitations, leads and the agents' status spans, over 365 days, in one
   company of 10 sites, 8 teams and 60 agents (Zipf-distributed sources, 6,000 search
   keywords and 1,500 pages), written straight into the product's schema with apsw (bulk
   inserts, the indexes made after the load).
2. **The rebuild**, exactly what `kefu reports-rebuild` runs (`Aggregator.rebuild`: reset,
   set-based chunks through the writer, then the full comparison), timed per phase; a probe
   writer job every 200 ms measures how long the serving appliance would wait meanwhile.
3. **Every report** through the service functions the HTTP handlers call, with the labels
   and the JSON encoding the handler adds (everything but the socket), p50/p95 over `--runs`
   runs, for the last 30 days and the whole year by day and by month, for the company, one
   site and one agent; the database's size with and without the
   aggregates. Baseline, on the same rows: the year's chats per local day and the
   first-response median straight from the raw rows with SQL.

    python bench/reports.py --data /work/bench-data                      # the full year
    python bench/reports.py --conversations 100000 --data /tmp/bench     # 10 %
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import platform
import random
import statistics
import sys
import time
from array import array
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance.services import report_aggregates as aggregates  # noqa: E402
from appliance.services import report_views  # noqa: E402
from appliance.services.context import Services  # noqa: E402
from appliance.storage import report_rebuild  # noqa: E402
from appliance.storage import sites as site_store  # noqa: E402
from appliance.storage.database import Database, bound_database  # noqa: E402
from appliance.storage.migrations import migrate  # noqa: E402
from appliance.storage.tables import SiteRow, UserRow  # noqa: E402
from appliance.web.http import ok  # noqa: E402

YEAR_END = date(2026, 12, 1)  # exclusive
YEAR_START = YEAR_END - timedelta(days=365)
NOW = datetime(2026, 11, 30, 15, 0)
ZONE = "Asia/Shanghai"
UTC_SHIFT = 8 * 3600  # Shanghai has no DST: local = UTC + 8 h
SITES, TEAMS, AGENTS = 10, 8, 60
TARGET_MS = 300.0
SOURCES = [("search", "百度"), ("search", "搜狗"), ("search", "360搜索"), ("search", "神马"),
           ("search", "必应"), ("direct", ""), ("paid", "百度推广"), ("portal", "1688")] + [
    ("website", f"site{i}.example") for i in range(40)]
DEVICES = ["phone", "desktop", "tablet"]
PAGES_PER_VISIT = [1, 2, 3, 4, 5, 6, 8, 12]  # weighted to a mean of ~3.3
PAGES_WEIGHTS = [30, 20, 15, 12, 9, 6, 5, 3]
EPOCH = datetime(1970, 1, 1)


def cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def zipf(n: int, s: float = 1.1) -> list[float]:
    return cumulative([1 / (i + 1) ** s for i in range(n)])


class Clock:
    """Integer UTC seconds → the text peewee stores for a naive datetime."""

    def __init__(self) -> None:
        self.minutes: dict[int, str] = {}

    def __call__(self, t: int) -> str:
        minute, second = divmod(t, 60)
        prefix = self.minutes.get(minute)
        if prefix is None:
            prefix = self.minutes[minute] = (EPOCH + timedelta(minutes=minute)).strftime(
                "%Y-%m-%d %H:%M")
        return f"{prefix}:{second:02d}"


def epoch(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


class Generator:
    """Writes a busy year of raw rows into a migrated database file (ids set here, in time
    order, as the appliance would have made them)."""

    def __init__(self, conn: apsw.Connection, company_id: int, site_ids: list[int],
                 agent_ids: list[int], conversations: int, page_views: int, seed: int) -> None:
        self.conn, self.company_id = conn, company_id
        self.sites, self.agents = site_ids, agent_ids
        self.conversations, self.page_views = conversations, page_views
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.keywords = [f"关键词{i}" for i in range(6000)]
        self.pages = [f"https://www.example.com/p/{i}" for i in range(1500)]
        self.regions = [("中国", f"省{i}") for i in range(34)] + [("美国", ""), ("日本", "")]
        self.kw_cum, self.page_cum = zipf(len(self.keywords)), zipf(len(self.pages))
        self.src_cum = zipf(len(SOURCES), 0.9)
        self.pages_cum = cumulative(PAGES_WEIGHTS)
        # Agents serve one site each, six per site, in one of the teams.
        self.site_agents = {s: [a for i, a in enumerate(agent_ids) if i % SITES == k]
                            for k, s in enumerate(site_ids)}
        self.agent_team = {a: (i % TEAMS) + 1 for i, a in enumerate(agent_ids)}
        self.ids = dict.fromkeys(("visitor", "visit", "page_view", "conversation", "message",
                                  "lead", "invitation", "agent_status"), 0)
        self.visit_counts = array("H", [0])  # per visitor id
        self.pool: dict[int, list[int]] = {s: [] for s in site_ids}  # visitors per site
        self.counts = dict.fromkeys(self.ids, 0)
        self.invitations: list[tuple[Any, ...]] = []
        self.status_spans: list[tuple[Any, ...]] = []

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        self.counts[table] += 1
        return self.ids[table]

    def run(self, progress: bool = True) -> None:
        per_day_conv = self.conversations / 365
        per_day_views = self.page_views / 365
        conv_done = views_done = 0
        for index in range(365):
            day = YEAR_START + timedelta(days=index)
            conv_goal = round(per_day_conv * (index + 1)) - conv_done
            view_goal = round(per_day_views * (index + 1)) - views_done
            rows = self.day(day, conv_goal, view_goal)
            conv_done += conv_goal
            views_done += rows
            if progress and index % 30 == 29:
                print(f"  generated {index + 1} days: {self.counts['conversation']:,} "
                      f"conversations, {self.counts['page_view']:,} page views", flush=True)

    def day(self, day: date, conversations: int, page_views: int) -> int:
        rng, clock = self.rng, self.clock
        midnight = epoch(datetime(day.year, day.month, day.day)) - UTC_SHIFT
        visitors: list[tuple[Any, ...]] = []
        visits: list[tuple[Any, ...]] = []
        views: list[tuple[Any, ...]] = []
        site_visits: dict[int, list[tuple[int, int, int, str]]] = {
            s: [] for s in self.sites}
        made = 0
        while made < page_views:
            site = self.sites[rng.randrange(SITES)]
            start = midnight + int(rng.triangular(0, 86399, 50000))
            pool = self.pool[site]
            if pool and rng.random() < 0.3:
                visitor = pool[rng.randrange(len(pool))]
            else:
                visitor = self.next_id("visitor")
                self.visit_counts.append(0)
                pool.append(visitor)
                visitors.append((visitor, site, f"b{visitor}", clock(start), clock(start)))
            self.visit_counts[visitor] = min(self.visit_counts[visitor] + 1, 65535)
            kind, name = SOURCES[bisect.bisect(self.src_cum, rng.random() * self.src_cum[-1])]
            keyword = (self.keywords[bisect.bisect(self.kw_cum, rng.random() * self.kw_cum[-1])]
                       if kind == "search" and rng.random() < 0.8 else "")
            n_pages = PAGES_PER_VISIT[bisect.bisect(self.pages_cum,
                                                    rng.random() * self.pages_cum[-1])]
            urls = [self.pages[bisect.bisect(self.page_cum, rng.random() * self.page_cum[-1])]
                    for _ in range(n_pages)]
            visit = self.next_id("visit")
            t = start
            for position, url in enumerate(urls):
                views.append((self.next_id("page_view"), visit, visitor, url, clock(t),
                              position))
                t += rng.randint(10, 120)
            country, province = self.regions[rng.randrange(len(self.regions))]
            visits.append((visit, visitor, site, self.visit_counts[visitor], clock(start),
                           clock(t), urls[0], kind, name, keyword,
                           DEVICES[0 if rng.random() < 0.62 else 1 if rng.random() < 0.92
                                   else 2], country, province, n_pages))
            site_visits[site].append((visit, visitor, start, urls[0]))
            made += n_pages
            if rng.random() < 0.025:  # an invitation shown and not taken
                self.invitations.append((self.next_id("invitation"), site, visitor, visit,
                                         rng.randint(1, 4), urls[-1],
                                         rng.choice(("shown", "declined")), clock(start + 20),
                                         None))
        conversations_rows, messages, leads = self.chats(day, conversations, site_visits)
        self.spans(midnight)
        self.write(visitors, visits, views, conversations_rows, messages, leads)
        return made

    def chats(self, day: date, n: int, site_visits: dict[int, list[Any]]) -> tuple[
            list[Any], list[Any], list[Any]]:
        """A busy desk: mostly answered within a minute, some missed, transfers, left
        messages, ratings, leads; 20 messages each."""
        rng, clock = self.rng, self.clock
        conversations, messages, leads = [], [], []
        for _ in range(n):
            site = self.sites[rng.randrange(SITES)]
            if not site_visits[site]:
                site = next(s for s in self.sites if site_visits[s])
            visit, visitor, start, page = site_visits[site][
                rng.randrange(len(site_visits[site]))][:4]
            cid = self.next_id("conversation")
            created = start + rng.randint(5, 600)
            agents = self.site_agents[site]
            agent = agents[rng.randrange(len(agents))]
            answered = rng.random() < 0.9
            t = created
            # (moment, sender type, sender, kind, body, client id)
            thread: list[tuple[int, str, int | None, str, str, str]] = [
                (t, "visitor", visitor, "text", "你好，请问价格多少？",
                 f"left-{cid}" if rng.random() < 0.05 else "")]
            assignee = None
            if answered:
                t += int(rng.expovariate(1 / 8))
                thread.append((t, "system", agent, "system", "agent_joined", ""))
                assignee = agent
                if rng.random() < 0.06:
                    t += 60
                    other = agents[rng.randrange(len(agents))]
                    thread.append((t, "system", other, "system", "transferred", ""))
                    assignee = other
                t += int(rng.lognormvariate(3.2, 1.0))
                thread.append((t, "agent", assignee, "text", "您好，很高兴为您服务", ""))
            duration = int(rng.lognormvariate(6.5, 0.8))
            step = max(1, duration // 17)
            while len(thread) < 20:
                t += step
                thread.append((t, "agent", assignee, "text", "好的，我帮您查一下", "")
                              if answered and len(thread) % 2
                              else (t, "visitor", visitor, "text", "谢谢", ""))
            for seq, (at, sender_type, sender_id, kind, body, client) in enumerate(thread, 1):
                messages.append((self.next_id("message"), cid, seq,
                                 client or f"{sender_type[0]}-{cid}-{seq}", sender_type,
                                 sender_id, kind, body, clock(at)))
            closed = max(t, created + duration)
            rating = rng.choice([None, None, 5, 4, 3, 1]) if answered else None
            team = self.agent_team[assignee] if assignee else None
            conversations.append((cid, site, visitor, assignee, len(thread), clock(created),
                                  clock(closed), clock(closed), team, int(not answered),
                                  rating))
            if answered and rng.random() < 0.2:
                leads.append((self.next_id("lead"), self.company_id, site, cid, visitor,
                              assignee, int(rng.random() < 0.6), clock(closed), clock(closed)))
            if rng.random() < 0.1:  # the chat came from an accepted invitation
                self.invitations.append((self.next_id("invitation"), site, visitor, visit,
                                         rng.randint(1, 4), page, "accepted",
                                         clock(created - 30), cid))
        return conversations, messages, leads

    def spans(self, midnight: int) -> None:
        """Each agent online from 9:00 for 8 hours, busy for one, away for half an hour."""
        for agent in self.agents:
            start = midnight + 9 * 3600 + self.rng.randint(-1800, 1800)
            for status, since, until in (("online", 0, 8 * 3600), ("busy", 3600, 7200),
                                         ("away", 14400, 16200)):
                self.status_spans.append((self.next_id("agent_status"), agent, status,
                                          self.clock(start + since),
                                          self.clock(start + until)))

    def write(self, visitors: list[Any], visits: list[Any], views: list[Any],
              conversations: list[Any], messages: list[Any], leads: list[Any]) -> None:
        c = self.conn.cursor()
        c.execute("BEGIN")
        c.executemany(
            "INSERT INTO visitor (id, site_id, token_hash, name, email, phone, attributes, "
            "page_url, page_title, referrer, user_agent, first_seen_at, last_seen_at) VALUES "
            "(?, ?, ?, '', '', '', '{}', '', '', '', '', ?, ?)", visitors)
        c.executemany(
            "INSERT INTO visit (id, visitor_id, site_id, number, started_at, last_seen_at, "
            "entry_url, entry_title, referrer, source_kind, source_name, keyword, campaign, "
            "user_agent, browser, os, device, language, ip, ip_truncated, country, province, "
            "city, page_count) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, '', '', '', '', "
            "?, 'zh-CN', '', 0, ?, ?, '', ?)", visits)
        c.executemany(
            "INSERT INTO page_view (id, visit_id, visitor_id, tab, url, title, started_at, "
            "seconds, position) VALUES (?, ?, ?, 't', ?, '', ?, 30, ?)", views)
        c.executemany(
            "INSERT INTO conversation (id, site_id, visitor_id, status, assignee_id, last_seq, "
            "visitor_last_seq, agent_read_seq, visitor_read_seq, unread, created_at, "
            "last_activity_at, closed_at, team_id, missed, rating, rating_comment) VALUES "
            "(?, ?, ?, 'closed', ?, ?, 0, 0, 0, 0, ?, ?, ?, ?, ?, ?, '')", conversations)
        c.executemany(
            "INSERT INTO message (id, conversation_id, seq, client_id, sender_type, sender_id, "
            "sender_name, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?, 'x', ?, ?, ?)",
            messages)
        c.executemany(
            "INSERT INTO lead (id, company_id, site_id, conversation_id, visitor_id, agent_id, "
            "agent_name, name, phone, email, wechat, qq, need, category, intent, source, "
            "keyword, landing_page, effective, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
            "?, '', '客户', '', '', '', '', '咨询', '', '', '', '', '', ?, ?, ?)", leads)
        c.executemany(
            "INSERT INTO invitation (id, site_id, visitor_id, visit_id, rule_id, message, "
            "page_url, status, created_at, conversation_id) VALUES (?, ?, ?, ?, ?, '您好', "
            "?, ?, ?, ?)", self.invitations)
        c.executemany(
            "INSERT INTO agent_status (id, user_id, status, started_at, ended_at) VALUES "
            "(?, ?, ?, ?, ?)", self.status_spans)
        c.execute("COMMIT")
        self.invitations.clear()
        self.status_spans.clear()


LOADED = ("visitor", "visit", "page_view", "conversation", "message", "lead", "invitation",
          "agent_status")


def generate(path: Path, conversations: int, page_views: int) -> tuple[dict[str, int], float]:
    """The raw rows, with the indexes of the loaded tables dropped during the load and made
    again after it (same schema at the end). Returns the row counts and seconds taken."""
    began = time.perf_counter()
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    company_id = conn.execute("SELECT id FROM company").fetchone()[0]
    sites = [r[0] for r in conn.execute("SELECT id FROM site ORDER BY id")]
    agents = [r[0] for r in conn.execute("SELECT id FROM user WHERE role = 'agent' ORDER BY id")]
    names = ",".join(f"'{t}'" for t in LOADED)
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({names})").fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    gen = Generator(conn, company_id, sites, agents, conversations, page_views, seed=16)
    gen.run()
    loaded = time.perf_counter() - began
    print(f"  rows written in {loaded:.0f} s; making {len(indexes)} indexes", flush=True)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return dict(gen.counts), time.perf_counter() - began


async def setup(path: Path) -> None:
    """A migrated database with the company, its 10 sites and 60 agents (each on one site),
    made by the product's own storage functions."""
    migrate(path, path.parent / "backups", now=NOW)
    db = Database(path)
    db.start()
    try:
        company = await db.write(site_store.create_company, "悦齿口腔", NOW)
        await db.write(lambda: setup_company(company.id))
    finally:
        db.close()


def setup_company(company_id: int) -> None:
    db = bound_database.obj
    db.execute_sql("UPDATE company SET settings = ? WHERE id = ?",
                   (json.dumps({"timezone": ZONE}), company_id))
    sites = [SiteRow.create(company=company_id, name=f"站点{i}", url=f"https://s{i}.example",
                            widget_key=f"key-{company_id}-{i}", created_at=NOW,
                            updated_at=NOW).id for i in range(1, SITES + 1)]
    for i in range(AGENTS):
        user = UserRow.create(login=f"agent{i + 1}", display_name=f"客服{i + 1}", role="agent",
                              password_hash="x", created_at=NOW, updated_at=NOW)
        db.execute_sql("INSERT INTO user_site (user_id, site_id) VALUES (?, ?)",
                       (user.id, sites[i % SITES]))


def baseline_chats(company_id: int) -> tuple[int, int]:
    """The year's chats per local day and the first-response median straight from the raw
    rows (what reading without aggregates costs)."""
    db = bound_database.obj
    days = db.execute_sql(
        "SELECT date(c.created_at, '+8 hours') AS d, count(*) FROM conversation c "
        "JOIN site s ON s.id = c.site_id WHERE s.company_id = ? GROUP BY d",
        (company_id,)).fetchall()
    waits = sorted(r[0] for r in db.execute_sql(
        "SELECT (julianday(min(m.created_at)) - julianday(c.created_at)) * 86400 FROM "
        "conversation c JOIN message m ON m.conversation_id = c.id AND m.sender_type = 'agent' "
        "GROUP BY c.id").fetchall())
    return len(days), round(waits[len(waits) // 2]) if waits else 0


# -- timing ------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def time_reports(svc: Services, company: Any, runs: int) -> list[tuple[str, float, float]]:
    site_ids = await svc.db.read(site_store.site_ids_of_company, company.id)
    scopes = {
        "company": report_views.Scope(company, "", None, None, None, None, "company"),
        "one site": report_views.Scope(company, "", [site_ids[0]], site_ids[0], None, None,
                                       "sites"),
        "one agent": report_views.Scope(company, "", None, None, None, 7, "self"),
    }
    ranges = {"30 days": (YEAR_END - timedelta(days=30), "day"),
              "year by day": (YEAR_START, "day"), "year by month": (YEAR_START, "month")}
    results = []
    for kind in report_views.KINDS:
        for scope_name, scope in scopes.items():
            if scope_name == "one agent" and kind in ("traffic", "conversion"):
                continue  # agents do not see these
            for range_name, (start, grain) in ranges.items():
                scope_k = report_views.Scope(scope.company, kind, scope.site_ids,
                                             scope.site_id, None, scope.agent_id, scope.reach)
                period = report_views.Period(start, YEAR_END, "")
                req = report_views.Request(scope_k, period, grain)
                times = []
                for _ in range(runs):
                    began = time.perf_counter()
                    built = await report_views.BUILDERS[kind](svc, req)
                    # what the handler adds: the names of sites/agents, the JSON encoding
                    ok({"report": built,
                        "labels": await report_views.labels(svc, scope_k, built)})
                    times.append((time.perf_counter() - began) * 1000)
                results.append((f"{kind} · {scope_name} · {range_name}", pct(times, 0.5),
                                pct(times, 0.95)))
                print(f"{results[-1][0]:<45} p50 {results[-1][1]:7.1f} ms  "
                      f"p95 {results[-1][2]:7.1f} ms", flush=True)
    return results


def size_of(path: Path) -> tuple[int, int]:
    """(whole file, the aggregates' tables: report_agg and report_fact) in bytes."""
    conn = apsw.Connection(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        agg = conn.execute("SELECT ifnull(sum(pgsize), 0) FROM dbstat WHERE name IN "
                           "('report_agg', 'report_fact', 'report_mark')").fetchone()[0]
    finally:
        conn.close()
    return path.stat().st_size, int(agg)


class Probe:
    """A trivial writer job every 200 ms while the rebuild runs: how long the serving
    appliance's writes would wait behind the rebuild's chunks."""

    def __init__(self, db: Database) -> None:
        self.db, self.waits, self.running = db, [], True

    async def run(self) -> None:
        while self.running:
            began = time.perf_counter()
            await self.db.write(lambda: None)
            self.waits.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(0.2)


def timed(phases: dict[str, float], name: str, fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            key = f"{name} {args[0]}"
            phases[key] = phases.get(key, 0.0) + time.perf_counter() - began
    return wrapper


async def rebuild(svc: Services) -> tuple[float, dict[str, float], list[float]]:
    """`kefu reports-rebuild`: the Aggregator's rebuild, with its store jobs timed."""
    phases: dict[str, float] = {}
    growing, facts = report_rebuild.rebuild_growing, report_rebuild.rebuild_facts
    report_rebuild.rebuild_growing = timed(phases, "grouped", growing)  # type: ignore[assignment]
    report_rebuild.rebuild_facts = timed(phases, "facts", facts)  # type: ignore[assignment]
    probe = Probe(svc.db)
    task = asyncio.create_task(probe.run())
    began = time.perf_counter()
    try:
        await aggregates.Aggregator(svc).rebuild()
    finally:
        took = time.perf_counter() - began
        probe.running = False
        await task
        report_rebuild.rebuild_growing, report_rebuild.rebuild_facts = growing, facts  # type: ignore[assignment]
    return took, phases, probe.waits


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--page-views", type=int, help="default: 50 per conversation")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data", type=Path, default=Path("/tmp/kefu-bench-reports"),
                        help="directory of the database file (deleted at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true",
                        help="use the raw rows of a kept file instead of generating them")
    parser.add_argument("--reports-only", action="store_true",
                        help="with --reuse: time the reports on the kept aggregates, no rebuild")
    parser.add_argument("--check", action="store_true",
                        help="also compare the aggregates with a rebuild (kefu reports-rebuild "
                             "--check: a second rebuild in one transaction)")
    args = parser.parse_args()
    page_views = args.page_views or args.conversations * 50
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"reports-{args.conversations}.db"
    if not args.reuse:
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}; load average "
          f"{os.getloadavg()}", flush=True)

    if args.reuse:
        conn = apsw.Connection(str(path))
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in LOADED}
        conn.close()
        generated = 0.0
    else:
        await setup(path)
        counts, generated = generate(path, args.conversations, page_views)
    raw_size, _ = size_of(path)
    print(f"raw: {counts['conversation']:,} conversations, {counts['message']:,} messages, "
          f"{counts['visit']:,} visits, {counts['page_view']:,} page views, "
          f"{counts['visitor']:,} visitors, {counts['invitation']:,} invitations, "
          f"{counts['lead']:,} leads, {counts['agent_status']:,} status spans; generated in "
          f"{generated:.0f} s; {raw_size / 1e9:.2f} GB; load average {os.getloadavg()}",
          flush=True)

    db = Database(path)
    db.start()
    svc = services(db)
    company = (await db.read(site_store.list_companies))[0]
    if args.reports_only:
        took, phases, waits = 0.0, {}, []
    else:
        took, phases, waits = await rebuild(svc)
    load = os.getloadavg()
    agg_rows = await db.read(lambda: bound_database.obj.execute_sql(
        "SELECT count(*) FROM report_agg").fetchone()[0])
    if took:
        print(f"rebuild (kefu reports-rebuild): {took:.1f} s, "
              f"{counts['conversation'] / took:,.0f} conversations/s with their messages, "
              f"visits and page views; {agg_rows:,} aggregate rows; load average {load}")
    else:
        print(f"{agg_rows:,} aggregate rows kept from an earlier rebuild")
    for name, seconds in sorted(phases.items()):
        print(f"  {name}: {seconds:.1f} s")
    if took:
        rest = took - sum(phases.values())
        print(f"  reset, full comparison and writer queue: {rest:.1f} s")
    if waits:
        print(f"  a writer job meanwhile waited p50 {statistics.median(waits):.0f} ms, "
              f"p95 {pct(waits, 0.95):.0f} ms, max {max(waits):.0f} ms ({len(waits)} probes)")
    if args.check:
        began = time.perf_counter()
        differences = await aggregates.check(svc)
        print(f"check: {len(differences)} differences ({time.perf_counter() - began:.0f} s)")
    results = await time_reports(svc, company, args.runs)
    load = os.getloadavg()
    times = []
    for _ in range(3):
        began = time.perf_counter()
        days, median = await db.read(baseline_chats, company.id)
        times.append((time.perf_counter() - began) * 1000)
    print(f"baseline from raw rows: chats per day ({days} days) + first-response median "
          f"{median} s: {statistics.median(times):,.0f} ms (median of 3)")
    db.close()
    size, agg_size = size_of(path)
    worst = max(p95 for _, _, p95 in results)
    print(f"\ndatabase {size / 1e9:.2f} GB, of which the aggregates (report_agg, report_fact) "
          f"{agg_size / 1e9:.2f} GB; reports timed at load average {load}; worst p95 "
          f"{worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms: "
          f"{'met' if worst <= TARGET_MS else 'NOT met'})")
    print("\n| report · scope · range | p50 ms | p95 ms |\n|---|---|---|")
    for name, p50, p95 in results:
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")
    if not args.keep:
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return 0 if worst <= TARGET_MS else 1


def services(db: Database) -> Services:
    return Services(db=db, events=type("Sink", (), {"publish": lambda self, e: None})(),
                    clock=lambda: NOW, monotonic=time.monotonic)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
