"""What a migration is: a version, a name, and a function applied in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import apsw


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[apsw.Connection], None]


def sql(script: str) -> Callable[[apsw.Connection], None]:
    """A migration that is one SQL script."""

    def apply(conn: apsw.Connection) -> None:
        conn.execute(script)

    return apply
