"""The knowledge base in the console, in Chromium: an entry with a rich answer (scripts gone),
imports that refuse broken rows by number or read GBK, suggested answers beside a live chat, and
a question of the "to improve" list turned into a phrasing with one click."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import hook, open_console, screenshot
from browser.test_console_details import FIELD_SIZES, PHONE, chat_with, open_chat

pytestmark = pytest.mark.browser

OWNER = "boss@example.com"
SHIPPING = {"question": "下单后多久发货？", "answer": "付款后24小时内发货。", "category": "物流"}
FREIGHT = {"question": "运费怎么收？包邮吗？", "answer": "满99元包邮，不满收8元。",
           "category": "物流"}
INVOICE = {"question": "可以开发票吗？", "answer": "可以，下单时填写抬头即可。", "category": "发票"}


def add_entry(client: Any, company_id: int, **fields: Any) -> dict:
    r = client.post(f"/api/companies/{company_id}/kb/entries", json=fields)
    assert r.status_code == 201, r.text
    return r.json()["entry"]


def all_entries(client: Any, company_id: int) -> dict:
    r = client.get(f"/api/companies/{company_id}/kb/entries")
    assert r.status_code == 200, r.text
    return r.json()


def signed_in(new_page, appliance: Appliance, hash_: str):
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/{hash_}")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_an_owner_writes_an_entry_with_a_link_and_a_script_does_not_survive(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company = setup["company"]["id"]
    page = signed_in(new_page, appliance, "#/kb")
    hook(page, "kb-empty").wait_for()
    hook(page, "kb-new").click()
    hook(page, "kb-question").fill("怎么查物流？")
    hook(page, "kb-phrasings").fill("快递到哪了\n物流单号在哪看\n快递到哪了\n")
    # A link through the toolbar: type, select, Link, address.
    box = hook(page, "kb-answer-editor")
    box.click()
    page.keyboard.type("在订单页查看物流")
    page.keyboard.press("Control+A")
    hook(page, "kb-editor-link").click()
    hook(page, "kb-editor-url").fill("https://example.com/track")
    hook(page, "confirm-ok").click()
    box.locator('a[href="https://example.com/track"]').wait_for()
    # The HTML source, with what a pasted page could bring along: its preview keeps only the
    # allowed part.
    hook(page, "kb-answer-html").click()
    source = hook(page, "kb-answer-source")
    source.fill(source.input_value() + '<script>window.pwned = 1</script>'
                '<img src="x" onerror="window.pwned = 2"><br><b>工作日</b>'
                '<a href="javascript:window.pwned=3">点我</a>')
    preview = hook(page, "kb-answer-preview")
    preview.locator('a[href="https://example.com/track"]').wait_for()
    assert preview.locator("script, [onerror], a[href^='javascript']").count() == 0
    hook(page, "kb-category").fill("物流")
    screenshot(page, "kb-entry-form")
    hook(page, "kb-save").click()
    page.wait_for_url(re.compile(r"#/kb/\d+$"))
    [entry] = all_entries(client, company)["entries"]
    assert entry["question"] == "怎么查物流？"
    assert entry["phrasings"] == ["快递到哪了", "物流单号在哪看"]
    assert 'href="https://example.com/track"' in entry["answer"]
    assert "<b>工作日</b>" in entry["answer"]
    for bad in ("script", "pwned", "onerror", "javascript"):
        assert bad not in entry["answer"], entry["answer"]
    assert entry["category"] == "物流" and entry["site_id"] is None and entry["enabled"] is True
    # The list finds it by a phrasing, and nothing the answer held ever ran.
    page.goto(f"{appliance.url}/app/#/kb")
    hook(page, "kb-search").fill("单号")
    hook(page, "kb-search-submit").click()
    hook(page, "kb-entry-row").filter(has_text="怎么查物流？").wait_for()
    assert hook(page, "kb-entry-row").count() == 1
    assert page.evaluate("window.pwned") is None
    assert page.errors == []  # type: ignore[attr-defined]
    screenshot(page, "kb-list")


def test_an_agent_reads_the_knowledge_base_but_cannot_change_it(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    entry = add_entry(client, setup["company"]["id"], question="营业时间？",
                      answer='周一至周五 <a href="https://example.com/hours">详情</a><script>x()</script>')
    r = client.post("/api/users", json={"login": "xiaomei", "display_name": "小美", "role": "agent",
                                        "password": "agent-password-1",
                                        "site_ids": [setup["site"]["id"]]})
    assert r.status_code == 201, r.text
    agent_id = r.json()["user"]["id"]
    page = new_page()
    open_console(page, appliance.url, "xiaomei", "agent-password-1")
    page.goto(f"{appliance.url}/app/#/kb/{entry['id']}")
    answer = hook(page, "kb-answer")
    answer.locator('a[href="https://example.com/hours"][rel~="noopener"]').wait_for()
    assert answer.locator("script").count() == 0
    assert hook(page, "kb-save").count() == 0 and hook(page, "kb-answer-editor").count() == 0
    page.goto(f"{appliance.url}/app/#/kb")
    hook(page, "kb-entry-row").wait_for()
    assert hook(page, "kb-new").count() == 0
    assert hook(page, "kb-tab-kb-import").count() == 0
    # Looking an answer up is part of the work: the agent still takes chats meanwhile.
    page.wait_for_timeout(500)
    board = client.get("/api/agents/status", params={"site_id": setup["site"]["id"]}).json()
    assert next(a["status"] for a in board["agents"] if a["id"] == agent_id) == "online"


def import_file(page, path: Path) -> None:
    hook(page, "kb-import-file").set_input_files(str(path))
    hook(page, "kb-import-submit").click()


def test_a_csv_with_a_broken_row_names_the_row_and_imports_nothing(
        appliance: Appliance, owner, new_page, tmp_path: Path) -> None:
    client, setup = owner
    company = setup["company"]["id"]
    csv = tmp_path / "faq.csv"
    # Row 1 is the header; row 3 has no answer, row 4 a question far too long.
    csv.write_text("问题,答案,分类\n下单后多久发货？,付款后24小时内发货。,物流\n可以开发票吗？,,发票\n"
                   f"{'长' * 250},太长了,\n", "utf-8-sig")
    page = signed_in(new_page, appliance, "#/kb/import")
    import_file(page, csv)
    result = hook(page, "kb-import-result")
    result.wait_for()
    assert result.get_attribute("data-outcome") == "broken"
    rows = [e.get_attribute("data-row") for e in hook(page, "kb-import-error").all()]
    assert rows == ["3", "4"]
    assert "第 3 行" in result.inner_text() and "没有导入任何条目" in result.inner_text()
    assert all_entries(client, company)["total"] == 0
    screenshot(page, "kb-import-broken")
    # Only checking a good file imports nothing either, and says how many rows are fine.
    csv.write_text("问题,答案\n下单后多久发货？,付款后24小时内发货。\n可以开发票吗？,可以\n",
                   "utf-8-sig")
    hook(page, "kb-import-dry-run").check()
    import_file(page, csv)
    page.locator('[data-test="kb-import-result"][data-outcome="checked"]').wait_for()
    assert "2" in hook(page, "kb-import-result").inner_text()
    assert all_entries(client, company)["total"] == 0


def test_a_gbk_csv_saved_by_excel_imports(appliance: Appliance, owner, new_page,
                                          tmp_path: Path) -> None:
    client, setup = owner
    company = setup["company"]["id"]
    csv = tmp_path / "知识库.csv"
    csv.write_bytes("标准问题,相似问法,答案,分类,启用\r\n"
                    "下单后多久发货？,几天发货|什么时候发货,付款后24小时内发货。,物流,是\r\n"
                    "可以开发票吗？,,可以，下单时填写抬头即可。,发票,否\r\n".encode("gbk"))
    page = signed_in(new_page, appliance, "#/kb/import")
    import_file(page, csv)
    page.locator('[data-test="kb-import-result"][data-outcome="imported"]').wait_for()
    assert "已导入 2 个条目" in hook(page, "kb-import-result").inner_text()
    found = {e["question"]: e for e in all_entries(client, company)["entries"]}
    assert found["下单后多久发货？"]["phrasings"] == ["几天发货", "什么时候发货"]
    assert found["可以开发票吗？"]["enabled"] is False
    page.goto(f"{appliance.url}/app/#/kb")
    hook(page, "kb-entry-row").filter(has_text="下单后多久发货？").wait_for()
    assert hook(page, "kb-export-csv").count() == 0  # export lives on the import tab
    page.goto(f"{appliance.url}/app/#/kb/import")
    with page.expect_download() as download:
        hook(page, "kb-export-csv").click()
    assert "下单后多久发货" in Path(download.value.path()).read_bytes().decode("utf-8-sig")


def test_the_agent_inserts_the_suggested_answer_with_alt_1_and_sends_it(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company, site = setup["company"]["id"], setup["site"]
    for fields in (SHIPPING, FREIGHT, INVOICE):
        add_entry(client, company, **fields)
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    widget = chat_with(appliance, site["widget_key"], "你好")
    open_chat(page, appliance, widget.conversation_id)
    # Small talk brings no suggestions; the visitor's paraphrase of a question does.
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": "kb-paraphrase-1", "body": "下单以后几天能发货呀"})
    assert r.status_code == 200, r.text
    first = hook(page, "kb-suggestion").first
    first.wait_for()
    assert "下单后多久发货" in first.inner_text()
    assert hook(page, "kb-suggestion").count() <= 3
    composer = hook(page, "chat-input")
    composer.click()
    page.keyboard.press("Alt+1")
    assert composer.input_value() == "付款后24小时内发货。"
    page.keyboard.type(" 亲～")
    page.keyboard.press("Enter")
    page.locator('[data-test="chat-message"]', has_text="付款后24小时内发货。 亲～").wait_for()

    def bodies() -> list[str]:
        r = client.get(f"/api/conversations/{widget.conversation_id}/messages")
        return [m["body"] for m in r.json()["messages"]]

    page.wait_for_function(
        "() => !document.querySelector('[data-test=\"chat-message\"][data-state=\"pending\"]')")
    assert "付款后24小时内发货。 亲～" in bodies()
    # A new question from the visitor brings its own suggestions.
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": "kb-paraphrase-2", "body": "能开票吗"})
    assert r.status_code == 200, r.text
    page.locator('[data-test="kb-suggestion"]', has_text="可以开发票吗").first.wait_for()
    screenshot(page, "kb-suggestions")


def ask_the_bot(appliance: Appliance, site_id: int, text: str) -> Any:
    """What the bot does with a visitor's message in a conversation (it records the unanswered)."""
    from appliance.services import bot

    async def run() -> Any:
        return await bot.check_ask(appliance.runtime.services, site_id, None, text)

    return asyncio.run_coroutine_threadsafe(run(), appliance.server.loop).result(30)


def test_a_question_to_improve_becomes_a_phrasing_with_one_click(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company, site = setup["company"]["id"], setup["site"]["id"]
    entries = [add_entry(client, company, **fields) for fields in (SHIPPING, FREIGHT, INVOICE)]
    for _ in range(2):
        decision, _ = ask_the_bot(appliance, site, "你们支持花呗分期吗")
        assert decision.entry_id is None
    ask_the_bot(appliance, site, "可以用信用卡付款吗")
    page = signed_in(new_page, appliance, "#/kb/improve")
    rows = hook(page, "kb-improve-row")
    rows.first.wait_for()
    assert [r.inner_text() for r in hook(page, "kb-improve-text").all()] == [
        "你们支持花呗分期吗", "可以用信用卡付款吗"]
    assert "被问 2 次" in rows.first.inner_text()
    screenshot(page, "kb-improve")
    rows.first.locator('[data-test="kb-improve-phrasing"]').click()
    search = hook(page, "kb-improve-search")
    search.fill("运费")
    pick = page.locator('[data-test="kb-improve-result"]', has_text="运费怎么收").locator(
        '[data-test="kb-improve-pick"]')
    pick.click()
    page.locator('[data-test="kb-improve-row"]', has_text="你们支持花呗分期吗").wait_for(
        state="detached")
    r = client.get(f"/api/kb/entries/{entries[1]['id']}")
    assert r.json()["entry"]["phrasings"] == ["你们支持花呗分期吗"]
    # The entry lists it, and the handled list keeps the question.
    page.goto(f"{appliance.url}/app/#/kb/{entries[1]['id']}")
    assert hook(page, "kb-phrasings").input_value() == "你们支持花呗分期吗"
    page.goto(f"{appliance.url}/app/#/kb/improve")
    hook(page, "kb-improve-resolved").click()
    page.locator('[data-test="kb-improve-row"]', has_text="你们支持花呗分期吗").wait_for()
    # The other one becomes a new entry with its own answer.
    hook(page, "kb-improve-open").click()
    row = page.locator('[data-test="kb-improve-row"]', has_text="可以用信用卡付款吗")
    row.locator('[data-test="kb-improve-entry"]').click()
    row.locator('[data-test="kb-answer-editor"]').click()
    page.keyboard.type("支持，信用卡和花呗都可以。")
    row.locator('[data-test="kb-improve-save-entry"]').click()
    hook(page, "kb-improve-empty").wait_for()
    made = [e for e in all_entries(client, company)["entries"]
            if e["question"] == "可以用信用卡付款吗"]
    assert len(made) == 1 and made[0]["answer_text"] == "支持，信用卡和花呗都可以。"


def test_a_question_to_improve_offers_only_entries_its_site_gets(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company, site = setup["company"]["id"], setup["site"]["id"]
    other = client.post("/api/sites", json={"name": "二号站", "url": "https://s2.example",
                                            "company_id": company}).json()["site"]["id"]
    shared = add_entry(client, company, **FREIGHT)
    add_entry(client, company, question="运费（二号站）怎么收？", answer="二号站包邮",
              site_id=other)
    add_entry(client, company, question="运费（停用）怎么收？", answer="停用", enabled=False)
    mine = add_entry(client, company, question="运费（本站）怎么收？", answer="本站", site_id=site)
    decision, _ = ask_the_bot(appliance, site, "你们支持花呗分期吗")
    assert decision.entry_id is None
    page = signed_in(new_page, appliance, "#/kb/improve")
    row = page.locator('[data-test="kb-improve-row"]', has_text="你们支持花呗分期吗")
    row.locator('[data-test="kb-improve-phrasing"]').click()
    hook(page, "kb-improve-search").fill("运费")
    results = page.locator('[data-test="kb-improve-result"]')
    page.locator('[data-test="kb-improve-result"]', has_text="运费（本站）").wait_for()
    assert sorted(int(r.get_attribute("data-id") or 0) for r in results.all()) == sorted(
        [shared["id"], mine["id"]])
    # A new entry for it may be for the whole company or for the question's site only.
    page.reload()
    row.locator('[data-test="kb-improve-entry"]').click()
    options = row.locator('[data-test="kb-site"] option')
    options.first.wait_for(state="attached")
    assert [o.get_attribute("value") for o in options.all()] == ["", str(site)]


def test_testing_the_bot_shows_its_decision_and_the_site_sets_when_it_answers(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company, site = setup["company"]["id"], setup["site"]["id"]
    shipping = add_entry(client, company, **SHIPPING)
    add_entry(client, company, **FREIGHT)
    page = signed_in(new_page, appliance, "#/kb/test")
    hook(page, "kb-test-text").fill("下单后多久发货？")
    hook(page, "kb-test-ask").click()
    result = hook(page, "kb-test-result")
    result.wait_for()
    assert result.get_attribute("data-action") == "answer"
    # A weighted score, not a probability (api.md: it can exceed 1): shown as a number.
    assert re.fullmatch(r"置信度得分：\d+\.\d\d", hook(page, "kb-test-confidence").inner_text())
    assert hook(page, "kb-test-candidate").first.get_attribute("data-id") == str(shipping["id"])
    hook(page, "kb-test-answer").get_by_text("付款后24小时内发货。").wait_for()
    hook(page, "kb-test-text").fill("转人工")
    hook(page, "kb-test-ask").click()
    page.locator('[data-test="kb-test-result"][data-action="handover"]').wait_for()
    screenshot(page, "kb-test")
    # Nothing was recorded for the "to improve" list.
    assert client.get(f"/api/companies/{company}/kb/improve").json()["questions"] == []
    # The site page sets when the bot answers and its name.
    page.goto(f"{appliance.url}/app/#/sites/{site}")
    hook(page, "site-bot-mode").select_option("offline")
    hook(page, "site-bot-name").fill("小悦")
    hook(page, "site-bot-save").click()
    hook(page, "toast").filter(has_text="机器人设置已保存").wait_for()
    assert client.get(f"/api/sites/{site}/bot").json()["bot"] == {
        "site_id": site, "mode": "offline", "name": "小悦"}
    hook(page, "site-bot-name").fill("名" * 41)
    hook(page, "site-bot-save").click()
    error = hook(page, "site-bot").locator('[data-test="error"]')
    error.wait_for()
    assert "40" in error.inner_text()
    screenshot(page, "kb-site-bot")


PASTED = ('<p style="color:red" onclick="window.pwned=4">从网页复制的<b>答案</b></p>'
          '<script>window.pwned=5</script><iframe src="https://evil.example/"></iframe>'
          '<a href="javascript:window.pwned=6">坏链接</a> <a href="https://example.com/ok">好链接</a>')


def test_pasted_html_keeps_only_what_an_answer_may_hold(appliance: Appliance, owner,
                                                        new_page) -> None:
    client, setup = owner
    page = signed_in(new_page, appliance, "#/kb/new")
    hook(page, "kb-question").fill("复制的答案？")
    box = hook(page, "kb-answer-editor")
    box.click()
    box.evaluate("""(box, html) => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', 'plain');
        box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                       cancelable: true}));
    }""", PASTED)
    box.locator('a[href="https://example.com/ok"]').wait_for()
    assert box.locator("script, iframe, [onclick], [style], a[href^='javascript']").count() == 0
    assert "坏链接" in box.inner_text()  # the text stays, the link goes
    hook(page, "kb-save").click()
    page.wait_for_url(re.compile(r"#/kb/\d+$"))
    [entry] = all_entries(client, setup["company"]["id"])["entries"]
    assert "<b>答案</b>" in entry["answer"] and 'href="https://example.com/ok"' in entry["answer"]
    for bad in ("script", "iframe", "onclick", "style", "javascript", "pwned"):
        assert bad not in entry["answer"], entry["answer"]
    assert page.evaluate("window.pwned") is None


def test_each_company_has_its_own_knowledge_base_and_refusals_are_worded(
        appliance: Appliance, owner, new_page, tmp_path: Path) -> None:
    client, setup = owner
    other = client.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    r = client.post("/api/sites", json={"name": "乙站", "url": "https://b.example",
                                        "company_id": other["id"]})
    assert r.status_code == 201, r.text
    add_entry(client, setup["company"]["id"], **SHIPPING)
    add_entry(client, other["id"], **INVOICE)
    page = signed_in(new_page, appliance, "#/kb")
    hook(page, "kb-entry-row").filter(has_text="下单后多久发货").wait_for()
    assert hook(page, "kb-entry-row").count() == 1
    hook(page, "kb-company").select_option(str(other["id"]))
    hook(page, "kb-entry-row").filter(has_text="可以开发票吗").wait_for()
    assert hook(page, "kb-entry-row").count() == 1
    # A new entry of that company can belong to its site, and only to its sites.
    hook(page, "kb-new").click()
    hook(page, "kb-site").wait_for()
    options = hook(page, "kb-site").locator("option").all_inner_texts()
    assert options == ["全公司通用", "乙站"]
    # A file that is not what its format says is refused in the UI's words, in English too.
    page.goto(f"{appliance.url}/app/#/kb/import")
    hook(page, "kb-import-submit").wait_for()
    hook(page, "lang-switch").click()
    page.locator('[data-test="kb-import-submit"]', has_text="Import").wait_for()
    csv = tmp_path / "faq.csv"
    csv.write_text("question,answer\nA?,B\n", "utf-8")
    hook(page, "kb-import-format").select_option("xlsx")
    import_file(page, csv)
    error = hook(page, "kb-import-form").locator('[data-test="error"]')
    error.wait_for()
    assert "This file cannot be imported" in error.inner_text()
    assert "XLSX" in error.inner_text()
    assert all_entries(client, other["id"])["total"] == 1


def test_no_knowledge_base_field_is_under_16px_on_a_phone(appliance: Appliance, owner,
                                                          new_page) -> None:
    client, setup = owner
    add_entry(client, setup["company"]["id"], **SHIPPING)
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/#/kb")
    hook(page, "kb-entry-row").wait_for()
    screenshot(page, "phone-kb-list")
    page.goto(f"{appliance.url}/app/#/kb/new")
    hook(page, "kb-answer-editor").wait_for()
    sizes = page.evaluate(FIELD_SIZES)
    sizes += page.evaluate("""() => [...document.querySelectorAll('[contenteditable]')]
        .map((e) => [e.dataset.test, parseFloat(getComputedStyle(e).fontSize)])""")
    names = {name for name, _ in sizes}
    assert names >= {"kb-question", "kb-phrasings", "kb-answer-editor", "kb-category",
                     "kb-site"}, names
    assert [(name, size) for name, size in sizes if size < 16] == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "phone-kb-entry")


def test_synonym_groups_are_added_edited_and_deleted(appliance: Appliance, owner,
                                                     new_page) -> None:
    client, setup = owner
    company = setup["company"]["id"]
    page = signed_in(new_page, appliance, "#/kb/synonyms")
    hook(page, "kb-synonyms-empty").wait_for()
    terms = hook(page, "kb-synonym-terms")
    terms.fill("花呗、花呗")
    hook(page, "kb-synonym-save").click()
    assert "至少输入两个不同的词" in page.locator('[data-test="error"]').first.inner_text()
    terms.fill("花呗，分期付款、huabei")
    hook(page, "kb-synonym-save").click()
    row = hook(page, "kb-synonym-row")
    row.wait_for()
    assert row.locator(".chip").all_inner_texts() == ["花呗", "分期付款", "huabei"]
    row.locator('[data-test="kb-synonym-edit"]').click()
    dialog = hook(page, "dialog")
    dialog.locator('[data-test="kb-synonym-terms"]').fill("花呗, 分期")
    hook(page, "confirm-ok").click()
    # "分期付款" holds "分期" too: wait until the edited group is shown, not the old one
    page.locator('[data-test="kb-synonym-row"] .chip', has_text="huabei").wait_for(
        state="detached")
    assert hook(page, "kb-synonym-row").locator(".chip").all_inner_texts() == ["花呗", "分期"]
    [group] = client.get(f"/api/companies/{company}/kb/synonyms").json()["synonyms"]
    assert group["terms"] == ["花呗", "分期"]
    hook(page, "kb-synonym-row").locator('[data-test="kb-synonym-delete"]').click()
    hook(page, "confirm-ok").click()
    hook(page, "kb-synonyms-empty").wait_for()
    assert client.get(f"/api/companies/{company}/kb/synonyms").json()["synonyms"] == []


def test_a_big_import_shows_progress_then_pages_filter_and_delete(appliance: Appliance, owner,
                                                                  new_page,
                                                                  tmp_path: Path) -> None:
    client, setup = owner
    company = setup["company"]["id"]
    csv = tmp_path / "big.csv"
    lines = ["问题,答案,分类"] + [f"第{i}号商品多少钱？,{i}元。,{'价格' if i % 2 else '其他'}"
                                 for i in range(1, 3001)]
    csv.write_text("\n".join(lines) + "\n", "utf-8")
    page = signed_in(new_page, appliance, "#/kb/import")
    # Hold the request, as a slow link would, until the progress has been seen; then let it go.
    held: list = []
    page.route("**/kb/import*", lambda route: held.append(route))
    import_file(page, csv)
    hook(page, "kb-import-progress").wait_for()
    assert len(held) == 1
    held[0].continue_()
    page.locator('[data-test="kb-import-result"][data-outcome="imported"]').wait_for()
    assert hook(page, "kb-import-progress").is_hidden()
    assert all_entries(client, company)["total"] == 3000
    page.unroute("**/kb/import*")
    page.goto(f"{appliance.url}/app/#/kb")
    count = hook(page, "kb-count")
    count.filter(has_text="共 3000 条").wait_for()
    assert hook(page, "kb-entry-row").count() == 50
    hook(page, "kb-next").click()
    count.filter(has_text="第 51–100 条").wait_for()
    hook(page, "kb-filter-category").select_option("价格")
    count.filter(has_text="共 1500 条").wait_for()
    hook(page, "kb-search").fill("第2999号")
    hook(page, "kb-search-submit").click()
    count.filter(has_text="共 1 条").wait_for()
    hook(page, "kb-entry-row").locator("a").click()
    hook(page, "kb-delete").click()
    hook(page, "confirm-ok").click()
    hook(page, "kb-empty").wait_for()
    assert all_entries(client, company)["total"] == 2999
