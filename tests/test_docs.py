"""Every command has help text and is documented in the README."""

from pathlib import Path

import typer
from typer.main import get_command

from catalogue.cli import app

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
