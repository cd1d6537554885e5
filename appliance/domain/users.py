"""Rules for user accounts: the fields an admin may set and who may change whom."""

from __future__ import annotations

from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Forbidden, Invalid
from appliance.domain.model import Role, User
from appliance.domain.routing import MAX_CHATS_LIMIT

CREATE_FIELDS = ("login", "display_name", "role", "password", "site_ids", "language",
                 "company_id")
UPDATE_FIELDS = ("display_name", "role", "site_ids", "language", "max_chats", "company_id")
SELF_FIELDS = ("display_name", "language")


def clean_new_user(data: Any) -> dict[str, Any]:
    body = v.only_fields(data, CREATE_FIELDS)
    for required in ("login", "display_name", "role", "password"):
        if required not in body:
            raise Invalid(f"{required} is required", field=required)
    return {
        "login": v.clean_login(body["login"]),
        "display_name": v.clean_name(body["display_name"], "display_name"),
        "role": v.clean_role(body["role"]),
        "password": v.check_password(body["password"]),
        "site_ids": v.clean_id_list(body.get("site_ids", []), "site_ids"),
        "language": v.clean_language(body.get("language", "zh-CN")),
        "company_id": _clean_company(body.get("company_id")),
    }


def clean_user_update(data: Any, allowed: tuple[str, ...] = UPDATE_FIELDS) -> dict[str, Any]:
    body = v.only_fields(data, allowed)
    fields: dict[str, Any] = {}
    if "display_name" in body:
        fields["display_name"] = v.clean_name(body["display_name"], "display_name")
    if "role" in body:
        fields["role"] = v.clean_role(body["role"])
    if "site_ids" in body:
        fields["site_ids"] = v.clean_id_list(body["site_ids"], "site_ids")
    if "language" in body:
        fields["language"] = v.clean_language(body["language"])
    if "company_id" in body:
        fields["company_id"] = _clean_company(body["company_id"])
    if "max_chats" in body:  # None: the company's default
        fields["max_chats"] = None if body["max_chats"] is None else v.clean_int(
            body["max_chats"], "max_chats", 1, MAX_CHATS_LIMIT)
    return fields


def _clean_company(value: Any) -> int | None:
    return None if value is None else v.clean_id(value, "company_id")


def check_client_fields(role: Role, company_id: int | None, site_ids: tuple[int, ...]) -> None:
    """A client account is bound to one company and serves no site; staff have no company."""
    if role is Role.CLIENT:
        if company_id is None:
            raise Invalid("A client account needs its company", field="company_id")
        if site_ids:
            raise Invalid("A client account serves no site", field="site_ids")
    elif company_id is not None:
        raise Invalid("Only client accounts belong to one company", field="company_id")


def check_keeps_an_owner(target: User, new_role: Role | None, deactivating: bool,
                         active_owners: int) -> None:
    """The install always keeps at least one active owner."""
    loses_owner = target.role is Role.OWNER and target.active and (
        deactivating or (new_role is not None and new_role is not Role.OWNER))
    if loses_owner and active_owners <= 1:
        raise Forbidden("The install must keep at least one active owner")
