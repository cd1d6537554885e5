"""The console's live visitor list with 2,000 live visitors: what each update costs the browser.

Kefu runs in its own process, started fresh (a temporary data directory); this process drives it
with 2,000 simulated visitors on real presence sockets (bench/visitors.py's `browse`, single-page
mode: a `page` frame every 5-20 s each), and Chromium (Playwright, Debian's chromium) shows an
owner's console. An init script (outside the app, not subject to its CSP) times the app's
WebSocket `message` handlers and `requestAnimationFrame` callbacks, observes long tasks and frame
intervals; CDP `Performance.getMetrics` gives script, layout and style time per second.

Windows, one after the other, under the same load:
  (1) baseline: the console open on its conversations (#/console): the list is not watched
  (2) the live visitor list (#/visitors) with every visitor in it, sorted by time on site
  (3) baseline: the `visitors`/`visitors_delta` frames the list received in (2), replayed in a
      blank page by a naive renderer that rebuilds the whole table (2,000 <tr>) per frame

Prints one table, then writes its section of docs/benchmarks.md.
Only 127.0.0.1 is contacted; every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import relay
import uvloop
from playwright.async_api import async_playwright
from relay import DOC, OWNER, PASSWORD, new_sessions, raise_nofile, start_kefu
from run import machine
from visitors import WARMUP, Run, browse

SECTION = "## Live visitor list in the console: 2,000 rows (`bench/visitors_console.py`)"
VISITORS = 2000
SECONDS = 30.0  # s per measured window
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

# Runs in the console page before its scripts. Wraps, never replaces, what the app uses.
PROBE = """
(() => {
  const bench = window.kefuBench = { recording: false, snapshot: null, ids: new Set() };
  const reset = () => Object.assign(bench, { handler: [], raf: [], longtasks: [], frames: [],
    upserts: [], deltas: 0, frameTimes: [], texts: [] });
  bench.reset = reset;
  reset();
  const add = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, listener, options) {
    const agent = String(this.url).includes('/api/agent/ws');
    if (type !== 'message' || typeof listener !== 'function' || !agent) {
      return add.call(this, type, listener, options);
    }
    return add.call(this, type, function (event) {
      const list = typeof event.data === 'string' && event.data.startsWith('{"type":"visitors');
      const started = performance.now();
      const out = listener.call(this, event);
      if (list) track(event.data, performance.now() - started);
      return out;
    }, options);
  };
  function track(text, ms) {
    const frame = JSON.parse(text);
    if (frame.type === 'visitors') {
      bench.ids = new Set(frame.visitors.map((v) => v.id));
      bench.snapshot = text;
    } else {
      for (const v of frame.upsert) bench.ids.add(v.id);
      for (const id of frame.gone) bench.ids.delete(id);
    }
    if (!bench.recording) return;
    bench.texts.push(text);
    if (frame.type === 'visitors_delta') {
      bench.deltas += 1;
      bench.handler.push(ms);
      bench.upserts.push(frame.upsert.length + frame.gone.length);
    }
  }
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => raf((stamp) => {
    const started = performance.now();
    callback(stamp);
    const ms = performance.now() - started;
    if (bench.recording && ms > 0.05) bench.raf.push(ms);
  });
  new PerformanceObserver((list) => {
    if (!bench.recording) return;
    for (const entry of list.getEntries()) bench.longtasks.push(entry.duration);
  }).observe({ type: 'longtask' });
  let last = 0;
  const loop = (stamp) => {
    if (bench.recording && last) bench.frameTimes.push(stamp - last);
    last = stamp;
    raf(loop);
  };
  raf(loop);
})();
"""

READ = """() => {
  const b = window.kefuBench;
  b.recording = false;
  return { handler: b.handler, raf: b.raf, longtasks: b.longtasks, frameTimes: b.frameTimes,
    deltas: b.deltas, upserts: b.upserts, listed: b.ids.size,
    drawn: document.querySelectorAll('[data-test="visitor-row"]:not([hidden])').length,
    nodes: document.getElementsByTagName('*').length };
}"""

# The naive renderer of (3): every frame rebuilds the whole table, then reads its height
# (forcing the layout the browser would otherwise do before the next paint).
NAIVE = """([snapshot, texts]) => {
  const rows = new Map();
  const body = document.getElementById('rows');
  const costs = [];
  const cells = (v) => [String(v.site_id), v.page.title, v.page.url, v.source.kind, v.source.name,
    v.source.keyword, [v.place.province, v.place.city].join(' '), v.device.browser, v.device.os,
    String(v.page_count), v.state, v.returning ? 'returning' : 'new', v.name];
  for (const text of [snapshot, ...texts]) {
    const started = performance.now();
    const frame = JSON.parse(text);
    if (frame.type === 'visitors') {
      rows.clear();
      for (const v of frame.visitors) rows.set(v.id, v);
    } else {
      for (const v of frame.upsert) rows.set(v.id, v);
      for (const id of frame.gone) rows.delete(id);
    }
    const started_at = (v) => Date.parse(v.visit_started_at);
    const list = [...rows.values()].sort((a, b) => started_at(a) - started_at(b));
    body.replaceChildren(...list.map((v) => {
      const tr = document.createElement('tr');
      for (const value of cells(v)) {
        const td = document.createElement('td');
        td.textContent = value;
        tr.append(td);
      }
      return tr;
    }));
    void body.offsetHeight;
    if (frame.type === 'visitors_delta') costs.push(performance.now() - started);
  }
  return costs;
}"""


def q(values: list[float], share: float) -> float:
    """Nearest-rank percentile of values in ms."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def metrics(cdp: Any) -> dict[str, float]:
    answer = await cdp.send("Performance.getMetrics")
    return {m["name"]: m["value"] for m in answer["metrics"]}


async def window(page: Any, cdp: Any, seconds: float) -> dict[str, Any]:
    await page.evaluate("() => { window.kefuBench.reset(); window.kefuBench.recording = true; }")
    before = await metrics(cdp)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    after = await metrics(cdp)
    elapsed = time.monotonic() - started
    data: dict[str, Any] = await page.evaluate(READ)
    data["texts"] = await page.evaluate("() => window.kefuBench.texts")
    data["snapshot"] = await page.evaluate("() => window.kefuBench.snapshot")
    for name in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration"):
        data[name] = 1000 * (after[name] - before[name]) / elapsed  # ms per s
    data["heap_mib"] = after["JSHeapUsedSize"] / 2**20
    data["seconds"] = elapsed
    return data


async def until(page: Any, script: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await page.evaluate(script):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {script}")
        await asyncio.sleep(0.25)


async def measure(base: str, visitors: int, seconds: float) -> list[dict[str, Any]]:
    chromium = os.environ.get("KEFU_CHROMIUM") or "/usr/bin/chromium"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        context = await browser.new_context(viewport={"width": 1440, "height": 900},
                                            locale="zh-CN")
        await context.add_init_script(PROBE)
        answer = await context.request.post(f"{base}/api/auth/login",
                                            data={"login": OWNER, "password": PASSWORD})
        assert answer.ok, await answer.text()
        page = await context.new_page()
        await page.goto(f"{base}/app/#/console")
        await until(page, "() => document.body.dataset.socket === 'open'", 60)
        cdp = await context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        idle = await window(page, cdp, seconds)
        idle["name"] = "(1) console, list not shown"
        await page.evaluate("() => { location.hash = '#/visitors'; }")
        wanted = int(visitors * 0.98)
        await until(page, f"() => window.kefuBench.ids.size >= {wanted} && "
                          "document.querySelectorAll('[data-test=\"visitor-row\"]').length > 0",
                    120)
        listing = await window(page, cdp, seconds)
        listing["name"] = "(2) live list, windowed"
        blank = await context.new_page()
        await blank.set_content("<table><tbody id=rows></tbody></table>")
        costs = await blank.evaluate(NAIVE, [listing["snapshot"], listing["texts"]])
        naive = {"name": "(3) naive full re-render (replay)", "handler": costs, "raf": [],
                 "deltas": len(costs), "upserts": listing["upserts"],
                 "listed": listing["listed"], "drawn": listing["listed"]}
        await browser.close()
    return [idle, listing, naive]


async def one_run(visitors: int, seconds: float) -> list[dict[str, Any]]:
    run = Run("spa", visitors, seconds=seconds)
    with tempfile.TemporaryDirectory() as folder:
        server, site_key = start_kefu(Path(folder))
        try:
            base = f"http://127.0.0.1:{server.port}"
            tokens = await new_sessions(base, site_key, visitors)
            counting = [False]
            sent: dict[str, float] = {}
            stop = time.monotonic() + WARMUP + 3 * seconds + 150
            tasks = [asyncio.create_task(browse(run, n, base.replace("http", "ws"), site_key,
                                                tokens[n], stop, counting, sent, True))
                     for n in range(len(tokens))]
            await asyncio.sleep(WARMUP)
            try:
                windows = await measure(base, len(tokens), seconds)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            return windows
        finally:
            server.stop()


def row(w: dict[str, Any]) -> str:
    long = w.get("longtasks")
    frames = w.get("frameTimes")
    spread = ("–" if not frames
              else f"{q(frames, 0.5):.1f} / {q(frames, 0.99):.1f} / {max(frames):.0f}")

    def cell(value: float | None) -> str:
        return "–" if value is None or value != value else f"{value:.1f}"

    def dist(values: list[float]) -> str:
        if not values:
            return "–"
        return f"{q(values, 0.5):.1f} / {q(values, 0.99):.1f} / {max(values):.1f}"

    return (f"| {w['name']} | {w['listed']:,} | {w.get('drawn', 0):,} | "
            f"{w['deltas']} | {q(w['upserts'], 0.5) if w['upserts'] else 0:.0f} | "
            f"{dist(w['handler'])} | {dist(w['raf'])} | "
            f"{cell(w.get('ScriptDuration'))} / {cell(w.get('LayoutDuration'))} / "
            f"{cell(w.get('RecalcStyleDuration'))} | "
            f"{'–' if long is None else len(long)} ({cell(max(long) if long else 0.0)} ms) | "
            f"{spread} | {cell(w.get('heap_mib'))} |")


def table(windows: list[dict[str, Any]]) -> str:
    head = ("| window | visitors listed | rows in the DOM | deltas | changes per delta p50 | "
            "frame handler ms p50 / p99 / max | redraw (animation frame) ms p50 / p99 / max | "
            "script / layout / style ms per s (CDP) | long tasks (longest) | "
            "frame interval ms p50 / p99 / max | JS heap MiB |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    return "\n".join([head, *(row(w) for w in windows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=VISITORS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    limit = raise_nofile()
    visitors = min(args.visitors, max(100, limit - 300))
    relay.BENCH_LIMITS += ("address_pages_per_minute = 1000000\n"
                           "visitor_sessions_per_minute = 1000000\n")
    windows = uvloop.run(one_run(visitors, args.seconds))
    load = os.getloadavg()[0]
    text = table(windows)
    print(text)
    if args.no_write:
        return
    when = dt.date.today().isoformat()
    write_section_as(
        f"Measured {when} on {machine()}, Kefu, the load client and Chromium (headless, "
        f"1440×900) on the same machine. {visitors:,} visitors on presence sockets, a page view "
        f"every 5-20 s each; each window {args.seconds:g} s. Frame handler: the app's "
        "WebSocket `message` handler for a `visitors_delta` frame (parse, apply to the list; "
        "for (3): parse, apply, rebuild every row and the forced layout). Redraw: each "
        "`requestAnimationFrame` callback of the page (the list redraws in one per delta). "
        "Per second: CDP `Performance` script, "
        "layout and style time. Long tasks: over 50 ms (PerformanceObserver). Frame interval: "
        "between `requestAnimationFrame` callbacks (16.7 ms at 60 Hz). The machine's 1-minute "
        f"load average at the end: {load:.1f} (times are wall-clock: on a shared machine a "
        "callback may be descheduled midway).\n\n" + text)


def write_section_as(text: str) -> None:
    doc = DOC.read_text("utf-8")
    body = f"{SECTION}\n\n{text}\n"
    if SECTION in doc:
        start = doc.index(SECTION)
        end = doc.find("\n## ", start + 1)
        doc = doc[:start] + body + ("" if end < 0 else doc[end:])
    else:
        doc = doc.rstrip() + "\n\n" + body
    DOC.write_text(doc, "utf-8")


if __name__ == "__main__":
    main()
