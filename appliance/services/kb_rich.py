"""Answers as rich text: links, images and line breaks kept, everything else removed by nh3
(the Ammonia sanitiser) before an answer is stored."""

from __future__ import annotations

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


def has_text(answer_html: str) -> bool:
    return bool(plain_text(answer_html)) or "<img" in answer_html
