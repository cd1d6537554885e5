"""The knowledge base's checks over the real server: "to improve" questions handled only by
entries their site's visitors get, strict query numbers, the entries search taking `q`
literally, the `site_id` filter, categories scoped to the reader's sites, synonym terms and
answers that show nothing."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Appliance
from test_kb import PASSWORD, add, ask, entries, two_companies

ANSWERED = "你们支持花呗分期吗"


@pytest.fixture
def world(appliance: Appliance, owner: Any) -> dict[str, Any]:
    """Company A (site A) and company B (site B); an agent of each (test_kb.py)."""
    return two_companies(appliance, owner)


def second_site(owner: Any, company_id: int, name: str = "A2") -> int:
    r = owner.post("/api/sites", json={"name": name, "url": f"https://{name.lower()}.example",
                                       "company_id": company_id})
    assert r.status_code == 201, r.text
    return int(r.json()["site"]["id"])


def open_question(appliance: Appliance, owner: Any, company_id: int, site_id: int,
                  text: str) -> dict[str, Any]:
    decision, _ = ask(appliance, site_id, text)
    assert decision.entry_id is None
    found = [q for q in owner.get(f"/api/companies/{company_id}/kb/improve").json()["questions"]
             if q["text"] == text]
    assert len(found) == 1 and found[0]["site_id"] == site_id
    return found[0]


def still_open(owner: Any, company_id: int, question_id: int) -> bool:
    questions = owner.get(f"/api/companies/{company_id}/kb/improve").json()["questions"]
    return question_id in [q["id"] for q in questions]


# -- "to improve": only an entry the question's site gets handles it ------------------------

def test_a_question_is_not_handled_by_an_entry_its_site_never_gets(
        world, appliance: Appliance) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    other = second_site(owner, a)
    other_entry = add(owner, a, question="A2的营业时间？", answer="全天", site_id=other)
    disabled = add(owner, a, question="停用的问题？", answer="停用", enabled=False)
    question = open_question(appliance, owner, a, site, ANSWERED)
    before = owner.get(f"/api/kb/entries/{other_entry['id']}").json()["entry"]

    refused = [
        (owner.post(f"/api/kb/improve/{question['id']}/phrasing",
                    json={"entry_id": other_entry["id"]}), "entry_id"),
        (owner.post(f"/api/kb/improve/{question['id']}/phrasing",
                    json={"entry_id": disabled["id"]}), "entry_id"),
        (owner.post(f"/api/kb/improve/{question['id']}/entry",
                    json={"answer": "支持", "site_id": other}), "site_id"),
        (owner.post(f"/api/kb/improve/{question['id']}/entry",
                    json={"answer": "支持", "site_id": world["site_b"]}), "site_id"),
    ]
    for r, field in refused:
        assert r.status_code == 400, r.text
        assert r.json()["error"] == {**r.json()["error"], "code": "invalid", "field": field}
    assert still_open(owner, a, question["id"])
    assert owner.get(f"/api/kb/entries/{other_entry['id']}").json()["entry"] == before
    assert owner.get(f"/api/kb/entries/{disabled['id']}").json()["entry"]["phrasings"] == []
    assert len(entries(owner, a)) == 2  # no entry was made
    decision, _ = ask(appliance, site, ANSWERED)
    assert decision.entry_id is None


@pytest.mark.parametrize("scope", ["same site", "company-wide"])
def test_a_question_becomes_a_phrasing_of_an_entry_its_site_gets(
        world, appliance: Appliance, scope: str) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    second_site(owner, a)
    site_id = site if scope == "same site" else None
    entry = add(owner, a, question="门店地址在哪里？", answer="滨江区。", site_id=site_id)
    question = open_question(appliance, owner, a, site, ANSWERED)
    r = owner.post(f"/api/kb/improve/{question['id']}/phrasing", json={"entry_id": entry["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["question"]["resolved_at"] is not None
    assert not still_open(owner, a, question["id"])
    decision, _ = ask(appliance, site, ANSWERED)
    assert decision.entry_id == entry["id"]


@pytest.mark.parametrize("scope", ["same site", "company-wide"])
def test_a_question_becomes_an_entry_its_site_gets(
        world, appliance: Appliance, scope: str) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    second_site(owner, a)
    body: dict[str, Any] = {"answer": "支持花呗分期。"}
    if scope == "same site":
        body["site_id"] = site
    question = open_question(appliance, owner, a, site, ANSWERED)
    r = owner.post(f"/api/kb/improve/{question['id']}/entry", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["entry"]["site_id"] == body.get("site_id")
    assert not still_open(owner, a, question["id"])
    decision, _ = ask(appliance, site, ANSWERED)
    assert decision.entry_id == r.json()["entry"]["id"]


# -- query numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=1000", "limit"),
    ("limit=-1", "limit"), ("limit=%D9%A1", "limit"), ("limit=1.5", "limit"),
    ("offset=%D9%A1", "offset"), ("offset=-1", "offset"), ("offset=%C2%B2", "offset"),
    ("offset=99999999999", "offset"), ("offset=+1", "offset"),
    ("site_id=%D9%A1", "site_id"), ("site_id=0", "site_id"), ("site_id=x", "site_id"),
    ("site_id=99999999999999999999999", "site_id"),
])
def test_query_numbers_of_the_entries_list_are_strict(world, query: str, field: str) -> None:
    owner, a = world["owner"], world["a"]
    add(owner, a, question="发货时间？", answer="24小时内")
    r = owner.get(f"/api/companies/{a}/kb/entries?{query}")
    assert r.status_code == 400, (query, r.text)
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == field


def test_query_numbers_within_their_ranges_work(world) -> None:
    owner, a = world["owner"], world["a"]
    ids = [add(owner, a, question=f"问题{n}？", answer="答案")["id"] for n in range(3)]
    assert [e["id"] for e in entries(owner, a, limit=1)] == ids[:1]
    assert [e["id"] for e in entries(owner, a, limit=200, offset=2)] == ids[2:]
    assert entries(owner, a, offset=1_000_000_000) == []
    assert [e["id"] for e in entries(owner, a, site_id=world["site_a"])] == ids


@pytest.mark.parametrize("limit", [0, 11, 100, -1, True, 2.0, "3", None])
def test_the_suggestion_limit_is_1_to_10(world, limit: Any) -> None:
    owner, a = world["owner"], world["a"]
    add(owner, a, question="发货时间？", answer="24小时内")
    r = world["agent-a"].post(f"/api/sites/{world['site_a']}/kb/suggest",
                              json={"text": "发货", "limit": limit})
    assert r.status_code == 400, (limit, r.text)
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == "limit"
    for good in (1, 10):
        r = world["agent-a"].post(f"/api/sites/{world['site_a']}/kb/suggest",
                                  json={"text": "发货", "limit": good})
        assert r.status_code == 200 and len(r.json()["suggestions"]) == 1


# -- the entries search and filter -----------------------------------------------------------

def test_q_is_matched_literally_not_as_a_like_pattern(world) -> None:
    owner, a = world["owner"], world["a"]
    plain = add(owner, a, question="发货时间？", answer="24小时内", phrasings=["几时发"])
    percent = add(owner, a, question="打几折？", answer="全场8折（即20%优惠）")
    under = add(owner, a, question="账号格式？", answer="如 user_01")
    slash = add(owner, a, question="路径？", answer="C:\\kefu")
    quoted = add(owner, a, question="型号？", answer="见型号表", phrasings=['"A"型号', "B,C|D"])
    for q, expected in (("%", [percent]), ("_", [under]), ("\\", [slash]),
                        ("20%", [percent]), ("%优惠", [percent]), ("r_0", [under]),
                        ("发_时", []), ("发%", []), ("\\%", []), ("几时发", [plain]),
                        # phrasings are matched as phrasings, not as the JSON they are kept in
                        ('"', [quoted]), ("[", []), ("]", []), (",", [quoted]), ('","', []),
                        ("c|d", [quoted]), ('"a"型', [quoted])):
        assert [e["id"] for e in entries(owner, a, q=q)] == [e["id"] for e in expected], q


def test_q_matches_the_answers_visible_text_not_its_markup(world) -> None:
    """Tag names, attribute names and values (addresses, titles, alt text) and the entities
    of an answer's HTML find nothing; its visible text does, also across tags, with entities
    read as the characters they stand for. Kept through edits and imports."""
    owner, a = world["owner"], world["a"]
    link = add(owner, a, question="怎么查物流？", answer=(
        '<p>请点<a href="https://track.example/order?id=7" title="物流查询页">这里</a>'
        "查询物流</p>"))
    bold = add(owner, a, question="多久发货？",
               answer="<p>付款后<strong>24小时</strong>内发货<br>节假日顺延</p>")
    amp = add(owner, a, question="有哪些型号？",
              answer="<p>A &amp; B 两款 &lt;通用&gt; 5 &gt; 3</p>")
    image = add(owner, a, question="尺码表？", answer=(
        '<p>见下图</p><img src="https://cdn.example/size-chart.png" alt="尺码对照" width="300">'))
    words = add(owner, a, question="材质？", answer="<ul><li>Strong 款：加厚 href 布</li></ul>")
    assert "<strong>" in bold["answer"] and "&amp;" in amp["answer"]  # kept as markup
    for q, expected in (
            # markup: tag names, attribute names and values, entities as written
            ("strong", [words]), ("<strong>", []), ("href", [words]), ("a href", []),
            ("<p>", []), ("</p", []), ("br", []), ("li>", []), ("ul", []), ("title", []),
            ("物流查询页", []), ("track.example", []), ("https://", []), ("id=7", []),
            ("img", []), ("src", []), ("size-chart", []), ("alt", []), ("尺码对照", []),
            ("width", []), ("300", []), ("amp", []), ("&amp;", []), ("&lt;", []), ("gt;", []),
            # visible text, across tags, entities as characters, LIKE still literal
            ("这里查询物流", [link]), ("24小时内发货", [bold]), ("节假日", [bold]),
            ("A & B", [amp]), ("&", [amp]), ("<通用>", [amp]), ("5 > 3", [amp]),
            ("见下图", [image]), ("strong 款", [words]), ("STRONG", [words]),
            ("%", []), ("_", []), ("24%", [])):
        assert [e["id"] for e in entries(owner, a, q=q)] == [e["id"] for e in expected], q
    # An edited answer is searched by its new text; the question still matches as before.
    r = owner.patch(f"/api/kb/entries/{bold['id']}", json={"answer": "<em>48小时</em>内发货"})
    assert r.status_code == 200, r.text
    assert [e["id"] for e in entries(owner, a, q="48小时内")] == [bold["id"]]
    assert entries(owner, a, q="24小时") == [] and entries(owner, a, q="em") == []
    assert [e["id"] for e in entries(owner, a, q="多久发货")] == [bold["id"]]
    # Imported entries too.
    r = owner.post(f"/api/companies/{a}/kb/import", files={"file": ("kb.jsonl", (
        '{"question": "退货地址？", "answer": "<p>寄到<b>杭州仓</b></p>"}\n').encode())})
    assert r.status_code in (200, 201), r.text
    assert [e["question"] for e in entries(owner, a, q="寄到杭州仓")] == ["退货地址？"]
    assert [e["question"] for e in entries(owner, a, q="<b>")] == []


def test_a_site_filter_of_another_company_is_refused(world) -> None:
    owner, a = world["owner"], world["a"]
    add(owner, a, question="公共问题？", answer="所有站")
    for client in (owner, world["agent-a"]):
        r = client.get(f"/api/companies/{a}/kb/entries", params={"site_id": world["site_b"]})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == "site_id"
    r = owner.get(f"/api/companies/{a}/kb/entries", params={"site_id": world["site_a"]})
    assert r.status_code == 200 and len(r.json()["entries"]) == 1


def test_categories_are_those_of_entries_the_reader_may_read(
        world, appliance: Appliance) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    other = second_site(owner, a)
    add(owner, a, question="公共问题？", answer="所有站", category="物流")
    add(owner, a, question="A站的问题？", answer="A站", category="A站类", site_id=site)
    add(owner, a, question="A2站的问题？", answer="A2站", category="A2秘密类", site_id=other)
    add(owner, a, question="A2站的另一个问题？", answer="A2站", category="物流", site_id=other)
    r = owner.post("/api/users", json={"login": "sup-a", "display_name": "sup-a",
                                        "role": "supervisor", "password": PASSWORD,
                                        "site_ids": [site]})
    assert r.status_code == 201, r.text
    supervisor = appliance.login("sup-a", PASSWORD)

    def listed(client: Any) -> list[str]:
        r = client.get(f"/api/companies/{a}/kb/categories")
        assert r.status_code == 200, r.text
        return list(r.json()["categories"])

    assert listed(owner) == sorted(["A2秘密类", "A站类", "物流"])
    for reader in (supervisor, world["agent-a"]):
        assert listed(reader) == sorted(["A站类", "物流"])


# -- synonyms and answers --------------------------------------------------------------------

@pytest.mark.parametrize("terms", [["", "y", "z"], ["y", "  ", "z"], ["y", "z", ""],
                                   ["y"] * 99 + ["z", ""], ["y", "z"] * 51])
def test_a_synonym_group_with_an_empty_term_or_too_many_is_refused(world, terms) -> None:
    owner, a = world["owner"], world["a"]
    r = owner.post(f"/api/companies/{a}/kb/synonyms", json={"terms": terms})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == "terms"
    group = owner.post(f"/api/companies/{a}/kb/synonyms", json={"terms": ["y", "z"]})
    assert group.status_code == 201
    r = owner.patch(f"/api/kb/synonyms/{group.json()['synonym']['id']}", json={"terms": terms})
    assert r.status_code == 400 and r.json()["error"]["field"] == "terms"
    assert [g["terms"] for g in owner.get(f"/api/companies/{a}/kb/synonyms").json()[
        "synonyms"]] == [["y", "z"]]


@pytest.mark.parametrize("answer", [
    "<img>", "<img src=\"\">", "<img src=\"  \">", "<img src=\"javascript:alert(1)\">",
    "<img src=\"data:image/png;base64,AAAA\">", "<img alt=\"图\">", "<img src=\"#\">",
    "<p><img></p><br>", "<img onerror=\"alert(1)\">&nbsp;",
])
def test_an_answer_that_shows_nothing_is_refused(world, answer: str) -> None:
    owner, a = world["owner"], world["a"]
    r = owner.post(f"/api/companies/{a}/kb/entries", json={"question": "空图片", "answer": answer})
    assert r.status_code == 400, (answer, r.text)
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == "answer"
    entry = add(owner, a, question="有图", answer="<img src=\"https://example.com/a.png\">")
    r = owner.patch(f"/api/kb/entries/{entry['id']}", json={"answer": answer})
    assert r.status_code == 400 and r.json()["error"]["field"] == "answer"
    assert entries(owner, a)[0]["answer"] == '<img src="https://example.com/a.png">'
