"""Answers as rich text: links, images and line breaks kept, everything else removed by nh3
(the Ammonia sanitiser) before an answer is stored."""

from __future__ import annotations

from html.parser import HTMLParser

import nh3

from appliance.domain.kb import plain_text

TAGS = frozenset({"a", "img", "br", "p", "b", "strong", "i", "em", "u", "ul", "ol", "li"})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def sanitise(answer: str) -> str:
    """Safe HTML for an answer typed as text or as HTML: line breaks become <br>, links open
    with rel="noopener noreferrer nofollow", scripts, styles and event handlers go."""
    text = answer.replace("\r\n", "\n").replace("\r", "\n").strip()
    html = nh3.clean(text.replace("\n", "<br>"), tags=set(TAGS), attributes=ATTRIBUTES,
                     url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow",
                     clean_content_tags={"script", "style"}, strip_comments=True)
    return html.strip()


class _Images(HTMLParser):
    """Finds an image that shows something: an <img> with a src that is not blank or a bare
    fragment (an <img> whose src the sanitiser removed, such as javascript:, has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and any(name == "src" and _usable(value) for name, value in attrs):
            self.found = True


def _usable(src: str | None) -> bool:
    src = (src or "").strip()
    return bool(src) and not src.startswith("#")


def has_text(answer_html: str) -> bool:
    """Whether a sanitised answer shows anything: text, or an image with a usable src."""
    if plain_text(answer_html):
        return True
    images = _Images()
    images.feed(answer_html)
    images.close()
    return images.found
