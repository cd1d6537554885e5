"""The customers page in Chromium: an import refused for broken rows lists them in the console's
language (it once showed the chat upload's refusal), and its check says how many rows would be
imported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import hook, log_in

pytestmark = pytest.mark.browser
BROKEN = ("姓名,手机,邮箱,标签\n正常客户,13600136000,,vip\n" + "长" * 90 + ",13600136001,,\n"
          "坏电话,12345,,\n")


def open_customers(page, appliance: Appliance):
    log_in(page, appliance.url, "boss@example.com", OWNER_PASSWORD)
    page.goto(appliance.url + "/app/#/customers")
    hook(page, "customer-files").wait_for()
    return page


def test_a_refused_import_lists_its_broken_rows_in_chinese_and_a_check_counts_the_good_ones(
        appliance: Appliance, owner, new_page, tmp_path: Path) -> None:
    page = open_customers(new_page(), appliance)
    files = hook(page, "customer-files")
    broken = tmp_path / "客户.csv"
    broken.write_text(BROKEN, "utf-8")
    hook(page, "import-file").set_input_files(str(broken))
    hook(page, "import-go").click()
    errors = hook(page, "import-errors").locator("li")
    errors.first.wait_for()
    assert hook(page, "import-summary").inner_text() == (
        "没有导入任何客户：2 行有误，请在文件中改好后重新导入。")
    assert errors.all_inner_texts() == [
        "第 3 行：名称为 1–80 个字符（问题分类最多 40 个，机器人名称 0–40 个），不能含控制字符。",
        "第 4 行：请输入正确的电话号码，如 138 0000 0000 或 +86 10 1234 5678。"]
    assert "无法发送该文件" not in files.inner_text()
    assert owner[0].get(f"/api/companies/{owner[1]['company']['id']}/customers").json()[
        "customers"] == []
    clean = tmp_path / "clean.csv"
    clean.write_text("姓名,手机\n正常客户,13600136000\n", "utf-8")
    hook(page, "import-file").set_input_files(str(clean))
    files.locator("input[name=dry_run]").check()
    hook(page, "import-go").click()
    hook(page, "import-summary").filter(has_text="检查完成").wait_for()
    assert hook(page, "import-summary").inner_text() == (
        "检查完成：可导入 1 位，重复 0 位，错误 0 行。")
    assert hook(page, "import-errors").count() == 0


def test_a_customer_added_with_a_known_phone_names_the_existing_one_and_can_be_added_anyway(
        appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    company_id = setup["company"]["id"]
    r = client.post(f"/api/companies/{company_id}/customers",
                    json={"name": "张三", "phone": "+8613800138000"})
    existing = r.json()["customer"]["id"]
    page = open_customers(new_page(), appliance)
    hook(page, "customer-new").click()
    hook(page, "customer-name").fill("张三丰")
    hook(page, "customer-phone").fill("138-0013-8000")
    hook(page, "confirm-ok").click()
    link = hook(page, "customer-duplicate-link")
    link.wait_for()
    assert link.inner_text() == f"查看已有客户 #{existing}"
    assert "本公司已有客户使用这个电话号码" in hook(page, "dialog").inner_text()
    assert len(client.get(f"/api/companies/{company_id}/customers").json()["customers"]) == 1
    hook(page, "customer-allow-duplicate").check()
    hook(page, "confirm-ok").click()
    page.wait_for_url(re.compile(r"#/customers/\d+"))
    assert int(page.url.rsplit("/", 1)[-1]) != existing
    names = [c["name"] for c in client.get(f"/api/companies/{company_id}/customers").json()[
        "customers"]]
    assert sorted(names) == ["张三", "张三丰"]
