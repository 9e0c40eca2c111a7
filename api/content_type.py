"""Bodies are JSON: a request with a body of another type (text/plain, a form, XML) is answered
415 naming the type expected, instead of a 422 about a "valid dictionary"."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors

_WITH_BODY = {"POST", "PUT", "PATCH"}


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or ``*/*+json``).

    >>> is_json("application/json; charset=utf-8"), is_json("application/geo+json")
    (True, True)
    >>> is_json("text/plain"), is_json("application/x-www-form-urlencoded")
    (False, False)
    """
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodiesOnly:
    """ASGI middleware: 415 for a non-empty body that is not declared as JSON."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry: check the content type of requests with a body."""
        if scope["type"] == "http" and scope["method"] in _WITH_BODY:
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            has_body = (length is not None and length.strip() not in (b"", b"0")) or (
                length is None and b"chunked" in headers.get(b"transfer-encoding", b"")
            )
            ctype = headers.get(b"content-type", b"").decode("latin-1")
            if has_body and not is_json(ctype):
                await self._refuse(send, ctype)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(send: Send, ctype: str) -> None:
        got = ctype.split(";", 1)[0].strip() or "no Content-Type"
        payload = json.dumps(
            errors.body(
                "unsupported_media_type",
                f"the body is {got}; send JSON with Content-Type: application/json",
                [{"field": "body", "message": "expected application/json"}],
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 415,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
