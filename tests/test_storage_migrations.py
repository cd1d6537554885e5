"""Migrations: the schema they build, idempotence, backups first, refusing newer databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import apsw
import pytest

from appliance.domain.errors import DatabaseTooNew
from appliance.storage.backup import backup_database
from appliance.storage.database import Database, bound_database, integrity_check
from appliance.storage.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    migrate,
    schema_version,
)
from appliance.storage.tables import ALL_TABLES

NOW = datetime(2025, 3, 4, 5, 6, 7)


def connect(path: Path) -> apsw.Connection:
    return apsw.Connection(str(path))


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return [tuple(row) for row in conn.execute(sql)]
    finally:
        conn.close()


NEXT = LATEST_VERSION + 1
ALL_VERSIONS = [(m.version,) for m in MIGRATIONS]


def table_names(path: Path) -> set[str]:
    rows = query(path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite_%'")
    return {str(r[0]) for r in rows}


def schema_of(path: Path) -> dict[str, object]:
    """Per table: columns, foreign keys and indexes (name, unique, columns), order-free."""
    schema: dict[str, object] = {}
    for table in sorted(table_names(path)):
        indexes = set()
        for _seq, name, unique, origin, partial in query(path, f'PRAGMA index_list("{table}")'):
            columns = tuple(r[2] for r in query(path, f'PRAGMA index_info("{name}")'))
            indexes.add((name, unique, origin, partial, columns))
        schema[table] = {
            "columns": query(path, f'PRAGMA table_info("{table}")'),
            "foreign_keys": sorted(query(path, f'PRAGMA foreign_key_list("{table}")')),
            "indexes": indexes,
        }
    return schema


def extra_migration(version: int, table: str) -> Migration:
    def apply(conn: apsw.Connection) -> None:
        conn.execute(f'CREATE TABLE "{table}" ("id" INTEGER NOT NULL PRIMARY KEY)')

    return Migration(version, f"add {table}", apply)


def add_company(path: Path, name: str) -> None:
    conn = connect(path)
    try:
        conn.execute('INSERT INTO "company" ("name", "created_at") VALUES (?, ?)',
                     (name, str(NOW)))
    finally:
        conn.close()


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated.db"
    report = migrate(migrated, tmp_path / "backups", now=NOW)
    assert report.applied == tuple(m.version for m in MIGRATIONS)
    assert report.version == LATEST_VERSION
    assert report.backup is None

    from_models = tmp_path / "models.db"
    database = Database(from_models)
    database.start()
    try:
        async def create_tables() -> None:
            await database.write(create_all_tables)

        asyncio.run(create_tables())
    finally:
        database.close()

    expected = schema_of(from_models)
    # FTS5 keeps its index in shadow tables named after the virtual table.
    shadow = {t for t in expected
              if t.startswith(("message_index_", "customer_search_"))}
    assert set(expected) - shadow == {t._meta.table_name for t in ALL_TABLES}
    assert schema_of(migrated) == expected
    assert integrity_check(migrated) == "ok"


def test_migrating_twice_applies_nothing_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    add_company(path, "Acme")
    before = schema_of(path)

    again = migrate(path, tmp_path / "backups", now=NOW + timedelta(days=1))

    assert again.applied == ()
    assert again.version == LATEST_VERSION
    assert again.backup is None
    assert not (tmp_path / "backups").exists()  # nothing pending, so no backup either
    assert schema_of(path) == before
    assert query(path, 'SELECT "version" FROM "schema_migration"') == ALL_VERSIONS
    assert query(path, 'SELECT "name" FROM "company"') == [("Acme",)]


def test_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    assert schema_version(path) == 0
    assert not path.exists()  # asking does not create the file
    connect(path).close()
    assert schema_version(path) == 0
    migrate(path, tmp_path / "backups", now=NOW)
    assert schema_version(path) == LATEST_VERSION


def test_pending_migration_backs_up_a_database_with_data_first(tmp_path: Path) -> None:
    path, backups = tmp_path / "kefu.db", tmp_path / "backups"
    migrate(path, backups, now=NOW)
    add_company(path, "Acme")

    later = NOW + timedelta(hours=1)
    report = migrate(path, backups, now=later,
                     migrations=(*MIGRATIONS, extra_migration(NEXT, "extra")))

    assert report.applied == (NEXT,)
    assert report.version == NEXT
    assert report.backup is not None
    assert report.backup.parent == backups
    assert report.backup.name == (
        f"kefu-20250304-060607-schema{LATEST_VERSION}-before-{NEXT}.db")
    assert integrity_check(report.backup) == "ok"
    # The backup is the database as it was: the data, but not the new table.
    assert query(report.backup, 'SELECT "name" FROM "company"') == [("Acme",)]
    assert query(report.backup, 'SELECT "version" FROM "schema_migration"') == ALL_VERSIONS
    assert "extra" not in table_names(report.backup)
    assert "extra" in table_names(path)
    assert query(path, 'SELECT "name" FROM "company"') == [("Acme",)]
    # The same list of migrations again: nothing to do, not "too new".
    again = migrate(path, backups, now=later,
                    migrations=(*MIGRATIONS, extra_migration(NEXT, "extra")))
    assert again.applied == ()
    assert again.version == NEXT


def test_old_automatic_backups_are_pruned(tmp_path: Path) -> None:
    path, backups = tmp_path / "kefu.db", tmp_path / "backups"
    migrate(path, backups, now=NOW)
    add_company(path, "Acme")
    known: tuple[Migration, ...] = MIGRATIONS
    made = []
    for version in range(NEXT, NEXT + 4):
        known = (*known, extra_migration(version, f"extra{version}"))
        report = migrate(path, backups, now=NOW + timedelta(days=version), keep_backups=2,
                         migrations=known)
        made.append(report.backup)
    assert sorted(p.name for p in backups.iterdir()) == sorted(p.name for p in made[-2:])


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    add_company(path, "Acme")
    conn = connect(path)
    conn.execute('INSERT INTO "schema_migration" VALUES (999, \'from the future\', \'2030-01-01\')')
    conn.close()
    # Also as a standalone copy (rollback journal, as a backup is written): switching it to
    # WAL would already change its header.
    copy = tmp_path / "copy.db"
    backup_database(path, copy)

    for candidate in (path, copy):
        before = candidate.read_bytes()
        with pytest.raises(DatabaseTooNew, match="newer version") as refused:
            migrate(candidate, tmp_path / "backups", now=NOW,
                    migrations=(*MIGRATIONS, extra_migration(NEXT, "extra")))
        assert "999" in refused.value.message
        assert candidate.read_bytes() == before
    assert not (tmp_path / "backups").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "kefu.db"]


def test_a_failing_migration_rolls_back_and_is_not_recorded(tmp_path: Path) -> None:
    def half_then_fail(conn: apsw.Connection) -> None:
        conn.execute('CREATE TABLE "half" ("id" INTEGER PRIMARY KEY)')
        conn.execute('INSERT INTO "no_such_table" VALUES (1)')

    path = tmp_path / "kefu.db"
    broken = (*MIGRATIONS, Migration(NEXT, "broken", half_then_fail))
    with pytest.raises(apsw.SQLError, match="no_such_table"):
        migrate(path, tmp_path / "backups", now=NOW, migrations=broken)

    # The shipped migrations committed, each in its own transaction; the broken one left
    # no trace.
    assert "half" not in table_names(path)
    assert "company" in table_names(path)
    assert query(path, 'SELECT "version" FROM "schema_migration"') == ALL_VERSIONS
    assert integrity_check(path) == "ok"

    # Fixed in a later release: it applies, after backing up the database it left behind.
    report = migrate(path, tmp_path / "backups", now=NOW,
                     migrations=(*MIGRATIONS, extra_migration(NEXT, "half")))
    assert report.applied == (NEXT,)
    assert report.backup is not None
    assert "half" in table_names(path)


def test_shipped_migrations_are_numbered_in_order() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert LATEST_VERSION == versions[-1]
    assert all(m.name.strip() for m in MIGRATIONS)


def test_migration_15_fills_in_the_visible_text_of_saved_answers(tmp_path: Path) -> None:
    """Entries saved before migration 15 are found by their answers' visible text, and not by
    their markup, as soon as the database is upgraded."""
    from appliance.storage import kb as kb_store

    path = tmp_path / "kefu.db"
    before_15 = tuple(m for m in MIGRATIONS if m.version < 15)
    migrate(path, tmp_path / "backups", now=NOW, migrations=before_15)
    add_company(path, "Acme")
    answers = ['<p>请点<a href="https://track.example/q" rel="noopener">这里</a>查询</p>',
               "付款后<strong>24小时</strong>内发货", "<p>A &amp; B &lt;通用&gt;</p>", ""]
    conn = connect(path)
    try:
        conn.executemany(
            'INSERT INTO "kb_entry" ("company_id", "question", "phrasings", "answer", '
            '"category", "enabled", "created_at", "updated_at") '
            "VALUES (1, ?, '[]', ?, '', 1, ?, ?)",
            [(f"问题{n}", answer, str(NOW), str(NOW)) for n, answer in enumerate(answers)])
    finally:
        conn.close()

    report = migrate(path, tmp_path / "backups", now=NOW)

    assert report.applied == tuple(m.version for m in MIGRATIONS if m.version >= 15)
    assert report.backup is not None  # the entries were backed up first
    assert query(path, 'SELECT "answer_text" FROM "kb_entry" ORDER BY "id"') == [
        ("请点这里查询",), ("付款后24小时内发货",), ("A & B <通用>",), ("",)]
    database = Database(path)
    database.start()
    try:
        async def found(text: str) -> list[int]:
            _, entries = await database.read(lambda: kb_store.list_entries(1, text=text))
            return [e.id for e in entries]

        for text, ids in (("这里查询", [1]), ("24小时内", [2]), ("&", [3]), ("<通用>", [3]),
                          ("href", []), ("track.example", []), ("strong", []), ("amp", []),
                          ("&lt;", []), ("<p>", []), ("问题", [1, 2, 3, 4])):
            assert asyncio.run(found(text)) == ids, text
    finally:
        database.close()


def test_migration_16_lets_a_lead_edit_walk_the_flag_and_phone_indexes(tmp_path: Path) -> None:
    """Judging duplicate flags again after an edit reads only the leads concerned: every read
    of `lead` walks the flag index, the (company, phone, created_at) index or the key, never
    the company's leads by date (which, for an old lead, were every lead after it). The leads
    saved before the upgrade keep their flags."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW,
            migrations=tuple(m for m in MIGRATIONS if m.version < 16))
    database = Database(path)
    database.start()

    try:
        ids = asyncio.run(database.write(save_leads))
    finally:
        database.close()
    flags = 'SELECT "id", "duplicate_of" FROM "lead" ORDER BY "id"'
    before = query(path, flags)
    assert before == [(ids[0], None), (ids[1], None), (ids[2], ids[0]), (ids[3], ids[0])]

    assert migrate(path, tmp_path / "backups", now=NOW).applied == tuple(
        m.version for m in MIGRATIONS if m.version >= 16)
    assert query(path, flags) == before
    database = Database(path)
    database.start()

    try:
        plans = asyncio.run(database.write(traced_edit, ids[0]))
    finally:
        database.close()
    assert plans
    for detail, sql in plans:
        assert any(index in str(detail) for index in (
            "lead_duplicate_of", "lead_company_id_phone_created_at", "INTEGER PRIMARY KEY")), (
            detail, sql)
    # the edit moved the first lead off the phone: the third is now the first effective one
    assert query(path, flags) == [(ids[0], None), (ids[1], None), (ids[2], None),
                                  (ids[3], ids[2])]


def create_all_tables() -> None:
    bound_database.obj.create_tables(ALL_TABLES)


def save_leads() -> list[int]:
    """Four leads of one phone as installs before migration 16 hold them, the third and
    fourth flagged as duplicates of the first (as the code of then judged them). Raw rows of
    that schema's lead table: today's code reads columns added since (migration 24)."""
    from appliance.storage import sites as site_store

    company = site_store.create_company("Acme", NOW)
    site = site_store.create_site({"company_id": company.id, "name": "s",
                                   "url": "https://shop.example.com"}, "key-16", NOW)
    db = bound_database.obj
    saved: list[int] = []
    for n, phone in enumerate(("+8613900001111", "+8613900002222", "+8613900001111",
                               "+8613900001111")):
        at = str(NOW + timedelta(hours=n))
        db.execute_sql(
            'INSERT INTO "lead" ("company_id", "site_id", "agent_name", "name", "phone", '
            '"email", "wechat", "qq", "need", "category", "intent", "source", "keyword", '
            '"landing_page", "effective", "duplicate_of", "created_at", "updated_at") '
            "VALUES (?, ?, 'a', ?, ?, '', '', '', 'x', '', '', 'direct', '', '', 1, ?, ?, ?)",
            (company.id, site.id, f"n{n}", phone, saved[0] if n >= 2 else None, at, at))
        saved.append(int(db.execute_sql("SELECT last_insert_rowid()").fetchone()[0]))
    return saved


def traced_edit(lead_id: int) -> list[tuple[str, object]]:
    from appliance.storage import leads as lead_store

    reads: list[tuple[str, object]] = []

    def trace(_cursor: object, sql: str, bindings: object) -> bool:
        if sql.lstrip().upper().startswith("SELECT") and '"lead"' in sql:
            reads.append((sql, bindings))
        return True

    connection = bound_database.obj.connection()
    connection.exec_trace = trace
    try:
        first = lead_store.get_lead(lead_id)
        lead_store.save_lead(first, {"phone": "+8613900003333"}, NOW, 30)
    finally:
        connection.exec_trace = None
    return [(detail, sql) for sql, bindings in reads
            for *_, detail in connection.execute("EXPLAIN QUERY PLAN " + sql, bindings)]


def old_data_17() -> dict[str, int]:
    """Rows an install older than migration 17 may hold (on the writer)."""
    from appliance.domain.model import Role
    from appliance.storage import accounts
    from appliance.storage import routing as routing_store
    from appliance.storage import sites as site_store

    a, b = site_store.create_company("A", NOW), site_store.create_company("B", NOW)
    ids: dict[str, int] = {}
    for name, company in (("site_a", a), ("site_a2", a), ("site_b", b)):
        ids[name] = site_store.create_site({"company_id": company.id, "name": name,
                                           "url": f"https://{name}.example"},
                                          f"key-{name}", NOW).id
    for login, role, sites in (("client", Role.CLIENT, ("site_a",)),
                               ("agent_a", Role.AGENT, ("site_a",)),
                               ("agent_a2", Role.AGENT, ("site_a2",)),
                               ("agent_b", Role.AGENT, ("site_b",)),
                               ("admin", Role.ADMIN, ())):
        ids[login] = accounts.create_user(
            login=login, display_name=login, role=role, password_hash="x", language="en",
            site_ids=tuple(ids[s] for s in sites), now=NOW,
            company_id=a.id if role is Role.CLIENT else None).id
    for team, site in (("team_a", "site_a"), ("team_a2", "site_a2"), ("team_b", "site_b"),
                       ("shared", None)):
        ids[team] = routing_store.save_team(None, None if site is None else ids[site],
                                            team, None, NOW).id
    rows = [("team_a", "client"), ("team_a", "agent_a"), ("team_a", "agent_a2"),
            ("team_a", "agent_b"), ("team_a", "admin"), ("shared", "client"),
            ("shared", "agent_b"), ("team_b", "agent_b")]
    db = bound_database.obj
    for team, user in rows:  # as saved before the server checked members
        db.execute_sql('INSERT INTO "team_member" ("team_id", "user_id") VALUES (?, ?)',
                       (ids[team], ids[user]))
    db.execute_sql('UPDATE "site" SET "fallback_team_id" = ? WHERE "id" = ?',
                   (ids["team_b"], ids["site_a"]))
    db.execute_sql('UPDATE "site" SET "fallback_team_id" = ? WHERE "id" = ?',
                   (ids["shared"], ids["site_a2"]))
    db.execute_sql('UPDATE "site" SET "fallback_team_id" = ? WHERE "id" = ?',
                   (ids["team_b"], ids["site_b"]))
    for site, team in (("site_a", "team_a2"), ("site_a", "team_a"), ("site_a2", None)):
        db.execute_sql('INSERT INTO "category" ("site_id", "name", "team_id", "position") '
                       "VALUES (?, 'c', ?, 0)", (ids[site], ids.get(str(team))))
    for site, team in (("site_a", "team_b"), ("site_a", "shared"), ("site_b", "team_b")):
        db.execute_sql(
            'INSERT INTO "invitation_rule" ("site_id", "name", "enabled", "priority", '
            '"conditions", "message", "team_id", "per_visit_cap", "per_day_cap", '
            '"on_phones", "created_at", "updated_at") '
            "VALUES (?, 'r', 1, 0, '{}', 'm', ?, 1, 3, 1, ?, ?)",
            (ids[site], ids[team], str(NOW), str(NOW)))
    return ids


def test_migration_17_drops_what_names_something_out_of_scope(tmp_path: Path) -> None:
    """What an older install may hold: a client account with a site and a team place, a site's
    team with members who do not serve the site, a site falling back to another company's
    team, a category and an invitation rule routed to another site's team. After migration
    17 none of it is left; what is in scope (a member who serves the site, an admin, a shared
    team, a site's own team) is untouched."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW,
            migrations=tuple(m for m in MIGRATIONS if m.version < 17))
    database = Database(path)
    database.start()


    try:
        ids = asyncio.run(database.write(old_data_17))
    finally:
        database.close()
    assert migrate(path, tmp_path / "backups", now=NOW).applied == tuple(
        m.version for m in MIGRATIONS if m.version >= 17)
    team = {ids[k]: k for k in ("team_a", "team_a2", "team_b", "shared")}
    user = {ids[k]: k for k in ("client", "agent_a", "agent_a2", "agent_b", "admin")}
    members = {(team[t], user[u]) for t, u in query(
        path, 'SELECT "team_id", "user_id" FROM "team_member"')}
    assert members == {("team_a", "agent_a"), ("team_a", "admin"), ("shared", "agent_b"),
                       ("team_b", "agent_b")}
    assert {user[u] for (u,) in query(path, 'SELECT "user_id" FROM "user_site"')} == {
        "agent_a", "agent_a2", "agent_b"}  # the client account's site is gone
    assert query(path, 'SELECT "fallback_team_id" FROM "site" ORDER BY "id"') == [
        (None,), (ids["shared"],), (ids["team_b"],)]
    assert query(path, 'SELECT "team_id" FROM "category" ORDER BY "id"') == [
        (None,), (ids["team_a"],), (None,)]
    assert query(path, 'SELECT "team_id" FROM "invitation_rule" ORDER BY "id"') == [
        (None,), (ids["shared"],), (ids["team_b"],)]


def test_migration_18_reports_read_only_the_messages_they_count(tmp_path: Path) -> None:
    """The report aggregates' per-conversation read walks the partial index of the messages
    reports look at, not every visitor line of the chat (and the rebuild's range read too)."""
    from appliance.storage import report_aggregates, report_rebuild

    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW,
            migrations=tuple(m for m in MIGRATIONS if m.version < 18))
    assert "message_report" not in {r[0] for r in query(
        path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert migrate(path, tmp_path / "backups", now=NOW).applied == tuple(
        m.version for m in MIGRATIONS if m.version >= 18)
    where = report_aggregates._RELEVANT_MESSAGES
    assert where is report_rebuild._RELEVANT_MESSAGES
    live = query(path, "EXPLAIN QUERY PLAN SELECT m.created_at FROM message m "
                 f"WHERE m.conversation_id = 1 AND {where} ORDER BY m.seq")
    assert [r[3] for r in live] == [
        "SEARCH m USING INDEX message_report (conversation_id=?)"]
    ranged = query(path, "EXPLAIN QUERY PLAN SELECT m.created_at FROM message m "
                   f"WHERE m.conversation_id >= 1 AND m.conversation_id <= 9 AND {where} "
                   "ORDER BY m.conversation_id, m.seq")
    assert [r[3] for r in ranged] == [
        "SEARCH m USING INDEX message_report (conversation_id>? AND conversation_id<?)"]


def test_a_database_that_cannot_be_opened_is_named_not_a_traceback(tmp_path: Path) -> None:
    """A start that cannot open or write the file (a folder gone, a full disk) ends with what
    to do (`kefu` exits 3), not apsw's exception."""
    from appliance.domain.errors import DatabaseUnusable
    from appliance.storage.migrations import migrate

    with pytest.raises(DatabaseUnusable, match="cannot be opened for writing"):
        migrate(tmp_path / "gone" / "kefu.db", tmp_path / "backups", now=datetime(2026, 12, 7))


def leads_before_24() -> None:
    """A chat at 15:58 UTC whose lead was saved at 16:00:20, and a lead whose conversation a
    retention purge removed (on the writer, schema 23: raw rows of that lead table)."""
    import report_seed as seed

    from appliance.storage import sites as site_store

    company = site_store.create_company("Acme", NOW)
    site = site_store.create_site({"company_id": company.id, "name": "s",
                                   "url": "https://shop.example.com"}, "key-24", NOW)
    visitor = seed.visitor(site.id, datetime(2026, 11, 30, 15, 58))
    chat = seed.conversation(site.id, visitor, datetime(2026, 11, 30, 15, 58), [])
    for conversation, saved in ((chat, "2026-11-30 16:00:20"), (None, "2026-10-01 09:00:00")):
        bound_database.obj.execute_sql(
            'INSERT INTO "lead" ("company_id", "site_id", "conversation_id", "agent_name", '
            '"name", "phone", "email", "wechat", "qq", "need", "category", "intent", '
            '"source", "keyword", "landing_page", "effective", "created_at", "updated_at") '
            "VALUES (?, ?, ?, 'a', 'n', '', '', '', '', 'x', '', '', 'direct', '', '', 1, ?, ?)",
            (company.id, site.id, conversation, saved, saved))


def test_migration_24_gives_each_lead_its_chat_start(tmp_path: Path) -> None:
    """A lead counts on the day its chat started: existing leads take their conversation's
    start; one whose conversation a retention purge removed keeps the time it was saved."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW,
            migrations=tuple(m for m in MIGRATIONS if m.version < 24))
    database = Database(path)
    database.start()
    try:
        asyncio.run(database.write(leads_before_24))
    finally:
        database.close()
    assert migrate(path, tmp_path / "backups", now=NOW).applied == tuple(
        m.version for m in MIGRATIONS if m.version >= 24)
    assert query(path, 'SELECT "conversation_id" IS NULL, "chat_started_at" FROM "lead" '
                       'ORDER BY "id"') == [(0, "2026-11-30 15:58:00"),
                                            (1, "2026-10-01 09:00:00")]
    plan = query(path, 'EXPLAIN QUERY PLAN SELECT "id" FROM "lead" WHERE "company_id" = 1 '
                       'AND "chat_started_at" >= 1 AND "chat_started_at" < 2')
    assert any("lead_company_id_chat_started_at" in str(row[3]) for row in plan), plan
