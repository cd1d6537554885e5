"""Every kind of traffic source has words in every screen that names one, in both languages:
a kind the classifier gives (appliance/domain/traffic.py) and a screen lacks shows as 未知."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance.domain.traffic import SOURCE_KINDS

MESSAGES = Path(__file__).resolve().parent.parent / "webui" / "js" / "messages"
SCREENS = [("reports", "reports.sourceKind."), ("customers", "customer.trail.source."),
           ("visitors", "visitors.source.")]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize(("part", "prefix"), SCREENS)
def test_every_source_kind_has_a_label(part: str, prefix: str, lang: str) -> None:
    text = (MESSAGES / f"{part}-{lang}.js").read_text("utf-8")
    labelled = set(re.findall(r"['\"]" + re.escape(prefix) + r"(\w+)['\"]\s*:", text))
    assert set(SOURCE_KINDS) <= labelled, sorted(set(SOURCE_KINDS) - labelled)
