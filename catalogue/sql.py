"""Read-only SQL for analysts: one query, with a time limit and a cap on rows and bytes.

The engines enforce read-only, not our parsing:
- SQLite: the file opened read-only (mode=ro, query_only) with an authorizer that allows reads only and refuses
  fts3_tokenizer; the driver runs one statement per call; a progress handler stops the query at the time limit
  or on Ctrl-C; SQLITE_LIMIT_LENGTH makes a value above the byte cap an engine error.
- PostgreSQL: the query runs as a login role that may only SELECT the catalogue's tables and views (`catalogue db
  reader` creates it), through the extended query protocol (the server refuses several commands in one), in a READ
  ONLY transaction that is always rolled back, with a statement timeout.
"""

import hashlib
import math
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from catalogue.errors import CatalogueError

TIMEOUT_SECONDS = 30
MAX_ROWS = 100_000
MAX_BYTES = 50_000_000
READER_URL_ENV = "CATALOGUE_READER_URL"
READER_PASSWORD_ENV = "CATALOGUE_READER_PASSWORD"
_PROGRESS_STEPS = 10_000  # SQLite VM instructions between two checks of the deadline and Ctrl-C

_SQLITE_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
# fts3_tokenizer can hand SQLite a pointer to call; load_extension loads code.
_SQLITE_REFUSED_FUNCTIONS = {"fts3_tokenizer", "load_extension"}


class SqlError(CatalogueError):
    pass


class SqlResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: str | None = None  # "100,000 rows" or "50 MB" when the output was cut there


class ReaderRole(BaseModel):
    role: str
    database: str
    schema_name: str
    tables: int  # tables and views it may SELECT


def run_sql(engine: Engine, query: str, *, timeout: float = TIMEOUT_SECONDS, max_rows: int = MAX_ROWS,
            max_bytes: int = MAX_BYTES, role: str | None = None) -> SqlResult:
    """Run one read-only query; `role` names the PostgreSQL reader role (default: reader_role_name)."""
    if not query.strip():
        raise SqlError("sql: empty query")
    if not timeout > 0:
        raise SqlError("sql: --timeout must be a positive number of seconds")
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, query, timeout, max_rows, max_bytes)
    return _postgres(engine, query, timeout, max_rows, max_bytes, role)


def printable(value: Any) -> Any:
    """A value as JSON, CSV and tables show it: binary as PostgreSQL's hex form (\\x0a1b), dates in ISO 8601."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): printable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _collect(rows: Iterable[Iterable[Any]], max_rows: int, max_bytes: int) -> tuple[list[list[Any]], str | None]:
    """Rows up to the caps, counted as fetched; the next row is read only to know whether there was more."""
    kept: list[list[Any]] = []
    size = 0
    for row in rows:
        if len(kept) == max_rows:
            return kept, f"{max_rows:,} rows"
        values = list(row)
        size += sum(len(v) if isinstance(v, str | bytes) else 8 for v in values)
        if size > max_bytes:
            return kept, _megabytes(max_bytes)
        kept.append(values)
    return kept, None


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:g} MB"


def _stopped(timeout: float) -> SqlError:
    return SqlError(f"sql: query stopped after {timeout:g} s (--timeout)")


@contextmanager
def _sigint_flag() -> Iterator[threading.Event]:
    """Ctrl-C sets a flag that SQLite's progress handler sees: a KeyboardInterrupt raised inside the handler would be
    swallowed by the driver, and none is raised while SQLite runs C code."""
    flag = threading.Event()
    previous = None
    try:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a process told to ignore Ctrl-C keeps ignoring it
            previous = signal.signal(signal.SIGINT, lambda *_: flag.set())
    except ValueError:  # not the main thread: Ctrl-C is not ours to catch
        pass
    try:
        yield flag
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class _TimedConnection(sqlite3.Connection):
    """A connection whose progress handler stops the running statement past its deadline (catalogue serve)."""
    deadline = math.inf


def sqlite_read_only(path: str, timeout: float, refused: list[str], *, any_thread: bool = False,
                     factory: type[sqlite3.Connection] = sqlite3.Connection) -> sqlite3.Connection:
    """The file opened read-only (mode=ro, query_only) with the authorizer that allows reads only; what it refuses is
    noted in `refused`. `any_thread`: the connection may move between threads (a pool's, in catalogue serve)."""
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=timeout,  # '?', '#' in names
                                     check_same_thread=not any_thread, factory=factory)
    except sqlite3.Error as exc:
        raise SqlError(f"sql: cannot open {path} read-only: {exc}") from None
    try:
        connection.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        connection.close()
        raise SqlError(f"sql: cannot open {path} read-only: {exc}") from None
    connection.set_authorizer(_sqlite_authorizer(refused))
    return connection


def _sqlite(engine: Engine, query: str, timeout: float, max_rows: int, max_bytes: int) -> SqlResult:
    refused: list[str] = []
    connection = sqlite_read_only(make_url(engine.url).database, timeout, refused)
    deadline = time.monotonic() + timeout
    try:
        with _sigint_flag() as interrupted:
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_bytes)
            connection.set_progress_handler(lambda: int(interrupted.is_set() or time.monotonic() > deadline),
                                            _PROGRESS_STEPS)
            try:
                cursor = connection.execute(query)
                columns = [d[0] for d in cursor.description or []]
                rows, truncated = _collect(cursor, max_rows, max_bytes)
            except sqlite3.Error as exc:
                if interrupted.is_set():
                    raise KeyboardInterrupt from None
                if str(exc) == "interrupted" and time.monotonic() > deadline:
                    raise _stopped(timeout) from None
                raise _sqlite_error(exc, refused, max_bytes) from None
            if interrupted.is_set():
                raise KeyboardInterrupt
        return SqlResult(columns=columns, rows=rows, truncated=truncated)
    finally:
        connection.close()


def _sqlite_authorizer(refused: list[str]):
    """Reads only; what was refused is noted for the message."""

    def authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
        if action in _SQLITE_READ_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").casefold() not in _SQLITE_REFUSED_FUNCTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg2 is None:  # reading a PRAGMA; setting one has a value
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
            # FTS5 declares its table's columns when a query first reads it (fts_claims MATCH ...), which asks to
            # update sqlite_master; a real change of it needs PRAGMA writable_schema, refused above as a setting.
            return sqlite3.SQLITE_OK
        refused.append(_refused_action(action, arg1, arg2))
        return sqlite3.SQLITE_DENY

    return authorize


def _refused_action(action: int, arg1: str | None, arg2: str | None) -> str:
    if action == sqlite3.SQLITE_FUNCTION:
        return f"the function {arg2}()"
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1} with a value or argument ({arg2})"
    if action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE):
        return f"writing table {arg1}"
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return "ATTACH/DETACH"
    if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
        return "transaction control"
    return "a statement that is not a read"


def _sqlite_error(exc: sqlite3.Error, refused: list[str], max_bytes: int) -> SqlError:
    if refused:
        return SqlError(f"sql: {refused[0]} is refused: the catalogue is read-only here ({_first_line(exc)})")
    if "too big" in str(exc):
        return SqlError(f"sql: a value is larger than the {_megabytes(max_bytes)} output cap ({_first_line(exc)})")
    if isinstance(exc, sqlite3.ProgrammingError) and "one statement" in str(exc):
        return SqlError("sql: only one statement at a time (SQLite refused the rest)")
    return SqlError(f"sql: {_first_line(exc)}")


# PostgreSQL ----------------------------------------------------------------------------------------------------


def reader_role_name(database: str, schema: str) -> str:
    """The default reader role of the catalogue in DATABASE.SCHEMA: a legal, unquoted-style name of <= 63 bytes."""
    name = re.sub(r"[^a-z0-9_]", "_", f"catalogue_reader_{database}_{schema}".lower())
    if len(name) <= 63 and name == f"catalogue_reader_{database}_{schema}":
        return name
    digest = hashlib.sha256(f"{database}\0{schema}".encode()).hexdigest()[:10]
    return f"{name[:52]}_{digest}"  # another spelling or a long name: the digest keeps it unique


def create_reader(engine: Engine, role: str | None = None, password: str | None = None) -> ReaderRole:
    """Create or refresh the reader role: LOGIN, no other attribute, member of no role, USAGE on the catalogue's
    schema and SELECT on its tables and views (and on those created later by this user), read-only by default."""
    _require_postgres(engine, "db reader")
    password = password if password is not None else os.environ.get(READER_PASSWORD_ENV)
    with engine.connect() as connection:
        database, schema, user = _where(connection)
        role = role or reader_role_name(database, schema)
        exists = _refuse_unsafe_role(connection, role, user, "db reader")
        driver = connection.connection.driver_connection  # psycopg composes identifiers and literals safely
        attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"
        statements = [f"{'ALTER' if exists else 'CREATE'} ROLE {{role}} {attributes}"]
        if password:  # hashed here (SCRAM), so the clear text never reaches the server or its logs
            password = driver.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
            statements.append("ALTER ROLE {role} PASSWORD {password}")
        statements += [
            "ALTER ROLE {role} SET default_transaction_read_only = on",
            f"ALTER ROLE {{role}} SET statement_timeout = '{TIMEOUT_SECONDS}s'",
            "ALTER ROLE {role} SET search_path = {schema}",
            "REVOKE ALL ON SCHEMA {schema} FROM {role}",
            "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
        ]
        try:
            for statement in statements:
                connection.exec_driver_sql(_compose(driver, statement, role=role, schema=schema, password=password))
            for group in _memberships(connection, role):
                connection.exec_driver_sql(_compose(driver, "REVOKE {group} FROM {role}", role=role, group=group))
            left = _memberships(connection, role)
            if left:
                raise SqlError(f"db reader: role {role} is still a member of {', '.join(left)} (granted by another "
                               "user); revoke that membership or choose another --role")
            tables = connection.execute(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
                "AND has_table_privilege(:role, c.oid, 'SELECT')"), {"schema": schema, "role": role}).scalar_one()
            connection.commit()
        except SQLAlchemyError as exc:
            raise SqlError(f"db reader: cannot set up role {role}: {_first_line(getattr(exc, 'orig', exc))}") from None
    return ReaderRole(role=role, database=database, schema_name=schema, tables=tables)


def drop_reader(engine: Engine, role: str | None = None) -> str | None:
    """Drop the reader role and its grants in this database; None when there was no such role."""
    _require_postgres(engine, "db reader --drop")
    with engine.connect() as connection:
        database, schema, user = _where(connection)
        role = role or reader_role_name(database, schema)
        if not _refuse_unsafe_role(connection, role, user, "db reader --drop"):
            return None
        driver = connection.connection.driver_connection
        try:
            # It owns nothing (checked above): DROP OWNED BY only revokes its grants and default privileges here.
            connection.exec_driver_sql(_compose(driver, "DROP OWNED BY {role}", role=role))
            connection.exec_driver_sql(_compose(driver, "DROP ROLE {role}", role=role))
            connection.commit()
        except SQLAlchemyError as exc:
            raise SqlError(f"db reader: cannot drop role {role}: {_first_line(getattr(exc, 'orig', exc))}") from None
    return role


def _require_postgres(engine: Engine, command: str) -> None:
    if engine.dialect.name != "postgresql":
        raise SqlError(f"{command}: only PostgreSQL has reader roles (sql opens a SQLite file read-only)")


def _where(connection: Connection) -> tuple[str, str, str]:
    database, schema, user = connection.execute(
        text("SELECT current_database(), current_schema(), current_user")).one()
    if schema is None:
        raise SqlError("sql: the database URL's search_path names no existing schema")
    return database, schema, user


def _refuse_unsafe_role(connection: Connection, role: str, user: str, command: str) -> bool:
    """Whether ROLE exists; refused when changing or dropping it could hurt: the connected user, a superuser, or a
    role that owns something (DROP OWNED BY would drop it)."""
    if role == user:
        raise SqlError(f"{command}: role {role} is the catalogue's own user; choose another --role")
    row = connection.execute(text(
        "SELECT r.rolsuper, EXISTS (SELECT 1 FROM pg_shdepend d WHERE d.refclassid = 'pg_authid'::regclass "
        "AND d.refobjid = r.oid AND d.deptype = 'o') "
        "FROM pg_roles r WHERE r.rolname = :role"), {"role": role}).one_or_none()
    if row is None:
        return False
    if row[0] or row[1]:
        raise SqlError(f"{command}: role {role} is {'a superuser' if row[0] else 'the owner of objects'}; "
                       "it cannot be the reader: choose another --role")
    return True


def _memberships(connection: Connection, role: str) -> list[str]:
    return list(connection.execute(text(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :role ORDER BY 1"), {"role": role}).scalars())


def _compose(driver_connection, statement: str, **values: str | None) -> str:
    from psycopg import sql

    parts = {key: sql.Literal(value) if key == "password" else sql.Identifier(value)
             for key, value in values.items() if value is not None}
    return sql.SQL(statement).format(**parts).as_string(driver_connection)


def reader_conninfo(url: URL, role: str) -> str:
    """How `sql` connects: $CATALOGUE_READER_URL as given, else the catalogue's URL (host, port, database, options)
    with the reader role as user and $CATALOGUE_READER_PASSWORD, if set, as password (else libpq's ~/.pgpass)."""
    from psycopg.conninfo import make_conninfo

    override = os.environ.get(READER_URL_ENV)
    if override:
        url = make_url(override if "://" in override else f"postgresql://{override}")
        user, password = url.username, url.password
    else:
        user, password = role, os.environ.get(READER_PASSWORD_ENV)
    params: dict[str, Any] = {"connect_timeout": 10}
    params.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    given = {"host": url.host, "port": url.port, "dbname": url.database, "user": user, "password": password}
    params.update({key: value for key, value in given.items() if value is not None})
    return make_conninfo("", **params)


def _postgres(engine: Engine, query: str, timeout: float, max_rows: int, max_bytes: int,
              role: str | None) -> SqlResult:
    import psycopg

    schema, role, conninfo = _reader_of(engine, role)
    reader = _connect_reader(conninfo, role)
    try:
        reader.read_only = True
        with reader.cursor() as cursor:
            _check_reader(cursor, schema, timeout)
            stream = cursor.stream(query)
            try:
                rows, truncated = _collect(stream, max_rows, max_bytes)
                columns = [c.name for c in cursor.description] if cursor.description else _describe_unnamed(reader)
            finally:
                stream.close()  # stopped early: psycopg cancels the rest
            _refuse_writes(reader, cursor)
        return SqlResult(columns=columns, rows=rows, truncated=truncated)
    except psycopg.errors.QueryCanceled as exc:
        if "statement timeout" in str(exc):
            raise _stopped(timeout) from None
        raise KeyboardInterrupt from None  # cancelled on Ctrl-C by psycopg
    except psycopg.Error as exc:
        if exc.sqlstate is None and "didn't produce a result" in str(exc):
            raise SqlError("sql: the statement returns no rows; only queries are run here") from None
        raise SqlError(f"sql: {_first_line(exc)}") from None
    finally:
        reader.close()  # the transaction was never committed: anything it did is rolled back


def _reader_of(engine: Engine, role: str | None) -> tuple[str, str, str]:
    """The catalogue's schema, its reader role (given, else the default name) and how to connect as that role."""
    with engine.connect() as connection:
        database, schema, _ = _where(connection)
    role = role or reader_role_name(database, schema)
    return schema, role, reader_conninfo(engine.url, role)


def _connect_reader(conninfo: str, role: str, command: str = "sql"):
    import psycopg

    try:
        return psycopg.connect(conninfo, autocommit=False)
    except psycopg.Error as exc:
        reason = _first_line(exc)
        hint = (f"set ${READER_PASSWORD_ENV} (running 'catalogue db reader' with it set gives the role that password)"
                if "password" in reason else "run 'catalogue db reader' to create it")
        raise SqlError(f"{command}: cannot connect as the reader role {role} ({reason}); {hint}") from None


def _check_reader(cursor, schema: str, timeout: float, command: str = "sql") -> None:
    """Refuse a connection whose role could do more than read (a superuser, a role that may create roles or is a
    member of any role); set the transaction's statement timeout; see that the grants are in place."""
    user, unsafe, usage, _ = cursor.execute(
        "SELECT r.rolname, r.rolsuper OR r.rolcreaterole OR EXISTS (SELECT 1 FROM pg_auth_members m "
        "WHERE m.member = r.oid), has_schema_privilege(%s, 'USAGE'), set_config('statement_timeout', %s, true) "
        "FROM pg_roles r WHERE r.rolname = current_user",
        [schema, str(max(1, round(timeout * 1000)))]).fetchone()
    if unsafe:
        raise SqlError(f"{command}: role {user} may do more than read (a superuser, CREATEROLE or a member of another "
                       "role); run 'catalogue db reader' and connect as the role it creates")
    if not usage:
        raise SqlError(f"{command}: role {user} may not read schema {schema}; run 'catalogue db reader' to grant it")


def _refuse_writes(reader, cursor) -> None:
    """A few writes pass a READ ONLY transaction (lo_create, lo_from_bytea). Any write gives the transaction an id:
    refuse the result then. The transaction is rolled back in any case, so nothing stays."""
    from psycopg.pq import TransactionStatus

    if reader.info.transaction_status != TransactionStatus.INTRANS:  # cut short and cancelled: nothing to keep
        return
    if cursor.execute("SELECT pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL").fetchone()[0]:
        raise SqlError("sql: the query changed the database (a write that read-only mode lets through, such as "
                       "a large object); refused and rolled back")


def _describe_unnamed(reader) -> list[str]:
    """Column names of a query that returned no rows: streamed rows carry them, an empty stream does not; the
    server still holds the query as the unnamed prepared statement, so describe it (no second execution)."""
    from psycopg import pq

    result = reader.pgconn.describe_prepared(b"")
    if result.status != pq.ExecStatus.COMMAND_OK:
        return []
    return [(result.fname(i) or b"").decode() for i in range(result.nfields)]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


# Engines for a long-running reader (catalogue serve) --------------------------------------------------------------


def read_only_engine(engine: Engine, role: str | None = None, command: str = "serve") -> Engine:
    """An engine that can only read the catalogue ENGINE opens, by the enforcement `sql` uses: on SQLite every
    connection is the file opened read-only with the read-only authorizer (and autocommit: the authorizer refuses
    BEGIN, and a single statement reads one snapshot anyway); on PostgreSQL every connection is the reader role
    (`catalogue db reader`), checked once here as `sql` checks it, in READ ONLY transactions."""
    if engine.dialect.name == "sqlite":
        path = make_url(engine.url).database

        def connect() -> sqlite3.Connection:
            connection = sqlite_read_only(path, TIMEOUT_SECONDS, [], any_thread=True, factory=_TimedConnection)
            # Every statement stops after TIMEOUT_SECONDS, as in `sql`: a page never holds a worker for minutes.
            connection.set_progress_handler(lambda: int(time.monotonic() > connection.deadline), _PROGRESS_STEPS)
            return connection

        connect().close()  # fails now, in one line, rather than at the first request
        reading = create_engine(engine.url, creator=connect, isolation_level="AUTOCOMMIT")

        @event.listens_for(reading, "before_cursor_execute")
        def _start_clock(connection, cursor, statement, parameters, context, executemany) -> None:
            connection.connection.dbapi_connection.deadline = time.monotonic() + TIMEOUT_SECONDS

        return reading
    schema, role, conninfo = _reader_of(engine, role)
    probe = _connect_reader(conninfo, role, command)
    try:
        with probe.cursor() as cursor:
            _check_reader(cursor, schema, TIMEOUT_SECONDS, command)
    finally:
        probe.close()

    def connect_reader():
        connection = _connect_reader(conninfo, role, command)
        connection.read_only = True  # every transaction psycopg begins is READ ONLY, whatever the role's default
        return connection

    return create_engine(engine.url, creator=connect_reader, pool_pre_ping=True)
