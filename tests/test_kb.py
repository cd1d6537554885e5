"""The knowledge base over the real server: entries, rich answers, import and export (CSV in
UTF-8 and GBK, XLSX, JSONL), synonyms, the bot's settings, suggestions, the "to improve"
list, company scoping and roles, and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest
import xlsxwriter
from conftest import Appliance
from python_calamine import CalamineWorkbook

PASSWORD = "agent-password-1"
ENTRIES = [
    {"question": "下单后多久发货？", "answer": "付款后24小时内发货。", "category": "物流"},
    {"question": "运费怎么收？包邮吗？", "answer": "满99元包邮，不满收8元。", "category": "物流"},
    {"question": "可以开发票吗？", "answer": "可以，下单时填写抬头即可。", "category": "发票"},
]


@pytest.fixture
def world(appliance: Appliance, owner) -> dict[str, Any]:
    return two_companies(appliance, owner)


def two_companies(appliance: Appliance, owner: Any) -> dict[str, Any]:
    """Company A (from setup, site A) and company B (site B); an agent of each."""
    owner_client, setup = owner
    company_a, site_a = setup["company"], setup["site"]
    company_b = owner_client.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    site_b = owner_client.post("/api/sites", json={
        "name": "B", "url": "https://b.example", "company_id": company_b["id"]}).json()["site"]
    assert site_b["company_id"] == company_b["id"]
    found: dict[str, Any] = {"owner": owner_client, "a": company_a["id"], "b": company_b["id"],
                             "site_a": site_a["id"], "site_b": site_b["id"]}
    for login, site in (("agent-a", site_a), ("agent-b", site_b)):
        r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                                  "role": "agent", "password": PASSWORD,
                                                  "site_ids": [site["id"]]})
        assert r.status_code == 201, r.text
        found[login] = appliance.login(login, PASSWORD)
    return found


def add(client: Any, company_id: int, **fields: Any) -> dict[str, Any]:
    r = client.post(f"/api/companies/{company_id}/kb/entries", json=fields)
    assert r.status_code == 201, r.text
    return r.json()["entry"]


def entries(client: Any, company_id: int, **params: Any) -> list[dict[str, Any]]:
    r = client.get(f"/api/companies/{company_id}/kb/entries", params=params)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def upload(client: Any, company_id: int, name: str, data: bytes, **params: Any) -> Any:
    return client.post(f"/api/companies/{company_id}/kb/import", params=params,
                       files={"file": (name, data)})


def test_entries_are_created_listed_changed_and_deleted(world) -> None:
    owner, a = world["owner"], world["a"]
    entry = add(owner, a, question="  下单后多久发货？ ", answer="第一行\n第二行",
                phrasings=["什么时候发货", "什么时候发货", ""], category="物流")
    assert entry["question"] == "下单后多久发货？"
    assert entry["phrasings"] == ["什么时候发货"]
    assert entry["answer"] == "第一行<br>第二行"
    assert entry["enabled"] is True and entry["site_id"] is None
    assert [e["id"] for e in entries(owner, a)] == [entry["id"]]
    assert [e["id"] for e in entries(owner, a, q="发货")] == [entry["id"]]
    assert entries(owner, a, q="退款") == []
    r = owner.patch(f"/api/kb/entries/{entry['id']}", json={"enabled": False,
                                                            "phrasings": ["几时发"]})
    assert r.status_code == 200 and r.json()["entry"]["enabled"] is False
    assert r.json()["entry"]["phrasings"] == ["几时发"]
    assert owner.get(f"/api/companies/{a}/kb/categories").json() == {"categories": ["物流"]}
    assert owner.delete(f"/api/kb/entries/{entry['id']}").status_code == 200
    assert owner.get(f"/api/kb/entries/{entry['id']}").status_code == 404


def test_answers_keep_links_images_and_breaks_and_lose_everything_else(world) -> None:
    owner, a = world["owner"], world["a"]
    entry = add(owner, a, question="怎么联系？", answer=(
        '<p onclick="x()">见<a href="https://example.com/help" target="_blank">帮助</a></p>'
        '<img src="https://example.com/a.png" onerror="alert(1)" alt="图">'
        '<script>alert(1)</script><style>*{}</style><iframe src="https://evil"></iframe>'
        '<a href="javascript:alert(1)">点我</a><b>粗</b>\n末行'))
    html = entry["answer"]
    for bad in ("onclick", "onerror", "<script", "alert(1)", "<style", "<iframe", "javascript:",
                "target="):
        assert bad not in html
    assert '<a href="https://example.com/help" rel="noopener noreferrer nofollow">帮助</a>' in html
    assert '<img src="https://example.com/a.png" alt="图">' in html
    assert "<b>粗</b><br>末行" in html
    assert entry["answer_text"].startswith("见帮助")


@pytest.mark.parametrize("fields, field", [
    ({"question": "", "answer": "a"}, "question"),
    ({"question": "   ", "answer": "a"}, "question"),
    ({"question": "问" * 10_000, "answer": "a"}, "question"),
    ({"question": "q", "answer": ""}, "answer"),
    ({"question": "q", "answer": "<script>x</script>"}, "answer"),
    ({"question": "q", "answer": "a" * 10_001}, "answer"),
    ({"question": "q", "answer": "a", "phrasings": "x"}, "phrasings"),
    ({"question": "q", "answer": "a", "phrasings": [f"x{n}" for n in range(51)]}, "phrasings"),
    ({"question": "q", "answer": "a", "phrasings": [f"x{n}" for n in range(50)] + [5]},
     "phrasings"),
    ({"question": "q", "answer": "a", "enabled": "yes"}, "enabled"),
    ({"question": "q\u202e", "answer": "a"}, "question"),
    ({"question": "q", "answer": "a", "colour": "red"}, "colour"),
])
def test_bad_entries_are_refused_and_change_nothing(world, fields, field) -> None:
    owner, a = world["owner"], world["a"]
    r = owner.post(f"/api/companies/{a}/kb/entries", json=fields)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == field
    assert entries(owner, a) == []


def test_fifty_phrasings_count_once_repeats_and_empty_ones_are_dropped(world) -> None:
    owner, a = world["owner"], world["a"]
    distinct = [f"问法{n}" for n in range(50)]
    entry = add(owner, a, question="q", answer="a",
                phrasings=[*distinct, "问法0", "", "  ", "问法49"])
    assert entry["phrasings"] == distinct


def test_an_entry_for_a_site_of_another_company_is_refused(world) -> None:
    r = world["owner"].post(f"/api/companies/{world['a']}/kb/entries", json={
        "question": "q", "answer": "a", "site_id": world["site_b"]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "site_id"


def test_a_user_of_one_company_never_reaches_another_companys_knowledge_base(world) -> None:
    owner, a, b = world["owner"], world["a"], world["b"]
    secret = add(owner, b, question="乙公司的内部价格？", answer="机密")
    add(owner, a, question="甲公司营业时间？", answer="9点到18点")
    agent_a = world["agent-a"]
    assert [e["question"] for e in entries(agent_a, a)] == ["甲公司营业时间？"]
    for path in (f"/api/companies/{b}/kb/entries", f"/api/companies/{b}/kb/synonyms",
                 f"/api/companies/{b}/kb/categories", f"/api/companies/{b}/kb/improve",
                 f"/api/kb/entries/{secret['id']}", f"/api/sites/{world['site_b']}/bot"):
        r = agent_a.get(path)
        assert r.status_code == 403, (path, r.text)
        assert "机密" not in r.text
    r = agent_a.post(f"/api/sites/{world['site_b']}/kb/suggest", json={"text": "内部价格"})
    assert r.status_code == 403
    # Suggestions on one's own site never come from another company's entries.
    r = agent_a.post(f"/api/sites/{world['site_a']}/kb/suggest", json={"text": "内部价格"})
    assert r.status_code == 200 and "机密" not in r.text


def test_agents_read_and_suggest_but_only_owners_and_admins_manage(world) -> None:
    owner, a, agent = world["owner"], world["a"], world["agent-a"]
    entry = add(owner, a, question="下单后多久发货？", answer="24小时内")
    refused = [
        agent.post(f"/api/companies/{a}/kb/entries", json={"question": "q", "answer": "a"}),
        agent.patch(f"/api/kb/entries/{entry['id']}", json={"answer": "改了"}),
        agent.delete(f"/api/kb/entries/{entry['id']}"),
        agent.post(f"/api/companies/{a}/kb/synonyms", json={"terms": ["a", "b"]}),
        agent.patch(f"/api/sites/{world['site_a']}/bot", json={"mode": "first"}),
        agent.get(f"/api/companies/{a}/kb/export"),
        upload(agent, a, "kb.csv", b"question,answer\nq,a\n"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert owner.get(f"/api/kb/entries/{entry['id']}").json()["entry"]["answer"] == "24小时内"
    assert agent.get(f"/api/kb/entries/{entry['id']}").status_code == 200


def test_site_entries_are_seen_only_on_their_site(world, appliance: Appliance) -> None:
    owner, a = world["owner"], world["a"]
    site_c = owner.post("/api/sites", json={"name": "C", "url": "https://c.example",
                                            "company_id": a}).json()["site"]
    only_c = add(owner, a, question="C站专属问题？", answer="只在C站", site_id=site_c["id"])
    shared = add(owner, a, question="公共问题？", answer="所有站")
    agent = world["agent-a"]  # serves site A only
    assert [e["id"] for e in entries(agent, a)] == [shared["id"]]
    assert agent.get(f"/api/kb/entries/{only_c['id']}").status_code == 403
    r = agent.post(f"/api/sites/{world['site_a']}/kb/suggest", json={"text": "C站专属问题"})
    assert only_c["id"] not in [s["entry"]["id"] for s in r.json()["suggestions"]]
    r = owner.post(f"/api/sites/{site_c['id']}/kb/suggest", json={"text": "C站专属问题"})
    assert r.json()["suggestions"][0]["entry"]["id"] == only_c["id"]


def test_suggestions_rank_the_paraphrased_entry_first(world) -> None:
    owner, a = world["owner"], world["a"]
    ids = [add(owner, a, **e)["id"] for e in ENTRIES]
    agent = world["agent-a"]
    for text, expected in (("亲 付完款多久法货", ids[0]), ("yf怎么算", ids[1]),
                           ("能开invoice吗", ids[2])):
        r = agent.post(f"/api/sites/{world['site_a']}/kb/suggest", json={"text": text})
        assert r.status_code == 200, r.text
        assert r.json()["suggestions"][0]["entry"]["id"] == expected, text
        assert len(r.json()["suggestions"]) <= 3


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 10_240}, {"text": 5},
                                  {"text": "hi", "limit": "3"}, {"text": "hi", "x": 1}])
def test_bad_suggestion_requests(world, body) -> None:
    r = world["agent-a"].post(f"/api/sites/{world['site_a']}/kb/suggest", json=body)
    if body == {"text": ""}:
        assert r.status_code == 200 and r.json() == {"suggestions": []}
    else:
        assert r.status_code == 400, r.text


def test_preview_answers_hands_over_and_handles_small_talk(world) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    ids = [add(owner, a, **e)["id"] for e in ENTRIES]

    def decide(text: str) -> dict[str, Any]:
        r = owner.post(f"/api/sites/{site}/bot/preview", json={"text": text})
        assert r.status_code == 200, r.text
        return r.json()["decision"]

    assert decide("下单以后多久能发货")["entry_id"] == ids[0]
    assert decide("转人工")["action"] == "handover"
    assert decide("我要找真人客服")["action"] == "handover"
    assert decide("你好")["action"] == "small_talk"
    assert decide("量子计算机的原理是什么")["action"] == "handover"
    assert decide("")["action"] == "handover"
    assert decide("发货" * 1000)["entry_id"] == ids[0]  # a long message: its start counts


def test_synonyms_per_company_make_their_terms_match(world) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    for e in ENTRIES:
        add(owner, a, **e)
    entry = add(owner, a, question="会员卡怎么办理？", answer="前台可以办理。")
    before = owner.post(f"/api/sites/{site}/bot/preview", json={"text": "黑卡咋弄"})
    assert before.json()["decision"]["entry_id"] is None
    r = owner.post(f"/api/companies/{a}/kb/synonyms", json={"terms": ["会员卡", "黑卡", "黑卡"]})
    assert r.status_code == 201 and r.json()["synonym"]["terms"] == ["会员卡", "黑卡"]
    after = owner.post(f"/api/sites/{site}/bot/preview", json={"text": "黑卡咋弄"})
    assert after.json()["decision"]["entry_id"] == entry["id"]
    group = r.json()["synonym"]["id"]
    for bad in ({"terms": ["一个"]}, {"terms": "a,b"}, {"terms": ["a", "x" * 41]}, {}):
        assert owner.patch(f"/api/kb/synonyms/{group}", json=bad).status_code == 400
    assert owner.get(f"/api/companies/{a}/kb/synonyms").json()["synonyms"][0]["terms"] == [
        "会员卡", "黑卡"]
    assert owner.delete(f"/api/kb/synonyms/{group}").status_code == 200


def test_bot_settings_per_site(world) -> None:
    owner, site = world["owner"], world["site_a"]
    assert owner.get(f"/api/sites/{site}/bot").json()["bot"] == {
        "site_id": site, "mode": "off", "name": ""}
    r = owner.patch(f"/api/sites/{site}/bot", json={"mode": "offline", "name": "小悦"})
    assert r.json()["bot"] == {"site_id": site, "mode": "offline", "name": "小悦"}
    assert owner.patch(f"/api/sites/{site}/bot", json={"mode": "always"}).status_code == 400
    assert world["agent-a"].get(f"/api/sites/{site}/bot").json()["bot"]["mode"] == "offline"


# -- import and export ----------------------------------------------------------------------

def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def test_gbk_csv_saved_by_excel_imports(world) -> None:
    owner, a = world["owner"], world["a"]
    data = csv_bytes([["问题", "相似问法", "答案", "分类", "启用"],
                      ["下单后多久发货？", "几时发货|什么时候寄出", "24小时内发货", "物流", "是"],
                      ["可以开发票吗？", "", "可以", "发票", "否"]], "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    r = upload(owner, a, "知识库.csv", data)
    assert r.status_code == 201, r.text
    assert r.json() == {"imported": 2, "valid": 2, "errors": []}
    found = entries(owner, a)
    assert [(e["question"], e["phrasings"], e["category"], e["enabled"]) for e in found] == [
        ("下单后多久发货？", ["几时发货", "什么时候寄出"], "物流", True),
        ("可以开发票吗？", [], "发票", False)]


def test_a_broken_file_imports_nothing_and_names_every_broken_row(world) -> None:
    owner, a = world["owner"], world["a"]
    add(owner, a, question="已有的问题", answer="已有的答案")
    data = csv_bytes([["question", "answer", "enabled"], ["好的问题", "好的答案", "1"],
                      ["", "没有问题的答案", "1"], ["没有答案", "", "1"],
                      ["问" * 300, "太长", "1"], ["好的问题2", "好的答案2", "也许"]], "utf-8")
    r = upload(owner, a, "kb.csv", data)
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    for row in ("row 3:", "row 4:", "row 5:", "row 6:"):
        assert row in message
    assert "row 2:" not in message
    assert [e["question"] for e in entries(owner, a)] == ["已有的问题"]
    dry = upload(owner, a, "kb.csv", data, dry_run=1)
    assert dry.status_code == 200
    assert dry.json()["imported"] == 0 and dry.json()["valid"] == 1
    assert [e["row"] for e in dry.json()["errors"]] == [3, 4, 5, 6]


@pytest.mark.parametrize("name, data", [
    ("kb.csv", b"no header here\n"),
    ("kb.csv", b"\xff\xfe\x00garbage\x81"),
    ("kb.xlsx", b"PK\x03\x04 not really a zip"),
    ("kb.pdf", b"%PDF-1.4"),
    ("kb.jsonl", b'{"question": "q", "answer": "a"}\nnot json\n[1, 2]\n'),
    ("kb.jsonl", b'{"question": "q", "answer": "a", "site_id": 999999}\n'),
    ("kb.csv", b"question,answer\n"),
    ("kb.csv", b""),
    ("kb.csv", "问题,答案\nq,".encode() + b"a" * 131_073 + b"\n"),  # over csv's cell limit
    ("kb.jsonl", b'{"question": "q", "answer": "a", "phrasings": ' + b"[" * 1000 + b"]" * 1000
     + b"}\n"),
    ("kb.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
])
def test_broken_import_files_are_refused(world, name, data) -> None:
    """Refused (never a 500), and a dry run says so too: it answers what the import would."""
    owner, a = world["owner"], world["a"]
    for params in ({}, {"dry_run": 1}):
        r = upload(owner, a, name, data, **params)
        if r.status_code == 200:  # a dry run lists broken rows instead
            assert params and r.json()["errors"], r.text
            continue
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "invalid"
    assert entries(owner, a) == []


def test_import_without_a_file_is_refused(world) -> None:
    r = world["owner"].post(f"/api/companies/{world['a']}/kb/import", json={})
    assert r.status_code == 400


def test_xlsx_and_jsonl_round_trip_and_replace(world) -> None:
    owner, a = world["owner"], world["a"]
    for e in ENTRIES:
        add(owner, a, **e)
    add(owner, a, question="=1+1", answer="@SUM(A1)", category="-x", phrasings=["+cmd"])
    for fmt in ("xlsx", "jsonl", "csv"):
        r = owner.get(f"/api/companies/{a}/kb/export", params={"format": fmt})
        assert r.status_code == 200, r.text
        assert "attachment" in r.headers["content-disposition"]
        r2 = upload(owner, world["b"], f"kb.{fmt}", r.content, mode="replace")
        assert r2.status_code == 201, (fmt, r2.text)
        copied = entries(owner, world["b"])
        assert len(copied) == 4
        assert [e["answer"] for e in copied][:3] == [e["answer"] for e in ENTRIES]
        assert copied[3]["question"] == "=1+1" and copied[3]["phrasings"] == ["+cmd"]
    assert owner.get(f"/api/companies/{a}/kb/export", params={"format": "doc"}
                     ).status_code == 400


def test_exports_escape_cells_a_spreadsheet_would_run(world) -> None:
    owner, a = world["owner"], world["a"]
    add(owner, a, question="=HYPERLINK(\"http://evil\")", answer="+1-2", category="@x",
        phrasings=["-3"])
    text = owner.get(f"/api/companies/{a}/kb/export", params={"format": "csv"}).content
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[1][:4] == ["'=HYPERLINK(\"http://evil\")", "'-3", "'+1-2", "'@x"]
    book = owner.get(f"/api/companies/{a}/kb/export", params={"format": "xlsx"}).content
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_index(0).to_python()
    assert sheet[1][0] == "'=HYPERLINK(\"http://evil\")"
    line = owner.get(f"/api/companies/{a}/kb/export", params={"format": "jsonl"}).text
    assert json.loads(line)["question"] == "=HYPERLINK(\"http://evil\")"  # data, not cells


def test_an_xlsx_written_by_a_spreadsheet_imports(world) -> None:
    owner, a = world["owner"], world["a"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["问题", "答案", "启用"])
    sheet.write_row(1, 0, ["营业时间？", "9:00-18:00", 1])
    sheet.write_row(2, 0, ["地址在哪？", "<b>滨江区</b>", 0])
    book.close()
    r = upload(owner, a, "sheet.xlsx", buffer.getvalue())
    assert r.status_code == 201, r.text
    assert [(e["question"], e["answer"], e["enabled"]) for e in entries(owner, a)] == [
        ("营业时间？", "9:00-18:00", True), ("地址在哪？", "<b>滨江区</b>", False)]


# -- the "to improve" list ------------------------------------------------------------------

def ask(appliance: Appliance, site_id: int, text: str) -> Any:
    from appliance.services import bot

    async def run() -> Any:
        return await bot.check_ask(appliance.runtime.services, site_id, None, text)

    return asyncio.run_coroutine_threadsafe(run(), appliance.server.loop).result(30)


def vote(appliance: Appliance, site_id: int, answer_id: int, value: int) -> Any:
    from appliance.services import bot

    async def run() -> Any:
        return await bot.check_vote(appliance.runtime.services, site_id, answer_id, value)

    return asyncio.run_coroutine_threadsafe(run(), appliance.server.loop).result(30)


def test_unanswered_and_voted_down_questions_become_entries_or_phrasings(
        world, appliance: Appliance) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    ids = [add(owner, a, **e)["id"] for e in ENTRIES]
    decision, _ = ask(appliance, site, "你们支持花呗分期吗")
    assert decision.entry_id is None
    ask(appliance, site, "你们支持花呗分期吗？")  # the same question again: counted
    decision, logged = ask(appliance, site, "下单以后多久能发货")
    assert decision.entry_id == ids[0]
    vote(appliance, site, logged.id, -1)
    questions = owner.get(f"/api/companies/{a}/kb/improve").json()["questions"]
    assert [(q["text"], q["reason"], q["count"]) for q in questions] == [
        ("你们支持花呗分期吗", "unanswered", 2), ("下单以后多久能发货", "downvoted", 1)]
    assert questions[1]["entry_id"] == ids[0]
    assert world["agent-b"].get(f"/api/companies/{a}/kb/improve").status_code == 403
    # another company's: 403; one that does not exist: 404 (docs/api.md), for agents too
    for path in ("/api/companies/99999/kb/entries", "/api/companies/99999/kb/improve",
                 "/api/companies/99999/kb/synonyms", "/api/sites/99999/bot"):
        assert world["agent-b"].get(path).status_code == 404, path
    assert world["agent-a"].post(f"/api/kb/improve/{questions[0]['id']}/entry",
                                 json={"answer": "x"}).status_code == 403

    r = owner.post(f"/api/kb/improve/{questions[0]['id']}/entry",
                   json={"answer": "支持花呗分期，3/6/12期。"})
    assert r.status_code == 201, r.text
    new_entry = r.json()["entry"]
    assert new_entry["question"] == "你们支持花呗分期吗"
    assert r.json()["question"]["resolved_at"] is not None
    r = owner.post(f"/api/kb/improve/{questions[0]['id']}/entry", json={"answer": "again"})
    assert r.status_code == 400  # handled already
    decision, _ = ask(appliance, site, "你们支持花呗分期吗")
    assert decision.entry_id == new_entry["id"]

    r = owner.post(f"/api/kb/improve/{questions[1]['id']}/phrasing",
                   json={"entry_id": ids[0]})
    assert r.status_code == 200, r.text
    assert "下单以后多久能发货" in r.json()["entry"]["phrasings"]
    assert owner.get(f"/api/companies/{a}/kb/improve").json()["questions"] == []
    resolved = owner.get(f"/api/companies/{a}/kb/improve", params={"resolved": 1}).json()
    assert len(resolved["questions"]) == 2


def test_votes_are_checked(world, appliance: Appliance) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    add(owner, a, **ENTRIES[0])
    _, logged = ask(appliance, site, "下单以后多久能发货")
    _, handed = ask(appliance, site, "转人工")
    from appliance.domain.errors import Conflict, Invalid, NotFound
    for bad, error in ((0, Invalid), (True, Invalid), ("1", Invalid)):
        with pytest.raises(error):
            vote(appliance, site, logged.id, bad)
    with pytest.raises(NotFound):
        vote(appliance, world["site_b"], logged.id, 1)
    with pytest.raises(Invalid):
        vote(appliance, site, handed.id, 1)
    assert vote(appliance, site, logged.id, 1).vote == 1
    with pytest.raises(Conflict):
        vote(appliance, site, logged.id, -1)
    assert owner.get(f"/api/companies/{a}/kb/improve").json()["questions"] == []


def both_at_once(appliance: Appliance, *coroutines: Any) -> list[Any]:
    """Coroutines started together on the server's loop: each passes its checks (reads)
    before either one's write is committed — two clicks, or two taps on a phone."""
    async def run() -> list[Any]:
        return await asyncio.gather(*coroutines, return_exceptions=True)

    return asyncio.run_coroutine_threadsafe(run(), appliance.server.loop).result(30)


def test_two_votes_at_once_count_once(world, appliance: Appliance) -> None:
    from appliance.domain.errors import Conflict
    from appliance.services import bot
    owner, a, site = world["owner"], world["a"], world["site_a"]
    add(owner, a, **ENTRIES[0])
    _, logged = ask(appliance, site, "下单以后多久能发货")
    svc = appliance.runtime.services
    results = both_at_once(appliance, bot.check_vote(svc, site, logged.id, -1),
                           bot.check_vote(svc, site, logged.id, -1))
    assert sorted(type(r).__name__ for r in results) == ["BotAnswer", "Conflict"], results
    assert any(isinstance(r, Conflict) for r in results)
    questions = owner.get(f"/api/companies/{a}/kb/improve").json()["questions"]
    assert [(q["text"], q["count"]) for q in questions] == [("下单以后多久能发货", 1)]


def test_two_clicks_at_once_make_one_entry_or_one_phrasing(world, appliance: Appliance) -> None:
    from appliance.domain.errors import Invalid
    from appliance.services import kb
    owner, a, site = world["owner"], world["a"], world["site_a"]
    first = add(owner, a, **ENTRIES[0])
    ask(appliance, site, "你们支持花呗分期吗")
    ask(appliance, site, "能不能用信用卡")
    items = {q["text"]: q["id"] for q in
             owner.get(f"/api/companies/{a}/kb/improve").json()["questions"]}
    svc = appliance.runtime.services
    from appliance.storage import accounts
    me = owner.get("/api/me").json()["user"]["id"]
    actor = asyncio.run_coroutine_threadsafe(svc.db.read(accounts.get_user, me),
                                             appliance.server.loop).result(30)
    before = len(entries(owner, a))
    body = {"answer": "支持花呗分期。"}
    results = both_at_once(
        appliance, kb.check_make_entry(svc, actor, items["你们支持花呗分期吗"], body),
        kb.check_make_entry(svc, actor, items["你们支持花呗分期吗"], body))
    assert sum(isinstance(r, Invalid) for r in results) == 1, results
    assert len(entries(owner, a)) == before + 1
    body = {"entry_id": first["id"]}
    results = both_at_once(
        appliance, kb.check_add_phrasing(svc, actor, items["能不能用信用卡"], body),
        kb.check_add_phrasing(svc, actor, items["能不能用信用卡"], body))
    assert sum(isinstance(r, Invalid) for r in results) == 1, results
    assert owner.get(f"/api/companies/{a}/kb/improve").json()["questions"] == []

