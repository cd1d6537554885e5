"""Knowledge-base files over the real server: CSV and XLSX exports imported back unchanged
(phrasings containing `|`, site entries keeping their site), the `site_id` column checked
row by row, and hand-made phrasings cells split on `|` or on line breaks."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import xlsxwriter
from conftest import Appliance
from test_kb import add, csv_bytes, entries, two_companies, upload

FIELDS = ("question", "phrasings", "answer", "category", "enabled", "site_id")


@pytest.fixture
def world(appliance: Appliance, owner: Any) -> dict[str, Any]:
    """Company A (site A) and company B (site B); an agent of each (test_kb.py)."""
    return two_companies(appliance, owner)


def second_site(owner: Any, company_id: int) -> int:
    r = owner.post("/api/sites", json={"name": "A2", "url": "https://a2.example",
                                       "company_id": company_id})
    assert r.status_code == 201, r.text
    return int(r.json()["site"]["id"])


def kept(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(e[f] for f in FIELDS) for e in found]


def export(owner: Any, company_id: int, fmt: str) -> bytes:
    r = owner.get(f"/api/companies/{company_id}/kb/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(world, fmt: str) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    other = second_site(owner, a)
    add(owner, a, question="A和B有什么区别？", answer="见型号表",
        phrasings=["A|B有什么区别", "型号对比", "a | b | c"], category="型号")
    add(owner, a, question="只有一个问法", answer="一个", phrasings=["X|Y哪个好"])
    add(owner, a, question="公式", answer="不会运行", phrasings=["=cmd|' /C calc'!A0"])
    add(owner, a, question="S1的内部价格", answer="八折", site_id=site, enabled=False)
    add(owner, a, question="S2的内部价格", answer="七折", site_id=other,
        phrasings=["S2|内部价"])
    add(owner, a, question="没有问法", answer="无")
    before = kept(entries(owner, a))
    data = export(owner, a, fmt)
    r = upload(owner, a, f"kb.{fmt}", data, mode="replace")
    assert r.status_code == 201, r.text
    after = entries(owner, a)
    assert kept(after) == before
    # The site entry stays off the other site: suggestions on S1 never offer it.
    r = owner.post(f"/api/sites/{site}/kb/suggest", json={"text": "S2的内部价格", "limit": 10})
    assert "S2的内部价格" not in [s["entry"]["question"] for s in r.json()["suggestions"]]


def test_the_csv_export_has_a_site_id_column(world) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    add(owner, a, question="站点的", answer="a", site_id=site, phrasings=["p|q"])
    add(owner, a, question="公共的", answer="b", phrasings=["一", "二"])
    rows = list(csv.reader(io.StringIO(export(owner, a, "csv").decode("utf-8-sig"))))
    assert rows[0] == list(FIELDS)
    assert rows[1] == ["站点的", "p|q\n", "a", "", "1", str(site)]
    assert rows[2] == ["公共的", "一\n二", "b", "", "1", ""]


@pytest.mark.parametrize("cell, phrasings", [
    ("几时发货|什么时候寄出", ["几时发货", "什么时候寄出"]),  # older and hand-made files
    ("几时发货 | 什么时候寄出|", ["几时发货", "什么时候寄出"]),
    ("A|B哪个好\n型号对比", ["A|B哪个好", "型号对比"]),  # a line break: lines only
    ("A|B哪个好\r\n型号对比\r\n", ["A|B哪个好", "型号对比"]),
    ("A|B哪个好\n", ["A|B哪个好"]),
    ("", []),
])
def test_a_phrasings_cell_is_split_on_line_breaks_else_on_bars(world, cell, phrasings) -> None:
    owner, a = world["owner"], world["a"]
    data = csv_bytes([["问题", "相似问法", "答案"], ["发货时间？", cell, "24小时内"]], "utf-8")
    r = upload(owner, a, "kb.csv", data)
    assert r.status_code == 201, r.text
    assert entries(owner, a)[0]["phrasings"] == phrasings


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_site_id_column_is_checked_row_by_row(world, fmt: str) -> None:
    owner, a, site = world["owner"], world["a"], world["site_a"]
    add(owner, a, question="已有的问题", answer="已有的答案")
    rows: list[list[Any]] = [
        ["question", "answer", "site_id"],
        ["公共的", "a", ""],                     # row 2: company-wide
        ["本站的", "b", str(site)],              # row 3
        ["别家公司的站", "c", str(world["site_b"])],  # row 4: another company's site
        ["不是数字", "d", "A站"],                # row 5
        ["阿拉伯数字", "e", "١"],                # row 6
        ["零", "f", "0"],                        # row 7
        ["负数", "g", "-1"],                     # row 8
        ["没有的站", "h", "999999"],             # row 9
    ]
    data = csv_bytes(rows, "utf-8") if fmt == "csv" else xlsx_bytes(rows)
    r = upload(owner, a, f"kb.{fmt}", data, mode="replace")
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid"
    message = r.json()["error"]["message"]
    for row in range(4, 10):
        assert f"row {row}:" in message, (row, message)
    assert "row 2:" not in message and "row 3:" not in message
    assert [e["question"] for e in entries(owner, a)] == ["已有的问题"]  # nothing half-done
    r = upload(owner, a, f"kb.{fmt}", data, dry_run=1)
    assert [e["row"] for e in r.json()["errors"]] == [4, 5, 6, 7, 8, 9]
    good = rows[:3] if fmt == "csv" else [rows[0], rows[1], ["本站的", "b", site]]
    data = csv_bytes(good, "utf-8") if fmt == "csv" else xlsx_bytes(good)
    r = upload(owner, a, f"kb.{fmt}", data, mode="replace")
    assert r.status_code == 201, r.text
    assert [(e["question"], e["site_id"]) for e in entries(owner, a)] == [
        ("公共的", None), ("本站的", site)]


def test_a_jsonl_export_with_line_separators_in_text_imports_back(world) -> None:
    """U+2028, U+2029 and U+0085 are text inside a JSON string (the export leaves them as
    they are); JSON Lines end at `\\n` only, so the import reads the export back."""
    owner, a = world["owner"], world["a"]
    add(owner, a, question="第一问", answer="一行\u2028两行\u2029三段\u0085完")
    add(owner, a, question="第二问", answer="普通")
    before = kept(entries(owner, a))
    r = upload(owner, a, "kb.jsonl", export(owner, a, "jsonl"), mode="replace")
    assert r.status_code == 201, r.text
    assert kept(entries(owner, a)) == before
    # A broken line is named by its line in the file, counted at `\n` only.
    data = ('{"question": "好", "answer": "a\u2028b"}\r\n'
            '{"question": "坏", "answer": "x"\n').encode()
    r = upload(owner, a, "kb.jsonl", data, dry_run=1)
    assert r.status_code == 200 and [e["row"] for e in r.json()["errors"]] == [2], r.text


def test_a_jsonl_line_is_read_as_strictly_as_a_request(world) -> None:
    """A lone surrogate in any field (it made the answer's sanitiser fail: a 500), NaN or
    nesting past the limit: that line is broken, nothing is imported."""
    owner, a = world["owner"], world["a"]
    for line in ('{"question": "q", "answer": "a\\udfff"}',
                 '{"question": "q\\ud800", "answer": "a"}',
                 '{"question": "q", "answer": "a", "enabled": NaN}',
                 '{"question": "q", "answer": "a", "x": ' + "[" * 40 + "]" * 40 + "}"):
        for dry_run in (0, 1):
            r = upload(owner, a, "kb.jsonl", (line + "\n").encode(), dry_run=dry_run)
            assert r.status_code == 400 if not dry_run else r.status_code == 200, (line, r.text)
            body = r.json()
            errors = body["errors"] if dry_run else None
            if dry_run:
                assert [e["row"] for e in errors] == [1], (line, body)
            else:
                assert body["error"]["code"] == "invalid", (line, body)
    assert entries(owner, a) == []


def _sparse_xlsx(cells: dict[str, str]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for ref, value in cells.items():
        sheet.write(ref, value)
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("path", ["kb/import", "customers/import"])
def test_a_small_file_that_unpacks_to_a_huge_sheet_is_refused_before_it_is_read(
        world, path: str) -> None:
    """1.5 KB of XLSX with one cell at CV1000000 asked python-calamine for a dense range of
    100 million cells (a stall of seconds and ~700 MB held); 50,000 blank CSV lines were read
    whole. Each is refused from where its cells reach, and the server keeps answering."""
    owner, a = world["owner"], world["a"]
    header = {"A1": "问题" if path == "kb/import" else "姓名", "B1": "答案"}
    for cells, words in (({**header, "A2": "x", "CV1000000": "far"}, "longer"),
                         ({**header, "A2": "x", "ZZ2": "wide"}, "wider")):
        data = _sparse_xlsx(cells)
        assert len(data) < 10_000
        r = owner.post(f"/api/companies/{a}/{path}", files={"file": ("big.xlsx", data)})
        assert r.status_code == 400 and words in r.json()["error"]["message"], r.text
    blank = ("问题,答案\n" + "\n" * 50_000 + "q,a\n").encode()
    r = owner.post(f"/api/companies/{a}/{path}", files={"file": ("blank.csv", blank)})
    assert r.status_code == 400 and "longer" in r.json()["error"]["message"], r.text
    # A sheet that fits is read as before.
    fits = _sparse_xlsx({**header, "A2": "营业时间？" if path == "kb/import" else "张三",
                         "B2": "9:00-18:00"})
    r = owner.post(f"/api/companies/{a}/{path}", files={"file": ("ok.xlsx", fits)},
                   params={"dry_run": 1})
    assert r.status_code == 200, r.text


def test_an_import_is_held_to_the_upload_size(start_appliance) -> None:
    appliance = start_appliance(upload_max_bytes=2000)
    owner, setup = appliance.setup()
    a = setup["company"]["id"]
    data = csv_bytes([["问题", "答案"]] + [[f"问题{i}", "答案" * 20] for i in range(40)], "utf-8")
    assert len(data) > 2000
    for path in ("kb/import", "customers/import"):
        r = owner.post(f"/api/companies/{a}/{path}", files={"file": ("big.csv", data)})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large", (path, r.text)
    assert entries(owner, a) == []
