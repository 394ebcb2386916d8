"""LLM response cache and usage ledger

Revision ID: 002
Revises: 001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "002"
down_revision: str | None = "001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "llm_cache",
        sa.Column(
            "cache_key",
            sa.String(length=64),
            nullable=False,
            comment="sha256(prompt version, model, input)",
        ),
        sa.Column("prompt_version", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column(
            "response", sa.Text(), nullable=False, comment="the model's validated JSON answer"
        ),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cache_key"),
    )
    op.create_table(
        "llm_usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "day",
            sa.String(length=10),
            nullable=False,
            comment="UTC day of the call, for the daily budget",
        ),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_llm_usage_day", "llm_usage", ["day"])


def downgrade() -> None:
    op.drop_index("idx_llm_usage_day", table_name="llm_usage")
    op.drop_table("llm_usage")
    op.drop_table("llm_cache")
