"""A cheap query proving the database answers."""

from __future__ import annotations

from appliance.storage.database import bound_database


def ping() -> bool:
    return bool(bound_database.obj.execute_sql("SELECT 1").fetchone() == (1,))
