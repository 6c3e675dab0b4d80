"""Scratch PostgreSQL schemas for benchmarks and tests: a URL on a new schema, and how to drop it."""

import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_schema(base_url: str, prefix: str = "t") -> tuple[str, Callable[[], None]]:
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def kept_postgres_schema(base_url: str, schema: str) -> tuple[str, bool]:
    """A URL on a schema kept between runs (--workdir), made if missing, and whether it holds a catalogue already."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                                         "AND table_name = 'claims'"), {"s": schema}).first() is not None
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    admin.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), exists
