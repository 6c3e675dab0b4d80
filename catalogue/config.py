"""Where the catalogue lives: --db, else CATALOGUE_DATABASE_URL, else ./catalogue.db."""

import os
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_PATH = "catalogue.db"
ENV_VAR = "CATALOGUE_DATABASE_URL"


def database_url(db: str | None = None) -> str:
    """Resolve the database URL; a plain path (no '://') means a SQLite file."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_PATH
    if "://" in value:
        url = make_url(value)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(value).expanduser().resolve()}"
