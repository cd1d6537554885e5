"""Customers against the real server: records, search, visitors becoming customers within one
company, merges with undo, import/export (GBK, duplicates, formula escaping), hand-over when
an agent leaves, and privacy (export one person, erase, audit, retention)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, ORIGIN_A, ORIGIN_B, Appliance
from python_calamine import CalamineWorkbook


@pytest.fixture
def world(two_companies: dict[str, Any]) -> dict[str, Any]:
    return two_companies


def add(client: Any, company_id: int, **fields: Any) -> dict[str, Any]:
    r = client.post(f"/api/companies/{company_id}/customers", json=fields)
    assert r.status_code == 201, r.text
    return r.json()["customer"]


def search(client: Any, company_id: int, **params: Any) -> list[str]:
    r = client.get(f"/api/companies/{company_id}/customers", params=params)
    assert r.status_code == 200, r.text
    return [c["name"] for c in r.json()["customers"]]


def session(appliance: Appliance, site: dict, origin: str, **identify: Any) -> dict:
    body: dict[str, Any] = {"site_key": site["widget_key"]}
    if identify:
        body["identify"] = identify
    r = httpx.post(f"{appliance.url}/api/widget/session", json=body,
                   headers={"Origin": origin})
    assert r.status_code == 200, r.text
    return r.json()


def test_customers_are_created_edited_and_found(world) -> None:
    agent = world["agent-a"]
    zhang = add(agent, world["a"], name="张伟", phone="138 0000 1234", email="Zhang@Example.com",
                tags=["VIP", "老客户"], company="悦齿口腔", address="北京市朝阳区")
    assert zhang["phone"] == "+8613800001234"  # normalised, region CN
    assert zhang["email"] == "zhang@example.com"
    assert zhang["owner_id"] == world["agent-a-id"]
    add(agent, world["a"], name="张伟明", phone="13900005678", tags=["新客户"])
    add(agent, world["a"], name="李娜", email="lina@example.org", wechat="lina_wx")
    assert sorted(search(agent, world["a"], q="张伟")) == ["张伟", "张伟明"]
    assert search(agent, world["a"], q="张") != []
    assert search(agent, world["a"], q="0000 12") == ["张伟"]  # any 3+ digits of the phone
    assert search(agent, world["a"], q="13900") == ["张伟明"]
    for typed in ("+86 139", "+86 1390000", "+86-139-0000-5678", "0086 13900005678",
                  "+8613900005678", "8613900005678"):  # the country code typed as well
        assert search(agent, world["a"], q=typed) == ["张伟明"], typed
    assert search(agent, world["a"], q="lina") == ["李娜"]
    assert search(agent, world["a"], q="lina_wx") == ["李娜"]
    assert search(agent, world["a"], tag="VIP") == ["张伟"]
    assert search(agent, world["a"], tag="客户") == []  # tags match exactly
    assert search(agent, world["a"], q="王") == []
    r = agent.patch(f"/api/customers/{zhang['id']}", json={"name": "张伟 (VIP)",
                                                            "qq": "123456"})
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["qq"] == "123456"
    assert search(agent, world["a"], q="VIP") == ["张伟 (VIP)"]


@pytest.mark.parametrize("fields, field", [
    ({"name": "x", "phone": "12345"}, "phone"),
    ({"name": "x", "phone": "abc"}, "phone"),
    ({"name": "x", "phone": "1" * 50}, "phone"),
    ({"name": "x", "email": "a@b"}, "email"),
    ({"name": "x", "email": "a@b.com, c@d.com"}, "email"),
    ({"name": "x", "email": "Li <li@example.com>"}, "email"),
    ({"name": "x", "qq": "12"}, "qq"),
    ({"name": "x", "tags": "vip"}, "tags"),
    ({"name": "x", "custom": {"nope": 1}}, "custom.nope"),
    ({"name": "x", "custom": []}, "custom"),
    ({"name": ""}, "name"),
    ({"name": "x", "owner_id": 999}, "owner_id"),
    ({"name": "x\u202e"}, "name"),
    ({"name": "x", "surprise": 1}, "surprise"),
])
def test_malformed_customer_fields_get_a_clear_field_error(world, fields, field) -> None:
    r = world["agent-a"].post(f"/api/companies/{world['a']}/customers", json=fields)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field
    assert search(world["owner"], world["a"]) == []  # nothing stored


def test_custom_fields_per_company(world) -> None:
    owner = world["owner"]
    for settings, field in (({"retention_days": "30"}, "settings.retention_days"),
                            ({"customer_fields": "x"}, "settings.customer_fields"),
                            ({"timezone": "Mars/Olympus"}, "settings.timezone"),
                            ({"surprise": 1}, "settings.surprise")):
        r = owner.patch(f"/api/companies/{world['a']}", json={"settings": settings})
        assert (r.status_code, r.json()["error"]["field"]) == (400, field), r.text
    r = owner.patch(f"/api/companies/{world['a']}", json={"settings": {"customer_fields": [
        {"key": "budget", "label": "预算", "type": "number"},
        {"key": "visit_day", "label": "到店日期", "type": "date"},
        {"key": "source", "label": "渠道", "type": "choice", "choices": ["抖音", "百度"]}]}})
    assert r.status_code == 200, r.text
    assert [f["key"] for f in r.json()["company"]["settings"]["customer_fields"]] == [
        "budget", "visit_day", "source"]
    add(owner, world["a"], name="王五", custom={"budget": 5000, "visit_day": "2026-12-31",
                                                "source": "抖音"})
    # A wrong JSON type, a date not written YYYY-MM-DD, a choice not offered, a field the
    # company does not have: each named by its path, nothing stored.
    for bad in ({"budget": "lots"}, {"budget": "5000"}, {"budget": True},
                {"visit_day": "31/12"}, {"visit_day": "20261231"}, {"visit_day": "2026-W53-4"},
                {"visit_day": 20261231}, {"source": "微信"}, {"source": {"a": [1]}},
                {"source": False}, {"nope": "x"}):
        r = owner.post(f"/api/companies/{world['a']}/customers", json={"name": "x",
                                                                        "custom": bad})
        assert (r.status_code, r.json()["error"]["field"]) == (
            400, f"custom.{next(iter(bad))}"), bad
    assert search(owner, world["a"], field="source", value="抖音") == ["王五"]
    assert search(owner, world["a"], q="抖音") == ["王五"]
    # Company B has no such field.
    r = owner.post(f"/api/companies/{world['b']}/customers", json={"name": "x",
                                                                    "custom": {"budget": 1}})
    assert r.status_code == 400


def test_visitors_become_one_customer_per_company(world) -> None:
    app = world["appliance"]
    first = session(app, world["site_a"], ORIGIN_A, name="陈先生", phone="13812345678")
    # The same phone on another site of company A: the same customer.
    second = session(app, world["site_a2"], "https://a2.example", name="陈",
                     phone="+86 138-1234-5678")
    # The same phone on company B's site: B's own customer, never A's.
    other = session(app, world["site_b"], ORIGIN_B, name="陈先生", phone="13812345678")
    a_list = world["owner"].get(f"/api/companies/{world['a']}/customers").json()["customers"]
    b_list = world["owner"].get(f"/api/companies/{world['b']}/customers").json()["customers"]
    assert len(a_list) == 1 and len(b_list) == 1
    page = world["agent-a"].get(f"/api/customers/{a_list[0]['id']}").json()
    assert sorted(v["id"] for v in page["visitors"]) == sorted(
        [first["visitor"]["id"], second["visitor"]["id"]])
    assert other["visitor"]["id"] not in [v["id"] for v in page["visitors"]]
    # A visitor who gives nothing is nobody's customer.
    session(app, world["site_a"], ORIGIN_A)
    assert len(world["owner"].get(
        f"/api/companies/{world['a']}/customers").json()["customers"]) == 1


def test_the_customer_page_shows_every_visit_with_its_trail_and_invitations(world) -> None:
    """The person's visits on both of the company's sites, newest first, each with its pages
    in order, and the invitation they were shown; titles stay text."""
    from test_conversations import Widget
    app, owner = world["appliance"], world["owner"]
    first = session(app, world["site_a"], ORIGIN_A, name="林女士", phone="13900001111")
    second = session(app, world["site_a2"], "https://a2.example", name="林", phone="13900001111")

    def page_frame(url: str, title: str) -> str:
        return json.dumps({"type": "page", "tab": "t-1", "url": url, "title": title,
                           "referrer": "https://www.baidu.com/s?wd=%E4%BB%B7%E6%A0%BC",
                           "language": "zh-CN", "visible": True, "screen": "desktop"})

    async def browse() -> int:
        here = Widget(app, world["site_a"]["widget_key"], ORIGIN_A, token=first["visitor_token"])
        ws = await here.connect()
        await ws.send(page_frame(f"{ORIGIN_A}/", "首页"))
        await ws.send(page_frame(f"{ORIGIN_A}/price", "<b>价格</b>"))
        visitor_id = first["visitor"]["id"]
        for _ in range(100):
            live = (await asyncio.to_thread(owner.get, "/api/visitors/live")).json()["visitors"]
            if any(v["id"] == visitor_id and v["page_count"] == 2 for v in live):
                break
            await asyncio.sleep(0.05)
        r = await asyncio.to_thread(owner.post, f"/api/visitors/{visitor_id}/invite",
                                    json={"message": "需要报价吗？"})
        assert r.status_code == 201, r.text
        await ws.close()
        there = Widget(app, world["site_a2"]["widget_key"], "https://a2.example",
                       token=second["visitor_token"])
        ws = await there.connect()
        await ws.send(page_frame("https://a2.example/about", "关于"))
        for _ in range(100):
            live = (await asyncio.to_thread(owner.get, "/api/visitors/live")).json()["visitors"]
            if any(v["id"] == second["visitor"]["id"] for v in live):
                break
            await asyncio.sleep(0.05)
        await ws.close()
        return r.json()["invitation"]["id"]

    invitation_id = asyncio.run(browse())
    customers = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"]
    assert len(customers) == 1
    page = world["agent-a"].get(f"/api/customers/{customers[0]['id']}").json()
    trails = [(visit["site_id"], [p["url"] for p in visit["pages"]]) for visit in page["visits"]]
    assert trails == [(world["site_a2"]["id"], ["https://a2.example/about"]),
                      (world["site_a"]["id"], [f"{ORIGIN_A}/", f"{ORIGIN_A}/price"])]
    assert page["visits"][1]["pages"][1]["title"] == "<b>价格</b>"
    assert page["visits"][1]["source"]["keyword"] == "价格"
    assert [i["id"] for i in page["invitations"]] == [invitation_id]
    # Company B's agent reaches none of it.
    assert world["agent-b"].get(f"/api/customers/{customers[0]['id']}").status_code in (403, 404)


def test_a_left_message_makes_a_customer(world) -> None:
    app = world["appliance"]
    token = session(app, world["site_a"], ORIGIN_A)["visitor_token"]
    r = httpx.post(f"{app.url}/api/widget/leave-message", json={
        "name": "赵女士", "contact": {"wechat": "zhao_wx"}, "message": "请联系我"},
        headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN_A})
    assert r.status_code == 201, r.text
    found = world["owner"].get(f"/api/companies/{world['a']}/customers").json()["customers"]
    assert [(c["name"], c["wechat"]) for c in found] == [("赵女士", "zhao_wx")]


def test_a_customer_added_by_hand_with_a_known_phone_or_e_mail_is_a_conflict(world) -> None:
    """Written differently, a phone or e-mail another customer of the company has is refused
    (409, naming them) unless `allow_duplicate`; another company's customers do not count."""
    agent, url = world["agent-a"], f"/api/companies/{world['a']}/customers"
    zhang = add(agent, world["a"], name="张三", phone="+8613800138000",
                email="zhang.san@example.com")
    for body, field in (({"name": "张三丰", "phone": "138-0013-8000"}, "phone"),
                        ({"name": "张", "email": "ZHANG.SAN@example.com"}, "email"),
                        ({"phone": "0086 138 0013 8000", "email": "ZHANG.SAN@example.com"},
                         "phone")):
        r = agent.post(url, json=body)
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert (error["code"], error["field"], error["customer_id"]) == (
            "conflict", field, zhang["id"])
    assert search(agent, world["a"]) == ["张三"]
    r = agent.post(url, json={"name": "张三丰", "phone": "138-0013-8000",
                              "allow_duplicate": True})
    assert r.status_code == 201, r.text
    assert r.json()["customer"]["phone"] == "+8613800138000"
    assert agent.post(url, json={"name": "x", "allow_duplicate": "yes please"}).json()[
        "error"]["field"] == "allow_duplicate"
    add(world["agent-b"], world["b"], name="乙的张三", phone="13800138000")  # B: no conflict


def test_a_name_with_zero_width_characters_is_found_as_it_reads(world) -> None:
    """A visitor who wrote 王\u200b五 is found by 王五 (and by what they wrote): the search
    index and its queries drop format characters, which are invisible; the name is kept as
    written (ZWJ and ZWNJ are real text in other names)."""
    app, owner = world["appliance"], world["owner"]
    session(app, world["site_a"], ORIGIN_A, name="王\u200b五", phone="13900000077")
    session(app, world["site_a"], ORIGIN_A, name="Jo\u00adhn\u200d Smith",
            email="john@example.com")
    assert search(owner, world["a"], q="王五") == ["王\u200b五"]
    assert search(owner, world["a"], q="王\u200b五") == ["王\u200b五"]
    assert search(owner, world["a"], q="john") == ["Jo\u00adhn\u200d Smith"]


def test_another_companys_customer_is_not_found(world) -> None:
    mine = add(world["agent-b"], world["b"], name="乙的客户", phone="13700000000")
    agent_a = world["agent-a"]
    for method, path, body in [
        ("GET", f"/api/customers/{mine['id']}", None),
        ("PATCH", f"/api/customers/{mine['id']}", {"name": "x"}),
        ("POST", f"/api/customers/{mine['id']}/notes", {"body": "x"}),
        ("POST", f"/api/customers/{mine['id']}/follow-ups", {"due_date": "2026-12-31"}),
        ("GET", f"/api/companies/{world['b']}/customers", None),
        ("POST", f"/api/companies/{world['b']}/customers", {"name": "x"}),
    ]:
        r = agent_a.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert "乙的客户" not in r.text
    # Merging across companies is refused too.
    a_customer = add(agent_a, world["a"], name="甲的客户")
    r = world["owner"].post(f"/api/customers/{a_customer['id']}/merge",
                            json={"other_id": mine["id"]})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "other_id")


def test_merge_and_undo(world) -> None:
    agent = world["agent-a"]
    app = world["appliance"]
    kept = add(agent, world["a"], name="刘备", phone="13600000001", tags=["VIP"])
    session(app, world["site_a"], ORIGIN_A, name="刘先生", email="liu@example.com")
    other = next(c for c in agent.get(f"/api/companies/{world['a']}/customers").json()[
        "customers"] if c["email"] == "liu@example.com")
    agent.post(f"/api/customers/{other['id']}/notes", json={"body": "来自官网"})
    r = agent.post(f"/api/customers/{kept['id']}/merge", json={"other_id": other["id"]})
    assert r.status_code == 200, r.text
    merged = r.json()["customer"]
    assert merged["email"] == "liu@example.com" and merged["name"] == "刘备"
    page = agent.get(f"/api/customers/{kept['id']}").json()
    assert [n["body"] for n in page["notes"]] == ["来自官网"]
    assert len(page["visitors"]) == 1
    assert agent.get(f"/api/customers/{other['id']}").status_code == 404
    merge_id = r.json()["merge"]["id"]
    r = agent.post(f"/api/merges/{merge_id}/undo", json={})
    assert r.status_code == 200, r.text
    back = agent.get(f"/api/customers/{other['id']}").json()
    assert back["customer"]["email"] == "liu@example.com"
    assert [n["body"] for n in back["notes"]] == ["来自官网"] and len(back["visitors"]) == 1
    again = agent.get(f"/api/customers/{kept['id']}").json()
    assert again["customer"]["email"] == "" and again["notes"] == [] and again["visitors"] == []
    assert agent.post(f"/api/merges/{merge_id}/undo", json={}).status_code == 400
    assert world["agent-b"].post(f"/api/merges/{merge_id}/undo", json={}).status_code == 404


def test_a_merge_is_undone_after_a_new_customer_was_added(world) -> None:
    """The merged record comes back under its own id: no customer added meanwhile may have
    taken it (SQLite would give the next row the largest id plus one, which the merged record,
    the newest, had)."""
    agent = world["agent-a"]
    kept = add(agent, world["a"], name="关羽", phone="13600000011")
    other = add(agent, world["a"], name="关先生", phone="13600000012")
    r = agent.post(f"/api/customers/{kept['id']}/merge", json={"other_id": other["id"]})
    assert r.status_code == 200, r.text
    merge_id = r.json()["merge"]["id"]
    newcomer = add(agent, world["a"], name="张飞", phone="13600000013")
    assert newcomer["id"] != other["id"]
    r = agent.post(f"/api/merges/{merge_id}/undo", json={})
    assert r.status_code == 200, r.text
    assert agent.get(f"/api/customers/{other['id']}").json()["customer"]["name"] == "关先生"
    assert agent.get(f"/api/customers/{newcomer['id']}").json()["customer"]["name"] == "张飞"


def test_two_undos_of_one_merge_at_once_answer_400_not_500(world) -> None:
    """Both pass the service's "already undone?" check before either commits; the second
    must be refused in its transaction (it made the merged customer twice: a 500)."""
    from appliance.domain.errors import Invalid
    from appliance.services import customers
    from appliance.storage import accounts
    agent, app = world["agent-a"], world["appliance"]
    kept = add(agent, world["a"], name="赵云", phone="13600000021")
    other = add(agent, world["a"], name="赵先生", phone="13600000022")
    merge_id = agent.post(f"/api/customers/{kept['id']}/merge",
                          json={"other_id": other["id"]}).json()["merge"]["id"]
    svc = app.runtime.services
    me = agent.get("/api/me").json()["user"]["id"]

    async def twice() -> list[Any]:
        actor = await svc.db.read(accounts.get_user, me)
        return await asyncio.gather(customers.do_undo_merge(svc, actor, merge_id),
                                    customers.do_undo_merge(svc, actor, merge_id),
                                    return_exceptions=True)

    results = asyncio.run_coroutine_threadsafe(twice(), app.server.loop).result(30)
    assert sum(isinstance(r, Invalid) for r in results) == 1, results
    assert agent.get(f"/api/customers/{other['id']}").json()["customer"]["name"] == "赵先生"


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def test_gbk_csv_from_excel_imports_with_phones_normalised_and_duplicates_reported(world):
    owner = world["owner"]
    add(owner, world["a"], name="已有", phone="13800000000")
    data = csv_bytes([["姓名", "手机", "邮箱", "标签"],
                      ["张三", "138-0000-0000", "", "VIP"],  # an existing customer's phone
                      ["李四", "+86 139 0000 0000", "li@example.com", "新客户，抖音"],
                      ["李四四", "13900000000", "", ""],  # the row above's phone
                      ["王五", "", "wang@example.com", ""]], "gbk")
    r = owner.post(f"/api/companies/{world['a']}/customers/import",
                   files={"file": ("客户.csv", data)})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["imported"] == 2
    assert [(d["row"], d["customer_id"] is not None, d["duplicate_of_row"])
            for d in body["duplicates"]] == [(2, True, None), (4, True, 3)]
    li = next(c for c in owner.get(f"/api/companies/{world['a']}/customers", params={
        "q": "李四"}).json()["customers"])
    assert li["phone"] == "+8613900000000" and li["tags"] == ["新客户", "抖音"]


def test_a_broken_import_stores_nothing_and_names_the_rows(world) -> None:
    owner = world["owner"]
    data = csv_bytes([["name", "phone", "email"], ["a", "12", ""], ["b", "", "not-mail"],
                      ["c", "13800000000", ""]], "utf-8")
    r = owner.post(f"/api/companies/{world['a']}/customers/import",
                   files={"file": ("c.csv", data)})
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    assert "row 2" in r.json()["error"]["message"] and "row 3" in r.json()["error"]["message"]
    assert search(owner, world["a"]) == []
    r = owner.post(f"/api/companies/{world['a']}/customers/import", params={"dry_run": "1"},
                   files={"file": ("c.csv", data)})
    assert r.status_code == 200 and [e["row"] for e in r.json()["errors"]] == [2, 3]
    for name, junk in (("x.csv", b"\xff\xfe\x00\x81\x00"), ("x.xlsx", b"PK not a zip"),
                       ("x.txt", b"a,b"),
                       ("x.csv", b"name,phone\n" + b"a" * 140_000 + b",\n")):  # a huge cell
        for params in ({}, {"dry_run": "1"}):
            r = owner.post(f"/api/companies/{world['a']}/customers/import", params=params,
                           files={"file": (name, junk)})
            assert r.status_code == 400, (name, r.text)
    assert world["agent-a"].post(f"/api/companies/{world['a']}/customers/import",
                                 files={"file": ("c.csv", data)}).status_code == 403


def test_a_dry_run_says_how_many_rows_would_be_imported_and_codes_the_broken_ones(world):
    owner = world["owner"]
    add(owner, world["a"], name="已有", phone="13600136000")
    url = f"/api/companies/{world['a']}/customers/import"
    clean = csv_bytes([["姓名", "手机"], ["新客户", "13700137000"]], "utf-8")
    r = owner.post(url, params={"dry_run": "1"}, files={"file": ("c.csv", clean)})
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["importable"]) == (0, 1)
    assert search(owner, world["a"], q="新客户") == []
    mixed = csv_bytes([["姓名", "手机"], ["新客户", "13700137000"], ["长" * 81, "13700137001"],
                       ["重复", "136-0013-6000"], ["坏电话", "12345"]], "utf-8")
    body = owner.post(url, params={"dry_run": "1"}, files={"file": ("c.csv", mixed)}).json()
    assert (body["imported"], body["importable"], len(body["duplicates"])) == (0, 1, 1)
    assert [(e["row"], e["code"], e["field"]) for e in body["errors"]] == [
        (3, "invalid", "name"), (5, "invalid", "phone")]
    r = owner.post(url, files={"file": ("c.csv", clean)})
    assert r.status_code == 201 and (r.json()["imported"], r.json()["importable"]) == (1, 1)


def test_exports_escape_formulas_and_are_audited(world) -> None:
    owner = world["owner"]
    for name in ("=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "正常"):
        add(owner, world["a"], name=name, wechat="=HYPERLINK(\"http://x\")")
    r = owner.get(f"/api/companies/{world['a']}/customers/export", params={"format": "csv"})
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]}
    assert names == {"'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'=x", "正常"}  # names are trimmed
    assert all(row[4].startswith("'=") for row in rows[1:])
    r = owner.get(f"/api/companies/{world['a']}/customers/export", params={"format": "xlsx"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0)
    cells = {row[1] for row in sheet.to_python()[1:]}
    assert cells == names
    log = owner.get(f"/api/companies/{world['a']}/audit-log").json()["entries"]
    assert [e["action"] for e in log] == ["customers_exported", "customers_exported"]
    assert world["agent-a"].get(f"/api/companies/{world['a']}/customers/export").status_code \
        == 403


def test_a_deactivated_agents_customers_and_follow_ups_pass_to_a_successor(world) -> None:
    agent, owner = world["agent-a"], world["owner"]
    mine = add(agent, world["a"], name="客户甲")
    r = agent.post(f"/api/customers/{mine['id']}/follow-ups",
                   json={"due_date": "2026-01-01", "note": "回访"})
    assert r.status_code == 201, r.text
    assert [f["note"] for f in agent.get("/api/follow-ups").json()["follow_ups"]] == ["回访"]
    agent_id = world["agent-a-id"]
    r = owner.post(f"/api/users/{agent_id}/deactivate", json={})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "successor_id")
    assert owner.get("/api/users").json()["users"][1]["active"] is True  # nothing changed
    r = owner.post(f"/api/users/{agent_id}/deactivate", json={"successor_id": agent_id})
    assert r.status_code == 400
    me = owner.get("/api/me").json()["user"]["id"]
    r = owner.post(f"/api/users/{agent_id}/deactivate", json={"successor_id": me})
    assert r.status_code == 200, r.text
    assert owner.get(f"/api/customers/{mine['id']}").json()["customer"]["owner_id"] == me
    assert [f["note"] for f in owner.get("/api/follow-ups").json()["follow_ups"]] == ["回访"]


def make_staff(world: dict[str, Any], login: str, role: str, sites: list[str]) -> tuple[int, Any]:
    r = world["owner"].post("/api/users", json={
        "login": login, "display_name": login, "role": role,
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [world[s]["id"] for s in sites]})
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"], world["appliance"].login(login, AGENT_PASSWORD_FOR_TESTS)


def follow_up(client: Any, customer: dict[str, Any], note: str) -> dict[str, Any]:
    r = client.post(f"/api/customers/{customer['id']}/follow-ups",
                    json={"due_date": "2026-01-01", "note": note})
    assert r.status_code == 201, r.text
    return r.json()["follow_up"]


def notes_due(client: Any) -> list[str]:
    r = client.get("/api/follow-ups", params={"days": 365})
    assert r.status_code == 200, r.text
    return sorted(f["note"] for f in r.json()["follow_ups"])


def test_the_owners_offered_are_exactly_those_the_server_accepts(world) -> None:
    """`GET /api/agents?company_id=` (the customer page's owner choice) lists exactly the
    users a customer of that company may be given as `owner_id`: every user is tried."""
    owner, agent_a = world["owner"], world["agent-a"]
    make_staff(world, "admin-x", "admin", [])
    make_staff(world, "desk", "agent", ["site_a", "site_b"])
    make_staff(world, "sup-a2", "supervisor", ["site_a2"])
    gone_id, _ = make_staff(world, "gone", "agent", ["site_a"])
    assert owner.post(f"/api/users/{gone_id}/deactivate", json={}).status_code == 200
    r = owner.post("/api/users", json={
        "login": "client-x", "display_name": "客户方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": world["a"]})
    assert r.status_code == 201, r.text
    users = owner.get("/api/users").json()["users"]
    for company in ("a", "b"):
        customer = add(owner, world[company], name=f"{company}的客户")
        offered = owner.get("/api/agents", params={"company_id": world[company]})
        assert offered.status_code == 200, offered.text
        offered_ids = [a["id"] for a in offered.json()["agents"]]
        accepted = []
        for user in users:
            r = owner.patch(f"/api/customers/{customer['id']}", json={"owner_id": user["id"]})
            assert r.status_code in (200, 400), r.text
            accepted += [user["id"]] if r.status_code == 200 else []
        assert sorted(offered_ids) == sorted(accepted), company
        names = {u["id"]: u["login"] for u in users}
        assert {names[i] for i in offered_ids} == (
            {"boss@example.com", "admin-x", "agent-a", "desk", "sup-a2"} if company == "a"
            else {"boss@example.com", "admin-x", "agent-b", "desk"})
    # staff serving the company see the same choice; others and bad ids are refused
    same = agent_a.get("/api/agents", params={"company_id": world["a"]}).json()["agents"]
    assert same == owner.get("/api/agents", params={"company_id": world["a"]}).json()["agents"]
    assert world["agent-b"].get("/api/agents",
                                params={"company_id": world["a"]}).status_code == 404
    assert owner.get("/api/agents", params={"company_id": 99999}).status_code == 404
    r = owner.get("/api/agents", params={"company_id": "x"})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "company_id")


def test_a_successor_must_serve_every_company_handed_over(world) -> None:
    """Deactivation hands customers and open follow-ups only to a colleague of every company
    they belong to, as `owner_id` is chosen elsewhere (probe 15, defect 3); the console's
    dialog is offered exactly those colleagues."""
    owner, agent_a = world["owner"], world["agent-a"]
    desk_id, desk = make_staff(world, "desk", "agent", ["site_a", "site_b"])
    sup_a_id, _ = make_staff(world, "sup-a", "supervisor", ["site_a2"])
    both_id, _ = make_staff(world, "both", "agent", ["site_a2", "site_b"])
    of_a, of_b = add(desk, world["a"], name="A客户"), add(desk, world["b"], name="B客户")
    follow_up(desk, of_b, "B回访")
    others = add(agent_a, world["a"], name="别人的A客户")  # desk has only a follow-up of it
    follow_up(desk, others, "A回访")
    me = owner.get("/api/me").json()["user"]["id"]

    def state() -> list[Any]:
        customers = [owner.get(f"/api/customers/{c['id']}").json() for c in (of_a, of_b, others)]
        return ([c["customer"]["owner_id"] for c in customers],
                [f["owner_id"] for c in customers for f in c["follow_ups"]],
                owner.get(f"/api/users/{desk_id}/successors").json())

    before = state()
    assert before[2] == {"customers": 2, "follow_ups": 2, "company_ids": [world["a"], world["b"]],
                         "successor_ids": [me, both_id]}
    for wrong, company in ((world["agent-b-id"], "悦齿口腔"), (sup_a_id, "乙公司"),
                           (world["agent-a-id"], "乙公司")):
        r = owner.post(f"/api/users/{desk_id}/deactivate", json={"successor_id": wrong})
        assert (r.status_code, r.json()["error"]["field"]) == (400, "successor_id"), r.text
        assert company in r.json()["error"]["message"]
        assert state() == before  # nothing changed
        assert desk.get("/api/follow-ups", params={"days": 365}).status_code == 200
    # moved off B (its sites lost), desk still owns B's records: B still needs serving
    r = owner.patch(f"/api/users/{desk_id}", json={"site_ids": [world["site_a"]["id"]]})
    assert r.status_code == 200, r.text
    r = owner.post(f"/api/users/{desk_id}/deactivate", json={"successor_id": sup_a_id})
    assert r.status_code == 400 and "乙公司" in r.json()["error"]["message"]
    r = owner.post(f"/api/users/{desk_id}/deactivate", json={"successor_id": both_id})
    assert r.status_code == 200, r.text
    owners, follow_owners, _ = state()
    assert owners == [both_id, both_id, world["agent-a-id"]]
    assert follow_owners == [both_id, both_id]


def test_only_an_owner_or_admin_may_see_who_can_take_over(world) -> None:
    assert world["agent-a"].get(f"/api/users/{world['agent-b-id']}/successors").status_code \
        == 403
    assert world["owner"].get("/api/users/999/successors").status_code == 404
    nothing = world["owner"].get(f"/api/users/{world['agent-b-id']}/successors").json()
    assert (nothing["customers"], nothing["follow_ups"], nothing["company_ids"]) == (0, 0, [])
    assert world["agent-a-id"] in nothing["successor_ids"]  # no company concerned: anyone


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_reminders_follow_the_companies_a_user_serves_now(world, role) -> None:
    """Moved off company A, a desk agent no longer sees A's follow-ups (names, notes) in their
    reminders; they stay theirs, come back with the sites, and A's staff can give them away
    (probe 15, defect 4)."""
    owner = world["owner"]
    desk_id, desk = make_staff(world, "desk", role, ["site_a", "site_b"])
    of_a, of_b = add(desk, world["a"], name="A客户"), add(desk, world["b"], name="B客户")
    first = follow_up(desk, of_a, "A机密回访")
    follow_up(desk, of_b, "B回访")
    assert notes_due(desk) == ["A机密回访", "B回访"]
    r = owner.patch(f"/api/users/{desk_id}", json={"site_ids": [world["site_b"]["id"]]})
    assert r.status_code == 200, r.text
    assert notes_due(desk) == ["B回访"]
    assert "A客户" not in desk.get("/api/follow-ups", params={"days": 365}).text
    assert desk.patch(f"/api/follow-ups/{first['id']}", json={"done": True}).status_code == 404
    assert desk.get(f"/api/customers/{of_a['id']}").status_code == 404
    # the records stay the desk's: A's staff see who owns them and can hand them on
    page = owner.get(f"/api/customers/{of_a['id']}").json()
    assert page["customer"]["owner_id"] == desk_id
    assert [f["owner_id"] for f in page["follow_ups"]] == [desk_id]
    r = owner.patch(f"/api/users/{desk_id}", json={"site_ids": [world["site_a2"]["id"],
                                                                world["site_b"]["id"]]})
    assert r.status_code == 200, r.text  # another site of A: A is served again
    assert notes_due(desk) == ["A机密回访", "B回访"]
    r = owner.patch(f"/api/users/{desk_id}", json={"site_ids": []})
    assert r.status_code == 200, r.text
    assert notes_due(desk) == []


def test_one_persons_data_is_exported_and_erased(world) -> None:
    app, owner = world["appliance"], world["owner"]
    visitor = session(app, world["site_a"], ORIGIN_A, name="隐私先生", phone="13511112222",
                      email="privacy@example.com")
    headers = {"Authorization": f"Bearer {visitor['visitor_token']}", "Origin": ORIGIN_A}
    sent = httpx.post(f"{app.url}/api/widget/send", headers=headers, json={
        "client_id": "privacy-0001", "body": "我的电话是13511112222"})
    assert sent.status_code == 200, sent.text
    conversation_id = sent.json()["conversation_id"]
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    r = owner.get(f"/api/customers/{customer['id']}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    document = json.loads(r.content)
    assert document["customer"]["phone"] == "+8613511112222"
    assert document["conversations"][0]["messages"][0]["body"] == "我的电话是13511112222"
    assert world["agent-a"].get(f"/api/customers/{customer['id']}/export").status_code == 403
    assert owner.post(f"/api/customers/{customer['id']}/erase", json={}).status_code == 400
    r = owner.post(f"/api/customers/{customer['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text
    assert owner.get(f"/api/customers/{customer['id']}").status_code == 404
    messages = owner.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]
    assert "13511112222" not in json.dumps(messages, ensure_ascii=False)
    details = owner.get(f"/api/conversations/{conversation_id}").json()
    assert details["visitor"]["name"] == "" and details["visitor"]["phone"] == ""
    assert owner.get("/api/search", params={"q": "13511112222"}).json()["results"] == []
    log = owner.get(f"/api/companies/{world['a']}/audit-log").json()["entries"]
    assert [e["action"] for e in log] == ["customer_erased", "customer_exported"]
    # by id only, from now on: the export's entry named them
    assert [e["subject"] for e in log] == [f"customer #{customer['id']}"] * 2


def test_a_persons_export_carries_no_note_even_as_a_last_message(world) -> None:
    app, owner, agent = world["appliance"], world["owner"], world["agent-a"]
    visitor = session(app, world["site_a"], ORIGIN_A, name="导出先生", phone="13522223333")
    headers = {"Authorization": f"Bearer {visitor['visitor_token']}", "Origin": ORIGIN_A}
    sent = httpx.post(f"{app.url}/api/widget/send", headers=headers, json={
        "client_id": "export-note-1", "body": "请回电"})
    conversation_id = sent.json()["conversation_id"]
    for kind, body in (("text", "稍后回电"), ("note", "INTERNALNOTE 此人难缠")):
        r = agent.post(f"/api/conversations/{conversation_id}/messages",
                       json={"client_id": f"export-{kind}-1", "kind": kind, "body": body})
        assert r.status_code in (200, 201), r.text
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    document = json.loads(owner.get(f"/api/customers/{customer['id']}/export").content)
    [conversation] = document["conversations"]
    assert conversation["last_message"]["body"] == "稍后回电"
    assert [m["body"] for m in conversation["messages"] if m["kind"] != "system"] == [
        "请回电", "稍后回电"]
    assert "INTERNALNOTE" not in json.dumps(document, ensure_ascii=False)


def test_a_persons_export_shows_no_trace_of_notes(world) -> None:
    """Notes between messages leave no gap in the numbering, and nothing in the export counts
    them: `last_seq` is how many messages it shows, without agents' unread or read marks."""
    app, owner, agent = world["appliance"], world["owner"], world["agent-a"]
    visitor = session(app, world["site_a"], ORIGIN_A, name="痕迹先生", phone="13522224444")
    headers = {"Authorization": f"Bearer {visitor['visitor_token']}", "Origin": ORIGIN_A}
    conversation_id = 0
    for n, (kind, body) in enumerate((("visitor", "在吗"), ("note", "INTERNALNOTE 一"),
                                      ("text", "在的"), ("note", "INTERNALNOTE 二"),
                                      ("visitor", "多少钱"), ("note", "INTERNALNOTE 三"))):
        if kind == "visitor":
            r = httpx.post(f"{app.url}/api/widget/send", headers=headers, json={
                "client_id": f"trace-export-{n}", "body": body})
            conversation_id = r.json()["conversation_id"]
        else:
            r = agent.post(f"/api/conversations/{conversation_id}/messages", json={
                "client_id": f"trace-export-{n}", "kind": kind, "body": body})
        assert r.status_code in (200, 201), r.text
    seq = agent.get(f"/api/conversations/{conversation_id}").json()["conversation"]["last_seq"]
    assert agent.post(f"/api/conversations/{conversation_id}/read",
                      json={"seq": seq}).status_code == 200
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    document = json.loads(owner.get(f"/api/customers/{customer['id']}/export").content)
    [conversation] = document["conversations"]
    messages = conversation["messages"]
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    assert conversation["last_seq"] == len(messages) < seq
    assert conversation["last_message"] == messages[-1] and messages[-1]["body"] == "多少钱"
    for counter in ("unread", "agent_read_seq", "visitor_read_seq"):
        assert counter not in conversation
    assert "INTERNALNOTE" not in json.dumps(document, ensure_ascii=False)


def wait_for(check: Any, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def test_erasing_a_person_anonymises_every_message_of_their_conversations(world) -> None:
    """Their name and words leave every message (theirs, agents', the bot's, notes) and the
    search index; what the reports count stays."""
    app, owner, agent = world["appliance"], world["owner"], world["agent-a"]
    assert owner.post(f"/api/companies/{world['a']}/kb/entries", json={
        "question": "多久发货？", "answer": "付款后24小时内发货。"}).status_code == 201
    assert owner.patch(f"/api/sites/{world['site_a']['id']}/bot",
                       json={"mode": "first", "name": "小悦"}).status_code == 200
    visitor = session(app, world["site_a"], ORIGIN_A, name="隐私人", phone="13855556666")
    headers = {"Authorization": f"Bearer {visitor['visitor_token']}", "Origin": ORIGIN_A}

    def visitor_says(text: str) -> int:
        r = httpx.post(f"{app.url}/api/widget/send", headers=headers,
                       json={"client_id": f"erase-visitor-{len(text)}", "body": text})
        assert r.status_code == 200, r.text
        return int(r.json()["conversation_id"])

    conversation_id = visitor_says("PRIVWORD 我是隐私人，多久发货？")

    def messages() -> list[dict]:
        return owner.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]

    wait_for(lambda: any(m["sender"]["type"] == "bot" for m in messages()))
    visitor_says("PRIVWORD 隐私人的退税业务怎么办理")  # nothing answers it: "to improve"
    wait_for(lambda: sum(m["sender"]["type"] == "bot" for m in messages()) == 2)
    improve = f"/api/companies/{world['a']}/kb/improve"
    assert "PRIVWORD" in json.dumps(owner.get(improve).json(), ensure_ascii=False)
    r = httpx.post(f"{app.url}/api/widget/handover", headers=headers,
                   json={"conversation_id": conversation_id})
    assert r.status_code == 200, r.text
    visitor_says("我的身份证号是PRIVWORD")
    for kind, body in (("text", "好的 隐私人 先生，PRIVWORD 已记录"),
                       ("note", "隐私人 很难缠 PRIVWORD")):
        r = agent.post(f"/api/conversations/{conversation_id}/messages",
                       json={"client_id": f"erase-{kind}-0001", "kind": kind, "body": body})
        assert r.status_code in (200, 201), r.text
    r = agent.put(f"/api/conversations/{conversation_id}/lead",
                  json={"name": "隐私人", "phone": "13855556666", "need": "PRIVWORD 报价"})
    assert r.status_code == 200 and r.json()["lead"]["effective"] is True, r.text
    assert httpx.post(f"{app.url}/api/widget/close", headers=headers, json={
        "conversation_id": conversation_id}).status_code == 200
    before = messages()
    assert {m["sender"]["type"] for m in before} == {"visitor", "bot", "agent", "system"}
    assert "note" in {m["kind"] for m in before}
    for word in ("PRIVWORD", "隐私人"):
        wait_for(lambda w=word: owner.get("/api/search", params={"q": w}).json()["results"])
    report = owner.get(f"/api/companies/{world['a']}/reports").json()
    r = owner.post("/api/users", json={
        "login": "client-erase", "display_name": "客户方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": world["a"]})
    assert r.status_code == 201, r.text
    portal = app.login("client-erase", AGENT_PASSWORD_FOR_TESTS)  # the client company's view
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    r = owner.post(f"/api/customers/{customer['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text

    after = messages()
    assert [(m["seq"], m["kind"], m["sender"]["type"], m["sender"]["id"], m["created_at"])
            for m in after] == [
        (m["seq"], m["kind"], m["sender"]["type"], m["sender"]["id"], m["created_at"])
        for m in before]
    assert all(m["body"] == "[erased]" for m in after if m["kind"] != "system")
    answered = [m["seq"] for m in before if m["bot"] and m["bot"]["answer"]]
    assert answered and all(m["bot"]["answer"] == "[erased]" for m in after
                            if m["seq"] in answered)
    assert [m["body"] for m in after if m["kind"] == "system"] == [
        m["body"] for m in before if m["kind"] == "system"]
    agent_names = {m["sender"]["name"] for m in before if m["sender"]["type"] == "agent"}
    assert agent_names == {m["sender"]["name"] for m in after if m["sender"]["type"] == "agent"}
    seen = [after, owner.get(f"/api/conversations/{conversation_id}").json(),
            owner.get("/api/conversations", params={"status": "closed"}).json(),
            portal.get("/api/portal/conversations").json(),
            portal.get(f"/api/portal/conversations/{conversation_id}").json(),
            owner.get(f"/api/companies/{world['a']}/leads").json(), owner.get(improve).json()]
    for word in ("PRIVWORD", "隐私人", "13855556666"):
        assert owner.get("/api/search", params={"q": word}).json()["results"] == [], word
        for answer in seen:
            assert word not in json.dumps(answer, ensure_ascii=False), (word, answer)
    assert owner.get(f"/api/companies/{world['a']}/reports").json() == report


def test_an_erasure_resets_the_chats_on_open_consoles_and_the_persons_pages(world) -> None:
    """After the commit, every console serving the site and the person's own widget get a
    `reset` (reason `erased`) for each of the person's conversations, carrying none of the
    erased text; syncing again gives `[erased]`. Other sites' consoles and other chats hear
    nothing."""
    from test_conversations import Widget, agent_socket, next_of

    app, owner = world["appliance"], world["owner"]
    person = Widget(app, world["site_a"]["widget_key"], origin=ORIGIN_A)
    r = person.http.post("/api/widget/session", headers={"Origin": ORIGIN_A}, json={
        "site_key": world["site_a"]["widget_key"], "visitor_token": person.token,
        "identify": {"name": "隐私人", "phone": "13855557777"}})
    assert r.status_code == 200, r.text
    chats = []
    for n, text in enumerate(("我是隐私人 PRIVWORD", "隐私人又来了 PRIVWORD")):
        r = person.http.post("/api/widget/send", headers=person.headers, json={
            "client_id": f"erase-live-{n:04d}", "body": text})
        assert r.status_code == 200, r.text
        chats.append(int(r.json()["conversation_id"]))
        if n == 0:
            assert person.http.post("/api/widget/close", headers=person.headers, json={
                "conversation_id": chats[0]}).status_code == 200
    other = Widget(app, world["site_a"]["widget_key"], origin=ORIGIN_A)
    r = other.http.post("/api/widget/send", headers=other.headers, json={
        "client_id": "erase-live-other", "body": "别人的问题"})
    others_chat = int(r.json()["conversation_id"])
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    assert customer["name"] == "隐私人"

    async def scenario() -> None:
        console = await agent_socket(app, world["agent-a"], workbench=False)
        elsewhere = await agent_socket(app, world["agent-b"], workbench=False)
        page = await person.connect()
        r = await asyncio.to_thread(owner.post, f"/api/customers/{customer['id']}/erase",
                                    json={"confirm": True})
        assert r.status_code == 200, r.text
        for ws in (console, page):
            resets = [await next_of(ws, "reset"), await next_of(ws, "reset")]
            assert sorted(f["conversation_id"] for f in resets) == sorted(chats)
            assert {f["reason"] for f in resets} == {"erased"}
            for word in ("PRIVWORD", "隐私人", "13855557777"):
                assert word not in json.dumps(resets, ensure_ascii=False)
        await console.send(json.dumps({"type": "sync", "conversation_id": chats[1],
                                       "after_seq": 0}))
        replay = []
        while (frame := json.loads(await asyncio.wait_for(console.recv(), 3)))[
                "type"] != "synced":
            replay += [frame] if frame["type"] == "message" else []
        assert replay and all(f["body"] == "[erased]" for f in replay
                              if f["type"] == "message" and f["kind"] != "system")
        # nothing for the other company's console, nor for the other visitor's chat
        for ws in (elsewhere, console):
            await ws.send(json.dumps({"type": "ping"}))
            while (frame := json.loads(await asyncio.wait_for(ws.recv(), 3)))["type"] != "pong":
                assert frame["type"] != "reset" and frame.get("conversation_id") != others_chat
        for ws in (console, elsewhere, page):
            await ws.close()

    asyncio.run(scenario())


def test_the_customer_page_shows_only_what_its_reader_may_see(world) -> None:
    """A customer is the company's, but their chats and visitors are their sites': an agent
    of one site sees the person's chats there and not on the company's other site (as
    /api/conversations/{id} answers 404 there), and only the leads they may list."""
    from test_leads import chat, save

    app, owner = world["appliance"], world["owner"]
    r = owner.post("/api/users", json={
        "login": "agent-a-only", "display_name": "agent-a-only", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [world["site_a"]["id"]]})
    assert r.status_code == 201, r.text
    narrow, wide = app.login("agent-a-only", AGENT_PASSWORD_FOR_TESTS), world["agent-a"]
    here = chat(app, world["site_a"], ORIGIN_A, text="HERE-A", name="范围人",
                phone="13566667777")
    there = chat(app, world["site_a2"], "https://a2.example", text="SECRET-A2",
                 name="范围人", phone="13566667777")
    r = save(wide, here, name="范围人", phone="13566667777", need="LEADNEED")
    assert r.status_code == 200, r.text
    lead_id = r.json()["lead"]["id"]
    [customer] = [c for c in owner.get(f"/api/companies/{world['a']}/customers").json()[
        "customers"] if c["name"] == "范围人"]

    def page(client: Any) -> dict[str, Any]:
        r = client.get(f"/api/customers/{customer['id']}")
        assert r.status_code == 200, r.text
        return r.json()

    seen = page(narrow)
    assert [v["site_id"] for v in seen["visitors"]] == [world["site_a"]["id"]]
    assert [c["id"] for c in seen["conversations"]] == [here]
    assert seen["leads"] == [] and narrow.get(f"/api/leads/{lead_id}").status_code == 404
    assert narrow.get(f"/api/conversations/{there}").status_code == 404
    assert "SECRET-A2" not in json.dumps(seen, ensure_ascii=False)
    assert set(seen["visitors"][0]["device"]) == {"browser", "os", "device"}
    for client in (wide, owner):
        everything = page(client)
        assert sorted(c["id"] for c in everything["conversations"]) == sorted([here, there])
        assert [lead["id"] for lead in everything["leads"]] == [lead_id]


def test_a_customer_made_of_an_anonymous_visitor_is_named_as_the_chat_names_them(world) -> None:
    """Making a customer of a visitor who told nothing gives a record to fill in, named as
    the chat names them (访客17) — never one without a name or a way to reach them, which
    POST /api/companies/{id}/customers refuses."""
    app, agent = world["appliance"], world["agent-a"]
    session_answer = session(app, world["site_a"], ORIGIN_A)
    visitor_id = session_answer["visitor"]["id"]
    r = httpx.post(f"{app.url}/api/widget/send", json={"client_id": "anonymous-01",
                                                       "body": "多少钱"}, headers={
        "Authorization": f"Bearer {session_answer['visitor_token']}", "Origin": ORIGIN_A})
    conversation = r.json()["conversation_id"]
    r = agent.post(f"/api/conversations/{conversation}/customer")  # "(no body)", api.md
    assert r.status_code == 200, r.text
    customer = r.json()["customer"]
    assert customer["name"] == f"访客{visitor_id}"
    r = agent.post(f"/api/conversations/{conversation}/customer", json={})
    assert r.status_code == 200 and r.json()["customer"]["id"] == customer["id"], r.text
    assert agent.get(f"/api/conversations/{conversation}/customer").json()["customer"][
        "id"] == customer["id"]


def test_an_erased_persons_merge_cannot_be_undone(world) -> None:
    """A merge keeps both records as they were (to undo it); after the erasure nothing can
    bring the person back, and the record of the merge is gone."""
    owner = world["owner"]
    kept = add(owner, world["a"], name="合并人", phone="13866665555")
    other = add(owner, world["a"], name="合并人", email="merge-erase@example.com",
                wechat="merge_wx")
    r = owner.post(f"/api/customers/{kept['id']}/merge", json={"other_id": other["id"]})
    assert r.status_code == 200, r.text
    merge_id = r.json()["merge"]["id"]
    r = owner.post(f"/api/customers/{kept['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text
    assert owner.post(f"/api/merges/{merge_id}/undo", json={}).status_code == 404
    for customer in (kept, other):
        assert owner.get(f"/api/customers/{customer['id']}").status_code == 404
    assert search(owner, world["a"], q="合并人") == []
    assert search(owner, world["a"], q="merge_wx") == []


def test_an_erasure_removes_the_persons_trail_which_the_export_carries(world) -> None:
    """Visits (entry page, referrer, search words, address), page views, the invited pages
    and the live list's entry are the person's too: the export carries them, the erasure
    removes them. Another visitor's trail stays; the person's next page starts afresh."""
    from test_conversations import Widget, agent_socket, next_of
    from test_visitors import live_of, page, wait_until

    app, owner, agent = world["appliance"], world["owner"], world["agent-a"]
    r = httpx.post(f"{app.url}/api/widget/session", headers={"Origin": ORIGIN_A}, json={
        "site_key": world["site_a"]["widget_key"],
        "identify": {"name": "足迹人", "phone": "13877776666"}})
    person = Widget(app, world["site_a"]["widget_key"], origin=ORIGIN_A,
                    token=r.json()["visitor_token"])
    other = Widget(app, world["site_a"]["widget_key"], origin=ORIGIN_A)
    person_id, other_id = person.session["visitor"]["id"], other.session["visitor"]["id"]
    secret = f"{ORIGIN_A}/orders?name=zuji"
    baidu = "https://www.baidu.com/s?wd=%E8%B6%B3%E8%BF%B9%E4%BA%BA"  # 足迹人

    async def browse() -> None:
        console = await agent_socket(app, agent)
        for widget, url in ((person, secret), (other, f"{ORIGIN_A}/other")):
            ws = await widget.connect()
            await ws.send(page(url, title="足迹人的订单", referrer=baidu))
            await asyncio.to_thread(wait_until, lambda w=widget: live_of(
                agent, w.session["visitor"]["id"]))
            await ws.send(json.dumps({"type": "ping"}))
            await next_of(ws, "pong")
            if widget is person:
                r = await asyncio.to_thread(agent.post, f"/api/visitors/{person_id}/invite",
                                            json={"message": "足迹人您好"})
                assert r.status_code == 201, r.text
                await next_of(ws, "invitation")
            await ws.close()
        await console.close()

    asyncio.run(browse())
    customer = owner.get(f"/api/companies/{world['a']}/customers").json()["customers"][0]
    document = json.loads(owner.get(f"/api/customers/{customer['id']}/export").content)
    [visit] = document["visits"]
    assert visit["visitor_id"] == person_id and visit["entry_url"] == secret
    assert visit["source"]["keyword"] == "足迹人" and visit["ip"] == "127.0.0.1"
    assert [p["url"] for p in visit["pages"]] == [secret]
    [invitation] = document["invitations"]
    assert invitation["page_url"] == secret and invitation["message"] == "足迹人您好"
    status = invitation["status"]

    r = owner.post(f"/api/customers/{customer['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text
    details = owner.get(f"/api/visitors/{person_id}").json()
    assert details["visits"] == [] and details["visit_count"] == 0 and details["live"] is None
    [invitation] = details["invitations"]
    assert invitation["page_url"] == "" and invitation["message"] == "[erased]"
    assert invitation["status"] == status  # it still counts as it did
    text = json.dumps(details, ensure_ascii=False)
    assert "zuji" not in text and "足迹人" not in text and "%E8%B6%B3" not in text
    assert live_of(agent, person_id) is None
    kept = owner.get(f"/api/visitors/{other_id}").json()
    assert [v["entry_url"] for v in kept["visits"]] == [f"{ORIGIN_A}/other"]
    assert live_of(agent, other_id) is not None

    async def come_back() -> None:
        ws = await person.connect()
        await ws.send(page(f"{ORIGIN_A}/new", title="新页"))
        await asyncio.to_thread(wait_until, lambda: live_of(agent, person_id))
        await ws.close()

    asyncio.run(come_back())
    [visit] = owner.get(f"/api/visitors/{person_id}").json()["visits"]
    assert visit["number"] == 1 and [p["url"] for p in visit["pages"]] == [f"{ORIGIN_A}/new"]


def test_visitors_without_a_customer_are_purged_after_the_retention_period(world) -> None:
    from appliance.services.privacy import purge_expired_visitors

    app, owner = world["appliance"], world["owner"]
    kept = session(app, world["site_a"], ORIGIN_A, name="留", phone="13522223333")
    gone = session(app, world["site_a"], ORIGIN_A)
    other = session(app, world["site_b"], ORIGIN_B)
    owner.patch(f"/api/companies/{world['a']}", json={"settings": {"retention_days": 30}})
    runtime = app.runtime
    later = runtime.services.now() + timedelta(days=31)
    services = runtime.services
    clock = services.clock
    services.clock = lambda: later
    try:
        purged = asyncio.run_coroutine_threadsafe(
            purge_expired_visitors(services, runtime.uploads_dir), app.server.loop).result(30)
    finally:
        services.clock = clock
    assert purged == 1
    for token, alive in ((kept, True), (gone, False), (other, True)):
        r = httpx.post(f"{app.url}/api/widget/availability", json={}, headers={
            "Authorization": f"Bearer {token['visitor_token']}",
            "Origin": ORIGIN_B if token is other else ORIGIN_A})
        assert (r.status_code == 200) is alive, r.text
