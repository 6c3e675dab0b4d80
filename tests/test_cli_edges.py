"""What a new user meets first: filters, help, curation replies, counts, dates, progress, tables that fit;
on SQLite and PostgreSQL."""

import io
import json
import re
import time

import pytest
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

from catalogue import output
from catalogue.cli import app
from catalogue.readers import TITLE_LENGTH, derived_title, document_count

SEED_TITLE = "Kim Jong-un displays all his weapons capabilities during Sergei Shoigu's visit"


def as_json(cli, *args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def commands(group=None, path: tuple[str, ...] = ()):
    """Every command as (path, command), sub-commands included."""
    for name, command in (group or get_command(app)).commands.items():
        if hasattr(command, "commands"):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


# --- filters ---
def test_filters_ignore_case(seeded):
    icbms = {s["name"] for s in as_json(seeded, "systems", "--category", "icbm")}
    assert icbms == {"Hwasong-17", "Hwasong-18"}
    assert {s["name"] for s in as_json(seeded, "systems", "--category", "ICBM")} == icbms
    assert [s["name"] for s in as_json(seeded, "systems", "--fuel", "Solid")] == ["Hwasong-18"]
    assert {s["name"] for s in as_json(seeded, "systems", "--country", "north KOREA")} >= icbms
    underwater = as_json(seeded, "systems", "--category", "Unmanned underwater-vehicle")
    assert [s["name"] for s in underwater] == ["Haeil"]


@pytest.mark.parametrize(("option", "value", "listed"), [
    ("--fuel", "plasma", "unknown fuel 'plasma'; use one of: solid, liquid, nuclear"),
    ("--category", "rocket", "unknown category 'rocket'; use one of: icbm, irbm, mrbm,"),
])
def test_unknown_filter_value_is_refused_listing_the_valid_ones(seeded, option, value, listed):
    code, out, err = seeded("systems", option, value)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {listed}") and err.count("\n") == 1
    if option == "--category":
        assert "unmanned_underwater_vehicle" in err and "other" in err


# --- help ---
def test_flags_are_shown_as_flags_and_take_no_value(seeded, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    flags = 0
    for path, command in commands():
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "<bool>" not in result.stdout, path
        for option in (p for p in command.params if p.param_type_name == "option" and p.is_flag):
            flags += 1
            line = next(line for line in result.stdout.splitlines() if f" {option.opts[0]} " in line)
            assert "<" not in line, line
    assert flags >= 10  # --json of every listing command, --dry-run, --all, --yes, --drop, ...
    assert isinstance(as_json(seeded, "systems"), list)  # --json alone, no value


@pytest.mark.parametrize("path", [("rename",), ("merge",), ("alias", "add"), ("claim", "confirm"),
                                  ("claim", "dispute"), ("claim", "retract")])
def test_curation_arguments_have_help(path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    command = dict(commands())[path]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    assert arguments and all(getattr(a, "help", None) for a in arguments), path
    shown = CliRunner().invoke(app, [*path, "--help"]).stdout
    assert all(a.help in shown for a in arguments)


# --- curation replies ---
def test_alias_add_of_an_existing_alias_says_so_and_records_nothing(seeded):
    code, out, err = seeded("alias", "add", "Haeil", "Tsunami drone", "--note", "KCNA's name")
    assert code == 0 and out.strip() == "Tsunami drone now names Haeil (curation 1)", err
    for again in ("Tsunami drone", "tsunami-drone", "HAEIL"):
        code, out, err = seeded("alias", "add", "haeil", again, "--note", "again")
        assert code == 0, err
        assert out.strip() == f"{again} already names Haeil; nothing recorded"
    assert as_json(seeded, "sql", "SELECT action, new_value FROM curations") == [
        {"action": "alias_add", "new_value": "Tsunami drone"}]
    assert as_json(seeded, "sql", "SELECT COUNT(*) AS n FROM aliases WHERE name = 'Tsunami drone'") == [{"n": 1}]


# --- source N ---
def test_source_never_prints_none(seeded):
    code, out, err = seeded("source", "1")
    assert code == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert "None" not in out
    assert lines["publisher"] == "-" and lines["url"] == "-"  # the seed gives neither
    assert lines["title"] == SEED_TITLE and lines["published"] == "2023-07-28"
    assert lines["systems"].startswith("Haeil, Hwasong-17")
    assert as_json(seeded, "source", "1")["publisher"] is None  # JSON keeps null


# --- counts ---
def test_counts_are_singular_for_one(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("North Korea test-fired a Hwasong-18 missile on Monday, KCNA said.\n")
    (folder / "notes.png").write_bytes(b"\x89PNG")
    code, out, err = cli("import", str(folder))
    assert code == 0, err
    assert "1 file skipped" in out and "files skipped" not in out
    code, out, err = cli("extract", str(folder / "a.txt"))
    assert code == 0 and out.startswith(f"{folder / 'a.txt'}: 1 system\n"), err
    (folder / "b.png").write_bytes(b"\x89PNG")
    assert "2 files skipped" in cli("import", str(folder))[1]


def test_plural():
    assert [output.plural(n, "file") for n in (0, 1, 2, 1000)] == ["0 files", "1 file", "2 files", "1,000 files"]
    assert output.plural(1, "analysis", "analyses") == "1 analysis"
    assert output.plural(3, "analysis", "analyses") == "3 analyses"


# --- dates ---
def test_show_says_spring_2023_and_json_keeps_edtf(seeded):
    code, out, err = seeded("show", "Haeil")
    assert code == 0, err
    assert "spring 2023" in out and "2023-21" not in out
    [event] = as_json(seeded, "show", "Haeil")["events"]
    assert (event["date"], event["date_precision"]) == ("2023-21", "season")


def test_human_date():
    import datetime as dt

    day = dt.date(2023, 9, 1)
    assert [output.human_date(day, p) for p in ("day", "month", "season", "year", None)] == [
        "2023-09-01", "September 2023", "autumn 2023", "2023", "2023-09-01"]
    assert output.human_date(dt.date(2023, 12, 1), "season") == "winter 2023"
    assert output.human_date(None, "season") is None


# --- progress ---
@pytest.mark.parametrize(("total", "shown"), [(10, " 3/10"), (None, "3/?")])
def test_progress_bar_shows_done_total_rate_and_time_left(total, shown):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    with output.progress(total, console) as advance:
        for _ in range(3):
            advance()
            time.sleep(0.15)
        time.sleep(0.15)  # a refresh after the last document
    drawn = screen.getvalue().split("\r")[-2]  # the last frame
    assert "importing" in drawn and shown in drawn and re.search(r"\d+\.\d docs/s", drawn), drawn
    assert bool(re.search(r"docs/s \d:\d\d:\d\d", drawn)) == (total is not None)  # time left needs the total


def test_document_count(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "deep").mkdir(parents=True)
    for name in ("a.txt", "b.md", "deep/c.html", "deep/d.json", "skip.png", ".hidden.txt"):
        (folder / name).write_text("North Korea fired a KN-23.")
    single = tmp_path / "one.txt"
    single.write_text("x")
    assert document_count([str(folder)]) == 4
    assert document_count([str(folder), str(single), str(tmp_path / "missing.txt")]) == 6  # an error is a result
    empty = tmp_path / "empty"
    empty.mkdir()
    assert document_count([str(empty)]) == 1  # its "no articles" error
    (folder / "deep" / "many.jsonl").write_text("{}\n")
    assert document_count([str(folder)]) is None
    assert document_count(["-"]) is None


def test_import_on_a_terminal_shows_progress(cli, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(f"North Korea test-fired a Hwasong-{15 + n} missile on Monday.\n")
    totals = []
    real = output.progress

    def watched(total, console, *args):
        totals.append(total)
        return real(total, console, *args)

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "progress", watched)
    code, out, err = cli("import", str(folder))
    assert code == 0, err
    assert totals == [3] and "documents: 3 new" in out


# --- titles and tables ---
def test_derived_title_is_the_first_line_cut_at_a_word():
    long = "North Korea fired what it called a new solid-fuel Hwasong-18 intercontinental ballistic missile " \
           "on Thursday morning from the Pyongyang area into the sea, the South Korean military said today."
    title = derived_title(f"\n\n  {long}\nSecond line.")
    assert title.endswith("\u2026") and len(title) <= TITLE_LENGTH + 1
    assert long.startswith(title[:-1]) and long[len(title) - 1] == " "  # cut between words
    assert len(title) > TITLE_LENGTH * 2 // 3
    assert derived_title("Short headline\nBody.") == "Short headline"
    assert derived_title("# Hwasong-18 tested\n\nBody.") == "Hwasong-18 tested"
    assert derived_title("x" * 300) == "x" * (TITLE_LENGTH - 1) + "\u2026"  # no space: cut inside the word
    assert derived_title(" \n \n") is None


def test_untitled_document_takes_a_short_title(cli, tmp_path):
    first = ("Officials in Seoul said on Friday that North Korea had launched a Hwasong-18 missile, its third test " * 4)
    article = tmp_path / "untitled.txt"
    article.write_text(first + "\nMore text.\n")
    assert cli("import", str(article))[0] == 0
    [source] = as_json(cli, "sources")
    assert source["title"].endswith("\u2026") and len(source["title"]) <= TITLE_LENGTH + 1
    assert first.startswith(source["title"][:-1])
    assert as_json(cli, "source", "1")["characters"] > len(first.strip())  # the text is whole


@pytest.mark.parametrize("command", [("show", "Haeil"), ("search", "tsunami"), ("sources",)])
def test_tables_fit_the_terminal(seeded, monkeypatch, command):
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "90")
    code, out, err = seeded(*command)
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert rows and all(len(line) <= 90 for line in out.splitlines())
    assert all(line.endswith("│") for line in rows)  # one line per row: cells cut, not wrapped
    assert "\u2026" in out and "source 1: Kim Jong-un" in out
    assert all("[[" not in line for line in rows)  # matches are bold, not bracketed
    if command[0] == "show":
        assert "│ spring 2023 │ test │" in out and "│ claimed │ Pyongyang │" in out  # short cells whole


@pytest.mark.parametrize("command", [("show", "Haeil"), ("search", "tsunami"), ("sources",)])
def test_sources_are_named_with_title_and_date_and_json_keeps_full_text(seeded, command):
    code, out, err = seeded(*command)
    assert code == 0, err
    assert f"source 1: {SEED_TITLE} (2023-07-28)" in out  # piped: cells whole
    data = as_json(seeded, *command)
    assert "source 1:" not in json.dumps(data)
    if command[0] == "show":  # whole quotes
        assert any(c["quote"].endswith("in the same way as the Russian Poseidon.") for c in data["claims"])
    else:
        assert {hit.get("source_title", hit.get("title")) for hit in data} == {SEED_TITLE}


def test_table_cells_are_not_markup(monkeypatch, capsys):
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")
    output.table(["quote"], [["[bold]KCNA[/bold] said [red]"]])
    assert "[bold]KCNA[/bold] said [red]" in capsys.readouterr().out
