"""What a site's widget offers right now: a chat, a leave-a-message form, or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHAT, LEAVE_MESSAGE, HIDDEN = "chat", "leave_message", "hidden"


@dataclass(frozen=True, slots=True)
class Availability:
    mode: str  # chat | leave_message | hidden
    open: bool  # within business hours
    agents_online: bool
    opens_at: datetime | None = None  # naive UTC: the next opening, when closed by the hours
    hours: dict[str, Any] | None = None  # the weekly hours (weekly_json), None: always open
