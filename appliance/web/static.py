"""Bundled front-end files, loaded once from package data and served from memory."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from appliance.paths import bundled

_TYPES = {
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png",
    ".ico": "image/x-icon", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".webmanifest": "application/manifest+json",
}
_COMPRESSIBLE = (".js", ".mjs", ".css", ".html", ".svg", ".json")


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


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


def _asset(name: str, body: bytes) -> Asset:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = _TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    gzipped = gzip.compress(body, 9, mtime=0) if ext in _COMPRESSIBLE else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzipped, content_type, etag)


def load_bundle(package: str) -> dict[str, Asset]:
    """Every file of a front-end package by its relative path."""
    files = _walk(bundled(package))
    return {name: _asset(name, entry.read_bytes()) for name, entry in files.items()}
