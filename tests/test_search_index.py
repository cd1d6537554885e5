"""The search index behind the messages: filled in batches up to a high-water mark kept in the
same transaction, so a crash loses nothing; scope and limit applied inside the index."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import apsw
import pytest

from appliance.domain.conversations import VISITOR, Sender
from appliance.domain.search import match_expression
from appliance.storage import conversations as store
from appliance.storage import message_log, search_index, sites
from appliance.storage.database import Database
from appliance.storage.migrations import migrate

NOW = datetime(2026, 12, 6, 9, 0, 0)


def fresh(tmp_path: Path) -> Path:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    return path


def seed(site_count: int) -> list[int]:
    company = sites.create_company("Acme", NOW)
    return [sites.create_site({"company_id": company.id, "name": f"s{n}",
                               "url": f"https://s{n}.example.com"}, f"key-{n}", NOW).id
            for n in range(site_count)]


def say(site_id: int, texts: list[str]) -> list[int]:
    """A visitor of the site says each text in one conversation; the message ids."""
    visitor = store.create_visitor(site_id, f"token-{site_id}-{texts[0]}", {}, "test", NOW)
    conversation = store.require_head(store.create_conversation(site_id, visitor.id, NOW).id)
    sender = Sender(VISITOR, visitor.id, "访客")
    ids = []
    for n, text in enumerate(texts):
        message_id, _, conversation = message_log.append(
            conversation, sender, "text", text, f"c-{site_id}-{n}-{len(text)}", None, NOW)
        ids.append(message_id)
    return ids


def found(query: str, site_ids: list[int] | None = None, limit: int = 50) -> list[int]:
    match = match_expression(query)
    assert match is not None
    return search_index.newest_matches(match, site_ids, limit)


def run(path: Path, *jobs) -> list:
    """Each job (a function, or a tuple of a function and its arguments) on the writer of a
    fresh `Database` (its own transaction); their results."""
    db = Database(path)
    db.start()

    async def go() -> list:
        return [await (db.write(*job) if isinstance(job, tuple) else db.write(job))
                for job in jobs]

    try:
        return asyncio.run(go())
    finally:
        db.close()


def test_messages_are_found_once_a_batch_has_indexed_them(tmp_path: Path) -> None:
    path = fresh(tmp_path)
    (site,) = run(path, (seed, 1))[0]
    ids = run(path, (say, site, ["我要申请退款", "什么时候发货", "退款到账了吗"]))[0]
    pending, before, indexed, after, mark = run(
        path, search_index.pending, (found, "退款"), search_index.index_batch,
        (found, "退款"), search_index.pending)
    assert pending == 3 and before == []  # sending wrote no search terms
    assert indexed == 3 and mark == 0
    assert after == [ids[2], ids[0]]  # newest first


def test_a_crash_before_or_during_a_batch_loses_nothing(tmp_path: Path) -> None:
    path = fresh(tmp_path)
    (site,) = run(path, (seed, 1))[0]
    run(path, (say, site, ["发货了吗", "请尽快发货"]))
    # A batch that dies half-way (the process is killed before its commit) rolls back whole:
    # neither index rows nor a moved mark survive.
    db = apsw.Connection(str(path))
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO message_index (rowid, terms, site) VALUES (1, '发货', 's1')")
    db.execute("UPDATE search_mark SET last_message_id = 2")
    db.close()  # closed without COMMIT: what a crash leaves
    assert run(path, search_index.pending, (found, "发货")) == [2, []]
    # The next process catches up from the mark.
    assert run(path, search_index.index_batch, (found, "发货"), search_index.pending) == [
        2, [2, 1], 0]


def test_scope_and_limit_are_applied_inside_the_index(tmp_path: Path) -> None:
    path = fresh(tmp_path)
    mine, other = run(path, (seed, 2))[0]
    old = run(path, (say, mine, ["价格多少", "价格能便宜吗"]))[0]
    # Many newer matches in another site must not crowd out the agent's own.
    run(path, (say, other, [f"价格 {n}" for n in range(120)]))
    run(path, search_index.index_batch)
    assert run(path, (found, "价格", [mine], 10))[0] == [old[1], old[0]]
    everywhere = run(path, (found, "价格", None, 10))[0]
    assert len(everywhere) == 10 and min(everywhere) > max(old)
    assert run(path, (found, "价格", [], 10))[0] == []
    # A word that is a site token's spelling matches only text, never the scope column.
    assert run(path, (found, f"s{mine}"))[0] == []


def test_deleted_messages_leave_the_index_and_a_reused_id_is_indexed_anew(
        tmp_path: Path) -> None:
    path = fresh(tmp_path)
    site, gone = run(path, (seed, 2))[0]
    run(path, (say, site, ["保修多久"]), (say, gone, ["发票怎么开"]),
        search_index.index_batch)
    assert len(run(path, (found, "发票"))[0]) == 1
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("DELETE FROM site WHERE id = ?", (gone,))  # cascades to its messages
    db.close()
    assert run(path, (found, "发票"))[0] == []
    reused = run(path, (say, site, ["发票抬头写公司"]))[0]
    assert run(path, search_index.index_batch, (found, "发票"))[1] == reused


def test_deleting_old_messages_does_not_index_the_history_again(tmp_path: Path) -> None:
    """A retention purge deletes the oldest visitors' messages: the mark stays where the index
    is (only an id that the next message could reuse needs indexing again), so the messages
    since are not indexed a second time."""
    path = fresh(tmp_path)
    old, kept = run(path, (seed, 2))[0]
    run(path, (say, old, ["发票怎么开", "保修多久"]),
        (say, kept, [f"第{n}个问题 发货" for n in range(30)]), search_index.index_batch)
    assert run(path, search_index.pending)[0] == 0
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("DELETE FROM site WHERE id = ?", (old,))  # the oldest messages go
    db.close()
    pending, indexed, invoices, shipped = run(
        path, search_index.pending, search_index.index_batch, (found, "发票"), (found, "发货"))
    assert (pending, indexed) == (0, 0)
    assert invoices == [] and len(shipped) == 30
    newest = run(path, (say, kept, ["发票抬头写公司"]))[0]
    assert run(path, search_index.index_batch, (found, "发票"))[1] == newest


@pytest.mark.parametrize("query", ["退款", "退", "refund"])
def test_search_service_finds_a_message_sent_just_before(service_env, query: str) -> None:
    from appliance.services import conversations, search, setup
    from appliance.services.visitors import check_start_session

    svc, _ = service_env

    async def scenario() -> list[str]:
        done = await setup.do_setup(svc, setup.SetupInput(
            company_name="悦齿口腔", login="boss", display_name="老板",
            password="owner-password-1", site={"name": "官网", "url": "https://x.example.com"}))
        session = await check_start_session(svc, {"site_key": done.site.widget_key},
                                            origin=None, own_origin="http://x", user_agent="t")
        await conversations.check_visitor_send(svc, session.visitor, {
            "client_id": "c-0001-abcdef", "kind": "text", "body": "我要退款 refund"})
        results = await search.search(svc, done.owner, query, None, 10)
        return [m.body for m, _ in results]

    assert asyncio.run(scenario()) == ["我要退款 refund"]


def test_a_search_catches_up_with_a_backlog_of_many_batches(service_env) -> None:
    """Indexing jobs are small (`BATCH`) so that they hold the writer briefly; a search still
    first indexes a backlog of several of them, and finds the newest message."""
    from appliance.services import search, setup

    svc, _ = service_env
    count = search_index.BATCH * 6 + 7  # more than five batches
    assert count < search_index.CATCH_UP

    async def scenario() -> tuple[list[str], int]:
        done = await setup.do_setup(svc, setup.SetupInput(
            company_name="悦齿口腔", login="boss", display_name="老板",
            password="owner-password-1", site={"name": "官网", "url": "https://x.example.com"}))
        await svc.db.write(say, done.site.id, [f"第{n}条 word{n}" for n in range(count)])
        assert await svc.db.read(search_index.pending) >= count
        newest = await search.search(svc, done.owner, f"word{count - 1}", None, 10)
        return [m.body for m, _ in newest], await svc.db.read(search_index.pending)

    bodies, left = asyncio.run(scenario())
    assert bodies == [f"第{count - 1}条 word{count - 1}"] and left == 0


def test_format_characters_are_neither_indexed_nor_searched() -> None:
    """Zero-width spaces and joiners, soft hyphens and direction marks are invisible: text
    with them is indexed, and queries with them match, as the text reads."""
    from appliance.domain.search import index_terms, message_terms

    assert index_terms("王\u200b五") == index_terms("王五") == "王五 五"
    assert message_terms("退\u200d款 re\u00adfund")[0] == "退款 款 refund"
    assert match_expression("王\u200b五") == match_expression("王五")
    assert match_expression("\u200b\u200e") is None
