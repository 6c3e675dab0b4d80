"""Every command has help text and is documented in the README; usage errors are one line."""

import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from catalogue.cli import app, main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path + " ")
        else:
            yield path, command


def test_every_command_has_help_and_is_in_the_readme():
    commands = dict(_commands(get_command(app)))
    assert {"import", "extract", "show", "search", "sql", "export", "merge", "claim dispute", "db upgrade"} <= set(
        commands)
    for path, command in commands.items():
        assert (command.help or "").strip(), f"{path} has no help"
        assert f"catalogue {path.split()[0]}" in README, f"{path} is not in the README"


def test_readme_commands_exist():
    assert isinstance(app, typer.Typer)
    assert "pip install \".[postgres,html,test]\"" in README and "catalogue import seeds/" in README


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
