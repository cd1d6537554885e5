"""Users and companies."""

from __future__ import annotations

from typing import Any

from appliance.domain.company_settings import settings_json
from appliance.domain.model import Company, User
from appliance.wire import timestamp


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "login": user.login, "display_name": user.display_name,
        "role": user.role.value, "active": user.active, "language": user.language,
        "max_chats": user.max_chats, "company_id": user.company_id,
        "site_ids": list(user.site_ids), "created_at": timestamp(user.created_at),
    }


def colleague_json(user: User) -> dict[str, Any]:
    """A colleague an agent may hand a conversation to."""
    return {"id": user.id, "display_name": user.display_name, "role": user.role.value,
            "site_ids": list(user.site_ids)}


def company_json(company: Company) -> dict[str, Any]:
    return {"id": company.id, "name": company.name, "max_chats": company.max_chats,
            "settings": settings_json(company.settings),
            "created_at": timestamp(company.created_at)}
