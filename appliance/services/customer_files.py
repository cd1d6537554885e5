"""Customers in spreadsheets: import from CSV (UTF-8, or GBK as Excel saves it) or XLSX with
phone numbers normalised and duplicates reported (never silently merged); export to CSV or
XLSX with formula-looking cells escaped. Owners and admins only; exports are audited."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from appliance.domain.customers import Customer, ImportReport, clean_customer
from appliance.domain.errors import DomainError, Invalid
from appliance.domain.model import Company, User
from appliance.domain.permissions import require_install_manager
from appliance.services.context import Services
from appliance.services.customers import access_company
from appliance.services.phones import clean_phone, display_phone
from appliance.services.spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    cell_text,
    read_table,
    write_csv,
    write_xlsx,
)
from appliance.storage import accounts
from appliance.storage import customers as store

FORMATS = ("csv", "xlsx")
ROWS_MAX = 20_000
EXPORT_MAX = 200_000
COLUMNS = ("id", "name", "phone", "email", "wechat", "qq", "company", "address", "tags",
           "owner", "created_at")
HEADERS = {
    "name": ("name", "姓名", "名字", "客户", "客户名称", "联系人"),
    "phone": ("phone", "电话", "手机", "手机号", "手机号码", "联系电话"),
    "email": ("email", "e-mail", "邮箱", "电子邮件", "邮件"),
    "wechat": ("wechat", "微信", "微信号"),
    "qq": ("qq",),
    "company": ("company", "公司", "单位", "企业"),
    "address": ("address", "地址"),
    "tags": ("tags", "标签"),
}
_TAG_SPLIT = re.compile(r"[,，;；|、]")


def format_of(name: str, requested: str | None) -> str:
    fmt = (requested or (name.rsplit(".", 1)[-1] if "." in name else "")).lower()
    if fmt not in FORMATS:
        raise Invalid("format must be csv or xlsx", field="format")
    return fmt


def _header(row: list[Any], company: Company) -> dict[str, int]:
    found: dict[str, int] = {}
    custom = {f.key.lower(): f.key for f in company.settings.customer_fields}
    custom.update({f.label.lower(): f.key for f in company.settings.customer_fields})
    for position, cell in enumerate(row):
        name = cell_text(cell).strip().lower()
        for column, names in HEADERS.items():
            if name in names:
                found.setdefault(column, position)
        if name in custom:
            found.setdefault("custom." + custom[name], position)
    if not {"name", "phone", "email", "wechat", "qq"} & set(found):
        raise Invalid("The first row must name the columns: at least name or phone (姓名, 电话)",
                      field="file")
    return found


def _raw(row: list[Any], columns: dict[str, int]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for column, position in columns.items():
        text = cell_text(row[position]).strip() if position < len(row) else ""
        if column.startswith("custom."):
            if text:
                custom[column[7:]] = text
        elif column == "tags":
            data["tags"] = [t.strip() for t in _TAG_SPLIT.split(text) if t.strip()]
        else:
            data[column] = text
    if custom:
        data["custom"] = custom
    return data


async def access_files(svc: Services, actor: User, company_id: int) -> Company:
    """Imports and exports: owners and admins, of a company they reach."""
    require_install_manager(actor)
    return await access_company(svc, actor, company_id)


async def check_import(svc: Services, actor: User, company_id: int, *, name: str, data: bytes,
                       fmt: str | None, dry_run: bool) -> ImportReport:
    """Every row is checked first: broken rows refuse the whole file (400, each named). Rows
    whose phone or e-mail is already a customer's (or an earlier row's) are reported as
    duplicates and not imported; the rest are stored in one transaction."""
    company = await access_files(svc, actor, company_id)
    table = await asyncio.to_thread(read_table, format_of(name, fmt), data, ROWS_MAX)
    if not table:
        return ImportReport(0)
    columns = _header(table[0], company)
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(table[1:], start=2):
        raw = _raw(row, columns)
        if not any(raw.values()):
            continue
        if len(rows) + len(errors) >= ROWS_MAX:
            errors.append({"row": number, "message": f"more than {ROWS_MAX} rows in one file",
                           "code": "too_large", "field": None})
            break
        try:
            fields = clean_customer(raw, company.settings, clean_phone, creating=True,
                                    from_cells=True)
        except DomainError as exc:
            errors.append({"row": number, "message": exc.message, "code": exc.code,
                           "field": exc.field})
            continue
        rows.append((number, {**fields, "owner_id": actor.id}))
    if errors and not dry_run:
        shown = "; ".join(f"row {e['row']}: {e['message']}" for e in errors[:20])
        raise Invalid(f"{len(errors)} broken row(s), nothing imported: {shown}", field="file")
    now = svc.now()

    if dry_run:
        return await svc.db.read(_import_rows_job, company_id, rows, errors, dry_run, now)
    return await svc.db.write(_import_rows_job, company_id, rows, errors, dry_run, now)


def _cells(customer: Customer, owners: dict[int, str], keys: list[str]) -> list[Any]:
    return [customer.id, customer.name, display_phone(customer.phone), customer.email,
            customer.wechat, customer.qq, customer.company, customer.address,
            ", ".join(customer.tags), owners.get(customer.owner_id or 0, ""),
            customer.created_at.replace(microsecond=0).isoformat(sep=" "),
            *(customer.custom.get(k, "") for k in keys)]


async def export(svc: Services, actor: User, company_id: int, fmt: str) -> tuple[bytes, str]:
    require_install_manager(actor)
    company = await access_company(svc, actor, company_id)
    fmt = format_of("", fmt)
    customers = await svc.db.read(store.all_of_company, company_id, EXPORT_MAX)
    owners = {u.id: u.display_name for u in await svc.db.read(accounts.list_users)}
    fields = company.settings.customer_fields
    header = (*COLUMNS, *(f.label for f in fields))
    rows = [_cells(c, owners, [f.key for f in fields]) for c in customers]
    await svc.db.write(store.audit, company_id, actor.id, actor.display_name,
                       "customers_exported", f"{len(rows)} customers ({fmt})", svc.now())
    if fmt == "csv":
        return write_csv(header, rows), CSV_TYPE
    return write_xlsx([("customers", header, rows)]), XLSX_TYPE


def _import_rows_job(company_id: int, rows: list[tuple[int, dict[str, Any]]],
                     errors: list[dict[str, Any]], dry_run: bool, now: datetime) -> ImportReport:
    duplicates: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    imported = 0
    for number, fields in rows:
        keys = [k for k in (fields.get("phone"), fields.get("email")) if k]
        existing = store.find_by_contact(company_id, fields.get("phone", ""),
                                         fields.get("email", ""))
        earlier = next((seen[k] for k in keys if k in seen), None)
        if existing is not None or earlier is not None:
            duplicates.append({"row": number, "customer_id": existing.id if existing else None,
                               "duplicate_of_row": earlier,
                               "phone": display_phone(fields.get("phone", "")),
                               "email": fields.get("email", "")})
            continue
        for key in keys:
            seen[key] = number
        if not dry_run:
            store.create_customer(company_id, fields, now)
        imported += 1
    return ImportReport(0 if dry_run else imported, duplicates, errors, imported)
