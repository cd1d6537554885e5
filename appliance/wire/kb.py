"""The knowledge base on the wire: entries, synonym groups, the bot's settings, suggestions
and the "to improve" list."""

from __future__ import annotations

from typing import Any

from appliance.domain.bot_llm import LlmSettings, key_hint
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


def llm_settings_json(settings: LlmSettings) -> dict[str, Any]:
    """A company's model endpoint as owners see it: never the key itself (whether one is
    set, and the last 4 characters of a long one)."""
    return {"company_id": settings.company_id, "enabled": settings.enabled,
            "base_url": settings.base_url, "model": settings.model,
            "api_key_set": bool(settings.api_key), "api_key_hint": key_hint(settings.api_key),
            "timeout_seconds": settings.timeout_seconds, "max_entries": settings.max_entries}


def llm_test_json(status: str, seconds: float, detail: str) -> dict[str, Any]:
    return {"ok": status == "ok", "status": status, "message": detail,
            "latency_ms": round(seconds * 1000)}


def decision_json(decision: Decision) -> dict[str, Any]:
    """What the bot would do with a message, with the entries it considered, best first
    (also beside an answer: `entry_id` says which one it answered with)."""
    considered = decision.considered or decision.candidates
    return {
        "action": decision.action.value,
        "intent": decision.intent.value,
        "confidence": round(decision.confidence, 4),
        "entry_id": decision.entry_id,
        "candidates": [{"entry": entry_json(c.entry), "score": round(c.score, 4),
                        "coverage": round(c.coverage, 4),
                        "similarity": round(c.similarity, 4) if c.similarity else None}
                       for c in considered],
    }


def improve_json(item: ImproveItem) -> dict[str, Any]:
    return {
        "id": item.id, "company_id": item.company_id, "site_id": item.site_id,
        "text": item.text, "reason": item.reason.value, "entry_id": item.entry_id,
        "count": item.count, "created_at": timestamp(item.created_at),
        "last_at": timestamp(item.last_at), "resolved_at": timestamp(item.resolved_at),
    }
