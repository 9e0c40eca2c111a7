"""Telemetry: the track of every position received and the latest state of each drone.

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_VALUES = ("t_s", "lon", "lat", "altitude_m")
_OPTIONAL = ("speed_mps", "track_deg", "vertical_speed_mps")


def _columns() -> list[sa.Column]:
    return [
        *(sa.Column(c, sa.Float(), nullable=False) for c in _VALUES),
        *(sa.Column(c, sa.Float(), nullable=True) for c in _OPTIONAL),
        sa.Column("received_s", sa.Float(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "telemetry_tracks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("drone_id", sa.String(64), nullable=False),
        sa.Column("flight_id", sa.String(64), nullable=True),
        *_columns(),
    )
    op.create_index("ix_telemetry_tracks_flight", "telemetry_tracks", ["flight_id", "t_s"])
    op.create_index("ix_telemetry_tracks_drone", "telemetry_tracks", ["drone_id", "t_s"])
    op.create_table(
        "telemetry_latest",
        sa.Column("drone_id", sa.String(64), primary_key=True),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("flight_id", sa.String(64), nullable=True),
        *_columns(),
    )
    op.create_index("ix_telemetry_latest_operator_id", "telemetry_latest", ["operator_id"])


def downgrade() -> None:
    op.drop_table("telemetry_latest")
    op.drop_table("telemetry_tracks")
