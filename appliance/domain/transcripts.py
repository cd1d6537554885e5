"""A conversation's transcript as mailed to its visitor: in the site's language, times in the
company's time zone, system lines in words (the widget's own wording, embed/lang-*.js)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

from appliance.domain.conversations import SYSTEM, Conversation, Message

_WORDS = {
    "zh-CN": {
        "subject": "{site}：聊天记录 #{id}",
        "times": "时间为 {zone} 时间",
        "sys_agent_joined": "{name} 为您服务",
        "sys_transferred": "已为您转接给 {name}",
        "sys_closed": "{name} 结束了对话",
        "sys_reopened": "对话已重新开启",
    },
    "en": {
        "subject": "{site}: chat transcript #{id}",
        "times": "Times are {zone} time",
        "sys_agent_joined": "{name} joined the conversation",
        "sys_transferred": "Transferred to {name}",
        "sys_closed": "{name} ended the conversation",
        "sys_reopened": "The conversation was reopened",
    },
}


def _words(language: str) -> dict[str, str]:
    return _WORDS["en"] if language.lower().startswith("en") else _WORDS["zh-CN"]


def transcript_subject(language: str, site_name: str, conversation_id: int) -> str:
    return _words(language)["subject"].format(site=site_name, id=conversation_id)


def transcript_text(language: str, site_name: str, timezone: str,
                    conversation: Conversation, messages: Sequence[Message]) -> str:
    """Plain text, one line per message the visitor saw (notes never leave the console)."""
    words = _words(language)
    tz = ZoneInfo(timezone)
    lines = [f"{site_name} — #{conversation.id}", words["times"].format(zone=timezone), ""]
    for message in messages:
        if not message.visible_to_visitor:
            continue
        stamp = message.created_at.replace(tzinfo=UTC).astimezone(tz).strftime(
            "%Y-%m-%d %H:%M")
        if message.sender.type == SYSTEM:
            template = words.get("sys_" + message.body)
            line = (template.format(name=message.sender.name) if template
                    else f"{message.body} ({message.sender.name})")
            lines.append(f"[{stamp}] -- {line} --")
            continue
        text = message.body
        if message.attachment is not None:
            text = f"[{message.attachment.name}] {text}".strip()
        lines.append(f"[{stamp}] {message.sender.name}: {text}")
    return "\n".join(lines) + "\n"
