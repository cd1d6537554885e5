"""An id of a deleted row is never given to another (knowledge-base entries, customers, teams,
categories, invitation rules: migrations 21 and 22). Bot answers, the "to improve"
list and the bot's replies in transcripts keep entry ids; SQLite gives a new row the largest
id plus one, so without this, deleting the newest entries — or an import that replaces the
knowledge base — handed their ids to new, unrelated entries, and a 👎 on an old answer then
pointed at one of them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import apsw
from test_report_marks import visit
from test_search_index import run

from appliance.domain.conversations import Sender
from appliance.domain.kb import Action, ImproveReason
from appliance.storage import (
    blocks,
    conversations,
    invitations,
    kb,
    leads,
    mail,
    message_log,
    privacy,
    sites,
)
from appliance.storage.database import bound_database
from appliance.storage.migrations import MIGRATIONS, migrate

NOW = datetime(2026, 12, 7, 9, 0, 0)


def entry(question: str) -> dict:
    return {"site_id": None, "question": question, "phrasings": [],
            "answer": f"<p>{question}</p>", "category": "", "enabled": True}


def seed() -> tuple[int, int]:
    company = sites.create_company("Acme", NOW)
    site = sites.create_site({"company_id": company.id, "name": "s", "url": "https://s.example"},
                             "key-s", NOW)
    return company.id, site.id


def test_ids_of_deleted_entries_are_not_given_again(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    company, site = run(path, (seed,))[0]
    first, newest = run(path, (kb.create_entries, company, [entry("包邮吗"), entry("几天到货")],
                               NOW))[0]
    # A visitor voted down the answer from the newest entry.
    run(path, (kb.log_answer, site, None, "多久能到", Action.ANSWER, [newest], NOW),
        (kb.note_question, company, site, "多久能到", ImproveReason.DOWNVOTED, newest, NOW))
    run(path, (kb.delete_entry, newest))
    [added] = run(path, (kb.create_entries, company, [entry("可以开发票吗")], NOW))[0]
    assert added not in (first, newest)
    # The list no longer points at the deleted entry (nor at the new one).
    [item] = run(path, (kb.list_questions, company, None))[0]
    assert item.entry_id is None
    # An import that replaces the knowledge base: the new entries get new ids as well.
    run(path, (kb.delete_company_entries, company))
    again = run(path, (kb.create_entries, company, [entry("包邮吗"), entry("几天到货")], NOW))[0]
    assert not set(again) & {first, newest, added}
    assert min(again) > added


def test_an_upgraded_knowledge_base_starts_above_every_id_it_refers_to(tmp_path: Path) -> None:
    """Entries deleted before the upgrade: their ids, still in bot answers and the list, are
    not given again after it."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW, migrations=MIGRATIONS[:20])
    company, site = run(path, (seed,))[0]
    ids = run(path, (kb.create_entries, company, [entry(f"问题{n}") for n in range(5)], NOW))[0]
    run(path, (kb.log_answer, site, None, "问", Action.SUGGEST, ids[3:], NOW),
        (kb.note_question, company, site, "问", ImproveReason.DOWNVOTED, ids[2], NOW))
    for gone in ids[2:]:
        run(path, (kb.delete_entry, gone))
    db = apsw.Connection(str(path))  # as the code before the upgrade left it
    db.execute("UPDATE kb_question SET entry_id = ?", (ids[2],))
    db.close()
    migrate(path, tmp_path / "backups", now=NOW)
    [added] = run(path, (kb.create_entries, company, [entry("新问题")], NOW))[0]
    assert added > max(ids)
    [item] = run(path, (kb.list_questions, company, None))[0]
    assert item.entry_id is None  # it named an entry deleted before the upgrade


def test_the_upgrade_keeps_every_row_and_reference_and_ids_only_grow(tmp_path: Path) -> None:
    """Migration 22 rebuilds customers, teams, categories and invitation rules (tables that
    others refer to) without losing a customer's notes and follow-ups, a team's members or a
    category's team, and starts each sequence above the ids kept elsewhere."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW, migrations=MIGRATIONS[:21])
    company, site = run(path, (seed,))[0]
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    now = str(NOW)
    db.execute("INSERT INTO user (id, login, password_hash, display_name, role, active, "
               "language, max_chats, created_at, updated_at, company_id) "
               "VALUES (7, 'a', 'x', 'A', 'agent', 1, 'zh-CN', 5, ?, ?, ?)", (now, now, company))
    for cid in (1, 2):
        db.execute("INSERT INTO customer (id, company_id, name, phone, email, wechat, qq, "
                   "organization, address, tags, owner_id, custom, created_at, updated_at) "
                   "VALUES (?, ?, ?, '', '', '', '', '', '', '[]', NULL, '{}', ?, ?)",
                   (cid, company, f"客户{cid}", now, now))
    db.execute("INSERT INTO customer_note (customer_id, author_name, body, created_at) "
               "VALUES (1, 'A', '老客户', ?)", (now,))
    db.execute("INSERT INTO follow_up (customer_id, due_date, note, created_at) "
               "VALUES (1, '2026-12-31', '回访', ?)", (now,))
    # Customer 9 was merged into 1 (and deleted): the merge keeps its id for the undo.
    db.execute("INSERT INTO customer_merge (company_id, kept_id, merged_id, snapshot, "
               "created_at) VALUES (?, 1, 9, '{}', ?)", (company, now))
    db.execute("INSERT INTO team (id, site_id, name, created_at) VALUES (3, ?, '售前', ?)",
               (site, now))
    db.execute("INSERT INTO team_member (team_id, user_id) VALUES (3, 7)")
    db.execute("INSERT INTO category (id, site_id, name, team_id, position) "
               "VALUES (4, ?, '价格', 3, 0)", (site,))
    db.execute("INSERT INTO invitation_rule (id, site_id, name, enabled, priority, conditions, "
               "message, team_id, per_visit_cap, per_day_cap, on_phones, created_at, "
               "updated_at) VALUES (5, ?, '停留30秒', 1, 0, '{}', '您好', 3, 1, 3, 1, ?, ?)",
               (site, now, now))
    db.execute("UPDATE site SET fallback_team_id = 11 WHERE id = ?", (site,))  # a team gone
    db.execute("INSERT INTO invitation_rule (id, site_id, name, enabled, priority, conditions, "
               "message, team_id, per_visit_cap, per_day_cap, on_phones, created_at, "
               "updated_at) VALUES (6, ?, '老规则', 1, 0, '{}', '您好', 10, 1, 3, 1, ?, ?)",
               (site, now, now))  # it names team 10, deleted before the upgrade
    db.close()
    migrate(path, tmp_path / "backups", now=NOW)
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    assert db.execute("SELECT count(*) FROM customer_note WHERE customer_id = 1").fetchall() \
        == [(1,)]
    assert db.execute("SELECT count(*) FROM follow_up WHERE customer_id = 1").fetchall() == [(1,)]
    assert db.execute("SELECT team_id, user_id FROM team_member").fetchall() == [(3, 7)]
    assert db.execute("SELECT team_id FROM category WHERE id = 4").fetchall() == [(3,)]
    assert db.execute("SELECT id, team_id FROM invitation_rule ORDER BY id").fetchall() == [
        (5, 3), (6, None)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Deleting the customer still takes its notes with it (the references work).
    db.execute("DELETE FROM customer WHERE id = 1")
    assert db.execute("SELECT count(*) FROM customer_note").fetchall() == [(0,)]
    sequences = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert sequences["customer"] == 9 and sequences["team"] == 11
    assert sequences["category"] == 4 and sequences["invitation_rule"] == 6
    db.execute("DELETE FROM team WHERE id = 3")
    db.execute("INSERT INTO team (site_id, name, created_at) VALUES (?, '售后', ?)", (site, now))
    assert db.execute("SELECT id FROM team").fetchall() == [(12,)]
    db.close()


def chat(site: int, token: str) -> tuple[int, int]:
    """A new visitor of the site and their conversation: (visitor id, conversation id)."""
    visitor = conversations.create_visitor(site, token, {}, "test", NOW)
    return visitor.id, conversations.create_conversation(site, visitor.id, NOW).id


def test_a_purged_visitors_lead_no_longer_names_their_conversation(tmp_path: Path) -> None:
    """The lead stays (with the counts it makes) but forgets the purged visitor and their
    chat; the next chat gets a new id (migration 23) and has no lead yet."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    company, site = run(path, (seed,))[0]

    visitor, conversation = run(path, (chat, site, "gone"))[0]
    db = apsw.Connection(str(path))
    db.execute("INSERT INTO lead (company_id, site_id, conversation_id, visitor_id, agent_name, "
               "name, phone, email, wechat, qq, need, category, intent, source, keyword, "
               "landing_page, effective, created_at, updated_at) VALUES (?, ?, ?, ?, 'A', "
               "'王先生', '13800000000', '', '', '', '', '', '', '', '', '', 1, ?, ?)",
               (company, site, conversation, visitor, str(NOW), str(NOW)))
    db.close()
    run(path, (privacy.purge_visitors, [visitor]))
    again, new = run(path, (chat, site, "new"))[0]
    assert again > visitor and new > conversation
    for named in (conversation, new):
        assert run(path, (leads.lead_of_conversation, named))[0] is None
    db = apsw.Connection(str(path))
    assert db.execute("SELECT name, conversation_id, visitor_id FROM lead").fetchall() == [
        ("王先生", None, None)]
    db.close()


def bot_chat_with_invitation(site: int, company: int, token: str) -> tuple[int, int]:
    """A new visitor, invited on a page, who asked the bot something it could not answer:
    (visitor id, conversation id)."""
    visitor, conversation = chat(site, token)
    invitations.create_invitation(site_id=site, visitor_id=visitor, visit_id=None,
                                  agent_id=None, rule_id=None, message="需要帮忙吗",
                                  page_url=f"https://s.example/{token}", now=NOW)
    conv = message_log.conversation_head(conversation)
    message_log.append(conv, Sender("visitor", visitor, ""), "text", f"{token} 能开发票吗",
                       f"ask-{token}-1", None, NOW)
    db = bound_database.obj
    db.execute_sql("UPDATE conversation SET bot_outcome = 'handover' WHERE id = ?",
                   (conversation,))
    kb.log_answer(site, conversation, f"{token} 能开发票吗", Action.HANDOVER, [], NOW)
    kb.note_question(company, site, f"{token} 能开发票吗", ImproveReason.UNANSWERED, None, NOW)
    kb.note_question(company, site, "能开发票吗", ImproveReason.UNANSWERED, None, NOW)
    kb.note_question(company, site, "能开发票吗", ImproveReason.UNANSWERED, None, NOW)
    mail.enqueue_mail("service@example.com", "新留言", f"{token}: 能开发票吗", NOW,
                      about_visitor=visitor)
    return visitor, conversation


def test_a_purge_leaves_nothing_that_names_the_visitor_or_their_chats(tmp_path: Path) -> None:
    """Their invitations (the invited page), the bot's answers to them, the mails with their
    words and the "to improve" items only they asked go with them; items others asked too
    stay. The next visitor and chat get new ids (migration 23)."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    company, site = run(path, (seed,))[0]
    visitor, conversation = run(path, (bot_chat_with_invitation, site, company, "gone"))[0]
    run(path, (privacy.purge_visitors, [visitor]))
    db = apsw.Connection(str(path))
    assert db.execute("SELECT count(*) FROM invitation").fetchall() == [(0,)]
    assert db.execute("SELECT count(*) FROM bot_answer").fetchall() == [(0,)]
    assert db.execute("SELECT text, count FROM kb_question").fetchall() == [("能开发票吗", 2)]
    assert db.execute("SELECT count(*) FROM outbox").fetchall() == [(0,)]
    db.close()
    again, new = run(path, (chat, site, "new"))[0]
    assert again > visitor and new > conversation
    assert run(path, (invitations.invitations_of, [visitor, again], 10))[0] == []


def test_a_blocked_visitor_is_not_purged(tmp_path: Path) -> None:
    """Deleting them would lift the block: they would come back as a new visitor."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    company, site = run(path, (seed,))[0]
    blocked, _ = run(path, (chat, site, "blocked"))[0]
    lifted, _ = run(path, (chat, site, "lifted"))[0]
    plain, _ = run(path, (chat, site, "plain"))[0]
    run(path, (blocks.create_block, company, None, "visitor", str(blocked), "骚扰", None, NOW),
        (blocks.create_block, company, site, "visitor", str(lifted), "误封", None, NOW))
    [lifted_block] = [b for b in run(path, (blocks.active_blocks,))[0]
                      if b.value == str(lifted)]
    run(path, (blocks.remove_block, lifted_block.id, 1, NOW))
    later = NOW.replace(year=2027)
    assert run(path, (privacy.expired_visitors, [site], later, 100))[0] == [lifted, plain]


def test_purging_the_newest_visitors_hands_on_no_id(tmp_path: Path) -> None:
    """Visitors, conversations and visits: the next rows get ids above every deleted one."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    _, site = run(path, (seed,))[0]
    visitor, conversation = run(path, (chat, site, "gone"))[0]
    first_visit = run(path, (visit, site, visitor, 0))[0]
    run(path, (privacy.purge_visitors, [visitor]))
    again, new = run(path, (chat, site, "new"))[0]
    assert again > visitor and new > conversation
    assert run(path, (visit, site, again, 0))[0] == first_visit + 1


def test_the_visitor_upgrade_keeps_rows_triggers_and_references(tmp_path: Path) -> None:
    """Migration 23 rebuilds visitors, conversations, visits and invitations (tables others
    refer to) keeping every message, page view and reference, the visit table's
    trigger for the report mark, and starts each sequence above the ids kept elsewhere: a
    block of a visitor purged before the upgrade, a report fact of a deleted conversation."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW, migrations=MIGRATIONS[:22])
    company, site = run(path, (seed,))[0]
    visitor, conversation = run(path, (chat, site, "kept"))[0]
    conv = run(path, (message_log.conversation_head, conversation))[0]
    run(path, (message_log.append, conv, Sender("visitor", visitor, ""), "text", "在吗",
               "kept-0001", None, NOW))
    run(path, (visit, site, visitor, 1), (visit, site, visitor, 1))
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    now = str(NOW)
    db.execute("INSERT INTO block (company_id, site_id, kind, value, reason, created_at) "
               "VALUES (?, NULL, 'visitor', '40', '', ?)", (company, now))  # visitor 40: gone
    db.execute("INSERT INTO report_fact (source, row_id, company_id, fingerprint, contrib) "
               "VALUES ('conversation', 30, ?, '', '{}'), ('invitation', 25, ?, '', '{}')",
               (company, company))  # chat 30 and invitation 25: gone, still counted
    db.execute("INSERT INTO report_mark (source, last_id, timezones) VALUES ('visit', 2, '{}') "
               "ON CONFLICT (source) DO UPDATE SET last_id = 2")
    db.close()
    migrate(path, tmp_path / "backups", now=NOW)
    db = apsw.Connection(str(path))
    db.execute("PRAGMA foreign_keys=ON")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("SELECT conversation_id, body FROM message").fetchall() == [
        (conversation, "在吗")]
    assert db.execute("SELECT visit_id FROM page_view ORDER BY id").fetchall() == [(1,), (2,)]
    sequences = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert sequences["visitor"] == 40 and sequences["conversation"] == 30
    assert sequences["visit"] == 2 and sequences["invitation"] == 25
    # The report mark's trigger came through the rebuild: deleting the newest visit lowers it.
    db.execute("DELETE FROM visit WHERE id = 2")
    assert db.execute("SELECT last_id FROM report_mark WHERE source = 'visit'").fetchall() == [
        (1,)]
    assert db.execute("SELECT count(*) FROM page_view").fetchall() == [(1,)]  # cascade works
    # Deleting the visitor still takes their conversations, messages and visits with it.
    db.execute("DELETE FROM visitor WHERE id = ?", (visitor,))
    assert db.execute("SELECT (SELECT count(*) FROM conversation) + (SELECT count(*) FROM "
                      "message) + (SELECT count(*) FROM visit)").fetchall() == [(0,)]
    db.close()
