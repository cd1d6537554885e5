"""Migration 23: visitors, conversations, visits and invitations keep their ids to themselves,
as customers and teams do since migration 22.

A retention purge deletes visitors who have not come back for the company's retention period,
with their conversations and visits. When those were the newest rows, SQLite gave their ids
to the next visitor, conversation or visit (the largest id plus one), and whatever still named
the old ones named the new: the invitations, bot answers and mails a purge left before
migration 23's release, a removed block, the audit log, a console's loaded chat and every
export an owner took elsewhere (leads and conversations by id); and the reports' facts, which
outlive their rows (reports keep history until a rebuild), would be taken for the new row's
and replaced. Each table is rebuilt with AUTOINCREMENT, its sequence starting above every id
in use or kept elsewhere."""

import apsw

from appliance.storage.migrations.base import Migration, rebuild_with_autoincrement

REFERENCES = {
    "visitor": [("conversation", "visitor_id"), ("visit", "visitor_id"),
                ("page_view", "visitor_id"), ("invitation", "visitor_id"),
                ("lead", "visitor_id")],
    "conversation": [("message", "conversation_id"), ("attachment", "conversation_id"),
                     ("invitation", "conversation_id"), ("lead", "conversation_id"),
                     ("bot_answer", "conversation_id")],
    "visit": [("page_view", "visit_id"), ("invitation", "visit_id")],
    "invitation": [],
}
# Ids kept in columns that hold other things too, or in text.
KEPT_ELSEWHERE = {
    "visitor": ('SELECT coalesce(max(CAST("value" AS INTEGER)), 0) FROM "block" '
                "WHERE \"kind\" = 'visitor' AND \"value\" GLOB '[0-9]*'"),
    "conversation": ('SELECT coalesce(max("row_id"), 0) FROM "report_fact" '
                     "WHERE \"source\" = 'conversation'"),
    "visit": "SELECT 0",
    "invitation": ('SELECT coalesce(max("row_id"), 0) FROM "report_fact" '
                   "WHERE \"source\" = 'invitation'"),
}


def _apply(conn: apsw.Connection) -> None:
    for table, references in REFERENCES.items():
        [(kept,)] = conn.execute(KEPT_ELSEWHERE[table]).fetchall()
        rebuild_with_autoincrement(conn, table, references, at_least=int(str(kept)))


MIGRATION = Migration(23, "visitor, conversation, visit and invitation ids never reused", _apply,
                      foreign_keys=False)
