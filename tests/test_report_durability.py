"""The report aggregates agree with the raw rows after random inserts and changes, restarts,
and SIGKILLs of the serving process in the middle of catching up.

Rows are written straight into the database file by another connection (as a restore or a
second process would), in large chunks, so that the server is busy aggregating when it is
killed. At the end the aggregates must equal a rebuild from the raw rows
(`kefu reports-rebuild --check`), and the daily counts of the reports must equal counts made
here from the raw rows in the company's time zone."""

from __future__ import annotations

import json
import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import apsw
import httpx
from served import Served, free_port, kefu, kefu_env

from appliance.storage.database import integrity_check

ZONE = "America/New_York"
START = datetime(2026, 10, 30)  # naive UTC; the data spans the end of DST (1 Nov)
KILLS = 4
PASSWORD = "durable-password"


def _connect(db: Path) -> apsw.Connection:
    conn = apsw.Connection(str(db))
    conn.setbusytimeout(30_000)
    return conn


def _chunk(conn: apsw.Connection, rng: random.Random, serial: int, n: int) -> int:
    """`n` visitors, each with a visit (some page views) and most with a conversation."""
    site_id, agent_id = 1, 1
    with conn:
        for _ in range(n):
            serial += 1
            at = START + timedelta(seconds=rng.randrange(0, 5 * 86400))
            conn.execute(
                "INSERT INTO visitor (site_id, token_hash, name, email, phone, attributes, "
                "page_url, page_title, referrer, user_agent, first_seen_at, last_seen_at) "
                "VALUES (?, ?, '', '', '', '{}', '', '', '', '', ?, ?)",
                (site_id, f"rand-{serial}", str(at), str(at)))
            visitor = conn.last_insert_rowid()
            source = rng.choice([("direct", ""), ("search", "百度"), ("website", "a.example")])
            conn.execute(
                "INSERT INTO visit (visitor_id, site_id, number, started_at, last_seen_at, "
                "entry_url, entry_title, referrer, source_kind, source_name, keyword, "
                "campaign, user_agent, browser, os, device, language, ip, ip_truncated, "
                "country, province, city, page_count) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, "
                "?, ?, '', '', '', '', ?, 'zh-CN', '', 0, '中国', '', '', 1)",
                (visitor, site_id, rng.choice([1, 1, 2]), str(at), str(at),
                 rng.choice(["https://www.example.com/", "https://www.example.com/p"]),
                 source[0], source[1], rng.choice(["", "牙", "=1+1"]),
                 rng.choice(["phone", "desktop"])))
            visit = conn.last_insert_rowid()
            for position in range(rng.randrange(1, 4)):
                conn.execute(
                    "INSERT INTO page_view (visit_id, visitor_id, tab, url, title, started_at, "
                    "seconds, position) VALUES (?, ?, 't', '', '', ?, 0, ?)",
                    (visit, visitor, str(at + timedelta(minutes=20 * position)), position))
            if rng.random() < 0.7:
                _conversation(conn, rng, serial, site_id, agent_id, visitor, at)
    return serial


def _conversation(conn: apsw.Connection, rng: random.Random, serial: int, site_id: int,
                  agent_id: int, visitor: int, at: datetime) -> None:
    answered = rng.random() < 0.7
    closed = at + timedelta(minutes=rng.randrange(1, 90))
    conn.execute(
        "INSERT INTO conversation (site_id, visitor_id, status, assignee_id, last_seq, "
        "visitor_last_seq, agent_read_seq, visitor_read_seq, unread, created_at, "
        "last_activity_at, closed_at, first_response_at, missed, rating, rating_comment) "
        "VALUES (?, ?, 'closed', ?, 0, 0, 0, 0, 0, ?, ?, ?, NULL, ?, ?, '')",
        (site_id, visitor, agent_id if answered else None, str(at), str(closed), str(closed),
         int(not answered), rng.choice([None, 1, 4, 5]) if answered else None))
    conversation = conn.last_insert_rowid()
    messages = [(at, "visitor", visitor, "text", "hi")]
    if answered:
        joined = at + timedelta(seconds=rng.randrange(0, 30))
        messages += [(joined, "system", agent_id, "system", "agent_joined"),
                     (joined + timedelta(seconds=rng.randrange(1, 4000)), "agent", agent_id,
                      "text", "hello")]
    for seq, (moment, kind, sender, mkind, body) in enumerate(messages, start=1):
        conn.execute(
            "INSERT INTO message (conversation_id, seq, client_id, sender_type, sender_id, "
            "sender_name, kind, body, created_at) VALUES (?, ?, ?, ?, ?, 'x', ?, ?, ?)",
            (conversation, seq, f"r-{serial}-{seq}", kind, sender, mkind, body, str(moment)))
    conn.execute("UPDATE conversation SET last_seq = ? WHERE id = ?",
                 (len(messages), conversation))
    if answered and rng.random() < 0.4:
        conn.execute(
            "INSERT INTO lead (company_id, site_id, conversation_id, agent_id, agent_name, "
            "name, phone, email, wechat, qq, need, category, intent, source, keyword, "
            "landing_page, effective, created_at, updated_at) VALUES (1, ?, ?, ?, '', 'n', "
            "'', '', '', '', 'x', '', '', 'direct', '', '', ?, ?, ?)",
            (site_id, conversation, agent_id, int(rng.random() < 0.5), str(at), str(at)))
    if rng.random() < 0.3:
        conn.execute(
            "INSERT INTO invitation (site_id, visitor_id, rule_id, message, page_url, status, "
            "created_at, conversation_id) VALUES (?, ?, ?, 'hi', '', ?, ?, ?)",
            (site_id, visitor, rng.choice([None, 3]), rng.choice(["accepted", "ignored"]),
             str(at - timedelta(seconds=30)), conversation if rng.random() < 0.5 else None))


def _change_some(conn: apsw.Connection, rng: random.Random) -> None:
    """Later changes to old rows: ratings, missed flags, leads turning effective."""
    with conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM conversation")]
        for cid in rng.sample(ids, min(40, len(ids))):
            conn.execute("UPDATE conversation SET rating = ?, missed = ? WHERE id = ?",
                         (rng.choice([None, 2, 5]), rng.randrange(2), cid))
        conn.execute("UPDATE lead SET effective = 1 - effective WHERE id % 3 = 0")


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    r = client.post("/api/auth/login", json={"login": "boss", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _local_days(conn: apsw.Connection, sql: str) -> Counter[str]:
    tz = ZoneInfo(ZONE)
    return Counter(datetime.fromisoformat(str(at)).replace(tzinfo=UTC).astimezone(tz)
                   .date().isoformat() for (at,) in conn.execute(sql))


def test_aggregates_survive_sigkill_mid_update(tmp_path: Path) -> None:
    data = tmp_path / "data"
    password = tmp_path / "pw.txt"
    password.write_text(PASSWORD + "\n")
    setup = kefu("setup", "--data-dir", data, "--company", "Acme", "--owner", "boss",
                 "--password-file", password, "--site-name", "Web",
                 "--site-url", "https://www.example.com")
    assert setup.returncode == 0, setup.stderr
    db = data / "kefu.db"
    conn = _connect(db)
    with conn:
        conn.execute("UPDATE company SET settings = ? WHERE id = 1",
                     (json.dumps({"timezone": ZONE}),))
    rng = random.Random(20261206)
    env = kefu_env()
    serial = 0
    servers: list[Served] = []
    try:
        for round_ in range(KILLS + 1):
            servers.append(Served("--data-dir", data, "--port", str(free_port()), env=env))
            base = servers[-1].wait_ready()
            serial = _chunk(conn, rng, serial, 400)
            if round_ % 2:
                _change_some(conn, rng)
            if round_ < KILLS:
                time.sleep(rng.uniform(0.3, 1.5))  # the server is catching up now
                servers[-1].proc.send_signal(signal.SIGKILL)
                servers[-1].proc.wait(10)
        written = datetime.now(UTC).replace(tzinfo=None)
        client = _login(base)
        deadline = time.monotonic() + 120
        while True:  # until the aggregates have compared everything written above
            r = client.get("/api/companies/1/reports/traffic",
                           params={"from": "2026-10-29", "to": "2026-11-05"})
            assert r.status_code == 200, r.text
            fresh = datetime.fromisoformat(r.json()["report"]["fresh_to"].rstrip("Z"))
            if fresh > written:
                break
            assert time.monotonic() < deadline, "the aggregates never caught up"
            time.sleep(0.2)
        traffic = {s["period"]: s for s in r.json()["report"]["series"]}
        chats = {s["period"]: s for s in client.get(
            "/api/companies/1/reports/chats",
            params={"from": "2026-10-29", "to": "2026-11-05"}).json()["report"]["series"]}
        client.close()
    finally:
        for server in servers:
            server.kill()
    assert integrity_check(db) == "ok"
    visits = _local_days(conn, "SELECT started_at FROM visit")
    views = _local_days(conn, "SELECT started_at FROM page_view")
    started = _local_days(conn, "SELECT created_at FROM conversation")
    missed = _local_days(conn, "SELECT created_at FROM conversation WHERE missed = 1")
    conn.close()
    assert sum(visits.values()) == serial == 400 * (KILLS + 1)
    for day, series in traffic.items():
        assert (series["visits"], series["page_views"], series["chats"]) == (
            visits[day], views[day], started[day]), day
        assert (chats[day]["chats"], chats[day]["missed"]) == (started[day], missed[day]), day
    check = kefu("reports-rebuild", "--check", "--data-dir", data, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 aggregate cells differ" in check.stdout
