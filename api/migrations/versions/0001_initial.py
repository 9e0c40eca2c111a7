"""Initial schema: operators, API users, drones, flights, zones, the airspace change sequence,
notifications.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "api_users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=True),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "drones",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("serial", sa.String(100), nullable=False, unique=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("empty_weight_kg", sa.Float(), nullable=True),
        sa.Column("max_takeoff_weight_kg", sa.Float(), nullable=True),
        sa.Column("max_speed_mps", sa.Float(), nullable=False),
        sa.Column("max_altitude_m", sa.Float(), nullable=True),
        sa.Column("vertical_rate_mps", sa.Float(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("drone_class", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_drones_operator_id", "drones", ["operator_id"])
    op.create_table(
        "flights",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("drone_id", sa.String(64), sa.ForeignKey("drones.id"), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("operator_id", "request_id", name="uq_flights_request_id"),
    )
    op.create_index("ix_flights_operator_id", "flights", ["operator_id"])
    op.create_index("ix_flights_state", "flights", ["state"])
    op.create_table(
        "zones",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("restriction", sa.String(32), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "airspace_events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("flight_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_notifications_operator_id", "notifications", ["operator_id"])


def downgrade() -> None:
    for name in (
        "notifications",
        "airspace_events",
        "zones",
        "flights",
        "drones",
        "api_users",
        "operators",
        "meta",
    ):
        op.drop_table(name)
