"""The set-based rebuild (`kefu reports-rebuild`) makes exactly the aggregates the live consumer
makes: random raw rows in companies of several time zones (DST in both hemispheres, a
half-hour zone with half-hour DST, a quarter-hour zone), moments on and around the DST changes
and at the last microseconds of hours and days, chats across midnight, transfers, notes,
bots, left messages, leads edited after the fact, invitations, status spans. The live path
(the Aggregator's catch-up, in several rounds between inserts and edits) runs first; then the
rebuild, and every aggregate cell and every fact must be the same."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from appliance.domain import report_metrics as rm
from appliance.services import report_aggregates as service
from appliance.storage import report_aggregates as store
from appliance.storage import report_rebuild
from appliance.storage import sites as site_store
from appliance.storage.database import bound_database
from appliance.storage.tables import SiteRow, UserRow
from tests import report_seed as seed

NOW = datetime(2027, 1, 5, 12, 0)
ZONES = ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu",
         "Europe/London"]
# DST changes of 2026 (UTC) of the zones above, where moments are drawn densely.
CHANGES = [datetime(2026, 3, 8, 7), datetime(2026, 11, 1, 6), datetime(2026, 4, 4, 15),
           datetime(2026, 10, 3, 15, 30), datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1)]
KEYWORDS = ["牙齿矫正", "种植牙 价格", "", "", "=cmd", "a\x00b\tc", "x" * 400]
PAGES = ["https://www.example.com/", "https://www.example.com/p?a=1#top",
         "https://www.example.com/p?b=2", "not a url", "https://[bad/", "/relative?q=1"]
SOURCES = [("direct", ""), ("search", "百度"), ("search", "必应"), ("website", "x.example"),
           ("", ""), ("paid", "百度推广")]


def moment(rng: random.Random) -> datetime:
    """Near a DST change, on a local midnight/hour edge, or anywhere in the year."""
    pick = rng.random()
    if pick < 0.35:
        base = rng.choice(CHANGES) + timedelta(seconds=rng.randint(-30 * 3600, 30 * 3600))
    elif pick < 0.5:  # the last microseconds before a quarter hour, or exactly on one
        base = datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                        rng.choice([14, 29, 44, 59]), 59, rng.choice([999_999, 999_600, 0]))
        if rng.random() < 0.3:
            base += timedelta(microseconds=1000000 - base.microsecond)
    else:
        base = datetime(2026, 1, 1) + timedelta(seconds=rng.randint(0, 365 * 86400))
    if rng.random() < 0.5:
        base = base.replace(microsecond=rng.randint(0, 999_999))
    return base


def populate(rng: random.Random, world: dict[str, Any], conversations: int) -> list[int]:
    """On the writer: raw rows of every kind; returns the new conversations."""
    made = []
    for _ in range(conversations):
        company = rng.choice(world["companies"])
        site = rng.choice(company["sites"])
        agents = company["agents"]
        at = moment(rng)
        visitor = seed.visitor(site, at - timedelta(hours=1))
        for number in range(rng.randint(0, 3)):
            kind, name = rng.choice(SOURCES)
            start = (moment(rng) if rng.random() < 0.4
                     else at - timedelta(minutes=rng.randint(-30, 600)))
            seed.visit(visitor, site, start, number=number + 1, kind=kind, source=name,
                       keyword=rng.choice(KEYWORDS), entry=rng.choice(PAGES),
                       device=rng.choice(["phone", "desktop", "", "tablet\x07"]),
                       country=rng.choice(["中国", "美国", ""]),
                       province=rng.choice(["广东", "", "北京"]),
                       pages=[moment(rng) if rng.random() < 0.3
                              else start + timedelta(seconds=rng.randint(0, 7200))
                              for _ in range(rng.randint(1, 4))])
        messages: list[tuple[Any, ...]] = []
        t = at
        holder = None
        for _ in range(rng.randint(0, 9)):
            t += timedelta(seconds=rng.choice([0, 1, 3, 40, 700, 5000, 30000]),
                           microseconds=rng.randint(0, 999_999))
            agent = rng.choice(agents)
            kind = rng.random()
            if kind < 0.3:
                messages.append((t, "visitor", visitor, "text", "hi",
                                 *([f"left-{rng.random()}"] if rng.random() < 0.1 else [])))
            elif kind < 0.45:
                messages.append((t, "system", agent, "system",
                                 "agent_joined" if holder is None else "transferred"))
                holder = agent
            elif kind < 0.5:
                messages.append((t, "system", None, "system", rng.choice(
                    ["transferred", "closed", "agent_joined"])))
            elif kind < 0.75:
                messages.append((t, "agent", agent, rng.choice(["text", "text", "note"]),
                                 "ok"))
            elif kind < 0.85:
                messages.append((t, "bot", None, "text", "auto"))
            else:
                messages.append((t, "visitor", visitor, "text", "LEFT-no",
                                 f"LEFT-{rng.random()}"))
        closed = rng.random() < 0.8
        end = t + timedelta(hours=rng.choice([0, 1, 30])) if closed else None
        cid = seed.conversation(site, visitor, at, messages,
                                status="closed" if closed else "open",
                                assignee=holder if rng.random() < 0.9 else None,
                                closed_at=end, missed=rng.random() < 0.15,
                                rating=rng.choice([None, None, 1, 3, 5]),
                                team_id=rng.choice([None, company["team"], company["team"] + 1]))
        made.append(cid)
        if rng.random() < 0.3:  # the bot took part (handed over: to people, or taken over)
            bound_database.obj.execute_sql(
                'UPDATE "conversation" SET "bot_outcome" = ? WHERE "id" = ?',
                (rng.choice(["served", "left", "handed_over"]), cid))
        if rng.random() < 0.3:
            seed.lead(company["id"], site, cid, at, effective=rng.random() < 0.5,
                      agent_id=holder)
        if rng.random() < 0.4:
            seed.invitation(site, visitor, at - timedelta(seconds=rng.randint(0, 900)),
                            rng.choice(["shown", "accepted", "declined"]),
                            rule_id=rng.choice([None, 1, 2]),
                            conversation_id=cid if rng.random() < 0.6 else None,
                            page=rng.choice(PAGES))
        if rng.random() < 0.3:
            start = moment(rng)
            seed.span(rng.choice(agents), rng.choice(["online", "busy", "away"]), start,
                      start + timedelta(seconds=rng.randint(0, 40000)))
    return made


def edit(rng: random.Random, conversations: list[int]) -> None:
    """On the writer: changes no event names (leads edited, ratings given, chats closed, a
    bot chat taken over)."""
    db = bound_database.obj
    for cid in rng.sample(conversations, min(len(conversations), 25)):
        db.execute_sql("UPDATE lead SET effective = 1 - effective WHERE conversation_id = ?",
                       (cid,))
        db.execute_sql("UPDATE conversation SET bot_outcome = 'handed_over' WHERE id = ? "
                       "AND bot_outcome IS NOT NULL", (cid,))
        db.execute_sql("UPDATE conversation SET rating = ?, status = 'closed', closed_at = "
                       "ifnull(closed_at, created_at) WHERE id = ?", (rng.choice([2, 4]), cid))


def setup(rng: random.Random) -> dict[str, Any]:
    companies = []
    for index, name in enumerate(ZONES):
        company = site_store.create_company(f"c{index}", NOW)
        bound_database.obj.execute_sql("UPDATE company SET settings = ? WHERE id = ?",
                                       (json.dumps({"timezone": name}), company.id))
        sites = [SiteRow.create(company=company.id, name=f"s{index}-{i}",
                                url=f"https://s{index}-{i}.example",
                                widget_key=f"k-{index}-{i}", created_at=NOW,
                                updated_at=NOW).id for i in range(2)]
        agents = []
        for i in range(3):
            user = UserRow.create(login=f"a{index}-{i}", display_name="a", role="agent",
                                  password_hash="x", created_at=NOW, updated_at=NOW)
            agents.append(user.id)
            for site in sites[: 1 + i % 2]:
                bound_database.obj.execute_sql(
                    "INSERT INTO user_site (user_id, site_id) VALUES (?, ?)", (user.id, site))
        companies.append({"id": company.id, "sites": sites, "agents": agents,
                          "team": 10 * (index + 1)})
    # An agent of two companies: its status spans count in both.
    bound_database.obj.execute_sql("INSERT INTO user_site (user_id, site_id) VALUES (?, ?)",
                                   (companies[0]["agents"][0], companies[1]["sites"][0]))
    return {"companies": companies}


T = TypeVar("T")


def seeded(job: Callable[..., T], seed: int, *args: Any) -> T:
    """A writer job (pickled in check mode: it gets its own generator, seeded by the test's)."""
    return job(random.Random(seed), *args)


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    facts = [tuple(r) for r in bound_database.obj.execute_sql(
        "SELECT source, row_id, company_id, fingerprint, contrib FROM report_fact "
        "ORDER BY 1, 2").fetchall()]
    return store.all_rows(), facts


@pytest.mark.parametrize("seed_value", [1, 2])
def test_rebuild_equals_the_live_consumer(tmp_path: Path, seed_value: int,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed_value)
    svc = seed.quiet_services(tmp_path / "kefu.db", NOW)
    db = svc.db

    async def scenario() -> None:
        world = await db.write(seeded, setup, rng.getrandbits(64))
        aggregator = service.Aggregator(svc)
        made: list[int] = []
        for _ in range(3):  # the live path, between inserts and edits
            made += await db.write(seeded, populate, rng.getrandbits(64), world, 60)
            for cid in rng.sample(made, 20):
                aggregator.dirty["conversation"].add(cid)
            await aggregator.catch_up(compare_every=0)
            await db.write(seeded, edit, rng.getrandbits(64), made)
        await aggregator.catch_up(compare_every=0)
        live = await db.read(snapshot)
        assert len(live[0]) > 2000 and len(live[1]) > 150
        assert {row[1] for row in live[0]} >= {
            "visits", "page_views", "visit_hours", "keywords", "entry_pages", "chats", "heat",
            "first_response", "transfers", "left_messages", "queue_wait", "duration",
            "chat_seconds", "rating", "served", "cv_leads", "cv_effective", "inv_shown",
            "inv_effective", "online_seconds", "busy_seconds", "bot_only"}
        # Every company's rows, in its own zone.
        assert {row[0] for row in live[0]} == {c["id"] for c in world["companies"]}
        assert await service.check(svc) == []  # what `kefu reports-rebuild --check` prints
        # Small chunks: many transactions, chunk edges inside the data.
        monkeypatch.setattr(report_rebuild, "REBUILD_ROWS", 37)
        monkeypatch.setattr(report_rebuild, "REBUILD_VISITS", 13)
        monkeypatch.setattr(report_rebuild, "REBUILD_FACTS", 11)
        await aggregator.rebuild()
        rebuilt = await db.read(snapshot)
        assert rebuilt[0] == live[0]
        assert rebuilt[1] == live[1]
        # The live path keeps working on top of a rebuild.
        made += await db.write(seeded, populate, rng.getrandbits(64), world, 30)
        await aggregator.catch_up(compare_every=0)
        assert await service.check(svc) == []

    try:
        asyncio.run(scenario())
    finally:
        db.close()


def test_offset_spans_are_exact() -> None:
    """Each interval's offset is the zone's offset at every second inside it."""
    from zoneinfo import ZoneInfo

    for name in [*ZONES, "Asia/Shanghai", "America/St_Johns", "Pacific/Chatham"]:
        tz = ZoneInfo(name)
        start, end = datetime(2025, 1, 1), datetime(2028, 1, 1)
        spans = rm.offset_spans(tz, start, end)
        assert spans[0][0] == start
        for (first, offset), (following, _) in zip(spans, [*spans[1:], (end, 0)],
                                                    strict=True):
            for probe in (first, following - timedelta(seconds=1),
                          first + (following - first) / 2):
                local = rm.local(probe, tz)
                assert (local.replace(tzinfo=None) - probe).total_seconds() == offset
        if name not in ("Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu"):
            assert len(spans) == 7  # two changes a year
