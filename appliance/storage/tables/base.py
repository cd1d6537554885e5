"""The base of every table and the record of applied migrations."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import DateTimeField

from appliance.storage.database import bound_database


class BaseTable(pw.Model):
    # peewee adds the `id` primary key (and, for each foreign key, a `<name>_id` column
    # attribute) when it builds the class; declared for the type checker.
    id: Any

    class Meta:
        database = bound_database
        legacy_table_names = False


class SchemaMigration(BaseTable):
    version = pw.IntegerField(primary_key=True)
    name = pw.TextField()
    applied_at = DateTimeField()
