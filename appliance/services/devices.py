"""A visitor's browser, system and device, read from the User-Agent by ua-parser."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse


@lru_cache(maxsize=1024)
def describe(user_agent: str) -> dict[str, str]:
    if not user_agent:
        return {"browser": "", "os": "", "device": ""}
    result = parse(user_agent[:500])
    browser = result.user_agent
    system = result.os
    device = result.device
    return {
        "browser": " ".join(p for p in (browser.family, browser.major) if p) if browser else "",
        "os": " ".join(p for p in (system.family, system.major) if p) if system else "",
        "device": device.family if device and device.family != "Other" else "",
    }
