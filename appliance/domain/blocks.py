"""Blocked visitors: by visitor, by address or by address range, per company or per site."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid

VISITOR, IP, RANGE = "visitor", "ip", "range"
KINDS = (VISITOR, IP, RANGE)
REASON_MAX = 200
# A range wider than this would block whole regions or providers by mistake.
V4_PREFIX_MIN, V6_PREFIX_MIN = 8, 16


@dataclass(frozen=True, slots=True)
class Block:
    id: int
    company_id: int
    site_id: int | None  # None: every site of the company
    kind: str
    value: str
    reason: str
    created_by: int | None
    created_at: datetime
    removed_at: datetime | None = None
    removed_by: int | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


def clean_value(kind: str, value: Any) -> str:
    """The blocked visitor id, address or range, in one normal form."""
    field = "value"
    if kind == VISITOR:
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        return str(v.clean_id(value, field))
    text = v.require_str(value, field).strip()
    try:
        if kind == IP:
            ip = ipaddress.ip_address(text)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            return str(ip)
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise Invalid(f"value is not a valid {'address' if kind == IP else 'range'}",
                      field=field) from exc
    least = V4_PREFIX_MIN if network.version == 4 else V6_PREFIX_MIN
    if network.prefixlen < least:
        raise Invalid(f"value: a range must be at least /{least}", field=field)
    return str(network)


def clean_block(data: Any) -> tuple[int | None, int | None, str, str, str]:
    """(site_id, company_id, kind, value, reason) of a new block."""
    body = v.only_fields(data, ("site_id", "company_id", "kind", "value", "reason"))
    site_id = None if body.get("site_id") is None else v.clean_id(body["site_id"], "site_id")
    company_id = None if body.get("company_id") is None else v.clean_id(body["company_id"],
                                                                        "company_id")
    kind = v.clean_choice(body.get("kind"), "kind", KINDS)
    value = clean_value(kind, body.get("value"))
    reason = v.clean_name(body.get("reason", ""), "reason", max_len=REASON_MAX,
                          allow_empty=True)
    return site_id, company_id, kind, value, reason


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def applies(block: Block, *, company_id: int, site_id: int, visitor_id: int | None,
            address: str) -> bool:
    if not block.active or block.company_id != company_id or block.site_id not in (None,
                                                                                  site_id):
        return False
    if block.kind == VISITOR:
        return visitor_id is not None and block.value == str(visitor_id)
    ip = _address(address)
    if ip is None:
        return False
    if block.kind == IP:
        return str(ip) == block.value
    network = ipaddress.ip_network(block.value)
    return ip.version == network.version and ip in network


def blocking(blocks: list[Block], *, company_id: int, site_id: int, visitor_id: int | None,
             address: str) -> Block | None:
    """The first active block that applies to this visitor on this site, if any."""
    return next((b for b in blocks if applies(b, company_id=company_id, site_id=site_id,
                                              visitor_id=visitor_id, address=address)), None)
