"""Engine, sessions and migrations. A new database is created and migrated on first use."""

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalogue.config import database_url
from catalogue.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATION_LOCK = 0x6361_7461  # "cata": the advisory lock taken while migrating a PostgreSQL database


FTS_PREFIX = "fts_"


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
    writes = options.get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The engine for transactions that write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def one_statement(engine: Engine) -> Engine:
    """The engine for a read made of a single statement: a statement sees one consistent snapshot by itself,
    so no transaction is opened (saving the BEGIN and ROLLBACK round trips)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def make_engine(url: str) -> Engine:
    """An engine for URL; on SQLite with foreign keys, WAL and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise DatabaseError(f"{path}: folder does not exist")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise DatabaseError(f"cannot use database {url}: {exc}") from exc


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


def _run(engine: Engine, action, *args) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several catalogues opening a new database at once: one migrates, the others then see head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            action(config, *args)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"{_describe(engine)}: migration failed: {exc.__class__.__name__}: {exc}") from exc


def _describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def refuse_newer(engine: Engine) -> None:
    """Refuse a database migrated by a newer catalogue: touching it could lose data."""
    revision = current_revision(engine)
    if revision is not None and not _known(revision):
        raise DatabaseError(
            f"{_describe(engine)}: database is at revision {revision}, which this catalogue does not know "
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


def downgrade(engine: Engine, revision: str) -> None:
    refuse_newer(engine)
    _run(engine, command.downgrade, revision)


def history() -> list[str]:
    return [f"{rev.revision}: {rev.doc}" for rev in _script().walk_revisions("base", "heads")][::-1]


def open_engine(db: str | None = None, migrate: bool = True) -> Engine:
    """Engine for the configured database; created and migrated to head on first use."""
    url = database_url(db)
    engine = make_engine(url)
    try:
        refuse_newer(engine)
        if migrate and current_revision(engine) != head_revision():
            upgrade(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseError(f"{_describe(engine)}: cannot open database: {reason[0] if reason else exc}") from exc
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(writer(engine), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
