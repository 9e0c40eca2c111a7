"""The error answers every operation can give, declared once in the OpenAPI document so that it
matches behaviour (schemathesis checks it): 401 without a valid key and 403 for the wrong role on
every authenticated operation, 409 where a POST creates something, 404 wherever a path names a resource, 422 wherever there is input,
and 400 (not JSON), 413 (too large) and 415 (not JSON at all) wherever there is a body. Each has
the one error body of :mod:`api.errors`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code"},
                "message": {"type": "string", "description": "what to fix, in words"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
_REF = {"$ref": "#/components/schemas/ErrorBody"}
_WHY = {
    "400": "the body is not valid JSON",
    "401": "no API key, or an unknown, revoked or expired one",
    "403": "the key's role may not do this",
    "404": "no such resource (or not yours)",
    "413": "the body or its vertex count is too large",
    "409": "it exists already",
    "415": "the body is not application/json",
    "422": "a field is wrong; the body names it",
}


def declare_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the common error answers to every operation of an OpenAPI document (in place)."""
    doc.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_SCHEMA
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            codes = []
            if op.get("security"):
                codes += ["401", "403"]
            params = op.get("parameters", [])
            if any(p.get("in") == "path" for p in params):
                codes.append("404")
            if params or "requestBody" in op:
                codes.append("422")
            if "requestBody" in op:
                codes += ["400", "413", "415"]
            responses = op["responses"]
            if method == "post" and "201" in responses:
                codes.append("409")
            for code in codes:
                responses.setdefault(code, {"description": _WHY[code]})
            for code, resp in responses.items():
                if (
                    code.startswith("4")
                    and not resp.get("content")
                    or code == "422"
                    and path.startswith("/v1")
                ):
                    resp["content"] = {"application/json": {"schema": _REF}}
    return doc


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the document with the common error answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
