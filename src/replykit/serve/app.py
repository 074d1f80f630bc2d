"""The desk as a local web page and a JSON API (Starlette), for agents who live in a browser.

Every failure a client can cause (bad JSON, wrong types, unknown entries, bodies over the limit,
a missing token) is a 4xx JSON answer ``{"error": "..."}``; the server keeps serving. The desk's
work runs in worker threads; the Desk makes one answer at a time (each takes milliseconds).
"""

from __future__ import annotations

import hmac
import json
import sys
import traceback
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from replykit.desk import Desk
from replykit.errors import MissingVariablesError, RenderError, UserError

#: A pasted e-mail thread is a few kilobytes; anything much bigger is a mistake or an attack.
MAX_BODY_BYTES = 256 * 1024
TOKEN_HEADER = "X-Replykit-Token"
CHANNELS = ("email", "chat")


class ClientError(Exception):
    """A request the client must fix: becomes ``{"error": message}`` with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request, limit: int) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ClientError(413, f"the request body is over {limit} bytes: send the message alone")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClientError(413, f"the request body is over {limit} bytes: send the message alone")
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ClientError(400, f"the body is not valid UTF-8 JSON ({e}): send a JSON object") from None
    if not isinstance(data, dict):
        raise ClientError(422, "the body must be a JSON object such as {\"text\": \"Where is my order?\"}")
    return data


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False,
           default: Any = None) -> Any:
    value = data.get(name, default)
    if value is None:
        if required:
            raise ClientError(422, f"'{name}' is required")
        return default
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        shown = {"str": "text", "int": "a whole number", "dict": "an object"}.get(expected, expected)
        raise ClientError(422, f"'{name}' must be {shown}, not {type(value).__name__}")
    return value


def _values(data: Mapping[str, Any]) -> dict[str, Any] | None:
    values = _field(data, "values", dict)
    if values is None:
        return None
    for name, value in values.items():
        if value is not None and not isinstance(value, (str, int, float, list, dict)):
            raise ClientError(422, f"values.{name} must be text, a number or a list")
    return {str(k): v for k, v in values.items() if v not in (None, "")}


def _channel(data: Mapping[str, Any]) -> str:
    channel = _field(data, "channel", str, default="email")
    if channel not in CHANNELS:
        raise ClientError(422, f"'channel' must be email or chat, not {channel!r}")
    return str(channel)


class TokenCheck(BaseHTTPMiddleware):
    """Every request carries the token (header, or ``?token=`` for the page itself) when one is set."""

    def __init__(self, app: Any, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self.token is not None:
            given = request.headers.get(TOKEN_HEADER) or request.query_params.get("token") or ""
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = given or auth[7:].strip()
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return _error(401, f"a token is required: send it in the {TOKEN_HEADER} header (?token= for the page)")
        return await call_next(request)


def create_app(desk: Desk, *, token: str | None = None, max_body: int = MAX_BODY_BYTES) -> Starlette:
    """The ASGI app serving ``desk``; ``token`` (when given) is checked on every request."""
    page = resources.files("replykit.serve").joinpath("page.html").read_text(encoding="utf-8")

    def endpoint(handler: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                data = await _json_body(request, max_body)
                return JSONResponse(await run_in_threadpool(handler, data))
            except ClientError as e:
                return _error(e.status, str(e))
            except MissingVariablesError as e:
                return _error(422, str(e))
            except RenderError as e:
                status = 404 if str(e).startswith("no entry ") else 422
                return _error(status, str(e))
            except UserError as e:
                return _error(422, str(e))

        return handle

    def suggest(data: dict[str, Any]) -> dict[str, Any]:
        text = _field(data, "text", str, required=True)
        if not text.strip():
            raise ClientError(422, "'text' is empty: paste the customer's message")
        pick = _field(data, "pick", int, default=1)
        top = _field(data, "top", int, default=5)
        if not 1 <= top <= 50:
            raise ClientError(422, "'top' must be between 1 and 50")
        answer = desk.answer(
            text, locale=_field(data, "locale", str) or None, top=top, pick=pick, channel=_channel(data),
            tz=_field(data, "tz", str) or None, values=_values(data),
        )
        if desk.usage_log is not None:
            desk.usage_log.record_answer(answer, source="serve")
        return answer.as_json()

    def render(data: dict[str, Any]) -> dict[str, Any]:
        entry = _field(data, "entry", str, required=True)
        locale = _field(data, "locale", str) or desk.kb.source_locale
        message = _field(data, "message", str)
        values, _ = desk.values_for(entry, locale, message=message, values=_values(data))
        reply = desk.render(entry, locale, values, channel=_channel(data), tz=_field(data, "tz", str) or None)
        return reply.as_json()

    def sent(data: dict[str, Any]) -> dict[str, Any]:
        text = _field(data, "text", str, required=True)
        if desk.usage_log is None:
            return {"logged": False}
        desk.usage_log.record_sent(
            asked=_field(data, "query", str), entry=_field(data, "entry", str), locale=_field(data, "locale", str),
            text=text, source="serve",
        )
        return {"logged": True}

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Content-Security-Policy": (
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self';"
            " img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )})

    def describe_kb() -> dict[str, Any]:
        entries = [
            {
                "id": entry.id,
                "tags": list(entry.tags),
                "variables": [
                    {"name": v.name, "type": v.type, "required": v.required, "description": v.description or ""}
                    for v in entry.variables.values()
                ],
            }
            for entry in sorted(desk.kb.entries.values(), key=lambda e: e.id)
        ]
        return {"locales": list(desk.kb.locales), "source_locale": desk.kb.source_locale, "entries": entries}

    kb_document = describe_kb()

    async def kb_info(request: Request) -> Response:
        return JSONResponse(kb_document)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, str(exc.detail))

    async def crash(request: Request, exc: Exception) -> Response:
        traceback.print_exception(exc, file=sys.stderr)
        return _error(500, "replykit failed on this request (a bug): the details are in the server's log")

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/kb", kb_info, methods=["GET"]),
        Route("/api/suggest", endpoint(suggest), methods=["POST"]),
        Route("/api/render", endpoint(render), methods=["POST"]),
        Route("/api/sent", endpoint(sent), methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(TokenCheck, token=token)],
        exception_handlers={HTTPException: http_error, Exception: crash},
    )


__all__ = ["MAX_BODY_BYTES", "TOKEN_HEADER", "create_app"]
