"""JSON columns are JSONB on PostgreSQL

Revision ID: 007
Revises: 006
Create Date: 2026-12-06

PostgreSQL stores every JSON column as JSONB (parsed once, binary, indexable and comparable);
SQLite keeps JSON text. The values read back are equal: JSONB drops only the text's key order
and whitespace, and the checksums of storage/transfer.py already compare JSON with sorted keys.
The downgrade turns them back into JSON (JSONB's text form).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_COLUMNS = {
    "raw_slack_messages": ("mentions", "reactions"),
    "event_candidates": ("links", "anchors", "features"),
    "events": ("links", "anchors"),
    "digests": ("entries", "blocks"),
}


def _retype(json_type: str) -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table, columns in JSON_COLUMNS.items():
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE {json_type} USING {column}::{json_type}"
            for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _retype("jsonb")


def downgrade() -> None:
    _retype("json")
