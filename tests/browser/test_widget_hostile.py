"""The widget on hostile host pages of another origin: polluted JavaScript built-ins (before and
after the snippet), max-z-index fixed bars, aggressive CSS resets; desktop, phone, dark mode."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console, screenshot, widget

pytestmark = pytest.mark.browser

# What old libraries and careless scripts do to a page's globals, before the snippet runs.
POLLUTE_BEFORE = """<script>
// Prototype.js 1.6: arrays serialise themselves as a string (JSON.stringify double-encodes them).
Array.prototype.toJSON = function () {
  var out = []; for (var i = 0; i < this.length; i++) out.push(JSON.stringify(this[i]));
  return '[' + out.join(', ') + ']';
};
String.prototype.toJSON = function () { return '"' + this + '"'; };
Object.prototype.extend = function (src) { for (var k in src) this[k] = src[k]; return this; };
Array.prototype.each = function (fn) { for (var i = 0; i < this.length; i++) fn(this[i], i); };
Function.prototype.bind = function (ctx) {
  var f = this; return function () { return f.apply(ctx, arguments); };
};
Element.prototype.remove = function () { this.parentNode.removeChild(this); };
Array.from = function (x) { return [x]; };  // MooTools 1.2
// Replaced and wrapped built-ins.
window.JSON = { parse: function () { throw new Error('hostile JSON.parse'); },
                stringify: function () { return '{"hostile":true}'; } };
window.Promise = function () { throw new Error('hostile Promise'); };
window.fetch = function () { throw new TypeError('fetch blocked by the page'); };
window.WebSocket = function () { throw new Error('WebSocket blocked by the page'); };
Storage.prototype.setItem = function () {};
Storage.prototype.getItem = function () { return null; };
Object.defineProperty(window, 'localStorage', { value: { getItem: function () { return null; },
  setItem: function () { throw new Error('quota'); }, removeItem: function () {} } });
window.define = function () {}; window.define.amd = { jQuery: true };
window.$ = window.jQuery = function () { return { on: function () {} }; };
window.onerror = function () { return true; };
window.addEventListener('error', function (e) { e.preventDefault(); });
</script>"""

# ...and after it: patched again once the widget is running.
POLLUTE_AFTER = """<script>
setTimeout(function () {
  window.JSON.stringify = function () { return 'null'; };
  Array.prototype.map = function () { return []; };
  Object.prototype.type = 'hostile';
  window.postMessage = function () {};
  window.setItem = null;
}, 0);
</script>"""

CSS_RESET = """<style>
* { box-sizing: content-box !important; font-size: 40px !important; z-index: 1 !important;
    opacity: .95 !important; line-height: 3 !important; }
html, body { transform: translateZ(0); overflow: hidden !important; height: 100%; }
iframe, button, div { display: block !important; position: static !important; }
kefu-widget { display: none !important; visibility: hidden !important; }
.bar { position: fixed !important; left: 0; right: 0; z-index: 2147483647 !important;
       background: rgba(200, 30, 30, .92); max-width: none !important; }
.top { top: 0; height: 90px; } .bottom { bottom: 0; height: 130px; }
</style>"""

PAGE = """<!doctype html><html><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>{title}</title>{css}{before}</head>
<body><div class="bar top">TOP BAR</div><h1>{title}</h1>
<div popover="manual" id="promo"
     style="inset:auto 0 0 auto;width:300px;height:300px;background:gold">PROMO</div>
{snippet}<div class="bar bottom">COOKIE BAR</div>{after}</body></html>"""


@pytest.fixture
def hostile_site(tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    owner_client, setup = owner
    site = setup["site"]
    folder = tmp_path / "hostile"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [origin]})
    assert r.status_code == 200, r.text
    snippet = r.json()["site"]["snippet"]
    page = PAGE.format(title="老网站", css=CSS_RESET, before=POLLUTE_BEFORE, after=POLLUTE_AFTER,
                       snippet=snippet)
    (folder / "index.html").write_text(page, "utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"origin": origin, "site": site, "owner": owner_client}
    server.shutdown()
    server.server_close()


def says(page, text: str) -> None:
    t(page, "kefu-input").fill(text)
    t(page, "kefu-send").click()


def stored(page, text: str):
    return widget(page).locator(
        '[data-test="kefu-message"][data-sender="visitor"][data-state="sent"], '
        '[data-test="kefu-message"][data-sender="visitor"][data-state="read"]', has_text=text)


def visitor_bodies(owner_client) -> list[str]:
    conversations = owner_client.get("/api/conversations?view=open").json()["conversations"]
    assert len(conversations) == 1, conversations
    messages = owner_client.get(f"/api/conversations/{conversations[0]['id']}/messages").json()
    return [m["body"] for m in messages["messages"] if m["sender"]["type"] == "visitor"]


def test_a_polluted_page_loses_nothing_across_reload_and_offline(
        appliance: Appliance, hostile_site, new_page) -> None:
    agent = new_page()
    open_console(agent, appliance.url, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    warnings: list[str] = []
    visitor.on("console", lambda m: warnings.append(m.text))
    visitor.goto(hostile_site["origin"] + "/index.html")
    # Under a max-z-index bar and the page's CSS reset, the launcher is still on top.
    t(visitor, "kefu-launcher").click()
    t(visitor, "kefu-panel").wait_for()
    # The page's broken WebSocket, fetch and JSON are not the chat's: it has its own realm.
    widget(visitor).locator('[data-test="kefu-panel"][data-transport="ws"]').wait_for()
    says(visitor, "第一条：老网站上的消息")
    stored(visitor, "第一条").wait_for()

    # A reload: the panel comes back open with the conversation (kept in the page's real storage).
    visitor.reload()
    stored(visitor, "第一条").wait_for()
    says(visitor, "第二条：刷新之后")
    stored(visitor, "第二条").wait_for()
    real = visitor.evaluate("""() => {
        const f = document.createElement('iframe'); document.documentElement.append(f);
        const s = f.contentWindow.localStorage; const keys = [];
        for (let i = 0; i < s.length; i++) keys.push(s.key(i));
        return keys; }""")
    assert any(key.endswith(":state") for key in real), real

    # Offline and back: the message waits, then arrives once.
    visitor.context.set_offline(True)
    says(visitor, "第三条：断网时写的")
    pending = widget(visitor).locator('[data-test="kefu-message"]', has_text="第三条")
    pending.wait_for()
    assert pending.get_attribute("data-state") == "sending"
    visitor.context.set_offline(False)
    stored(visitor, "第三条").wait_for(timeout=20_000)

    # The page shows a popover of its own over the launcher: ours is shown above it again.
    visitor.evaluate("document.getElementById('promo').showPopover()")
    t(visitor, "kefu-close").click()
    t(visitor, "kefu-panel").wait_for(state="hidden")
    t(visitor, "kefu-launcher").click()
    t(visitor, "kefu-panel").wait_for()
    says(visitor, "第四条：弹窗之后")
    stored(visitor, "第四条").wait_for()

    assert visitor_bodies(hostile_site["owner"]) == [
        "第一条：老网站上的消息", "第二条：刷新之后", "第三条：断网时写的", "第四条：弹窗之后"]
    screenshot(visitor, "widget-hostile-desktop")


def test_on_a_phone_the_panel_covers_the_hostile_page_and_closes(
        appliance: Appliance, hostile_site, new_page) -> None:
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    phone = new_page({"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                     device_scale_factor=3)
    phone.goto(hostile_site["origin"] + "/index.html")
    t(phone, "kefu-launcher").tap()
    t(phone, "kefu-panel").wait_for()
    says(phone, "手机上的消息")
    stored(phone, "手机上的消息").wait_for()
    # Full screen, above the max-z-index bars: the header and its close button are visible.
    frame = t(phone, "kefu-frame").bounding_box()
    assert frame is not None and frame["width"] == 390 and frame["height"] == 844, frame
    close = t(phone, "kefu-close")
    box = close.bounding_box()
    assert box is not None and 0 <= box["y"] < 90 and box["x"] + box["width"] <= 390, box
    screenshot(phone, "widget-phone-hostile")
    close.tap()  # Playwright taps only what is on top at that point
    t(phone, "kefu-panel").wait_for(state="hidden")
    t(phone, "kefu-launcher").wait_for()
    assert visitor_bodies(hostile_site["owner"]) == ["手机上的消息"]


def test_dark_mode_panel(appliance: Appliance, hostile_site, new_page) -> None:
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    page = new_page(color_scheme="dark")
    page.goto(hostile_site["origin"] + "/index.html")
    t(page, "kefu-launcher").click()
    t(page, "kefu-panel").wait_for()
    says(page, "夜间模式")
    stored(page, "夜间模式").wait_for()
    colors = widget(page).locator('[data-test="kefu-panel"]').evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color,"
        " getComputedStyle(el.querySelector('header')).backgroundColor]")
    background, text, header = colors
    assert background != "rgb(255, 255, 255)" and text != "rgb(31, 35, 40)", colors
    assert header == "rgb(31, 111, 235)", colors  # the site's theme colour stays the accent
    screenshot(page, "widget-dark")


# Built-ins the loader itself uses, replaced before the snippet: shadow roots and popovers that
# throw, a page that took the widget's tag name, Object.assign and String#match that lie, and a
# --c custom property of the page's own (transparent: the launcher would vanish).
BREAK_THE_LOADER = """<style>:root { --c: transparent; }</style><script>
Element.prototype.attachShadow = function () { throw new Error('no shadow for you'); };
HTMLElement.prototype.showPopover = function () { throw new Error('no popover for you'); };
customElements.define('kefu-widget', class extends HTMLElement {
  constructor() { super(); this.attachShadow({ mode: 'open' }); }
  connectedCallback() { this.remove(); }
});
Object.assign = function () { return {}; };
String.prototype.match = function () { return null; };
</script>"""


@pytest.mark.parametrize("hostile", ["attachShadow", "showPopover", "kefu-widget",
                                     "assign-match-colour"])
def test_a_page_that_breaks_the_loaders_own_built_ins_still_gets_a_widget(
        appliance: Appliance, hostile_site, new_page, tmp_path: Path, hostile: str) -> None:
    """Each of the page's replacements alone (the cases a real site's libraries produce):
    the launcher shows, in our colour, and a message reaches the console."""
    lines = BREAK_THE_LOADER.split("\n")
    keep = {"attachShadow": ["Element.prototype.attachShadow"],
            "showPopover": ["HTMLElement.prototype.showPopover"],
            "kefu-widget": ["customElements.define", "constructor()", "connectedCallback", "});"],
            "assign-match-colour": ["Object.assign", "String.prototype.match"]}[hostile]
    script = "\n".join(["<script>", *[line for line in lines[1:-1]
                                      if any(line.startswith(k) or line.strip().startswith(k)
                                             for k in keep)], "</script>"])
    css = lines[0].split("<script>")[0] if hostile == "assign-match-colour" else ""
    r = hostile_site["owner"].patch(f"/api/sites/{hostile_site['site']['id']}",
                                    json={"theme_color": "#1f6feb"})
    assert r.status_code == 200, r.text
    snippet = r.json()["site"]["snippet"]
    folder = tmp_path / "hostile"
    page_html = PAGE.format(title="坏页面", css=css, before=script, after="", snippet=snippet)
    (folder / "broken.html").write_text(page_html, "utf-8")
    agent = new_page()  # someone online: the chat, not the leave-a-message form
    open_console(agent, appliance.url, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(hostile_site["origin"] + "/broken.html")
    launcher = t(visitor, "kefu-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert box is not None and box["width"] >= 40 and box["height"] >= 40, box
    colour = launcher.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(31, 111, 235)", colour
    launcher.click()
    t(visitor, "kefu-panel").wait_for()
    says(visitor, f"坏页面上的消息 {hostile}")
    stored(visitor, "坏页面上的消息").wait_for()
    assert visitor_bodies(hostile_site["owner"]) == [f"坏页面上的消息 {hostile}"]
