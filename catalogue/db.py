"""Engine, sessions and migrations. Writing commands create and migrate a database; reads never change it."""

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalogue.config import database_url
from catalogue.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_FIRST_TRY_MS = 200  # a writer waiting longer than this says so, then waits up to the busy timeout
MIGRATION_LOCK = 0x6361_7461  # "cata": the advisory lock taken while migrating a PostgreSQL database


FTS_PREFIX = "fts_"
log = logging.getLogger("catalogue")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Full-text objects are engine-specific and live outside the models: leave them to migrations."""
    return not (name or "").startswith((FTS_PREFIX, "ix_" + FTS_PREFIX)) and name != "fts_document"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The driver's own transaction handling is off: SQLAlchemy's "begin" below issues BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL survives a killed process; only a power cut may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WRITE_OPTION = "catalogue_write"


def _sqlite_begin(connection) -> None:
    # A writer takes the write lock at the start: two importers then wait for each other (busy timeout)
    # instead of failing when a read transaction tries to become a write transaction. Readers don't lock.
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    if not options.get(WRITE_OPTION, False):
        connection.exec_driver_sql("BEGIN")
        return
    raw = connection.connection.driver_connection
    try:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_FIRST_TRY_MS}")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        log.warning("%s: another process is writing to this catalogue; waiting up to %d s for it to finish",
                    connection.engine.url.database, SQLITE_BUSY_TIMEOUT_MS // 1000)
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            raise DatabaseError(f"{connection.engine.url.database}: another process kept the catalogue locked for "
                                f"{SQLITE_BUSY_TIMEOUT_MS // 1000} s; try again when it has finished") from None
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or \
        "locked" in str(exc)


def writer(engine: Engine) -> Engine:
    """The engine for transactions that write."""
    return engine.execution_options(**{WRITE_OPTION: True})


@lru_cache(maxsize=8)  # making one costs a lookup a tenth of its time; the cache keeps the latest engines alive
def one_statement(engine: Engine) -> Engine:
    """The engine for a read made of a single statement: a statement sees one consistent snapshot by itself,
    so no transaction is opened (saving the BEGIN and ROLLBACK round trips)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def make_engine(url: str | URL) -> Engine:
    """An engine for URL; on SQLite with foreign keys, WAL and a busy timeout on every connection."""
    url = database_url(url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise DatabaseError(f"{path}: folder does not exist")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise DatabaseError(f"cannot use database {url.render_as_string()}: {exc}") from exc


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("catalogue.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    return _script().get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run(engine: Engine, action, *args, check=None) -> None:
    """Run a migration command in one transaction; `check(connection, before)` may refuse it (and roll it back)
    after seeing its effect, where `before` is what `_contents` read before the command."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several catalogues opening a new database at once: one migrates, the others then see head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            before = _contents(connection) if check else None
            config.attributes["connection"] = connection
            action(config, *args)
            if check:
                check(connection, before)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"{describe(engine)}: migration failed: {exc.__class__.__name__}: {exc}") from exc


def _contents(connection) -> dict[str, dict[str, int]]:
    """Per table, its row count ('') and the non-null values of each column: what a downgrade could drop.
    Full-text tables and columns are left out: they index the other columns and are rebuilt by an upgrade."""
    contents = {}
    inspector = inspect(connection)
    for table in inspector.get_table_names():
        if table == "alembic_version" or table.startswith(FTS_PREFIX):
            continue
        columns = [column["name"] for column in inspector.get_columns(table)
                   if not column["name"].startswith(FTS_PREFIX)]
        quote = connection.dialect.identifier_preparer.quote
        counts = ", ".join(["COUNT(*)", *(f"COUNT({quote(c)})" for c in columns)])
        row = connection.execute(text(f"SELECT {counts} FROM {quote(table)}")).one()
        contents[table] = dict(zip(["", *columns], row, strict=True))
    return contents


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _losses(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> list[str]:
    losses = []
    for table, counts in before.items():
        if table not in after:
            if counts[""]:
                losses.append(f"table {table} ({_count(counts[''], 'row')})")
            continue
        losses += [f"column {table}.{column} ({_count(count, 'value')})" for column, count in counts.items()
                   if column and count and column not in after[table]]
        if after[table][""] < counts[""]:  # rows a downgrade deletes because the older schema cannot hold them
            losses.append(f"{_count(counts[''] - after[table][''], 'row')} of table {table}")
    return losses


def describe(engine: Engine) -> str:
    """The database as a user names it: the file of a SQLite database, else its URL without password."""
    if engine.dialect.name == "sqlite":
        return engine.url.database or ":memory:"
    return engine.url.render_as_string(hide_password=True)


def refuse_newer(engine: Engine, revision: str | None = None) -> None:
    """Refuse a database migrated by a newer catalogue: touching it could lose data."""
    revision = revision or current_revision(engine)
    if revision is not None and not _known(revision):
        raise DatabaseError(
            f"{describe(engine)}: database is at revision {revision}, which this catalogue does not know "
            f"(its newest is {head_revision()}); upgrade catalogue before using this database"
        )


def _known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown ids
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    refuse_newer(engine)
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str, drop_data: bool = False) -> None:
    """Migrate down to REVISION. A downgrade that would drop stored rows or values is rolled back and refused,
    naming what would be lost, unless drop_data is set."""
    refuse_newer(engine)

    def refuse_losses(connection, before) -> None:
        losses = _losses(before, _contents(connection))
        if losses and not drop_data:
            raise DatabaseError(f"{describe(engine)}: refusing to downgrade to {revision}: it would drop "
                                f"{', '.join(losses)}; export first (catalogue export) or run again with --yes")

    _run(engine, command.downgrade, revision, check=refuse_losses)


def history() -> list[str]:
    return [f"{rev.revision}: {rev.doc}" for rev in _script().walk_revisions("base", "heads")][::-1]


MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def is_valid_id(value: int) -> bool:
    """An id that can exist: a larger number would overflow the column on PostgreSQL instead of finding nothing."""
    return 0 < value <= MAX_ID


OpenMode = Literal["write", "read", "schema"]


def open_engine(db: str | URL | None = None, mode: OpenMode = "write") -> Engine:
    """Engine for the configured database.

    write: created and migrated to head on first use (import, reextract, curation).
    read: must exist and be at head; never created or migrated, so a database kept at an older revision on
    purpose stays as it is (show, search, sql, export...).
    schema: as it is (the db commands, which migrate explicitly).
    """
    engine = make_engine(db)
    try:
        if mode == "read":
            _refuse_missing_file(engine)
        revision = current_revision(engine)  # read once: each read is a connection and a query
        refuse_newer(engine, revision)
        if mode == "schema" or revision == head_revision():
            return engine
        if mode == "write":
            upgrade(engine)
        elif revision is None and not inspect(engine).get_table_names():
            raise DatabaseError(f"{describe(engine)}: no catalogue here yet; create it with "
                                "'catalogue import PATH' or 'catalogue db upgrade'")
        else:
            raise DatabaseError(f"{describe(engine)}: database is at revision {revision or 'base'}, older than "
                                f"this catalogue's {head_revision()}; run 'catalogue db upgrade' to migrate it")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseError(f"{describe(engine)}: cannot open database: {reason[0] if reason else exc}") from exc
    return engine


def _refuse_missing_file(engine: Engine) -> None:
    # Connecting would create an empty file: a mistyped path must not leave a new catalogue behind.
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path and path != ":memory:" and not Path(path).exists():
        raise DatabaseError(f"{path}: no such catalogue; create it with 'catalogue import PATH' "
                            "or 'catalogue db upgrade'")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(writer(engine), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """One read transaction (a consistent snapshot, no write lock), rolled back at the end."""
    with Session(engine) as session:  # closing the session rolls the transaction back
        yield session
