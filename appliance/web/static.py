"""Bundled front-end files, loaded once from package data and served from memory."""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from importlib.resources.abc import Traversable

import rjsmin

from appliance.paths import bundled

_TYPES = {
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png",
    ".ico": "image/x-icon", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".webmanifest": "application/manifest+json",
}
_COMPRESSIBLE = (".js", ".mjs", ".css", ".html", ".svg", ".json")
# The widget's scripts run on customers' pages, where every byte counts: they are served without
# comments and indentation (rjsmin; it does not understand template literals nested in
# template literals, which tests/js/widget-static.test.mjs keeps out of embed/).
MINIFIED = frozenset({"embed"})


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    integrity: str  # Subresource Integrity of `body`: "sha384-<base64>"


def _walk(root: Traversable, prefix: str = "") -> dict[str, Traversable]:
    files: dict[str, Traversable] = {}
    for entry in root.iterdir():
        name = entry.name
        if name.startswith((".", "_")) or name.endswith(".py"):
            continue
        if entry.is_dir():
            files.update(_walk(entry, f"{prefix}{name}/"))
        else:
            files[prefix + name] = entry
    return files


def make_asset(name: str, body: bytes, *, minify: bool = False) -> Asset:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if minify and ext == ".js":
        body = rjsmin.jsmin(body.decode("utf-8")).encode("utf-8")
    content_type = _TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    gzipped = gzip.compress(body, 9, mtime=0) if ext in _COMPRESSIBLE else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Asset(body, gzipped, content_type, etag, integrity)


def load_bundle(package: str) -> dict[str, Asset]:
    """Every file of a front-end package by its relative path."""
    files = _walk(bundled(package))
    minify = package in MINIFIED
    return {name: make_asset(name, entry.read_bytes(), minify=minify)
            for name, entry in files.items()}


def bundle_version(bundle: dict[str, Asset]) -> str:
    """A hash of every file's content: the versioned URLs (/embed/<version>/...) change as soon
    as any file does, so they can be cached for good."""
    digest = hashlib.sha256()
    for name in sorted(bundle):
        digest.update(name.encode() + b"\0" + bundle[name].body + b"\0")
    return digest.hexdigest()[:12]
