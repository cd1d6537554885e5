"""Which uploaded files are accepted, judged by their bytes (the sniffed type is passed in)."""

from __future__ import annotations

import re
import unicodedata

from appliance.domain.errors import UnsupportedMediaType

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
FILE_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/zip": "zip",
    "text/plain": "txt",
}
NAME_MAX = 120
# Text that a browser would sniff as markup (HTML, SVG, XML): a page's script must never be
# served from our origin, whatever name or type it came with.
_MARKUP = re.compile(rb"^\s*<(?:!doctype|!--|\?xml|[a-z][a-z0-9-]*[\s/>])", re.IGNORECASE)


class UnsupportedFile(UnsupportedMediaType):
    """Mapped to 415 like every UnsupportedMediaType."""


def classify(sniffed_mime: str | None, data: bytes) -> tuple[str, str]:
    """(kind, mime) for an upload whose content was sniffed as `sniffed_mime`."""
    if sniffed_mime in IMAGE_TYPES:
        return "image", sniffed_mime
    if sniffed_mime in FILE_TYPES:
        return "file", sniffed_mime
    if sniffed_mime is None and _is_text(data):
        return "file", "text/plain"
    raise UnsupportedFile("This kind of file is not accepted (images, PDF, Office documents, "
                          "ZIP and plain text are)", field="file")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data or _MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def clean_file_name(name: str | None, mime: str) -> str:
    """A display name without paths or control characters, with an extension that fits."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C").strip(" .")
    ext = IMAGE_TYPES.get(mime) or FILE_TYPES.get(mime) or "bin"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: NAME_MAX - len(ext) - 1] or "file"
    return f"{stem}.{ext}"
