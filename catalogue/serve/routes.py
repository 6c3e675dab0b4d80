"""The pages. Each parses its query, calls one library function and renders what it returns: as HTML, or, asked
with `Accept: application/json`, as the JSON of the same models (the shapes of `show --json` and the export).
Every route is GET: nothing here writes."""

import json
from functools import partial
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalogue.browse import (
    PAGE,
    SORTS,
    ClaimFilters,
    SystemFilters,
    browse_claims,
    browse_systems,
    source_page,
    system_page,
)
from catalogue.db import read_session
from catalogue.errors import CatalogueError
from catalogue.export import systems_out
from catalogue.extract.rules import CATEGORIES
from catalogue.lookup import system_detail
from catalogue.queries import list_sources
from catalogue.readers import validation_problem
from catalogue.search import search
from catalogue.serve.marks import mark_text

VARY = {"Vary": "Accept"}  # one URL, two representations: caches keep them apart
ATTRIBUTES = ("category", "fuel", "capability", "status", "warhead", "range", "range_min", "speed", "payload",
              "warhead_weight", "launch_weight", "length", "warheads", "stages", "distance_flown", "apogee",
              "flight_time")
SEARCH_LIMIT = 50


def wants_json(request: Request) -> bool:
    """JSON when the Accept header prefers application/json to HTML (by their q values; HTML on a tie)."""
    preference = {"application/json": 0.0, "text/html": 0.0}
    for media_range in request.headers.get("accept", "").split(","):
        kind, *parameters = (part.strip() for part in media_range.split(";"))
        if kind.casefold() in preference:
            q = next((p[2:] for p in parameters if p.casefold().startswith("q=")), "1")
            try:
                preference[kind.casefold()] = max(preference[kind.casefold()], min(1.0, float(q)))
            except ValueError:
                continue
    return preference["application/json"] > preference["text/html"]


def json_text(value: Any) -> str:
    return value.model_dump_json() if isinstance(value, BaseModel) else json.dumps(value)


def _json(value: Any) -> Response:
    return Response(json_text(value), media_type="application/json", headers=VARY)


def _html(request: Request, template: str, **context: Any) -> Response:
    context["link"] = partial(link, request)
    return request.app.state.templates.TemplateResponse(request, template, context, headers=VARY)


def link(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one); any change but the page's number
    starts again at the first page."""
    params = {key: value for key, value in request.query_params.items() if value}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    if "page" not in changes:
        params.pop("page", None)
    return request.url.path + (f"?{urlencode(params)}" if params else "")


MAX_VALUE = 1000  # characters in a query or path parameter: no name, word list or claimant is longer


def _checked(key: str, value: str) -> str:
    """A parameter as given, refused in one line when no database could take it: a NUL (PostgreSQL refuses it,
    SQLite cuts the text there) or a value longer than any name (SQLite: "LIKE pattern too complex")."""
    if "\x00" in value:
        raise CatalogueError(f"query parameter {key}: holds a NUL character")
    if len(value) > MAX_VALUE:
        raise CatalogueError(f"query parameter {key}: {len(value):,} characters; at most {MAX_VALUE:,}")
    return value


def _query(request: Request) -> dict[str, str]:
    return {key: _checked(key, value.strip()) for key, value in request.query_params.items() if value.strip()}


def _parse(model: type[BaseModel], values: dict[str, Any]):
    try:
        return model.model_validate({key: value for key, value in values.items() if value is not None})
    except ValidationError as exc:
        raise CatalogueError(f"query parameter {validation_problem(exc)}") from None


def _offset(query: dict[str, str]) -> int:
    page = query.get("page", "1")
    if not page.isdigit() or int(page) < 1 or int(page) > 1_000_000:
        raise CatalogueError(f"query parameter page: {page!r} is not a page number (1, 2, ...)")
    return (int(page) - 1) * PAGE


def systems(request: Request) -> Response:
    query = _query(request)
    order = query.get("order", "asc")
    if order not in ("asc", "desc"):
        raise CatalogueError(f"query parameter order: {order!r} is neither asc nor desc")
    filters = _parse(SystemFilters, {**{key: query.get(key) for key in ("q", "category", "country", "fuel",
                                                                         "conflicting", "sort")},
                                     "descending": order == "desc", "offset": _offset(query)})
    listing = browse_systems(request.app.state.engine, filters)
    if wants_json(request):
        return _json(listing)
    return _html(request, "systems.html", listing=listing, sorts=SORTS, categories=CATEGORIES, page=PAGE)


def system(request: Request) -> Response:
    engine, name = request.app.state.engine, _checked("name", request.path_params["name"])
    if wants_json(request):  # what `catalogue show NAME --json` prints
        detail = system_detail(engine, name)
        with read_session(engine) as session:
            return _json(systems_out(session, [detail.id])[0])
    return _html(request, "system.html", page=system_page(engine, name))


def sources(request: Request) -> Response:
    rows = list_sources(request.app.state.engine)
    if wants_json(request):
        return _json({"sources": [row.model_dump(mode="json") for row in rows]})
    return _html(request, "sources.html", sources=rows)


def source(request: Request) -> Response:
    page = source_page(request.app.state.engine, request.path_params["source_id"])
    if wants_json(request):
        return _json(page)
    return _html(request, "source.html", source=page, marked=mark_text(page.text, page.spans))


def claims(request: Request) -> Response:
    query = _query(request)
    filters = _parse(ClaimFilters, {"claimant": query.get("claimant"), "attribute": query.get("attribute"),
                                    "system": query.get("system"), "source_id": query.get("source"),
                                    "status": query.get("status"), "offset": _offset(query)})
    listing = browse_claims(request.app.state.engine, filters)
    if wants_json(request):
        return _json(listing)
    return _html(request, "claims.html", listing=listing, attributes=ATTRIBUTES, page=PAGE)


def search_page(request: Request) -> Response:
    words = _query(request).get("q", "")
    hits = search(request.app.state.engine, words, SEARCH_LIMIT) if words else []
    if wants_json(request):
        return _json({"query": words, "hits": [hit.model_dump(mode="json") for hit in hits]})
    return _html(request, "search.html", query=words, hits=hits)


ROUTES = [
    Route("/", systems, methods=["GET"], name="home"),
    Route("/systems", systems, methods=["GET"], name="systems"),
    Route("/systems/{name:path}", system, methods=["GET"], name="system"),
    Route("/sources", sources, methods=["GET"], name="sources"),
    Route("/sources/{source_id:int}", source, methods=["GET"], name="source"),
    Route("/claims", claims, methods=["GET"], name="claims"),
    Route("/search", search_page, methods=["GET"], name="search"),
]
