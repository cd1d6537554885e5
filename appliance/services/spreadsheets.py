"""Spreadsheet files shared by every import and export (knowledge base, customers, reports):
CSV in UTF-8 or GBK/GB18030 as Excel saves it, XLSX read with python-calamine and written with
XlsxWriter, and cells escaped so that a spreadsheet never runs them as formulas."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from python_calamine import CalamineError, CalamineWorkbook

from appliance.domain.errors import Invalid

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GBK/GB18030 as Excel on Chinese
    Windows saves a CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise Invalid("The file is neither UTF-8 nor GBK text", field="file") from exc


def read_table(fmt: str, data: bytes) -> list[list[Any]]:
    """The rows of a CSV file or of an XLSX workbook's first sheet."""
    if fmt == "csv":
        reader = csv.reader(io.StringIO(decode_text(data), newline=""))
        try:
            return list(reader)
        except csv.Error as exc:  # a cell over the csv module's limit (131,072 characters)…
            raise Invalid(f"line {reader.line_num}: {exc}", field="file") from exc
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [list(row) for row in book.get_sheet_by_index(0).to_python()]
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise Invalid("The file is not a readable XLSX workbook", field="file") from exc


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without ".0", our own formula escaping ('=1+1) undone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text[1:] if text.startswith("'") and text[1:2].startswith(FORMULA_START) else text


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs as a formula (= + - @ tab CR escaped
    with a leading quote); numbers stay numbers."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("1" if value else "0")
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM, which makes Excel read it as UTF-8 instead of the system code page."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_number(value: Any) -> Any:
    """A float as its shortest decimal (0.81, not XlsxWriter's 16-digit 0.8100000000000001,
    which reads back as another number), when those digits are the same number."""
    if type(value) is not float or not math.isfinite(value):
        return value
    shortest = Decimal(repr(value))
    return shortest if float(f"{shortest:.16G}") == value else value


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of (sheet name, header, rows); strings are never turned into formulas or
    links."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, list(header), bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, [_xlsx_number(safe_cell(cell)) for cell in row])
    book.close()
    return buffer.getvalue()
