"""The search index, filled behind the messages and read newest-first with the limit inside.

Sending a message writes no search terms: a batch job (on the writer, in its own transaction)
indexes every message above the high-water mark in `search_mark` and moves the mark in the same
transaction. A crash therefore loses nothing: the messages are committed, the mark says how far
the index got, and the next batch starts there. Each row carries its site as a token of the
`site` column, so a search for some sites and the newest N matches is answered inside FTS5
(`ORDER BY rowid DESC LIMIT N`, which FTS5 walks newest-first) instead of collecting every
match of the whole history first.
"""

from __future__ import annotations

from appliance.domain.search import message_terms
from appliance.storage.database import bound_database

# Messages per indexing job: one FTS5 segment each, not one per commit. The job holds the
# writer while it makes the terms (~8 µs a message in Python): at 2,000 a busy relay's acks
# waited ~20 ms behind it twice a second (their p99 43–49 ms; 29–34 ms at 250,
# docs/benchmarks.md). Smaller jobs let other writes in between.
BATCH = 250
# What a search catches up with before it runs (see services/search.py: catch_up).
CATCH_UP = 10_000


def site_token(site_id: int) -> str:
    return f"s{site_id}"


def pending() -> int:
    """How many messages wait to be indexed (an upper bound: ids may have gaps)."""
    row = bound_database.obj.execute_sql(
        "SELECT (SELECT coalesce(max(id), 0) FROM message) - last_message_id "
        "FROM search_mark WHERE id = 1").fetchone()
    return max(0, int(row[0])) if row else 0


def index_batch(limit: int = BATCH) -> int:
    """On the writer: index up to `limit` messages above the mark; returns how many."""
    db = bound_database.obj
    mark = db.execute_sql("SELECT last_message_id FROM search_mark WHERE id = 1").fetchone()[0]
    rows = db.execute_sql(
        "SELECT m.id, m.body, c.site_id FROM message m JOIN conversation c "
        "ON c.id = m.conversation_id WHERE m.id > ? ORDER BY m.id LIMIT ?",
        (mark, limit)).fetchall()
    if not rows:
        return 0
    terms = [(message_id, *message_terms(body), site_token(site_id))
             for message_id, body, site_id in rows]
    db.connection().cursor().executemany(
        "INSERT OR REPLACE INTO message_index (rowid, terms, prefixes, site) "
        "VALUES (?, ?, ?, ?)", [row for row in terms if row[1]])
    db.execute_sql("UPDATE search_mark SET last_message_id = ? WHERE id = 1", (rows[-1][0],))
    return len(rows)


def newest_matches(match: str, site_ids: list[int] | None, limit: int) -> list[int]:
    """Ids of the newest messages whose terms match the FTS5 expression `match`, in the
    given sites (None: all), newest first; scope and limit are applied inside the index."""
    expression = f"({match})"
    if site_ids is not None:
        if not site_ids:
            return []
        scope = " OR ".join(f'"{site_token(s)}"' for s in sorted(set(site_ids)))
        expression = f"site : ({scope}) AND {expression}"
    rows = bound_database.obj.execute_sql(
        "SELECT rowid FROM message_index WHERE message_index MATCH ? "
        "ORDER BY rowid DESC LIMIT ?", (expression, limit)).fetchall()
    return [row[0] for row in rows]
