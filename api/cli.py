"""``qingkong serve`` (run the approval service with uvicorn) and ``qingkong users create``
(make an API key)."""

from __future__ import annotations

import gc
import logging
import sys

import click

from airspace.cli import BadInput, emit_json


def _settings(**overrides: object):
    from pydantic import ValidationError

    from api.config import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise BadInput(str(e).splitlines()[1] if len(str(e).splitlines()) > 1 else str(e)) from None


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--database",
    "database_url",
    default=None,
    help="SQLAlchemy URL (default: QINGKONG_DATABASE_URL or sqlite:///./qingkong.sqlite).",
)
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Qingdao demo airspace and corridors, one printed key per role.",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def serve(host: str, port: int, database_url: str | None, demo: bool, log_level: str) -> None:
    """Run the approval service (uvicorn); prints the start-up time and, in demo mode, keys."""
    import uvicorn

    from api.main import create_app

    logging.basicConfig(
        level=getattr(logging, log_level.upper()), format="%(asctime)s %(name)s %(message)s"
    )
    settings = _settings(database_url=database_url, demo=demo)
    if "warmup_background" not in settings.model_fields_set:
        # answer health at once; decisions wait for the kernels (progress printed below)
        settings = settings.model_copy(update={"warmup_background": True})
    try:
        app = create_app(settings)
    except ValueError as e:
        raise BadInput(str(e)) from None
    # What start-up loaded (planner index, zones, kernels) lives as long as the process: keep
    # it out of the collector's full passes, which otherwise stall decisions for ~0.3 s.
    gc.collect()
    gc.freeze()
    kernels = app.state.kernels
    warm = "kernels warm" if kernels is None or kernels.ready else "kernels compiling"
    click.echo(
        f"qingkong: start-up {app.state.startup_s:.2f} s (store migrated, airspace loaded, {warm})"
    )
    if kernels is not None and not kernels.ready:
        kernels.report = lambda _p: click.echo(f"qingkong: {kernels.describe()}")
    for role, key in app.state.demo_keys.items():
        click.echo(f"qingkong: demo {role} key: {key}")
    click.echo(f"qingkong: serving http://{host}:{port}/v1 (OpenAPI at /docs)")
    if settings.interuss_public_keys:
        click.echo(
            f"qingkong: InterUSS interfaces at http://{host}:{port}/flight_planning/v1 and "
            f"/geospatial_map/v1 (audiences: {settings.interuss_audience or 'none set'})"
        )
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug")


@click.group(name="users")
def users_group() -> None:
    """Manage API keys of the approval service."""


@users_group.command(name="create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["operator", "regulator", "admin", "sensor", "police", "public"]),
)
@click.option("--operator", "operator_id", default=None, help="Operator id (operator keys only).")
@click.option("--name", default="", help="Who the key is for.")
@click.option("--database", "database_url", default=None, help="SQLAlchemy URL of the store.")
@click.option("--json", "as_json", is_flag=True, help="Print the key as JSON.")
def create_user_cmd(
    role: str, operator_id: str | None, name: str, database_url: str | None, as_json: bool
) -> None:
    """Create an API key and print it (it is shown only this once)."""
    from api.auth import create_user
    from api.store import Store

    settings = _settings(database_url=database_url)
    try:
        store = Store(settings.database_url)
        store.migrate()
        with store.write() as s:
            user, key = create_user(s, role=role, operator_id=operator_id, name=name)
            out = {
                "id": user.id,
                "role": user.role,
                "operator_id": user.operator_id,
                "name": user.name,
                "key": key,
            }
    except ValueError as e:
        raise BadInput(str(e)) from None
    if as_json:
        emit_json(out)
    else:
        click.echo(key)
