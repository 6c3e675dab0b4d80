"""The web view's application: its routes (routes.py), templates and style sheet, what every response carries
(a strict Content-Security-Policy: no script at all, styles from our own sheet only), and errors as pages,
never tracebacks."""

import logging
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from catalogue.errors import CatalogueError, NotFoundError
from catalogue.output import human_date, plural, source_label
from catalogue.serve import routes
from catalogue.serve.marks import mark_snippet, span_anchor, system_href

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # an article's link leaves no trace of the catalogue behind
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
log = logging.getLogger("catalogue")


def safe_href(url: str | None) -> str | None:
    """An article's URL as a link only when it is http(s): a javascript: or data: URL stays text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def source_href(source_id: int | None, start: int | None = None, end: int | None = None) -> str | None:
    """A source's page, at the mark of text[start:end] when given: one click from a claim to its sentence."""
    if source_id is None:
        return None
    return f"/sources/{source_id}" + (f"#{span_anchor(start, end)}" if start is not None and end is not None else "")


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(human_date=lambda day, precision=None: human_date(day, precision) or "",
                       mark_snippet=mark_snippet)
    env.globals.update(system_href=system_href, source_href=source_href, safe_href=safe_href,
                       source_label=source_label, plural=plural, Markup=Markup)
    return Jinja2Templates(env=env)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: no copy of the body)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_secured)


def _error(request: Request, status: int, message: str, suggestions: list[str] | None = None) -> Response:
    if routes.wants_json(request):
        return Response(routes.json_text({"error": message, "suggestions": suggestions or []}), status_code=status,
                        media_type="application/json", headers=SECURITY_HEADERS)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "suggestions": suggestions or []},
        status_code=status, headers=SECURITY_HEADERS)


async def _not_found(request: Request, exc: NotFoundError) -> Response:
    return _error(request, 404, str(exc), getattr(exc, "suggestions", None))


async def _bad_request(request: Request, exc: CatalogueError) -> Response:
    return _error(request, 400, str(exc))


async def _http(request: Request, exc: HTTPException) -> Response:
    messages = {404: "no such page", 405: "this view is read-only: only GET is served"}
    response = _error(request, exc.status_code, messages.get(exc.status_code, exc.detail))
    response.headers.update(exc.headers or {})  # "Allow: GET" on a 405
    return response


async def _database(request: Request, exc: SQLAlchemyError) -> Response:
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0]
    log.warning("serve: %s: database error: %s", request.url.path, reason)
    return _error(request, 503, f"the database could not answer: {reason}")


class InternalErrors:
    """A bug's exception as a page and one line in the server's log, where Starlette's own handler would let the
    server print its traceback."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            request = Request(scope)
            log.warning("serve: %s: internal error: %s: %s", request.url.path, exc.__class__.__name__, exc)
            if not started:  # else the page is half sent: the connection just ends
                response = _error(request, 500, f"internal error ({exc.__class__.__name__}); the server's log "
                                                "says more")
                await response(scope, receive, send)


def create_app(engine: Engine, allowed_hosts: list[str] | None = None) -> Starlette:
    """The web view reading through ENGINE (a read-only one: catalogue.sql.read_only_engine). allowed_hosts: the
    Host headers answered (None: any): a page elsewhere cannot then point its own name at a local server and read
    the catalogue through the visitor's browser (DNS rebinding)."""
    middleware = [Middleware(SecurityHeaders), Middleware(InternalErrors)]
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts, www_redirect=False))
    app = Starlette(
        routes=[*routes.ROUTES, Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=middleware,
        exception_handlers={NotFoundError: _not_found, CatalogueError: _bad_request, HTTPException: _http,
                            SQLAlchemyError: _database},
    )
    app.state.engine = engine
    app.state.templates = templates()
    return app

