"""Spreadsheet files shared by every import and export (knowledge base, customers, reports):
CSV in UTF-8 or GBK/GB18030 as Excel saves it, XLSX read with python-calamine and written with
XlsxWriter, and cells escaped so that a spreadsheet never runs them as formulas."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
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


# What an import unpacks at most. A spreadsheet is small on disk and may ask for far more when
# read: an XLSX of 1.5 KB with one cell at CV1000000 makes a dense range of 100 million cells.
SHEET_COLUMNS_MAX = 256
SHEET_XML_MAX = 256 * 1024 * 1024  # bytes of the sheets' XML, unpacked
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')


def read_table(fmt: str, data: bytes, max_rows: int) -> list[list[Any]]:
    """The rows of a CSV file or of an XLSX workbook's first sheet: header and up to
    `max_rows` rows and one more (the caller names the row past its limit). A file longer
    than twice that, blank rows counted, or an XLSX sheet wider than SHEET_COLUMNS_MAX columns
    or unpacking to more than SHEET_XML_MAX bytes is refused (`400 invalid`, `field: "file"`)
    before it is read whole. Slow for big files: call it off the event loop."""
    longest = 2 * max_rows + 1
    too_long = Invalid(f"The file is longer than an import takes: at most {max_rows:,} rows "
                       f"(and {longest:,} lines with blank ones)", field="file")
    if fmt == "csv":
        reader = csv.reader(io.StringIO(decode_text(data), newline=""))
        rows: list[list[Any]] = []
        try:
            for row in reader:
                if len(rows) >= longest:
                    raise too_long
                rows.append(row)
        except csv.Error as exc:  # a cell over the csv module's limit (131,072 characters)…
            raise Invalid(f"line {reader.line_num}: {exc}", field="file") from exc
        return rows
    _check_sheet_size(data, longest)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [list(row) for row in book.get_sheet_by_index(0).to_python()]
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise Invalid("The file is not a readable XLSX workbook", field="file") from exc


def _check_sheet_size(data: bytes, longest: int) -> None:
    """Where the workbook's cells with content reach, read from its sheets' XML (streamed,
    never unpacked whole) before python-calamine builds a sheet as one dense range."""
    unreadable = Invalid("The file is not a readable XLSX workbook", field="file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheets = [i for i in archive.infolist()
                  if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        unpacked = 0
        for info in sheets:
            with archive.open(info) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    unpacked += len(chunk)
                    if unpacked > SHEET_XML_MAX:
                        raise Invalid("The workbook is larger than an import takes",
                                      field="file")
                    text = tail + chunk
                    cut = text.rfind(b">") + 1
                    for column, row, empty in _CELL.findall(text[:cut]):
                        if empty:
                            continue
                        if int(row) > longest:
                            raise Invalid(f"The sheet is longer than an import takes: at most "
                                          f"{longest:,} rows", field="file")
                        if _column_number(column) > SHEET_COLUMNS_MAX:
                            raise Invalid(f"The sheet is wider than an import takes: at most "
                                          f"{SHEET_COLUMNS_MAX} columns", field="file")
                    tail = text[cut:][-4096:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise unreadable from exc


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


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
