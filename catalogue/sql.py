"""Read-only SQL for analysts: one statement, SELECT-like, on a connection that cannot write.

The checks here give clear messages; the engines enforce it: a read-only SQLite connection with an
authorizer, a READ ONLY transaction on PostgreSQL.
"""

import re
import sqlite3
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from catalogue.errors import CatalogueError

READ_STATEMENTS = {"select", "with", "values", "explain", "table", "pragma"}
TIMEOUT_SECONDS = 30
_LEXEME = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\$(\w*)\$.*?\$\1\$|;|[^'\";$/-]+|.",
                     re.DOTALL)

# sqlite3 authorizer action codes that a read-only query needs.
_SQLITE_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


class SqlError(CatalogueError):
    pass


class SqlResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]


def check_statement(query: str) -> str:
    """One read statement, or a SqlError saying why not."""
    stripped = query.strip()
    pieces = [m.group() for m in _LEXEME.finditer(stripped)]
    while pieces and (pieces[-1] == ";" or not pieces[-1].strip() or pieces[-1].startswith(("--", "/*"))):
        pieces.pop()
    if ";" in pieces:
        raise SqlError("sql: only one statement at a time (stacked statements are refused)")
    body = "".join(pieces)
    words = re.sub(r"--[^\n]*|/\*.*?\*/", " ", body, flags=re.DOTALL).split()
    if not words:
        raise SqlError("sql: empty query")
    first = words[0].casefold().strip("(")
    if first not in READ_STATEMENTS:
        raise SqlError(f"sql: only read queries are allowed (SELECT, WITH, VALUES, EXPLAIN), not {words[0].upper()}")
    if first == "explain" and len(words) > 1 and words[1].casefold() in ("analyze", "analyse"):
        raise SqlError("sql: EXPLAIN ANALYZE runs the statement; use EXPLAIN")
    if first == "pragma" and ("=" in body or "(" in body):
        raise SqlError("sql: PRAGMA may only be read here (no '=' or arguments)")
    return body


def run_sql(engine: Engine, query: str, max_rows: int = 100_000) -> SqlResult:
    body = check_statement(query)
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, body, max_rows)
    return _postgres(engine, body, max_rows)


def _authorize(action: int, arg1, arg2, db_name, trigger) -> int:
    if action in _SQLITE_ALLOWED or (action == sqlite3.SQLITE_PRAGMA and arg2 is None):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _sqlite(engine: Engine, body: str, max_rows: int) -> SqlResult:
    path = make_url(engine.url).database
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise SqlError(f"sql: cannot open {path} read-only: {exc}") from None
    try:
        connection.execute("PRAGMA query_only=ON")
        connection.set_authorizer(_authorize)
        cursor = connection.execute(body)
        columns = [d[0] for d in cursor.description or []]
        return SqlResult(columns=columns, rows=[list(row) for row in cursor.fetchmany(max_rows)])
    except sqlite3.Error as exc:
        raise SqlError(f"sql: {_first_line(exc)}") from None
    finally:
        connection.close()


def _postgres(engine: Engine, body: str, max_rows: int) -> SqlResult:
    import psycopg

    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        driver.rollback()
        driver.read_only = True
        with driver.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {TIMEOUT_SECONDS * 1000}")
            cursor.execute(body, prepare=False)
            columns = [d.name for d in cursor.description or []]
            rows = [list(row) for row in cursor.fetchmany(max_rows)] if cursor.description else []
        driver.rollback()
        return SqlResult(columns=columns, rows=rows)
    except psycopg.Error as exc:
        driver.rollback()
        raise SqlError(f"sql: {_first_line(exc)}") from None
    finally:
        driver.read_only = False
        raw.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
