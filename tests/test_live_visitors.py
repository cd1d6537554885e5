"""The live visitor list's cadence: changes are coalesced into at most one `visitors_delta`
every FLUSH_EVERY (half a second) per console, so a page view is listed within a second and a
console takes at most two deltas a second however busy the sites are (docs/protocol.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from appliance.domain.events import TAB_CLOSED, TAB_HIDDEN, TAB_VISIBLE, PageViewed, TabChanged
from appliance.domain.visits import PageFrame, PageView, Place, Viewed, Visit
from appliance.realtime.visitors import FLUSH_EVERY, LiveVisitors
from appliance.wire import timestamp

START = datetime(2026, 12, 6, 9, 0, 0)


class Console:
    site_scope: frozenset[int] | None = None

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool:
        self.frames.append(message)
        return True


def viewed(visitor_id: int, n: int, at: datetime) -> PageViewed:
    url = f"https://shop.example.com/p/{n}"
    visit = Visit(id=visitor_id, visitor_id=visitor_id, site_id=1, number=1, started_at=START,
                  last_seen_at=at, entry_url=url, entry_title="", referrer="",
                  source_kind="direct", source_name="", keyword="", campaign="",
                  user_agent="", browser="", os="", device="", language="zh-CN", ip="",
                  place=Place(), page_count=n + 1)
    page = PageView(id=n, visit_id=visitor_id, visitor_id=visitor_id, url=url, title=str(n),
                    started_at=at, seconds=0, position=n)
    frame = PageFrame(tab="t", url=url, title=str(n), referrer="", language="zh-CN",
                      visible=True, screen="desktop")
    return PageViewed(visitor_id, 1, "", frame, Viewed(visit, page, n == 0, True), None)


def test_changes_are_flushed_every_half_second_and_never_more_often() -> None:
    assert FLUSH_EVERY == 0.5
    now = [START]
    live = LiveVisitors(lambda: now[0])
    console = Console()
    live.watch(console)
    assert [f["type"] for f in console.frames] == ["visitors"]
    # Ten seconds of a busy site, a page view every 50 ms, the flush loop ticking every 100 ms.
    listed_after: list[float] = []
    pending: dict[str, datetime] = {}
    for tick in range(200):
        now[0] = START + timedelta(milliseconds=50 * tick)
        event = viewed(tick % 7, tick, now[0])
        pending[event.frame.url] = now[0]
        live.on_page_viewed(event)
        if tick % 2 == 1:
            before = len(console.frames)
            live.flush()
            for frame in console.frames[before:]:
                assert frame["type"] == "visitors_delta"
                for visitor in frame["upsert"]:
                    shown = pending.pop(visitor["page"]["url"], None)
                    if shown is not None:
                        listed_after.append((now[0] - shown).total_seconds())
    deltas = console.frames[1:]
    assert 19 <= len(deltas) <= 20  # 10 s: two a second, never more
    assert max(listed_after) <= FLUSH_EVERY + 0.1 + 1e-9


def test_a_change_after_a_quiet_spell_goes_out_at_the_next_tick() -> None:
    now = [START]
    live = LiveVisitors(lambda: now[0])
    console = Console()
    live.watch(console)
    live.on_page_viewed(viewed(1, 0, now[0]))
    assert live.flush() == 1
    now[0] += timedelta(seconds=0.2)
    live.on_page_viewed(viewed(1, 1, now[0]))
    assert live.flush() == 0  # within half a second of the last delta: coalesced
    now[0] += timedelta(seconds=0.3)
    assert live.flush() == 1
    now[0] += timedelta(seconds=5)
    assert live.flush() == 0  # nothing changed: nothing sent
    live.on_page_viewed(viewed(1, 2, now[0]))
    assert live.flush() == 1  # quiet for a while: the first change goes out at once
    assert [f["type"] for f in console.frames] == ["visitors", *["visitors_delta"] * 3]


def tab_viewed(tab: str, url: str, title: str, at: datetime, new_page: bool = True,
               ) -> PageViewed:
    visit = Visit(id=1, visitor_id=1, site_id=1, number=1, started_at=START, last_seen_at=at,
                  entry_url=url, entry_title=title, referrer="", source_kind="direct",
                  source_name="", keyword="", campaign="", user_agent="", browser="", os="",
                  device="", language="zh-CN", ip="", place=Place(), page_count=2)
    page = PageView(id=hash(url) % 1000, visit_id=1, visitor_id=1, url=url, title=title,
                    started_at=at, seconds=0, position=1)
    frame = PageFrame(tab=tab, url=url, title=title, referrer="", language="zh-CN",
                      visible=True, screen="desktop")
    return PageViewed(1, 1, "", frame, Viewed(visit, page, False, new_page), None)


def listed_page(live: LiveVisitors) -> tuple[str, str]:
    visitor = live.get(1)
    assert visitor is not None
    return visitor.page_url.rsplit("/", 1)[-1], visitor.page_title


def test_the_listed_page_is_that_of_the_tab_open_and_active_last() -> None:
    """Two tabs: closing the one listed lists the other's page (with its title); showing a
    tab again lists its page; with no tab open the last page stays (protocol.md, Presence)."""
    now = [START]
    live = LiveVisitors(lambda: now[0])
    live.on_page_viewed(tab_viewed("t-1", "https://shop.example.com/pricing.html", "价格", now[0]))
    now[0] += timedelta(seconds=5)
    live.on_page_viewed(tab_viewed("t-2", "https://shop.example.com/contact.html", "联系我们",
                                   now[0]))
    live.on_tab(TabChanged(1, 1, "t-1", TAB_HIDDEN))
    assert listed_page(live) == ("contact.html", "联系我们")
    now[0] += timedelta(seconds=5)
    live.on_tab(TabChanged(1, 1, "t-2", TAB_HIDDEN))
    live.on_tab(TabChanged(1, 1, "t-1", TAB_VISIBLE))  # the visitor went back to tab 1
    assert listed_page(live) == ("pricing.html", "价格")
    visitor = live.get(1)
    assert visitor is not None and visitor.state == "browsing"
    now[0] += timedelta(seconds=5)
    live.on_tab(TabChanged(1, 1, "t-2", TAB_VISIBLE))
    assert listed_page(live) == ("contact.html", "联系我们")
    live.on_tab(TabChanged(1, 1, "t-2", TAB_CLOSED))  # closing it lists tab 1's page
    assert listed_page(live) == ("pricing.html", "价格")
    console = Console()
    live.watch(console)
    assert console.frames[0]["visitors"][0]["page"] == {
        "url": "https://shop.example.com/pricing.html", "title": "价格"}
    live.on_tab(TabChanged(1, 1, "t-1", TAB_CLOSED))  # no tab open: the last page stays
    assert listed_page(live) == ("pricing.html", "价格")


def test_a_change_of_listed_page_by_a_tab_goes_out_in_the_next_delta() -> None:
    now = [START]
    live = LiveVisitors(lambda: now[0])
    console = Console()
    live.watch(console)
    live.on_page_viewed(tab_viewed("t-1", "https://shop.example.com/pricing.html", "价格", now[0]))
    live.on_page_viewed(tab_viewed("t-2", "https://shop.example.com/contact.html", "联系我们",
                                   now[0] + timedelta(seconds=1)))
    now[0] += timedelta(seconds=2)
    live.flush()
    now[0] += timedelta(seconds=2)
    live.on_tab(TabChanged(1, 1, "t-2", TAB_CLOSED))
    assert live.flush() == 1
    assert console.frames[-1]["upsert"][0]["page"]["url"].endswith("/pricing.html")


def test_a_visitor_who_left_is_listed_with_when_they_went() -> None:
    """`left_at` is when the last tab closed (the list freezes their time on site there), not
    the moment the list marked them as left a minute later."""
    now = [START]
    live = LiveVisitors(lambda: now[0])
    live.on_page_viewed(tab_viewed("t-1", "https://shop.example.com/pricing.html", "价格", now[0]))
    now[0] += timedelta(minutes=3)
    live.on_tab(TabChanged(1, 1, "t-1", TAB_CLOSED))
    went = now[0]
    visitor = live.get(1)
    assert visitor is not None and visitor.left_at is None
    now[0] += timedelta(seconds=61)
    assert live.take_left(now[0]) == [1]
    visitor = live.get(1)
    assert visitor is not None and visitor.state == "left" and visitor.left_at == went
    console = Console()
    live.watch(console)
    assert console.frames[0]["visitors"][0]["left_at"] == timestamp(went)
    now[0] += timedelta(seconds=5)
    live.on_page_viewed(tab_viewed("t-1", "https://shop.example.com/contact.html", "联系", now[0]))
    visitor = live.get(1)
    assert visitor is not None and visitor.state == "browsing" and visitor.left_at is None
