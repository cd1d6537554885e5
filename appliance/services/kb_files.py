"""Knowledge-base files: import from CSV (UTF-8 or GBK as Excel saves it), XLSX (read with
python-calamine) and JSONL; export to the same formats (XLSX written with XlsxWriter).

An import is checked row by row first; one broken row refuses the whole file with every
broken row reported by its number, so nothing is ever half-imported. Exported cells that a
spreadsheet would run as a formula (= + - @ at the start) are escaped with a quote."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.domain.errors import BadJson, DomainError, Invalid
from appliance.domain.kb import KbEntry
from appliance.services.spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    cell_text,
    decode_text,
    read_table,
    write_csv,
    write_xlsx,
)
from appliance.wire import json_in

FORMATS = ("csv", "xlsx", "jsonl")
ROWS_MAX = 10_000
COLUMNS = ("question", "phrasings", "answer", "category", "enabled", "site_id")
# Header names accepted on import (English or Chinese), by column.
HEADERS = {
    "question": ("question", "问题", "标准问题", "标准问"),
    "phrasings": ("phrasings", "相似问法", "相似问题", "问法", "其他问法"),
    "answer": ("answer", "答案", "回答", "回复"),
    "category": ("category", "分类", "类别"),
    "enabled": ("enabled", "启用", "是否启用", "状态"),
    "site_id": ("site_id", "站点id", "站点编号"),
}
_TRUE = frozenset({"", "1", "true", "yes", "y", "是", "启用", "开启", "on"})
_FALSE = frozenset({"0", "false", "no", "n", "否", "停用", "禁用", "关闭", "off"})


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the owner sees it: the spreadsheet's row number or the file's line
    message: str


class ImportRejected(Invalid):
    """The file has broken rows; nothing was imported."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} broken row(s), nothing imported: {shown}{more}",
                         field="file")
        self.errors = tuple(errors)


def format_of(name: str, requested: str | None) -> str:
    fmt = (requested or (name.rsplit(".", 1)[-1] if "." in name else "")).lower()
    if fmt == "json":
        fmt = "jsonl"
    if fmt not in FORMATS:
        raise Invalid("format must be csv, xlsx or jsonl", field="format")
    return fmt


def read_rows(fmt: str, data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw fields) for each non-empty row of the file."""
    if fmt == "jsonl":
        yield from _jsonl_rows(decode_text(data))
    else:
        yield from _table_rows(read_table(fmt, data, ROWS_MAX))


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Lines end at `\n` only (JSON Lines; a `\r` before it is dropped): U+2028, U+2029 and
    U+0085 are text inside a JSON string, as our own export writes them. Each line is read as
    strictly as a request body (no NaN, no lone surrogates, nesting bounded)."""
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            item = json_in.loads(line)
        except BadJson as exc:
            yield number, {"_error": f"not valid JSON ({exc.message})"}
            continue
        yield number, item if isinstance(item, dict) else {"_error": "not a JSON object"}


def _header_map(header: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = str(cell or "").strip().lower()
        for column, names in HEADERS.items():
            if name in names:
                found.setdefault(column, position)
    if "question" not in found or "answer" not in found:
        raise Invalid("The first row must name the columns: question and answer at least "
                      "(问题, 答案)", field="file")
    return found


def _table_rows(table: list[list[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    if not table:
        return
    columns = _header_map(table[0])
    for number, row in enumerate(table[1:], start=2):
        texts = {c: cell_text(row[i]) if i < len(row) else "" for c, i in columns.items()}
        if not any(texts.values()):
            continue
        cells: dict[str, Any] = dict(texts)
        if "phrasings" in texts:
            cells["phrasings"] = split_phrasings(texts["phrasings"])
        if texts.get("site_id"):
            cells["site_id"] = _site_number(texts["site_id"].strip())
        yield number, cells


def split_phrasings(cell: str) -> list[str]:
    """A phrasings cell: one per line (as we export them, so a `|` inside a phrasing stays),
    or, in a cell without a line break, separated by `|` (older and hand-made files)."""
    parts = cell.splitlines() if "\n" in cell or "\r" in cell else cell.split("|")
    return [cell_text(p) for p in parts if p.strip()]


def _site_number(text: str) -> Any:
    """A site's id as the export writes it; anything else is left for validation to refuse
    (a spreadsheet may hand a whole number over as "3" or "3.0", cell_text makes it "3")."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else text


def enabled_value(value: Any) -> Any:
    """Spreadsheet words for yes and no; anything else is left for validation to refuse."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return value


def collect(rows: Iterator[tuple[int, dict[str, Any]]], clean: Any
            ) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Every row cleaned by `clean(raw)`, or the errors of all broken rows."""
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for number, raw in rows:
        if len(good) + len(errors) >= ROWS_MAX:
            errors.append(RowError(number, f"more than {ROWS_MAX} rows in one file"))
            break
        if "_error" in raw:
            errors.append(RowError(number, str(raw["_error"])))
            continue
        try:
            good.append(clean(raw))
        except DomainError as exc:
            errors.append(RowError(number, exc.message))
    return good, errors


# -- export ---------------------------------------------------------------------------------

def _record(entry: KbEntry) -> dict[str, Any]:
    return {"question": entry.question, "phrasings": list(entry.phrasings),
            "answer": entry.answer, "category": entry.category, "enabled": entry.enabled,
            "site_id": entry.site_id}


def _cells(entry: KbEntry) -> list[Any]:
    return [entry.question, _phrasings_cell(entry.phrasings), entry.answer, entry.category,
            "1" if entry.enabled else "0", "" if entry.site_id is None else entry.site_id]


def _phrasings_cell(phrasings: Sequence[str]) -> str:
    """One phrasing per line. A single phrasing containing `|` gets a line break after it,
    so that the import splits the cell on line breaks, not on its `|`."""
    cell = "\n".join(phrasings)
    return cell + "\n" if len(phrasings) == 1 and "|" in cell else cell


def export(fmt: str, entries: Sequence[KbEntry]) -> tuple[bytes, str]:
    """The file's bytes and its media type."""
    if fmt == "jsonl":
        lines = (json.dumps(_record(e), ensure_ascii=False) + "\n" for e in entries)
        return "".join(lines).encode("utf-8"), "application/x-ndjson; charset=utf-8"
    if fmt == "csv":
        return write_csv(COLUMNS, (_cells(e) for e in entries)), CSV_TYPE
    return write_xlsx([("knowledge base", COLUMNS, (_cells(e) for e in entries))]), XLSX_TYPE
