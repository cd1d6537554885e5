"""The knowledge base on the wire: entries, synonym groups, the bot's settings, suggestions
and the "to improve" list."""

from __future__ import annotations

from typing import Any

from appliance.domain.kb import BotSettings, Decision, ImproveItem, KbEntry, SynonymGroup
from appliance.wire import timestamp


def entry_json(entry: KbEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "company_id": entry.company_id, "site_id": entry.site_id,
        "question": entry.question, "phrasings": list(entry.phrasings),
        "answer": entry.answer, "answer_text": entry.answer_text, "category": entry.category,
        "enabled": entry.enabled, "created_at": timestamp(entry.created_at),
        "updated_at": timestamp(entry.updated_at),
    }


def synonym_json(group: SynonymGroup) -> dict[str, Any]:
    return {"id": group.id, "company_id": group.company_id, "terms": list(group.terms)}


def bot_settings_json(settings: BotSettings) -> dict[str, Any]:
    return {"site_id": settings.site_id, "mode": settings.mode.value, "name": settings.name}


def decision_json(decision: Decision) -> dict[str, Any]:
    """What the bot would do with a message, with the entries it considered, best first."""
    return {
        "action": decision.action.value,
        "intent": decision.intent.value,
        "confidence": round(decision.confidence, 4),
        "entry_id": decision.entry_id,
        "candidates": [{"entry": entry_json(c.entry), "score": round(c.score, 4),
                        "coverage": round(c.coverage, 4)} for c in decision.candidates],
    }


def improve_json(item: ImproveItem) -> dict[str, Any]:
    return {
        "id": item.id, "company_id": item.company_id, "site_id": item.site_id,
        "text": item.text, "reason": item.reason.value, "entry_id": item.entry_id,
        "count": item.count, "created_at": timestamp(item.created_at),
        "last_at": timestamp(item.last_at), "resolved_at": timestamp(item.resolved_at),
    }
