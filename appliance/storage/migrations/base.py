"""What a migration is: a version, a name, and a function applied in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import apsw

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[apsw.Connection], None]
    # False: applied with foreign keys off (SQLite's way to rebuild a table that others refer
    # to: with them on, dropping the old table would first delete what refers to it). Such a
    # migration checks the references it touched itself.
    foreign_keys: bool = True


def sql(script: str) -> Callable[[apsw.Connection], None]:
    """A migration that is one SQL script."""

    def apply(conn: apsw.Connection) -> None:
        conn.execute(script)

    return apply


def rebuild_with_autoincrement(conn: apsw.Connection, table: str,
                               references: list[tuple[str, str]], at_least: int = 0) -> None:
    """Rebuild `table` so that its ids only grow (AUTOINCREMENT: an id of a deleted row is
    never given to another), keeping its rows, ids, columns and indexes, its sequence starting
    above every id in it and in the `references` ((table, column) pairs that keep its ids),
    and at least at `at_least` (ids kept where no column holds them alone, such as JSON).
    Its triggers are made again (dropping the table drops them).
    Run with foreign keys off (`Migration.foreign_keys`); fails if a reference to it broke."""
    [(create,)] = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = ?", (table,)).fetchall()
    create = str(create)
    indexes = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY type = 'trigger'", (table,))]
    key = '"id" INTEGER NOT NULL PRIMARY KEY'
    if create.count(key) != 1 or "AUTOINCREMENT" in create.upper():
        raise RuntimeError(f"unexpected definition of {table}: {create}")
    # A busy install's visitors and visits take a while (docs/architecture.md, "Ids are not
    # handed on"): say what the upgrade is doing.
    log.info("rebuilding table %s so that its ids are never given again", table)
    new = create.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}_new"', 1)
    conn.execute(new.replace(key, key + " AUTOINCREMENT", 1))
    columns = ", ".join(f'"{r[1]}"' for r in conn.execute(f'PRAGMA table_info("{table}")'))
    conn.execute(f'INSERT INTO "{table}_new" ({columns}) '  # noqa: S608 (our own names)
                 f'SELECT {columns} FROM "{table}"')
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "{table}_new" RENAME TO "{table}"')
    for index_or_trigger in indexes:
        conn.execute(index_or_trigger)
    floor = at_least
    for other, column in [(table, "id"), *references]:
        top = conn.execute(f'SELECT coalesce(max("{column}"), 0) '  # noqa: S608 (our names)
                           f'FROM "{other}"').fetchall()[0][0]
        floor = max(floor, int(str(top)))
    conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, floor))
    children = [r[0] for r in conn.execute(
        "SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
        "WHERE m.type = 'table' AND f.\"table\" = ?", (table,))]
    for child in children:
        broken = conn.execute(f'PRAGMA foreign_key_check("{child}")').fetchall()
        if broken:
            raise RuntimeError(f"rebuilding {table} broke references from {child}: {broken}")
