"""Text analysis for the knowledge base: Chinese and English text to weighted match terms.

Words from the segmenter (rjieba, the jieba-rs binding), character unigrams and bigrams,
pinyin syllable bigrams (homophones and typos: 法货 reads as 发货, 提huo as 提货), synonym
groups (built-in lexicon plus the company's own), Latin words and pinyin initials
(`fp` finds 发票 even without a lexicon entry)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import rjieba
from pypinyin import Style, lazy_pinyin

from appliance.domain import kb_lexicon as lex
from appliance.domain.kb import normalise
from appliance.domain.kb_facets import without_interrogatives

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+|\d+(?:\.\d+)?")

# The relative weight of each kind of term in a visitor's message.
KIND_WEIGHTS: dict[str, float] = {
    "w": 1.0,   # segmenter word
    "b": 1.0,   # character bigram
    "u": 0.35,  # character unigram
    "p": 0.6,   # pinyin syllable bigram
    "g": 1.0,   # synonym group
    "l": 1.0,   # Latin word
    "n": 0.5,   # number
    "i": 0.5,   # pinyin initials of a word
    "f": 1.0,   # what the question asks (kb_facets.py): a price, a time, a place…
}
_STOP_CHARS = frozenset("的了吗呢啊吧呀嘛哦啦么哈哟噢呗咯喔哎诶嗯额呃着过得地之与及和或跟同"
                        "我你您他她它这那是有在要想会能可以不没就都也还又再很太挺个一下请问亲"
                        "怎么什啥咋哪几多少")


@lru_cache(maxsize=4096)
def _pinyin_segments(word: str) -> tuple[str, ...] | None:
    """Split Latin letters into pinyin syllables (yibao → yi bao), or None if they are not
    pinyin. Longest syllable first with backtracking; words of 2+ letters only."""
    if len(word) < 2 or len(word) > 24:
        return None

    def split(rest: str) -> tuple[str, ...] | None:
        if not rest:
            return ()
        for size in range(min(6, len(rest)), 0, -1):
            head = rest[:size]
            if head in lex.PINYIN_SYLLABLES:
                tail = split(rest[size:])
                if tail is not None:
                    return (head, *tail)
        return None

    return split(word)


@lru_cache(maxsize=65536)
def _syllables(run: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(run, style=Style.NORMAL, errors="ignore"))


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Synonym groups by term: built-in ones plus a company's own."""

    multi: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term → group names
    single: dict[str, tuple[str, ...]] = field(default_factory=dict)  # one-character terms

    @classmethod
    def build(cls, extra_groups: Iterable[Iterable[str]] = ()) -> Lexicon:
        multi: dict[str, list[str]] = {}
        single: dict[str, list[str]] = {}
        groups = [tuple(g) for g in lex.SYNONYM_GROUPS]
        groups += [tuple(normalise(t).strip() for t in g) for g in extra_groups]
        for group in groups:
            terms = [t for t in group if t]
            if len(terms) < 2:
                continue
            name = terms[0]
            for term in terms:
                target = single if len(term) == 1 else multi
                target.setdefault(term, []).append(name)
        return cls({t: tuple(n) for t, n in multi.items()},
                   {t: tuple(n) for t, n in single.items()})


@lru_cache(maxsize=1)
def builtin_lexicon() -> Lexicon:
    return Lexicon.build()


def _expand_latin(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match.group()
        chinese = lex.ABBREVIATIONS.get(word)
        return f" {chinese} " if chinese else match.group()

    return _LATIN.sub(replace, text)


_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"))


def sound_key(syllables: Sequence[str]) -> str:
    """Syllables with the distinctions many speakers blur (zh/z, ch/c, sh/s, n/l, in/ing,
    en/eng) removed: 法货 and 发货, 营页 and 营业, 对帐 and 对账 share a key."""
    keys = []
    for syllable in syllables:
        for a, b in _FUZZY_INITIALS:
            if syllable.startswith(a):
                syllable = b + syllable[len(a):]
                break
        for a, b in _FUZZY_FINALS:
            if syllable.endswith(a):
                syllable = syllable[: -len(a)] + b
                break
        keys.append(syllable)
    return " ".join(keys)


def word_sounds(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Sound keys of words (2–4 Chinese characters) to the words: for finding a word a
    visitor typed with a wrong character or in pinyin."""
    found: dict[str, set[str]] = {}
    for word in words:
        if 2 <= len(word) <= 4 and _CJK.fullmatch(word):
            found.setdefault(sound_key(_syllables(word)), set()).add(word)
    return {key: tuple(sorted(ws)) for key, ws in found.items()}


def terms(text: str, lexicon: Lexicon, *, document: bool = False,
          sounds: dict[str, tuple[str, ...]] | None = None) -> Counter[str]:
    """The match terms of `text`, counted. Documents also get the pinyin initials of their
    words, so that letters a visitor types for a word (`fp`) can find it; a visitor's
    message also gets the known words that sound like its parts (`sounds`)."""
    text = without_interrogatives(_expand_latin(normalise(text)))
    out: Counter[str] = Counter()
    # Without the segmenter's guessing of new words (its HMM): the words it invents for
    # unknown strings (费要, 前发) split a message differently from the entries, and the bot
    # counted them as things the message asks that an entry lacks; unknown strings are still
    # matched by their characters and pairs.
    words = [w for w in rjieba.cut_for_search(text, False) if w.strip()]
    for word in words:
        if word in lex.STOP_WORDS or not (word.isalnum()):
            continue
        if _CJK.fullmatch(word):
            out["w:" + word] += 1
            if document and 2 <= len(word) <= 4:
                out["i:" + "".join(s[0] for s in _syllables(word) if s)] += 1
        elif _LATIN.fullmatch(word):
            out["l:" + word] += 1
            if not document and 2 <= len(word) <= 4 and _pinyin_segments(word) is None:
                out["i:" + word] += 1
        elif _NUMBER.fullmatch(word):
            out["n:" + word] += 1
        for name in lexicon.single.get(word, ()):
            out["g:" + name] += 1
    runs = _characters(text, out)
    for term, names in lexicon.multi.items():
        if term in text:
            for name in names:
                out["g:" + name] += 1
    if sounds:
        _sound_alikes(runs, sounds, lexicon, out)
    return out


_NOUN_TAGS = ("n", "eng", "vn")


def nouns(text: str) -> set[str]:
    """The nouns of a message (two characters or more, or Latin words): the things it is
    about, which an entry that answers it should mention."""
    text = without_interrogatives(_expand_latin(normalise(text)))
    # The tagger keeps its guessing of new words, unlike `terms`: without it here too the bot
    # measured no better (docs/benchmarks.md, 2026-12-07).
    return {word for word, tag in rjieba.tag(text)
            if tag.startswith(_NOUN_TAGS) and word not in lex.STOP_WORDS
            and (len(word) >= 2 or _LATIN.fullmatch(word) is not None)}


def _sound_alikes(runs: list[tuple[str, list[str]]], sounds: dict[str, tuple[str, ...]],
                  lexicon: Lexicon, out: Counter[str]) -> None:
    """Known words whose sound matches 2–4 syllables of the message that are not a word
    themselves (法货 → 发货, 提huo → 提货, yibao → 医保)."""
    for text, syllables in runs:
        for size in (2, 3, 4):
            for start in range(len(syllables) - size + 1):
                window = syllables[start:start + size]
                words = sounds.get(sound_key(window))
                if not words:
                    continue
                typed = text[start:start + size] if len(text) == len(syllables) else ""
                if size == 2 and typed and rjieba.has_word(typed):
                    continue  # a real word of its own: 事件 is not a typo of 时间
                for word in words:
                    if word == typed:
                        continue
                    out["w:" + word] += 1
                    for name in lexicon.multi.get(word, ()):
                        out["g:" + name] += 1


def _characters(text: str, out: Counter[str]) -> list[tuple[str, list[str]]]:
    """Character unigrams and bigrams of CJK runs; pinyin bigrams across CJK and Latin
    letters that spell pinyin (提huo → ti huo). Returns the runs with their syllables."""
    runs: list[tuple[str, list[str]]] = []
    chars, syllables = "", list[str]()
    previous_end = -1

    def flush() -> None:
        nonlocal chars, syllables
        _pinyin_bigrams(syllables, out)
        if len(syllables) > 1:
            runs.append((chars, syllables))
        chars, syllables = "", list[str]()

    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.start() != previous_end:
            flush()
        previous_end = match.end()
        if _CJK.fullmatch(token):
            for i, ch in enumerate(token):
                if ch not in _STOP_CHARS:
                    out["u:" + ch] += 1
                if i + 1 < len(token):
                    out["b:" + token[i:i + 2]] += 1
            run_syllables = _syllables(token)
            if len(run_syllables) != len(token):  # a character without a reading
                flush()
                continue
            chars += token
            syllables.extend(run_syllables)
        elif token.isalpha() and (segments := _pinyin_segments(token)) is not None:
            chars += "?" * len(segments)
            syllables.extend(segments)
        else:
            flush()
    flush()
    return runs


def _pinyin_bigrams(syllables: list[str], out: Counter[str]) -> None:
    for a, b in itertools.pairwise(syllables):
        out[f"p:{a}_{b}"] += 1
