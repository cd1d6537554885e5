"""Migration 22: customers, teams, question categories and invitation rules keep their ids to
themselves, as knowledge-base entries do since migration 21.

Other rows keep these ids after the row is deleted — a merge's record keeps the merged
customer's id to bring it back on undo; conversations keep their team and category; reports
count by team; invitations keep the rule that sent them. SQLite gave a new row the largest id
plus one, so deleting the newest of them handed its id on: undoing the merge of the newest
customer after someone was added failed (the id was taken), and a deleted team's or rule's
history was reported under its successor. Each table is rebuilt with AUTOINCREMENT, its
sequence starting above every id in use or kept elsewhere."""

import apsw

from appliance.storage.migrations.base import Migration, rebuild_with_autoincrement

REFERENCES = {
    "customer": [("customer_merge", "kept_id"), ("customer_merge", "merged_id"),
                 ("visitor", "customer_id"), ("lead", "customer_id")],
    "team": [("conversation", "team_id"), ("invitation_rule", "team_id"),
             ("site", "fallback_team_id"), ("category", "team_id"), ("report_agg", "team_id")],
    "category": [("conversation", "category_id")],
    "invitation_rule": [("invitation", "rule_id")],
}


def _apply(conn: apsw.Connection) -> None:
    for table, references in REFERENCES.items():
        rebuild_with_autoincrement(conn, table, references)
    # A rule naming a team deleted before this upgrade waited for its members for ever; it
    # now names no team (anyone), as deleting a team leaves it from now on.
    conn.execute('UPDATE "invitation_rule" SET "team_id" = NULL WHERE "team_id" IS NOT NULL '
                 'AND "team_id" NOT IN (SELECT "id" FROM "team")')


MIGRATION = Migration(22, "customer, team, category and rule ids never reused", _apply,
                      foreign_keys=False)
