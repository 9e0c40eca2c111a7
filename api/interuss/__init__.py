"""The InterUSS automated-testing interfaces (``flight_planning`` v1, ``geospatial_map`` v1) with
their OAuth2 JWT authentication, so that uss_qualifier can test qingkong as a USS."""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Mount both interfaces and the token verifier on ``app``."""
    from api.interuss import flight_planning, geospatial_map
    from api.interuss.tokens import TokenVerifier

    app.state.interuss_verifier = TokenVerifier(
        settings.interuss_public_keys, settings.interuss_audience
    )
    app.state.interuss_operators = set()
    app.include_router(flight_planning.router)
    app.include_router(geospatial_map.router)
