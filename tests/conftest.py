"""Real databases for every test: a fresh SQLite file, and a fresh PostgreSQL schema when
CATALOGUE_TEST_POSTGRES_URL is set (required when CI is set to anything)."""

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.config import database_url

POSTGRES_ENV = "CATALOGUE_TEST_POSTGRES_URL"
IN_CI = bool(os.environ.get("CI"))  # CI=true, CI=1, CI=yes: PostgreSQL is required, never skipped
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scratch import postgres_schema  # noqa: E402

SEED_ARTICLE = SEEDS / "2023-07-kim-shoigu-weapons-display.txt"


def _postgres_base_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{POSTGRES_ENV} is not set, and CI={os.environ['CI']} requires the PostgreSQL tests")
        pytest.skip(f"{POSTGRES_ENV} not set")
    return database_url(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A URL of an empty database; the PostgreSQL one is a schema of its own, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalogue.db'}"
        return
    url, drop = scratch_postgres()
    try:
        yield url
    finally:
        drop()


def scratch_postgres() -> tuple[str, Callable[[], None]]:
    """A URL on a new schema of the test PostgreSQL, and how to drop it; an unreachable server skips the test,
    or fails it under CI."""
    base = _postgres_base_url()
    try:
        return postgres_schema(base)
    except Exception as exc:
        message = f"PostgreSQL at {make_url(base).render_as_string()} unreachable: {exc.__class__.__name__}"
        (pytest.fail if IN_CI else pytest.skip)(message)
        raise


@pytest.fixture
def engine(db_url):
    """An engine on a fresh database migrated to head."""
    from catalogue.db import open_engine

    eng = open_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cli(db_url):
    """Run the CLI against the test database; returns (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from catalogue.cli import app

    def run(*args: str, input: str | bytes | None = None):
        result = CliRunner().invoke(app, ["--db", db_url, *args], input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def seeded(cli, db_url):
    """The CLI on a catalogue holding the seed article, with the reader role that `sql` connects as on PostgreSQL
    (`catalogue db reader`); the role is dropped afterwards, so the cluster does not fill with roles."""
    code, _, err = cli("import", str(SEED_ARTICLE))
    assert code == 0, err
    code, _, err = cli("db", "reader")
    assert code == 0, err
    yield cli
    code, _, err = cli("db", "reader", "--drop")
    assert code == 0, err


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="Run the long reliability variants (larger corpora).")


@pytest.fixture
def long_run(request) -> bool:
    return bool(request.config.getoption("--long"))


CANONICAL = {
    "sources": "SELECT sha256, title, published FROM sources",
    "systems": "SELECT slug, name, country FROM systems",
    "aliases": "SELECT a.normalized, s.slug, a.name, a.kind, src.sha256 FROM aliases a "
               "JOIN systems s ON s.id = a.system_id LEFT JOIN sources src ON src.id = a.source_id",
    "claims": "SELECT s.slug, c.attribute, c.value, c.claimant, c.start, src.sha256, c.extractor, c.status "
              "FROM claims c JOIN systems s ON s.id = c.system_id LEFT JOIN sources src ON src.id = c.source_id",
    "mentions": "SELECT s.slug, src.sha256, m.start, m.surface FROM mentions m "
                "JOIN systems s ON s.id = m.system_id JOIN sources src ON src.id = m.source_id",
    "events": "SELECT src.sha256, e.kind, e.start, e.date, e.location, s.slug FROM events e "
              "JOIN sources src ON src.id = e.source_id JOIN event_systems es ON es.event_id = e.id "
              "JOIN systems s ON s.id = es.system_id",
    "relations": "SELECT a.slug, b.slug, r.kind, src.sha256, r.start FROM relations r "
                 "JOIN systems a ON a.id = r.subject_id JOIN systems b ON b.id = r.object_id "
                 "JOIN sources src ON src.id = r.source_id",
}


def canonical(url: str) -> dict[str, list[tuple]]:
    """The catalogue's content by natural keys (no surrogate ids, no timestamps), sorted."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(map(str, row)) for row in connection.execute(text(sql)))
                    for name, sql in CANONICAL.items()}
    finally:
        engine.dispose()


def fresh_postgres_url(base: str) -> tuple[str, object]:
    """A URL on a new schema of the test PostgreSQL, and a function that drops it."""
    return postgres_schema(base)
