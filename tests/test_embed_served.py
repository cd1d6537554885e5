"""The widget's files as the appliance serves them: byte budgets, versioned immutable URLs, SRI."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from conftest import Appliance, require_or_skip

from appliance.web.static import bundle_version, load_bundle, make_asset

ROOT = Path(__file__).resolve().parent.parent
LOADER_BUDGET = 3 * 1024
PRESENCE_BUDGET = 4 * 1024
PATH_BUDGET = 30_000
IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*['"]\./([\w-]+\.js)['"]""")


def graph(bundle: dict, root: str) -> set[str]:
    """`root` and every module it imports statically, as served."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += IMPORT.findall(bundle[name].body.decode())
    return seen


def gz(bundle: dict, names: set[str]) -> int:
    return sum(len(bundle[name].gzipped) for name in names)


def test_the_loader_the_chat_and_the_offline_form_fit_their_budgets() -> None:
    bundle = load_bundle("embed")
    loader = len(bundle["loader.js"].gzipped)
    assert loader <= LOADER_BUDGET, loader
    # The presence module, loaded by itself at idle on every page (embed/README.md).
    presence = len(bundle["presence.js"].gzipped)
    assert presence <= PRESENCE_BUDGET, presence
    assert IMPORT.findall(bundle["presence.js"].body.decode()) == []  # one file, nothing more
    # Everything the browser fetches to open the chat: the loader, bridge.js in its realm, the
    # frame's page (chat.html, served with a versioned page.js) and page.js's imports, and the
    # larger of the two catalogs.
    opened = {"loader.js", "bridge.js", "chat.html"} | graph(bundle, "page.js")
    catalog = max(len(bundle[f"lang-{lang}.js"].gzipped) for lang in ("zh-CN", "en"))
    chat = gz(bundle, opened) + catalog
    assert chat <= PATH_BUDGET, chat
    # Nobody online: the leave-a-message form and its strings come on top.
    extra = graph(bundle, "leave.js") - opened
    assert extra == {"leave.js", "offline.js"}, extra
    strings = max(len(bundle[f"lang-leave-{lang}.js"].gzipped) for lang in ("zh-CN", "en"))
    offline = chat + gz(bundle, extra) + strings
    assert offline <= PATH_BUDGET, offline


def test_served_scripts_are_the_sources_without_comments_and_still_pass_their_tests(
        tmp_path: Path) -> None:
    node = shutil.which("node")
    require_or_skip(node is not None, "node is not installed")
    bundle = load_bundle("embed")
    source = (ROOT / "embed" / "chat.js").read_text("utf-8")
    served = bundle["chat.js"].body.decode()
    assert source.startswith("//") and not served.startswith("//")
    assert len(served) < len(source) * 0.9
    (tmp_path / "embed").mkdir()
    (tmp_path / "tests" / "js").mkdir(parents=True)
    for name, asset in bundle.items():
        (tmp_path / "embed" / name).write_bytes(asset.body)
    tests = [p for p in (ROOT / "tests" / "js").glob("widget-*.test.mjs")
             if p.name != "widget-static.test.mjs"]  # that one reads the commented sources
    for test in tests:
        shutil.copy(test, tmp_path / "tests" / "js" / test.name)
    result = subprocess.run([node, "--test", *(f"tests/js/{t.name}" for t in tests)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_a_changed_file_gets_a_new_version() -> None:
    bundle = load_bundle("embed")
    version = bundle_version(bundle)
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert bundle_version(load_bundle("embed")) == version
    changed = dict(bundle, **{"view.js": make_asset("view.js", bundle["view.js"].body + b"\n;")})
    assert bundle_version(changed) != version


def test_versioned_urls_are_immutable_the_loader_is_short_cached_and_pinnable(
        appliance: Appliance, owner) -> None:
    client = appliance.client()
    manifest = client.get("/embed/manifest.json").json()
    version = manifest["version"]
    assert manifest["loader"] == f"/embed/{version}/loader.js"

    loader = client.get("/embed.js")
    assert loader.headers["cache-control"] == "public, max-age=300"
    pinned = client.get(manifest["loader"])
    assert pinned.status_code == 200
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert pinned.headers["access-control-allow-origin"] == "*"
    assert pinned.content == loader.content
    digest = base64.b64encode(hashlib.sha384(pinned.content).digest()).decode()
    assert manifest["integrity"] == f"sha384-{digest}"

    for name in ("bridge.js", "page.js", "chat.js", "lang-en.js", "leave.js"):
        r = client.get(f"/embed/{version}/{name}")
        assert r.status_code == 200, name
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.get(f"/embed/{name}").headers["cache-control"] == "no-cache"
    # Another version's files are not served as this one's.
    assert client.get("/embed/0123456789ab/chat.js").status_code == 404
    assert client.get(f"/embed/{version}/nope.js").status_code == 404

    # The chat page loads this version's page.js; only the site's origins may frame it.
    site = owner[1]["site"]
    page = client.get(f"/chat/{site['widget_key']}")
    assert f'src="../embed/{version}/page.js"' in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    r = owner[0].patch(f"/api/sites/{site['id']}",
                       json={"allowed_origins": ["https://www.example.com"]})
    assert r.status_code == 200, r.text
    csp = client.get(f"/chat/{site['widget_key']}").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self' https://www.example.com")
    assert client.get("/chat/unknown-key").headers["content-security-policy"].endswith(
        "frame-ancestors 'self'")
    # The page speaks the site's language from its first byte: <html lang>, title, no-script line.
    assert '<html lang="zh-CN">' in page.text and "<title>在线客服</title>" in page.text
    assert "Please enable" not in page.text
    r = owner[0].patch(f"/api/sites/{site['id']}", json={"language": "en"})
    assert r.status_code == 200, r.text
    english = client.get(f"/chat/{site['widget_key']}")
    assert '<html lang="en">' in english.text and "<title>Chat</title>" in english.text
    assert "Please enable JavaScript to chat." in english.text
    assert not re.search("[\u4e00-\u9fff]", english.text), english.text
    assert f'src="../embed/{version}/page.js"' in english.text
    assert english.headers["etag"] != page.headers["etag"]
