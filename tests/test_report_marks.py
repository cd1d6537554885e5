"""The reports' high-water marks over the growing tables (visits, page views): a row that
reuses the id of a deleted one is still counted. SQLite gives a new row the largest id plus
one, so when a purge deletes the newest page views (a site with no traffic for its whole
retention period), the next page view gets an id the mark has already passed. (Visits keep
their ids to themselves since migration 23; the trigger stays for them too.)"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import apsw
from report_seed import conversation, invitation, quiet_services
from test_search_index import run

from appliance.storage import conversations as store
from appliance.storage import report_aggregates, sites
from appliance.storage.database import bound_database
from appliance.storage.migrations import migrate

NOW = datetime(2026, 12, 7, 9, 0, 0)


def seed() -> tuple[int, int, int]:
    """A site with two visitors; (site, first visitor, second visitor)."""
    company = sites.create_company("Acme", NOW)
    site = sites.create_site({"company_id": company.id, "name": "s", "url": "https://s.example"},
                             "key-s", NOW).id
    first, second = (store.create_visitor(site, f"token-{n}", {}, "test", NOW).id
                     for n in range(2))
    return site, first, second


def visit(site_id: int, visitor_id: int, pages: int) -> int:
    """A visit of `pages` page views; its id."""
    cursor = bound_database.obj.cursor()
    cursor.execute(
        "INSERT INTO visit (visitor_id, site_id, number, started_at, last_seen_at, entry_url, "
        "entry_title, referrer, source_kind, source_name, keyword, campaign, user_agent, "
        "browser, os, device, language, ip, ip_truncated, country, province, city, page_count) "
        "VALUES (?, ?, 1, ?, ?, 'https://s.example/', '', '', 'direct', '', '', '', '', '', '', "
        "'desktop', 'zh', '', 0, '', '', '', ?)",
        (visitor_id, site_id, str(NOW), str(NOW), pages))
    visit_id = bound_database.obj.connection().last_insert_rowid()
    for position in range(pages):
        cursor.execute(
            "INSERT INTO page_view (visit_id, visitor_id, tab, url, title, started_at, seconds, "
            "position) VALUES (?, ?, 't', 'https://s.example/', '', ?, 5, ?)",
            (visit_id, visitor_id, str(NOW), position))
    return visit_id


def counted() -> tuple[int, int]:
    """(visits, page views) the traffic aggregates hold for the day, over all sites."""
    found = dict(bound_database.obj.execute_sql(
        "SELECT metric, n FROM report_agg WHERE metric IN ('visits', 'page_views') "
        "AND period = ? AND site_id = -1 AND team_id = -1 AND agent_id = -1",
        (f"d{NOW.date().isoformat()}",)).fetchall())
    return found.get("visits", 0), found.get("page_views", 0)


def test_page_views_reusing_deleted_ids_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    site, first, second = run(path, (seed,))[0]
    run(path, (visit, site, first, 2), (visit, site, second, 3))
    assert run(path, (report_aggregates.grow_batch,), (counted,)) == [7, (2, 5)]
    # The second visitor goes (a retention purge), with the newest visit and page views.
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("DELETE FROM visitor WHERE id = ?", (second,))
    db.close()
    new = run(path, (visit, site, first, 3))[0]
    assert new == 3  # a new id for the visit (migration 23)
    db = apsw.Connection(str(path))
    assert db.execute("SELECT id FROM page_view WHERE visit_id = 3").fetchall() == [
        (3,), (4,), (5,)]  # the deleted page views' ids, given again
    db.close()
    read, total = run(path, (report_aggregates.grow_batch,), (counted,))
    assert read == 5  # the id spans read: visits 2–3 (2 is gone), page views 3–5
    assert total == (3, 8)  # what was deleted stays counted (reports keep history); new too


def chatted(site: int, visitor: int) -> None:
    """A visit of two pages, a chat and the accepted invitation that started it."""
    visit(site, visitor, 2)
    chat = conversation(site, visitor, NOW, [(NOW, "visitor", visitor, "text", "在吗")])
    invitation(site, visitor, NOW, "accepted", conversation_id=chat)


def figures() -> dict[str, int]:
    return dict(bound_database.obj.execute_sql(
        "SELECT metric, n FROM report_agg WHERE metric IN ('visits', 'page_views', "
        "'chats', 'inv_shown') AND period = ? AND site_id = -1 AND team_id = -1 "
        "AND agent_id = -1", (f"d{NOW.date().isoformat()}",)).fetchall())


def test_purged_chats_and_invitations_stay_counted_also_after_a_restart(
        tmp_path: Path) -> None:
    """Reports keep history: what a retention purge deletes stays counted until a rebuild —
    visits, page views, and also chats and invitations, whose facts the full comparison at
    every start used to subtract (so a report changed when the appliance restarted)."""
    import asyncio

    from appliance.services import report_aggregates as service
    from appliance.storage import privacy

    svc = quiet_services(tmp_path / "kefu.db", NOW)
    db = svc.db

    async def scenario() -> None:
        site, first, second = await db.write(seed)
        for visitor in (first, second):
            await db.write(chatted, site, visitor)
        await service.Aggregator(svc).catch_up(compare_every=0)
        before = await db.read(figures)
        assert before == {"visits": 2, "page_views": 4, "chats": 2, "inv_shown": 2}
        await db.write(privacy.purge_visitors, [second])
        await service.Aggregator(svc).catch_up(compare_every=0)  # a restart: full comparison
        assert await db.read(figures) == before

    try:
        asyncio.run(scenario())
    finally:
        db.close()
