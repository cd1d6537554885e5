"""Migration 21: a knowledge-base entry's id is never given to another entry.

Bot answers (`bot_answer.entry_ids`), the "to improve" list (`kb_question.entry_id`) and the
bot's replies kept in transcripts refer to entries by id. SQLite gives a new row the largest
id plus one, so deleting the newest entries — or an import that replaces the knowledge base —
handed their ids to new, unrelated entries: a 👎 on an old answer then offered one of them as
"the entry voted down". The table is rebuilt with AUTOINCREMENT (ids only grow), its sequence
starting above every id in use or referred to by the answers and the list (the transcripts'
replies are also in `bot_answer`); the list's questions stop naming entries already deleted."""

import apsw

from appliance.storage.migrations.base import Migration, rebuild_with_autoincrement


def _apply(conn: apsw.Connection) -> None:
    [(voted,)] = conn.execute(
        'SELECT coalesce(max(CAST(j."value" AS INTEGER)), 0) '
        'FROM "bot_answer", json_each("bot_answer"."entry_ids") j').fetchall()
    rebuild_with_autoincrement(conn, "kb_entry", [("kb_question", "entry_id")],
                               at_least=int(str(voted)))
    conn.execute('UPDATE "kb_question" SET "entry_id" = NULL WHERE "entry_id" IS NOT NULL '
                 'AND "entry_id" NOT IN (SELECT "id" FROM "kb_entry")')


MIGRATION = Migration(21, "knowledge-base entry ids never reused", _apply, foreign_keys=False)
