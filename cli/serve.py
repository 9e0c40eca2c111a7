"""``qingkong serve`` (run the approval service with uvicorn) and ``qingkong users create``
(make an API key)."""

from __future__ import annotations

import gc
import logging
import sys
from datetime import timedelta
from typing import Any

import click

from cli.common import BadInput, emit_json


def _settings(**overrides: object):
    from pydantic import ValidationError

    from api.config import Settings

    try:
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**given)
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
    default=False,
    show_default=True,
    help="Qingdao demo airspace and corridors, and one fresh key per role printed at start "
    "(earlier demo keys are revoked). Without it no key is made or printed: use "
    "`qingkong users create`.",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def serve(host: str, port: int, database_url: str | None, demo: bool, log_level: str) -> None:
    """Run the approval service (uvicorn); prints the start-up time and, with --demo, keys."""
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
    from airspace.terrain import describe, terrain_for

    click.echo(f"qingkong: ground: {describe(terrain_for(settings.deployment_obj()))}")
    for role, key in app.state.demo_keys.items():
        click.echo(f"qingkong: demo {role} key: {key}")
    if not demo:
        click.echo("qingkong: no keys printed; make one with `qingkong users create --role admin`")
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
@click.option(
    "--expires-in",
    default=None,
    metavar="DURATION",
    help="The key stops working after this long: 3600, 90s, 45m, 12h, 30d (default: never).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the key as JSON.")
def create_user_cmd(
    role: str,
    operator_id: str | None,
    name: str,
    database_url: str | None,
    expires_in: str | None,
    as_json: bool,
) -> None:
    """Create an API key and print it (it is shown only this once). An operator key for an
    operator the store does not know registers that operator."""
    from api.auth import create_user
    from api.store import utcnow

    expires_at = utcnow() + timedelta(seconds=parse_duration_s(expires_in)) if expires_in else None
    store = _store(database_url)
    try:
        with store.write() as s:
            user, key = create_user(
                s, role=role, operator_id=operator_id, name=name, expires_at=expires_at
            )
            out = {
                "id": user.id,
                "role": user.role,
                "operator_id": user.operator_id,
                "name": user.name,
                "key": key,
                "expires_at": user.expires_at.isoformat() if user.expires_at else None,
            }
    except ValueError as e:
        raise BadInput(str(e).replace("operator_id", "--operator")) from None
    finally:
        store.dispose()
    if as_json:
        emit_json(out)
    else:
        click.echo(key)


def parse_duration_s(text: str) -> float:
    """Seconds of a duration written ``3600``, ``90s``, ``45m``, ``12h`` or ``30d``.

    >>> parse_duration_s("12h"), parse_duration_s("30d"), parse_duration_s("90")
    (43200.0, 2592000.0, 90.0)
    """
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    t = text.strip().lower()
    scale = units.get(t[-1:])
    number = t[:-1] if scale is not None else t
    try:
        value = float(number) * (scale or 1.0)
    except ValueError:
        raise BadInput(f"--expires-in {text!r}: write e.g. 3600, 90s, 45m, 12h or 30d") from None
    if not (value > 0 and value < 100 * 366 * 86400):
        raise BadInput(f"--expires-in {text!r}: must be positive and under 100 years")
    return value


def _store(database_url: str | None):
    from api.store import Store

    settings = _settings(database_url=database_url)
    try:
        store = Store(settings.database_url)
        store.migrate()
    except ValueError as e:
        raise BadInput(str(e)) from None
    return store


@users_group.command(name="list")
@click.option("--database", "database_url", default=None, help="SQLAlchemy URL of the store.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per key).")
def list_users_cmd(database_url: str | None, as_json: bool) -> None:
    """List API keys (never the keys themselves: their prefix), with status and expiry."""
    from api.auth import list_users
    from api.services.users import user_public

    store = _store(database_url)
    try:
        with store.session() as s:
            rows = [user_public(u) for u in list_users(s)]
    finally:
        store.dispose()
    if as_json:
        emit_json(
            [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                for r in rows
            ]
        )
        return
    tz = _deployment_tz()
    click.echo(f"{'id':>4}  {'role':<9}  {'operator':<12}  {'prefix':<9}  {'status':<7}  expires")
    for r in rows:
        exp = (
            r["expires_at"].astimezone(tz).isoformat(timespec="minutes")
            if r["expires_at"]
            else "never"
        )
        click.echo(
            f"{r['id']:>4}  {r['role']:<9}  {r['operator_id'] or '-':<12}  "
            f"{r['key_prefix']:<9}  {r['status']:<7}  {exp}  {r['name']}"
        )


@users_group.command(name="revoke")
@click.argument("ident")
@click.option("--database", "database_url", default=None, help="SQLAlchemy URL of the store.")
@click.option("--json", "as_json", is_flag=True, help="Print the revoked key's user as JSON.")
def revoke_user_cmd(ident: str, database_url: str | None, as_json: bool) -> None:
    """Revoke the key with user id or key prefix IDENT (servers refuse it within 10 s)."""
    from api.auth import revoke_user
    from api.services.users import user_public

    store = _store(database_url)
    try:
        with store.write() as s:
            out = user_public(revoke_user(s, ident))
    except LookupError as e:
        raise BadInput(str(e)) from None
    finally:
        store.dispose()
    if as_json:
        emit_json({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in out.items()})
    else:
        click.echo(f"revoked key {out['key_prefix']}... of {out['name']} ({out['role']})")


def _deployment_tz():
    settings = _settings()
    try:
        return settings.deployment_obj().tz
    except ValueError:
        from datetime import UTC

        return UTC
