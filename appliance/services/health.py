"""Health of the appliance's parts, for monitors."""

from __future__ import annotations

from appliance.storage.health import ping

__all__ = ["ping"]
