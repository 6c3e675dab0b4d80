import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from catalogue import db as database
from catalogue.errors import DatabaseError
from catalogue.models import Base, Claim, Source, System

TABLES = {"systems", "aliases", "sources", "claims", "events", "event_systems", "relations", "mentions"}


def test_upgrade_downgrade_upgrade(db_url):
    eng = database.make_engine(db_url)
    database.upgrade(eng)
    assert set(inspect(eng).get_table_names()) >= TABLES
    assert "system_overview" in inspect(eng).get_view_names()
    database.downgrade(eng, "base")
    assert not TABLES & set(inspect(eng).get_table_names())
    assert "system_overview" not in inspect(eng).get_view_names()
    database.upgrade(eng)
    assert database.current_revision(eng) == database.head_revision()
    eng.dispose()


def test_models_and_migrations_in_step(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": database.include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _source(sha: str) -> Source:
    return Source(title="t", sha256=sha, text="x", extractor_version="test")


def test_duplicate_slug_rejected(engine):
    with pytest.raises(IntegrityError), database.session_scope(engine) as session:
        session.add_all([System(slug="a", name="A"), System(slug="a", name="A again")])


def test_duplicate_source_hash_rejected(engine):
    with database.session_scope(engine) as session:
        session.add(_source("0" * 64))
    with pytest.raises(IntegrityError), database.session_scope(engine) as session:
        session.add(_source("0" * 64))


def test_foreign_keys_enforced(engine):
    orphan = Claim(system_id=999, attribute="fuel", value="solid", extractor="x", extractor_version="1")
    with pytest.raises(IntegrityError), database.session_scope(engine) as session:
        session.add(orphan)


def test_overview_derives_category_and_fuel(engine):
    with database.session_scope(engine) as session:
        source = _source("1" * 64)
        system = System(slug="hwasong-18", name="Hwasong-18", country="North Korea")
        session.add_all([source, system])
        session.flush()

        def claim(attribute, value, extractor="rule", status="claimed", source_id=source.id):
            return Claim(system_id=system.id, attribute=attribute, value=value, source_id=source_id,
                         extractor=extractor, extractor_version="1", status=status)

        session.add_all([
            claim("category", "irbm", extractor="reference-list", source_id=None),
            claim("category", "icbm"),
            claim("fuel", "liquid", status="retracted"),
            claim("fuel", "solid"),
        ])
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM system_overview")).mappings().one()
    got = (row["name"], row["category"], row["fuel"], row["claim_count"])
    assert got == ("Hwasong-18", "icbm", "solid", 4)


def test_database_newer_than_code_is_refused(engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(DatabaseError, match="newer|does not know"):
        database.open_engine(engine.url.render_as_string(hide_password=False))


def test_cli_db_commands_from_another_folder(tmp_path):
    """The installed console script finds its migrations wherever it runs."""
    run = [sys.executable, "-m", "catalogue", "db"]
    out = subprocess.run([*run, "upgrade", "--db", "x.db"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([*run, "current", "--db", "x.db"], cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout.strip() == database.head_revision()


def test_schema_doc_matches_models():
    from pathlib import Path

    from catalogue.schema_doc import render

    doc = Path(__file__).resolve().parent.parent / "docs" / "schema.md"
    assert doc.read_text(encoding="utf-8") == render(), "run: python -m catalogue.schema_doc > docs/schema.md"


def test_overview_range_class_refines_generic_ballistic(engine):
    with database.session_scope(engine) as session:
        source = _source("2" * 64)
        system = System(slug="khorramshahr", name="Khorramshahr")
        session.add_all([source, system])
        session.flush()
        session.add_all([
            Claim(system_id=system.id, attribute="category", value="ballistic_missile", source_id=source.id,
                  extractor="category.head", extractor_version="1"),
            Claim(system_id=system.id, attribute="category", value="mrbm", extractor="reference-list",
                  extractor_version="1"),
        ])
    with engine.connect() as connection:
        category = connection.execute(text("SELECT category FROM system_overview")).scalar_one()
    assert category == "mrbm"
