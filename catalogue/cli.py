"""Command line: parses arguments, calls the library, formats what it returns."""

import functools
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from catalogue import db as database
from catalogue.errors import CatalogueError

app = typer.Typer(no_args_is_help=True, help="A weapons-system catalogue built from news articles.")
db_app = typer.Typer(no_args_is_help=True, help="Create, migrate and inspect the database schema.")
app.add_typer(db_app, name="db")

err = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    db: str | None = None


state = State()


def fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit: no traceback reaches a user."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def user_errors(func):
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            return func(*args, **kwargs)
        except CatalogueError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: still one line, with what and where
            fail(f"internal error: {exc.__class__.__name__}: {exc}", 2)

    return wrapper


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite path (default: $CATALOGUE_DATABASE_URL, else ./catalogue.db).",
        show_default=False,
    ),
]


@app.callback()
def main_callback(db: DbOption = None) -> None:
    state.db = db


def engine(migrate: bool = True):
    return database.open_engine(state.db, migrate=migrate)


@db_app.command("upgrade")
@user_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database up to REVISION (default: head)."""
    eng = engine(migrate=False)
    database.upgrade(eng, revision)
    typer.echo(f"at revision {database.current_revision(eng)}")


@db_app.command("downgrade")
@user_errors
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or -1.")]) -> None:
    """Migrate the database down to REVISION."""
    eng = engine(migrate=False)
    database.downgrade(eng, revision)
    typer.echo(f"at revision {database.current_revision(eng) or 'base'}")


@db_app.command("current")
@user_errors
def db_current() -> None:
    """Print the database's revision."""
    eng = engine(migrate=False)
    database.refuse_newer(eng)
    typer.echo(database.current_revision(eng) or "base")


@db_app.command("history")
@user_errors
def db_history() -> None:
    """List the migrations, oldest first."""
    for line in database.history():
        typer.echo(line)


def hoist_db_option(argv: list[str]) -> list[str]:
    """Accept --db anywhere on the line (`catalogue db upgrade --db x.db`) by moving it to the front."""
    rest, hoisted, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--db" and i + 1 < len(argv):
            hoisted, i = ["--db", argv[i + 1]], i + 2
            continue
        if arg.startswith("--db="):
            hoisted = [arg]
        else:
            rest.append(arg)
        i += 1
    return hoisted + rest


def main() -> None:
    try:
        app(args=hoist_db_option(sys.argv[1:]), prog_name="catalogue")
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
