"""An in-memory BM25F index over one company's knowledge base: question and phrasings as
one field, the answer as another, with each term's weight per entry computed once when the
index is built, so a search only adds up postings."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from appliance.domain.kb import Candidate, KbEntry
from appliance.domain.kb_facets import STRONG, Facet, agreement, answered_facets, facets_of
from appliance.services.kb_text import KIND_WEIGHTS, Lexicon, nouns, terms, word_sounds

K1 = 1.2
FIELDS = {"question": (1.0, 0.5), "answer": (0.25, 0.75)}  # field: (weight, b)
# A term found in more than this share of the entries is ignored (的, 吗 that slipped in).
MAX_DOCUMENT_SHARE = 0.5
# Which kinds of terms say how much of a message an entry explains (its coverage): words,
# synonym groups and Latin words carry meaning; characters and sounds only help ranking.
COVERAGE_KINDS = {"w": 1.0, "g": 1.0, "l": 1.0, "n": 0.3, "b": 0.3, "f": 0.5}


@dataclass(frozen=True, slots=True)
class _Doc:
    entry: KbEntry
    fields: dict[str, Counter[str]]
    asks: frozenset[Facet]   # what its question (or a phrasing) asks
    tells: frozenset[Facet]  # what its answer gives (a price, a time…)


class KbIndex:
    """The entries of one company, searchable by a visitor's message."""

    def __init__(self, entries: Sequence[KbEntry], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.entries = list(entries)
        docs = [_analyse(e, lexicon) for e in self.entries]
        count = max(1, len(docs))
        average = {
            name: max(1.0, sum(sum(d.fields[name].values()) for d in docs) / count)
            for name in FIELDS
        }
        frequency: Counter[str] = Counter()
        for doc in docs:
            frequency.update(set(doc.fields["question"]) | set(doc.fields["answer"]))
        self.idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5))
            for term, df in frequency.items()
            if count < 10 or df / count <= MAX_DOCUMENT_SHARE
        }
        # A term no entry has counts fully against the message: it asks about something else.
        self.unseen_idf = math.log(1 + (count + 0.5) / 0.5)
        self.postings_seen = frozenset(frequency)
        vocabulary = {t[2:] for t in frequency if t.startswith("w:")}
        vocabulary.update(lexicon.multi)
        self.sounds = word_sounds(vocabulary)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for number, doc in enumerate(docs):
            for term, weight in _term_weights(doc, average).items():
                idf = self.idf.get(term)
                if idf is not None:
                    self.postings.setdefault(term, []).append((number, idf * weight))
        self.facets = [(doc.asks, doc.tells) for doc in docs]
        # Each entry's question terms and their meaning weight, for its reach.
        self.question_terms = [
            {t: COVERAGE_KINDS[t[0]] * self.idf[t] for t in doc.fields["question"]
             if t[0] in COVERAGE_KINDS and t in self.idf} for doc in docs]
        self.question_weight = [sum(t.values()) for t in self.question_terms]
        # Each entry's meaningful terms: how much of a message it explains (coverage) and
        # which of the message's nouns it lacks, for the few best entries only.
        self.named = [frozenset(t for t in (*doc.fields["question"], *doc.fields["answer"])
                                if t[0] in COVERAGE_KINDS and t in self.idf) | {
            t for t in doc.fields["question"] if t[0] in "wl"} | {
            t for t in doc.fields["answer"] if t[0] in "wl"} for doc in docs]

    def search(self, text: str, allowed: Collection[int] | None = None,
               limit: int = 5, include: Collection[int] = ()) -> tuple[list[Candidate], float]:
        """The best entries for `text` (only those in `allowed` if given), and the
        message's own weight: the score a perfect match on every term would reach. The
        entries numbered in `include` (positions in `entries`, found by the re-ranking
        model) are weighed too, after the best ones, whatever their score."""
        query = terms(text, self.lexicon, sounds=self.sounds)
        things = [("l:" if w.isascii() else "w:") + w for w in nouns(text)]
        asked = facets_of(text)
        query.update(facet_terms(asked))
        scores: dict[int, float] = {}
        meanings: dict[str, float] = {}  # each meaningful term's share of the message
        total = 0.0
        for term, count in query.items():
            weight = KIND_WEIGHTS[term[0]] * (1 + math.log(count))
            idf = self.idf.get(term)
            meaning = COVERAGE_KINDS.get(term[0], 0.0)
            if idf is None:
                if term not in self.postings_seen:
                    total += meaning * self.unseen_idf
                continue
            total += meaning * idf
            if meaning:
                meanings[term] = meaning * idf
            get = scores.get
            for number, value in self.postings.get(term, ()):
                scores[number] = get(number, 0.0) + weight * value
        if allowed is not None:
            scores = {n: v for n, v in scores.items() if self.entries[n].id in allowed}
        ranked = heapq.nlargest(limit, scores.items(), key=lambda item: item[1])
        if include:
            chosen = {number for number, _ in ranked}
            ranked += [(n, scores.get(n, 0.0)) for n in include if n not in chosen]
        found: list[Candidate] = []
        for number, score in ranked:
            entry = self.entries[number]
            asks, tells = self.facets[number]
            own = self.question_terms[number]
            reach = sum(own.get(t, 0.0) for t in query) / (self.question_weight[number] or 1.0)
            # Scores in units of the rarest possible term, comparable across KB sizes.
            named = self.named[number]
            matched = sum(value for term, value in meanings.items() if term in named)
            found.append(Candidate(entry, score / self.unseen_idf,
                                   matched / total if total else 0.0,
                                   agreement(asked, asks, tells), min(1.0, reach),
                                   self._missing(things, number)))
        return found, total

    def _missing(self, things: list[str], number: int) -> float:
        """The weight of the rarest noun of the message that entry `number` neither has nor
        has a synonym of, in units of a word no entry has (0..1): 移机 in 空调移机多少钱
        against an entry about installing."""
        named = self.named[number]
        worst = 0.0
        for term in things:
            if term in named:
                continue
            if any("g:" + name in named for name in self.lexicon.multi.get(term[2:], ())):
                continue
            worst = max(worst, self.idf.get(term, 0.0 if term in self.postings_seen
                                            else self.unseen_idf))
        return worst / self.unseen_idf


def facet_terms(facets: frozenset[Facet]) -> list[str]:
    """The strong facets as match terms: an entry asking a price matches a message asking
    one even when nothing else is said (多少钱?), and rare facets weigh more."""
    return ["f:" + f.value for f in facets & STRONG]


def _analyse(entry: KbEntry, lexicon: Lexicon) -> _Doc:
    question: Counter[str] = Counter()
    for text in (entry.question, *entry.phrasings):
        question.update(terms(text, lexicon, document=True))
    text = entry.answer_text
    answer = terms(text, lexicon, document=True)
    asks = frozenset().union(*(facets_of(t) for t in (entry.question, *entry.phrasings)))
    question.update(facet_terms(asks))
    return _Doc(entry, {"question": question, "answer": answer}, asks, answered_facets(text))


def _term_weights(doc: _Doc, average: dict[str, float]) -> dict[str, float]:
    """BM25F: length-normalised term counts summed over fields, then saturated once."""
    combined: dict[str, float] = {}
    for name, (field_weight, b) in FIELDS.items():
        counts = doc.fields[name]
        length = sum(counts.values())
        norm = 1 - b + b * length / average[name]
        for term, count in counts.items():
            combined[term] = combined.get(term, 0.0) + field_weight * count / norm
    return {term: tf * (K1 + 1) / (tf + K1) for term, tf in combined.items()}
