"""catalogue sql: read-only by the engines' own enforcement (SQLite's read-only connection and authorizer,
PostgreSQL's reader role, extended protocol and READ ONLY transaction), a time limit, Ctrl-C, and caps on rows and
bytes; on SQLite and PostgreSQL."""

import csv
import io
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalogue.sql import SqlError, reader_conninfo, reader_role_name, run_sql

from conftest import SEED_ARTICLE

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def as_json(cli, *args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def one_line_error(code: int, err: str, expected: str = "", query: str = "") -> None:
    assert code == 1 and err.startswith("error: sql:") and len(err.strip().splitlines()) == 1, (query, code, err)
    assert expected in err, (query, err)


def state(engine) -> dict:
    """What an attack could change, read as the catalogue's owner: row counts, a table t, large objects."""
    with engine.connect() as connection:
        snapshot = dict(connection.execute(text(
            "SELECT (SELECT count(*) FROM sources) AS sources, (SELECT count(*) FROM claims) AS claims, "
            "(SELECT count(*) FROM systems) AS systems")).mappings().one())
        if engine.dialect.name == "postgresql":
            snapshot["t"] = connection.execute(text("SELECT to_regclass('t') IS NOT NULL")).scalar_one()
            snapshot["large_objects"] = connection.execute(
                text("SELECT count(*) FROM pg_largeobject_metadata")).scalar_one()
    return snapshot


def postgres_only(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: the reader role")


def sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")


def test_reads(seeded):
    rows = as_json(seeded, "sql", "SELECT name, fuel FROM system_overview WHERE fuel IS NOT NULL")
    assert rows == [{"name": "Hwasong-18", "fuel": "solid"}]
    code, out, _ = seeded("sql", "SELECT name FROM systems ORDER BY name;", "--csv")
    assert code == 0 and list(csv.reader(io.StringIO(out)))[:2] == [["name"], ["Haeil"]]
    code, out, _ = seeded("sql", "SELECT name FROM systems WHERE false", "--csv")
    assert code == 0 and out == "name\n"


REFUSED = [
    "INSERT INTO systems (slug, name, created_at, updated_at) VALUES ('x', 'x', '2024-01-01', '2024-01-01')",
    "UPDATE systems SET name = 'x'",
    "DELETE FROM claims",
    "DROP TABLE claims",
    "CREATE TABLE evil (id integer)",
    "ALTER TABLE systems ADD COLUMN evil text",
    "ATTACH DATABASE 'evil.db' AS evil",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = OFF",
    "SELECT 1; DELETE FROM claims",
    "select count(*) from claims ; drop table claims ;",
    # A naive splitter reads E'\'' as a string that ends the line: the engines see two statements.
    "SELECT E'\\''; DELETE FROM claims; --'",
    "SELECT '\\'; DELETE FROM claims; --'",
    "WITH gone AS (DELETE FROM claims RETURNING id) SELECT count(*) FROM gone",
    "EXPLAIN ANALYZE DELETE FROM claims",
    "COPY claims TO '/tmp/claims.csv'",
    "VACUUM",
    "SELECT load_extension('evil')",
    "BEGIN",
    "",
]


def test_writes_are_refused(seeded, engine):
    before = state(engine)
    for query in REFUSED:  # one catalogue for all: each must leave it as it was
        code, out, err = seeded("sql", query)
        one_line_error(code, err, query=query)
        assert out == "" and state(engine) == before, query


def test_stacked_statements_refused_by_the_engine_itself(seeded, engine):
    """No parser of ours: the library sends the text as it is, and the engine or its driver refuses it."""
    before = state(engine)
    quote = "'\\'" if engine.dialect.name == "sqlite" else "E'\\''"  # one quoted backslash, then a quote
    with pytest.raises(SqlError) as refused:
        run_sql(engine, f"SELECT {quote}; COMMIT; DELETE FROM sources; --'")
    expected = ("only one statement at a time (SQLite refused the rest)" if engine.dialect.name == "sqlite"
                else "cannot insert multiple commands into a prepared statement")  # the server's own words
    assert str(refused.value) == f"sql: {expected}"
    assert state(engine) == before


@pytest.mark.parametrize("query", ["SELECT 1; DELETE FROM claims", "select count(*) from claims ; drop table claims ;",
                                   "SELECT 1; SELECT 2", "SELECT name FROM systems;\nUPDATE systems SET name = 'x'"])
def test_stacked_statements_are_refused_as_such(seeded, engine, query):
    """Refused for being more than one statement, not for what the second one does: the message says so."""
    before = state(engine)
    code, out, err = seeded("sql", query)
    expected = ("only one statement at a time (SQLite refused the rest)" if engine.dialect.name == "sqlite"
                else "cannot insert multiple commands into a prepared statement")
    assert (code, out, err) == (1, "", f"error: sql: {expected}\n")
    assert state(engine) == before


def test_runaway_query_stops_at_the_time_limit(seeded):
    started = time.monotonic()
    code, out, err = seeded("sql", RUNAWAY, "--timeout", "1")
    assert err == "error: sql: query stopped after 1 s (--timeout)\n" and code == 1 and out == ""
    assert time.monotonic() - started < 10


def test_timeout_must_be_positive(seeded):
    code, _, err = seeded("sql", "SELECT 1", "--timeout", "0")
    one_line_error(code, err, "--timeout must be a positive number")


def test_ctrl_c_stops_a_runaway_query(seeded, db_url):
    """SIGINT after a second: exit 130 and one line within seconds, on both engines (SQLite runs the query in C,
    where Python raises no KeyboardInterrupt: the progress handler stops it)."""
    # A cold start compiles the modules first: warm them, so that the signal reaches the running query.
    subprocess.run([sys.executable, "-m", "catalogue", "--help"], capture_output=True, check=True, cwd="/")
    process = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "--db", db_url, "sql", RUNAWAY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/",  # the installed catalogue, not the tree
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a test run in the background ignores it
    )
    time.sleep(1.5)
    assert process.poll() is None, process.communicate()
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert (process.returncode, out, err) == (130, "", "error: interrupted\n")
    assert time.monotonic() - sent < 5


def test_rows_are_capped_with_a_warning(seeded):
    query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 100005"
    code, out, err = seeded("sql", query, "--csv")
    assert code == 0 and err == "warning: output truncated at 100,000 rows\n"
    lines = out.splitlines()
    assert lines[0] == "x" and len(lines) == 100_001 and lines[-1] == "100000"


def big_texts(engine_name: str, characters: int, count: int) -> str:
    """COUNT rows, each a text of CHARACTERS x's."""
    value = f"printf('%.*c', {characters}, 'x')" if engine_name == "sqlite" else f"repeat('x', {characters})"
    return f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) SELECT {value} AS v FROM n"


def test_bytes_are_capped_with_a_warning(seeded, engine):
    """Three values of 20 MB: the 50 MB cap keeps two and says so."""
    code, out, err = seeded("sql", big_texts(engine.dialect.name, 20_000_000, 3), "--csv")
    assert code == 0 and err == "warning: output truncated at 50 MB\n"
    assert out.count("\n") == 3 and len(out) == 2 + 2 * 20_000_001


def test_byte_cap_counts_values_as_fetched(seeded, engine):
    query = big_texts(engine.dialect.name, 100, 5)
    result = run_sql(engine, query, max_bytes=250)
    assert result.truncated == "0.00025 MB" and len(result.rows) == 2
    assert run_sql(engine, query, max_bytes=500).truncated is None


def test_a_huge_value_is_refused_by_sqlite_before_it_exists(seeded, db_url):
    sqlite_only(db_url)
    started = time.monotonic()
    code, out, err = seeded("sql", "select randomblob(1000000000)")
    one_line_error(code, err, "a value is larger than the 50 MB output cap (string or blob too big)")
    assert time.monotonic() - started < 5 and out == ""


def test_binary_values_print_as_hex(seeded, engine):
    blob = "x'00ff10'" if engine.dialect.name == "sqlite" else "'\\x00ff10'::bytea"
    assert as_json(seeded, "sql", f"SELECT {blob} AS b, 1 AS n") == [{"b": "\\x00ff10", "n": 1}]
    code, out, _ = seeded("sql", f"SELECT {blob} AS b", "--csv")
    assert code == 0 and out == "b\n\\x00ff10\n"
    code, out, _ = seeded("sql", f"SELECT {blob} AS b")
    assert code == 0 and "\\x00ff10" in out


def test_sqlite_refuses_fts3_tokenizer_and_keeps_pragma_reads(seeded, db_url):
    sqlite_only(db_url)
    code, _, err = seeded("sql", "SELECT fts3_tokenizer('simple')")
    one_line_error(code, err, "the function fts3_tokenizer() is refused")
    assert as_json(seeded, "sql", "PRAGMA journal_mode") == [{"journal_mode": "wal"}]


def test_sqlite_reads_the_full_text_tables_and_still_refuses_schema_writes(seeded, db_url):
    sqlite_only(db_url)  # FTS5 asks to update sqlite_master when a query first reads its table
    found = as_json(seeded, "sql", "SELECT highlight(fts_claims, 1, '[', ']') AS q FROM fts_claims "
                                   "WHERE fts_claims MATCH 'tsunami'")
    assert found and all("radioactive [tsunamis]" in row["q"] for row in found)
    code, _, err = seeded("sql", "UPDATE sqlite_master SET sql = 'x'")
    one_line_error(code, err, "may not be modified")
    code, _, err = seeded("sql", "PRAGMA writable_schema = ON")
    one_line_error(code, err, "PRAGMA writable_schema with a value or argument (ON) is refused")


def test_db_reader_on_sqlite_says_none_is_needed(seeded, db_url):
    sqlite_only(db_url)
    code, out, _ = seeded("db", "reader")
    assert code == 0 and out == "SQLite needs no reader role: catalogue sql opens the file read-only\n"


# PostgreSQL: the reader role ---------------------------------------------------------------------------------------

PROOF = Path("/tmp") / f"catalogue-proof-{uuid.uuid4().hex}.txt"  # where the server could write, if it obeyed

ATTACKS = [
    ("SELECT E'\\''; COMMIT; DELETE FROM sources; --'", "cannot insert multiple commands into a prepared statement"),
    ("SELECT 1 AS a$b$; COMMIT; CREATE TABLE t(x int); SELECT 1 AS c$b$",
     "cannot insert multiple commands into a prepared statement"),
    (f"SELECT E'\\''; COPY (SELECT 1) TO PROGRAM 'id > {PROOF}'; --'",
     "cannot insert multiple commands into a prepared statement"),
    (f"COPY (SELECT 1) TO PROGRAM 'id > {PROOF}'", "pg_execute_server_program"),
    (f"COPY claims TO '{PROOF}'", "pg_write_server_files"),
    ("COPY claims FROM STDIN", "permission denied for table claims"),
    ("SELECT pg_read_file('postgresql.conf')", "permission denied for function pg_read_file"),
    ("SELECT pg_ls_dir('.')", "permission denied for function pg_ls_dir"),
    ("SELECT pg_reload_conf()", "permission denied for function pg_reload_conf"),
    ("SELECT lo_import('/etc/hostname')", "permission denied for function lo_import"),
    ("SELECT lo_create(0)", "the query changed the database"),
    ("SELECT lo_from_bytea(0, 'x')", "the query changed the database"),
    ("SELECT set_config('role', 'postgres', true)", 'permission denied to set role "postgres"'),
    ("SELECT set_config('transaction_read_only', 'off', false)", "read-write mode must be set before any query"),
    ("CREATE EXTENSION dblink", "cannot execute CREATE EXTENSION in a read-only transaction"),
    ("SELECT dblink_exec('dbname=test', 'DELETE FROM sources')", "function dblink_exec(unknown, unknown) does not exist"),
    ("ALTER SYSTEM SET statement_timeout = 0", "ALTER SYSTEM cannot run inside a transaction block"),
    ("CREATE TABLE t (x int)", "cannot execute CREATE TABLE in a read-only transaction"),
    ("SELECT count(*) FROM pg_authid", "permission denied for table pg_authid"),
]


def test_postgres_attacks_are_refused_by_the_server(seeded, engine, db_url):
    postgres_only(db_url)
    before = state(engine)
    for query, expected in ATTACKS:  # one catalogue for all: each must leave it as it was
        code, out, err = seeded("sql", query)
        one_line_error(code, err, expected, query)
        assert out == "" and state(engine) == before and not PROOF.exists(), query


def test_postgres_settings_do_not_lift_the_limits(seeded, engine, db_url):
    postgres_only(db_url)
    before = state(engine)
    code, _, err = seeded("sql", "SELECT set_config('statement_timeout', '0', false), pg_sleep(5)", "--timeout", "1")
    assert code == 1 and err == "error: sql: query stopped after 1 s (--timeout)\n"
    code, _, err = seeded("sql", "DELETE FROM sources")  # a later call: a new connection, read-only again
    one_line_error(code, err, "cannot execute DELETE in a read-only transaction")
    assert state(engine) == before


def test_postgres_reader_cannot_stop_another_session(seeded, engine, db_url):
    postgres_only(db_url)
    with engine.connect() as importer:
        pid = importer.execute(text("SELECT pg_backend_pid()")).scalar_one()
        for function in ("pg_terminate_backend", "pg_cancel_backend"):
            code, _, err = seeded("sql", f"SELECT {function}({pid})")
            one_line_error(code, err, "must be a superuser")
        assert importer.execute(text("SELECT 1")).scalar_one() == 1


def test_postgres_refuses_in_one_line_without_a_reader_role(cli, db_url):
    postgres_only(db_url)
    assert cli("import", str(SEED_ARTICLE))[0] == 0
    code, out, err = cli("sql", "SELECT count(*) FROM sources")
    one_line_error(code, err, "run 'catalogue db reader' to create it")
    assert "cannot connect as the reader role catalogue_reader_" in err and out == ""


def test_postgres_reader_role_is_a_plain_login_that_only_reads(seeded, engine, db_url):
    postgres_only(db_url)
    with engine.connect() as connection:
        database, schema = connection.execute(text("SELECT current_database(), current_schema()")).one()
        role = reader_role_name(database, schema)
        attributes = connection.execute(text(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolreplication, rolbypassrls, "
            "rolconfig FROM pg_roles WHERE rolname = :role"), {"role": role}).one()
        members = connection.execute(text(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :role"),
            {"role": role}).scalar_one()
        privileges = set(connection.execute(text(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = :role AND table_schema = :schema"), {"role": role, "schema": schema}).scalars())
    assert attributes[:7] == (True, False, False, False, False, False, False)
    assert {"default_transaction_read_only=on", "statement_timeout=30s"} <= set(attributes[7])
    assert members == 0 and privileges == {"SELECT"}
    code, out, err = seeded("db", "reader")  # refreshing is idempotent
    assert code == 0 and out.startswith(f"reader role {role}: SELECT on ") and f"schema {schema}" in out, err
    assert as_json(seeded, "sql", "SELECT current_user AS u") == [{"u": role}]


def test_postgres_reader_with_a_chosen_role_and_password(seeded, engine, db_url, monkeypatch):
    postgres_only(db_url)
    role = f"catalogue_test_reader_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CATALOGUE_READER_PASSWORD", "s3cret")
    assert seeded("db", "reader", "--role", role)[0] == 0
    try:
        assert as_json(seeded, "sql", "SELECT current_user AS u", "--role", role) == [{"u": role}]
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"),
                                        {"r": role}).scalar_one()
        assert stored.startswith("SCRAM-SHA-256$") and "s3cret" not in stored  # hashed before it was sent
    finally:
        assert seeded("db", "reader", "--drop", "--role", role) == (0, f"dropped reader role {role}\n", "")


def test_postgres_db_reader_refuses_the_owner_and_superusers(seeded, db_url):
    postgres_only(db_url)
    user = make_url(db_url).username
    code, _, err = seeded("db", "reader", "--role", user)
    assert code == 1 and err == f"error: db reader: role {user} is the catalogue's own user; choose another --role\n"
    code, _, err = seeded("db", "reader", "--drop", "--role", user)
    assert code == 1 and "catalogue's own user" in err


def test_postgres_db_reader_refuses_a_role_that_owns_objects(seeded, engine, db_url):
    """--drop runs DROP OWNED BY: on an owner it would drop the owner's tables."""
    postgres_only(db_url)
    owner = f"catalogue_test_owner_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {owner}"))
        connection.execute(text("CREATE TABLE kept (x int)"))
        connection.execute(text(f"ALTER TABLE kept OWNER TO {owner}"))
    try:
        for args in (("db", "reader", "--role", owner), ("db", "reader", "--drop", "--role", owner)):
            code, _, err = seeded(*args)
            assert code == 1 and err.endswith(f"role {owner} is the owner of objects; it cannot be the reader: "
                                              "choose another --role\n"), err
        with engine.connect() as connection:
            assert connection.execute(text("SELECT to_regclass('kept') IS NOT NULL")).scalar_one()
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE kept"))
            connection.execute(text(f"DROP ROLE {owner}"))


def test_reader_connection_takes_the_catalogue_url_with_the_role(monkeypatch):
    url = make_url("postgresql+psycopg://owner:ownerpw@db.example:5433/cat?options=-csearch_path%3Dx&sslmode=require")
    monkeypatch.delenv("CATALOGUE_READER_URL", raising=False)
    monkeypatch.setenv("CATALOGUE_READER_PASSWORD", "readerpw")
    assert conninfo_to_dict(reader_conninfo(url, "reader")) == {
        "connect_timeout": "10", "options": "-csearch_path=x", "sslmode": "require", "host": "db.example",
        "port": "5433", "dbname": "cat", "user": "reader", "password": "readerpw"}
    monkeypatch.delenv("CATALOGUE_READER_PASSWORD")
    assert "password" not in conninfo_to_dict(reader_conninfo(url, "reader"))  # never the owner's
    monkeypatch.setenv("CATALOGUE_READER_URL", "postgresql://other:pw@elsewhere/otherdb")
    assert conninfo_to_dict(reader_conninfo(url, "reader")) == {
        "connect_timeout": "10", "host": "elsewhere", "dbname": "otherdb", "user": "other", "password": "pw"}


def test_postgres_never_runs_as_a_superuser(seeded, db_url, monkeypatch):
    """$CATALOGUE_READER_URL overrides the connection; one that logs in as a superuser is refused."""
    postgres_only(db_url)
    monkeypatch.setenv("CATALOGUE_READER_URL", db_url)
    code, _, err = seeded("sql", "SELECT 1")
    one_line_error(code, err, f"role {make_url(db_url).username} may do more than read")


def test_reader_role_names_fit_and_differ():
    assert reader_role_name("test", "t_0123456789ab") == "catalogue_reader_test_t_0123456789ab"
    long_names = {reader_role_name("d" * 63, "s" * 63 + str(i)) for i in range(3)}
    assert len(long_names) == 3 and all(len(name) <= 63 for name in long_names)
    assert reader_role_name("My-DB", "public") != reader_role_name("my_db", "public")



def test_the_read_only_engine_of_serve_stops_a_runaway_statement(tmp_path, monkeypatch):
    """catalogue serve reads through read_only_engine: on SQLite a statement past the timeout is interrupted by the
    progress handler (as in `sql`), and the connection then serves the next one."""
    import sqlite3 as sqlite

    from sqlalchemy import create_engine
    from sqlalchemy import text as sql_text
    from sqlalchemy.exc import OperationalError

    from catalogue import sql as sql_module

    path = tmp_path / "cat.db"
    with sqlite.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    monkeypatch.setattr(sql_module, "TIMEOUT_SECONDS", 0.5)
    reading = sql_module.read_only_engine(create_engine(f"sqlite:///{path}"))
    runaway = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    with reading.connect() as connection:
        with pytest.raises(OperationalError, match="interrupted"):
            connection.execute(sql_text(runaway)).all()
        assert connection.execute(sql_text("SELECT count(*) FROM t")).scalar() == 0
