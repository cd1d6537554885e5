"""Search terms for Chinese and mixed text: character bigrams for CJK, words for the rest.

SQLite FTS5's trigram tokenizer cannot match queries shorter than three characters, and most
Chinese words have two (退款, 发货). Indexing every CJK run as overlapping bigrams plus its last
character lets a 2-character query match exactly and a 1-character query match by prefix.
"""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs, kana and hangul: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_WORD = re.compile(r"\w+", re.UNICODE)
QUERY_MAX = 100
# Words of other scripts (Latin, digits) are also indexed by their prefixes of 2..PREFIX_MAX
# characters, in a column of their own: a prefix query then reads one list newest-first
# instead of merging every word that starts with it (which grows with history).
PREFIX_MAX = 8


def _fold(text: str) -> str:
    """Text as it is indexed and searched: NFKC (full-width ＡＢＣ１２３ is ABC123) without format
    characters (zero-width space and joiners, soft hyphen, direction marks: they are invisible,
    so 王\u200b五 reads, and is found, as 王五)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _cjk_terms(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_terms(text: str) -> str:
    """The space-separated terms to index for `text`."""
    text = _fold(text)
    terms: list[str] = []
    position = 0
    for match in _CJK.finditer(text):
        terms.extend(w.lower() for w in _WORD.findall(text[position:match.start()]))
        terms.extend(_cjk_terms(match.group()))
        position = match.end()
    terms.extend(w.lower() for w in _WORD.findall(text[position:]))
    return " ".join(terms)


def _prefixes(word: str) -> list[str]:
    return [word[:n] for n in range(2, min(len(word) - 1, PREFIX_MAX) + 1)]


def index_prefixes(text: str) -> str:
    """The space-separated prefixes (2..PREFIX_MAX characters, shorter than the word) of the
    words of `text` that are not CJK, for the index's prefix column."""
    text = _fold(text)
    prefixes: list[str] = []
    for run in _CJK.split(text):
        for word in _WORD.findall(run):
            prefixes.extend(_prefixes(word.lower()))
    return " ".join(dict.fromkeys(prefixes))


def message_terms(text: str) -> tuple[str, str]:
    """`(index_terms(text), index_prefixes(text))` in one pass: the indexer runs this for every
    message, on the writer thread."""
    text = _fold(text)
    terms: list[str] = []
    prefixes: dict[str, None] = {}  # ordered, without repeats
    position = 0
    for match in [*_CJK.finditer(text), None]:
        for word in _WORD.findall(text[position:] if match is None
                                  else text[position:match.start()]):
            word = word.lower()
            terms.append(word)
            for n in range(2, min(len(word) - 1, PREFIX_MAX) + 1):
                prefixes[word[:n]] = None
        if match is not None:
            terms.extend(_cjk_terms(match.group()))
            position = match.end()
    return " ".join(terms), " ".join(prefixes)


def match_expression(query: str, *, prefix_column: bool = True) -> str | None:
    """An FTS5 MATCH expression for a user's query (all parts must match), or None if empty.
    Without `prefix_column` (an index of `terms` only, such as the customers'), a Latin word
    matches as an FTS5 prefix query on `terms`."""
    parts: list[str] = []
    position = 0
    query = _fold(query[:QUERY_MAX])
    for match in _CJK.finditer(query):
        parts.extend(_latin_parts(query[position:match.start()], prefix_column))
        run = match.group()
        if len(run) == 1:
            parts.append(f'terms : "{run}"*')
        else:
            bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
            parts.append('terms : "' + " ".join(bigrams) + '"')  # consecutive bigrams
        position = match.end()
    parts.extend(_latin_parts(query[position:], prefix_column))
    return " AND ".join(parts) if parts else None


def _latin_parts(text: str, prefix_column: bool) -> list[str]:
    """A word matches itself or, as a prefix, a longer word (`ref` finds `refund`). Quoted, so
    that FTS5 syntax in a query (OR, NEAR, *, ^) is only ever text."""
    parts = []
    for word in (w.lower() for w in _WORD.findall(text)):
        if prefix_column and 2 <= len(word) <= PREFIX_MAX:
            parts.append(f'(terms : "{word}" OR prefixes : "{word}")')
        else:  # one character: the index's prefix list; longer: few words share the prefix
            parts.append(f'terms : "{word}"*')
    return parts
