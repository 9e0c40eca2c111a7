"""The flight-activity workflow: audit log (append-only), task grants, flights' workflow facts
and their reports, zone versions, long-term applications, registry documents, drone registration status, competent units of keys.

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

_PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_ref", "audit_log", ["ref"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {what} refused'); END"
            )
    op.create_table(
        "task_grants",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_index("ix_task_grants_operator_id", "task_grants", ["operator_id"])
    op.create_table(
        "flight_workflow",
        sa.Column("flight_id", sa.String(64), sa.ForeignKey("flights.id"), primary_key=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("application", sa.JSON(), nullable=True),
        sa.Column("must_apply", sa.Boolean(), nullable=False),
        sa.Column("exemption", sa.String(64), nullable=True),
        sa.Column("gate", sa.Boolean(), nullable=False),
        sa.Column("decide_by", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("ready_at", TS, nullable=True),
        sa.Column("expected_takeoff", TS, nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(32), nullable=True),
    )
    op.create_index("ix_flight_workflow_unit", "flight_workflow", ["unit"])
    op.create_table(
        "key_units",
        sa.Column("user_id", sa.Integer(), primary_key=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "flight_reports",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("flight_id", sa.String(64), sa.ForeignKey("flights.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_flight_reports_flight_id", "flight_reports", ["flight_id"])
    op.create_table(
        "zone_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("zone_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("restriction", sa.String(32), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("ended_by", sa.String(16), nullable=True),
    )
    op.create_index("ix_zone_versions_zone_id", "zone_versions", ["zone_id"])
    op.create_index("ix_zone_versions_published_at", "zone_versions", ["published_at"])
    op.create_table(
        "long_term_applications",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("corridors", sa.JSON(), nullable=False),
        sa.Column("area", sa.JSON(), nullable=True),
        sa.Column("upper_m", sa.Float(), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("application", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index(
        "ix_long_term_applications_operator_id", "long_term_applications", ["operator_id"]
    )
    op.create_table(
        "registry_documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("operator_id", sa.String(64), sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("drone_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_registry_documents_operator_id", "registry_documents", ["operator_id"])
    op.create_table(
        "drone_status",
        sa.Column("drone_id", sa.String(64), sa.ForeignKey("drones.id"), primary_key=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("drone_status")
    op.drop_table("key_units")
    op.drop_table("registry_documents")
    op.drop_table("long_term_applications")
    op.drop_table("zone_versions")
    op.drop_table("flight_reports")
    op.drop_table("flight_workflow")
    op.drop_table("task_grants")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
