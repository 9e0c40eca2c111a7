"""``qingkong mqtt``: write the Mosquitto password file, ACL and config for the operators in
the store (see :mod:`api.telemetry.mosquitto`)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import BadInput, emit_json


@click.command(name="mqtt")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for passwd, acl and mosquitto.conf.",
)
@click.option("--database", "database_url", default=None, help="SQLAlchemy URL of the store.")
@click.option("--port", default=1883, show_default=True, type=click.IntRange(1, 65535))
@click.option("--service-user", default="qingkong", show_default=True, help="The service's login.")
@click.option("--renew", is_flag=True, help="New passwords for everyone (default: keep existing).")
@click.option("--json", "as_json", is_flag=True, help="Print the new passwords as JSON.")
def mqtt_command(
    out_dir: Path, database_url: str | None, port: int, service_user: str, renew: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Broker credentials: one login per operator (publish only under
    qingkong/v1/telemetry/<operator>/), one for the service (read all). New passwords are
    printed once; give each operator its own."""
    from sqlalchemy import select

    from api.models import Operator
    from api.store import Store
    from api.telemetry.mosquitto import write_files
    from cli.serve import _settings

    settings = _settings(database_url=database_url)
    try:
        store = Store(settings.database_url)
        store.migrate()
        with store.session() as s:
            operators = list(s.execute(select(Operator.id)).scalars())
        store.dispose()
    except ValueError as e:
        raise BadInput(str(e)) from None
    bad = [o for o in operators if not o or any(c in o for c in "/#+ :")]
    if bad:
        raise BadInput(f"operator id {bad[0]!r} cannot be an MQTT user name (no / # + : or space)")
    fresh = write_files(out_dir, operators, service_user=service_user, keep=not renew, port=port)
    if as_json:
        emit_json({"directory": str(out_dir), "operators": operators, "passwords": fresh})
        return
    click.echo(
        f"qingkong: wrote {out_dir}/passwd, acl, mosquitto.conf ({len(operators)} operators)"
    )
    for user, password in fresh.items():
        click.echo(f"{user}\t{password}")
    click.echo(f"start: mosquitto -c {out_dir}/mosquitto.conf")
