"""Migration 15: each knowledge-base entry keeps its answer's visible text beside the HTML, so
that the entries search (`q`) matches what readers see, not the markup (tag and attribute
names, link addresses, entities); filled in here for the entries already saved."""

import apsw

from appliance.domain.kb import plain_text
from appliance.storage.migrations.base import Migration


def _apply(conn: apsw.Connection) -> None:
    conn.execute("""ALTER TABLE "kb_entry" ADD COLUMN "answer_text" TEXT NOT NULL DEFAULT ''""")
    rows = list(conn.execute('SELECT "id", "answer" FROM "kb_entry"'))
    conn.executemany('UPDATE "kb_entry" SET "answer_text" = ? WHERE "id" = ?',
                     [(plain_text(str(answer)), entry_id) for entry_id, answer in rows])


MIGRATION = Migration(15, "the answers' visible text", _apply)
