"""Blocked visitors, addresses and ranges: queries and changes, run on the database threads."""

from __future__ import annotations

from datetime import datetime

from appliance.domain.blocks import Block
from appliance.domain.errors import NotFound
from appliance.storage.tables import BlockRow


def _block(row: BlockRow) -> Block:
    return Block(id=row.id, company_id=row.company_id, site_id=row.site_id, kind=row.kind,
                 value=row.value, reason=row.reason, created_by=row.created_by,
                 created_at=row.created_at, removed_at=row.removed_at,
                 removed_by=row.removed_by)


def active_blocks() -> list[Block]:
    """Every block in force (the service keeps them in memory: a few hundred at most)."""
    return [_block(r) for r in BlockRow.select().where(BlockRow.removed_at.is_null())
            .order_by(BlockRow.id)]


def list_blocks(company_ids: list[int] | None, include_removed: bool,
                limit: int) -> list[Block]:
    query = BlockRow.select()
    if company_ids is not None:
        query = query.where(BlockRow.company.in_(company_ids))
    if not include_removed:
        query = query.where(BlockRow.removed_at.is_null())
    return [_block(r) for r in query.order_by(BlockRow.id.desc()).limit(limit)]


def get_block(block_id: int) -> Block:
    row = BlockRow.get_or_none(BlockRow.id == block_id)
    if row is None:
        raise NotFound("No such block")
    return _block(row)


def create_block(company_id: int, site_id: int | None, kind: str, value: str, reason: str,
                 created_by: int, now: datetime) -> Block:
    """The same block given twice is the one already in force."""
    same = (BlockRow.select().where(
        (BlockRow.company == company_id) & (BlockRow.kind == kind) & (BlockRow.value == value)
        & (BlockRow.removed_at.is_null())
        & (BlockRow.site_id.is_null() if site_id is None else BlockRow.site_id == site_id))
        .first())
    if same is not None:
        return _block(same)
    row = BlockRow.create(company=company_id, site_id=site_id, kind=kind, value=value,
                          reason=reason, created_by=created_by, created_at=now)
    return _block(row)


def remove_block(block_id: int, removed_by: int, now: datetime) -> Block:
    get_block(block_id)
    BlockRow.update(removed_at=now, removed_by=removed_by).where(
        (BlockRow.id == block_id) & BlockRow.removed_at.is_null()).execute()
    return get_block(block_id)
