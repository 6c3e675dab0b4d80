"""Issue 10, parts 2 (reads never migrate), 5 (locks, destructive downgrades) and 6 (edges that crashed)."""

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalogue import db as database
from catalogue.config import database_url

from conftest import SEEDS, canonical

READ_COMMANDS = [("systems",), ("show", "haeil"), ("search", "tsunami"), ("sources",), ("source", "1"),
                 ("export", "--format", "json")]


def _one_line_error(code: int, err: str) -> str:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def _scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_read_commands_never_migrate_an_older_database(db_url, cli, command):
    assert cli("import", str(SEEDS))[0] == 0
    assert cli("db", "downgrade", "0003", "--yes")[0] == 0  # 0005 drops sources.origin, a recorded value
    assert cli("db", "downgrade", "0002")[0] == 0
    line = _one_line_error(*cli(*command)[::2])
    assert "revision 0002" in line and "catalogue db upgrade" in line
    assert _scalar(db_url, "SELECT version_num FROM alembic_version") == "0002"


def test_write_commands_migrate_an_older_database(db_url, cli):
    assert cli("import", str(SEEDS))[0] == 0
    assert cli("db", "downgrade", "0003", "--yes")[0] == 0  # 0005 drops sources.origin, a recorded value
    assert cli("db", "downgrade", "0002")[0] == 0
    assert cli("claim", "confirm", "1")[0] == 0
    assert _scalar(db_url, "SELECT version_num FROM alembic_version") == database.head_revision()
    assert cli("systems")[0] == 0


def test_read_command_on_a_missing_file_creates_nothing(tmp_path):
    from typer.testing import CliRunner

    from catalogue.cli import app

    path = tmp_path / "typo.db"
    result = CliRunner().invoke(app, ["--db", str(path), "systems"])
    assert "no such catalogue" in _one_line_error(result.exit_code, result.stderr)
    assert not path.exists()


def test_read_command_on_an_empty_database_says_how_to_create_it(db_url, cli):
    line = _one_line_error(*cli("systems")[::2])
    assert "catalogue import" in line or "no such catalogue" in line


def test_downgrade_that_drops_rows_is_refused_and_changes_nothing(db_url, cli):
    assert cli("import", str(SEEDS))[0] == 0
    assert cli("claim", "confirm", "1", "--note", "seen")[0] == 0
    before = canonical(db_url)
    line = _one_line_error(*cli("db", "downgrade", "base")[::2])
    assert "table sources (1 row)" in line and "table claims (" in line and "--yes" in line
    line = _one_line_error(*cli("db", "downgrade", "0001")[::2])
    assert "table curations (1 row)" in line and "table sources" not in line
    assert _scalar(db_url, "SELECT version_num FROM alembic_version") == database.head_revision()
    assert canonical(db_url) == before
    assert _scalar(db_url, "SELECT COUNT(*) FROM curations") == 1


def test_downgrade_with_yes_drops_the_data(db_url, cli):
    assert cli("import", str(SEEDS))[0] == 0
    code, out, _ = cli("db", "downgrade", "base", "--yes")
    assert code == 0 and "base" in out
    code, out, _ = cli("db", "current")
    assert out.strip() == "base"


def test_downgrade_that_drops_only_an_index_needs_no_yes(db_url, cli):
    # 0003 -> 0002 only changes how full-text search is stored: nothing an analyst wrote is lost.
    assert cli("import", str(SEEDS))[0] == 0
    assert cli("db", "downgrade", "0003", "--yes")[0] == 0  # 0005 drops sources.origin, a recorded value
    assert cli("db", "downgrade", "0002")[0] == 0


def test_reextract_does_not_hold_the_write_lock_while_extracting(db_url, engine, monkeypatch):
    from catalogue import importer
    from catalogue.curation import set_claim_status
    from catalogue.importer import import_paths, reextract

    import_paths(engine, [str(SEEDS)])
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 1_000)
    other = database.open_engine(db_url)  # another command's connection
    curated = []
    real_extract = importer.extract

    def extract_while_curating(document):
        curated.append(set_claim_status(other, 1, "disputed", "checked while re-extracting"))
        return real_extract(document)

    monkeypatch.setattr(importer, "extract", extract_while_curating)
    report = reextract(engine, None)
    other.dispose()
    assert len(report.documents) == 1 and len(curated) == 1
    # The status set during the re-extraction is applied to the re-extracted claim.
    assert _scalar(db_url, "SELECT COUNT(*) FROM claims WHERE status = 'disputed'") == 1


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    locked = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait()
    return thread


def test_a_waiting_writer_says_so_then_writes(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from catalogue.cli import app

    path = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", path, "import", str(SEEDS)]).exit_code == 0
    thread = _hold_write_lock(path, 1.0)
    result = runner.invoke(app, ["--db", path, "claim", "confirm", "1"])
    thread.join()
    assert result.exit_code == 0, result.stderr
    assert "warning:" in result.stderr and "waiting" in result.stderr


def test_a_writer_that_cannot_get_the_lock_fails_in_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from catalogue.cli import app

    path = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", path, "import", str(SEEDS)]).exit_code == 0
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 500)
    thread = _hold_write_lock(path, 2.0)
    result = runner.invoke(app, ["--db", path, "claim", "confirm", "1"])
    thread.join()
    warning, error = result.stderr.strip().splitlines()
    assert warning.startswith("warning:") and error.startswith("error:") and "locked" in error
    assert result.exit_code == 1
    assert _scalar(f"sqlite:///{path}", "SELECT COUNT(*) FROM curations") == 0


@pytest.mark.parametrize("command", [["show", "haeil"], ["systems", "--json"], ["export", "--format", "json"],
                                     ["sources"], ["search", "missile"]])
def test_closed_pipe_ends_quietly(db_url, cli, command):
    assert cli("import", str(SEEDS))[0] == 0
    process = subprocess.Popen([sys.executable, "-m", "catalogue", "--db", db_url, *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")  # the installed catalogue
    process.stdout.close()  # the reader (`head -1`) went away before the first line
    process.wait(timeout=60)
    assert process.stderr.read() == b""


@pytest.mark.parametrize("folder", ["dir#1", "q?d", "dir%41", "a b&c=d"])
def test_db_path_is_a_path_whatever_its_characters(tmp_path, folder, monkeypatch):
    from typer.testing import CliRunner

    from catalogue.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / folder).mkdir()
    path = f"{folder}/cat.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", path, "import", str(SEEDS)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]
    assert (tmp_path / folder / "cat.db").is_file()
    result = runner.invoke(app, ["--db", path, "sql", "SELECT COUNT(*) AS n FROM sources", "--json"])
    assert result.exit_code == 0 and '"n": 1' in result.stdout, result.stderr
    assert database_url(path).database == str(tmp_path / folder / "cat.db")


@pytest.mark.parametrize("command", [
    ("claim", "confirm", "1" * 23), ("source", "1" * 23), ("reextract", "1" * 23),
    ("systems", "--source", "1" * 23),
])
def test_huge_ids_are_not_found_in_one_line(db_url, cli, command):
    assert cli("import", str(SEEDS))[0] == 0
    code, out, err = cli(*command)
    if command[0] == "systems":
        assert code == 0 and "Haeil" not in out
        return
    assert "no " in _one_line_error(code, err)


@pytest.mark.parametrize("command", [("alias", "add", "haeil", "x" * 201), ("rename", "haeil", "y" * 201)])
def test_names_longer_than_the_columns_are_refused(db_url, cli, command):
    assert cli("import", str(SEEDS))[0] == 0
    before = canonical(db_url)
    assert "at most 200 characters" in _one_line_error(*cli(*command)[::2])
    assert canonical(db_url) == before


def test_long_user_name_is_refused(db_url, cli, monkeypatch):
    assert cli("import", str(SEEDS))[0] == 0
    monkeypatch.setenv("CATALOGUE_USER", "u" * 101)
    assert "CATALOGUE_USER" in _one_line_error(*cli("claim", "confirm", "1")[::2])
    assert _scalar(db_url, "SELECT COUNT(*) FROM curations") == 0


def test_path_resolution_keeps_urls(tmp_path):
    assert database_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    assert database_url(f"sqlite:///{tmp_path}/x.db").database == f"{tmp_path}/x.db"
    assert database_url("x#y.db").database == str(Path("x#y.db").resolve())


@pytest.mark.parametrize(("field", "limit"), [("publisher", 300), ("language", 20)])
def test_metadata_longer_than_its_column_fails_that_document_alone(db_url, cli, tmp_path, field, limit):
    (tmp_path / "long.md").write_text(f"---\n{field}: {'x' * (limit + 1)}\n---\nNorth Korea fired a Hwasong-18.\n")
    (tmp_path / "good.md").write_text(f"---\n{field}: {'y' * limit}\n---\nNorth Korea fired a Hwasong-17.\n")
    code, _, err = cli("import", str(tmp_path))
    assert code == 1
    assert err.strip() == (f"error: {tmp_path / 'long.md'}: malformed front matter: {field}: has {limit + 1} "
                           f"characters, more than the {limit} allowed")
    assert _scalar(db_url, f"SELECT {field} FROM sources") == "y" * limit


def test_extract_command_reports_an_extractor_failure_per_document(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import catalogue.extract as extract_package
    from catalogue.cli import app

    real = extract_package.extract

    def fragile(document):
        if "Sarmat" in document.text:
            raise KeyError("sarmatsarmat")
        return real(document)

    monkeypatch.setattr(extract_package, "extract", fragile)
    (tmp_path / "a.txt").write_text("Russia tested the Sarmat missile.")
    (tmp_path / "b.txt").write_text("North Korea fired a Hwasong-18.")
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'a.txt'}: extraction failed: KeyError: 'sarmatsarmat'"
    assert "Hwasong-18" in result.stdout
