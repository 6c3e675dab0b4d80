"""Where the catalogue lives: --db, else CATALOGUE_DATABASE_URL, else ./catalogue.db."""

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_PATH = "catalogue.db"
ENV_VAR = "CATALOGUE_DATABASE_URL"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def database_url(db: str | URL | None = None) -> URL:
    """Resolve the database URL. A value with a URL scheme (postgresql://, sqlite:///) is a URL; anything
    else is the path of a SQLite file, whatever its characters ('dir#1/cat.db', 'q?d/cat.db', 'dir%41')."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_PATH
    if isinstance(value, URL):
        return value
    if not _SCHEME.match(value):
        return URL.create("sqlite", database=str(Path(value).expanduser().resolve()))
    url = make_url(value)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url
