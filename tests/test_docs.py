"""Every command has help text and is documented in the README; usage errors are one line."""

import re
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from catalogue.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXPORT_DOC = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path + " ")
        else:
            yield path, command


def _readme_commands() -> set[str]:
    """Command paths the README names: `catalogue show NAME` gives "show"; `catalogue claim confirm\\|dispute ID`
    gives "claim", "claim confirm" and "claim dispute"."""
    named = set()
    for first, rest in re.findall(r"`catalogue ([a-z][\w-]*)((?: [a-z][\w-]*(?:\\\|[a-z][\w-]*)*)?)", README):
        named.add(first)
        named.update(f"{first} {sub}" for sub in rest.strip().split("\\|") if sub)
    return named


def test_every_command_has_help_and_is_in_the_readme():
    commands = dict(_commands(get_command(app)))
    assert {"import", "extract", "show", "search", "sql", "export", "merge", "claim dispute", "db upgrade"} <= set(
        commands)
    named = _readme_commands()
    for path, command in commands.items():
        assert (command.help or "").strip(), f"{path} has no help"
        assert path in named, f"catalogue {path} is not in the README"


def test_readme_names_only_commands_that_exist():
    groups = {name: command for name, command in get_command(app).commands.items()}
    for path in _readme_commands():
        first, _, sub = path.partition(" ")
        assert first in groups, f"the README names catalogue {first}, which does not exist"
        if sub and hasattr(groups[first], "commands"):
            assert sub in groups[first].commands, f"the README names catalogue {path}, which does not exist"
    assert "pip install \".[postgres,html,web,serve,test]\"" in README and "catalogue import seeds/" in README


def test_docs_live_in_the_project():
    help_text = CliRunner().invoke(app, ["export", "--help"]).stdout
    assert "docs/export.md" in README and "docs/export.md" in " ".join(help_text.split())
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "catalogue").rglob("*.py"))]:
        assert "shared/docs" not in path.read_text(encoding="utf-8"), f"{path} points outside the project"


def _first_column_keys(section: str) -> set[str]:
    rows = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `")]
    return {key for cell in rows for key in re.findall(r"`(\w+)`", cell)}


def _section(heading: str) -> str:
    return EXPORT_DOC.split(f"\n{heading}")[1].split("\n#")[0]


@pytest.mark.parametrize("model, heading", [("SourceOut", "### Source"), ("SystemOut", "### System"),
                                            ("ClaimOut", "### Claim"), ("EventOut", "### Event"),
                                            ("ObservationOut", "### Observation")])
def test_every_export_key_is_documented(model, heading):
    from catalogue.export import export_schema

    assert _first_column_keys(_section(heading)) == set(export_schema()["$defs"][model]["properties"])


def test_export_document_and_csv_columns_are_documented():
    from catalogue.export import CSV_COLUMNS, export_schema

    schema = export_schema()
    version = schema["properties"]["format"]["const"]
    assert EXPORT_DOC.startswith(f"# Export format: {version}\n") and f'{{"format": "{version}",' in EXPORT_DOC
    assert set(re.findall(r'"(\w+)":', _section("## `--format json`"))) >= set(schema["properties"])
    assert _first_column_keys(_section("## `--format csv`")) == set(CSV_COLUMNS)


@pytest.mark.parametrize("args, message", [
    (["show"], "error: Missing argument 'name'. (see 'catalogue show --help')"),
    (["show", "--bogus", "x"], "error: No such option: --bogus (see 'catalogue show --help')"),
    (["claim", "confirm", "abc"], "error: Invalid value for 'claim_id'"),
    (["import", "--jobs", "0", "x"], "error: Invalid value for '--jobs'"),
    (["nosuch"], "error: No such command 'nosuch'."),
])
def test_usage_errors_are_one_line(monkeypatch, capsys, args, message):
    monkeypatch.setattr(sys, "argv", ["catalogue", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message)


def test_no_arguments_show_the_help(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["catalogue", "db"])
    with pytest.raises(SystemExit):
        main()
    assert "upgrade" in capsys.readouterr().out
