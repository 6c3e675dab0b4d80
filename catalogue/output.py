"""Formatting shared by the commands: rich tables on a terminal, aligned plain text when piped, JSON."""

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel
from rich.cells import cell_len
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

SEASONS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}  # the months dates.py gives a season


def is_terminal() -> bool:
    return sys.stdout.isatty()


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    """On a terminal, a table as wide as the terminal: a long cell ends in an ellipsis (--json has it whole).
    A rich Text cell keeps its styles; any other value is shown as written, never read as markup."""
    if is_terminal():
        console = Console()
        texts = [[value if isinstance(value, Text) else Text(_cell(value)) for value in row] for row in rows]
        widths = [max([cell_len(c), *(row[i].cell_len for row in texts)]) for i, c in enumerate(columns)]
        cap = _widest(widths, console.width - 3 * len(columns) - 1)  # a border and two spaces of padding each
        rich_table = Table(title=title, show_lines=False)
        for column in columns:
            rich_table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=cap)
        for row in texts:
            rich_table.add_row(*row)
        console.print(rich_table)
        return
    cells = [[_cell(value) for value in row] for row in rows]
    if title:
        print(title)
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _widest(widths: list[int], room: int) -> int | None:
    """The width to cut the widest columns to so that all fit in room; narrow ones stay whole (None: all fit)."""
    left = len(widths)
    for width in sorted(widths):
        if width * left > room:
            return max(room // left, 1)
        room, left = room - width, left - 1
    return None


def _cell(value: Any) -> str:
    return "" if value is None else " ".join(str(value).splitlines())


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 file', '2 files', '1 system', '3 analyses' (with plural_form)."""
    return f"{count:,} {singular if count == 1 else plural_form or singular + 's'}"


def human_date(day: dt.date | None, precision: str | None) -> str | None:
    """A date as a reader says it at its precision: 2023-07-12, July 2023, spring 2023, 2023.
    JSON keeps the EDTF form (2023-21 for spring 2023)."""
    if day is None:
        return None
    if precision == "year":
        return str(day.year)
    if precision == "season":
        return f"{SEASONS.get(day.month, day.strftime('%B'))} {day.year}"
    if precision == "month":
        return f"{day:%B} {day.year}"
    return day.isoformat()


def source_label(source_id: int | None, title: str | None, published: dt.date | None = None,
                 precision: str | None = None) -> str:
    """How a table names a source: 'source 3: Kim displays his weapons (2023-07-28)'."""
    if source_id is None:
        return "reference list"
    date = human_date(published, precision)
    return f"source {source_id}: {title or '(untitled)'}" + (f" ({date})" if date else "")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f} docs/s" if task.speed else "- docs/s", style="progress.data.speed")


@contextmanager
def progress(total: int | None, console: Console, description: str = "importing") -> Iterator[Callable[[], None]]:
    """A progress bar on console: documents done (of total, when known), rate and time left; yields advance()."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate()]
    if total is not None:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def to_json(value: BaseModel | list | dict, indent: int | None = None) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=indent)
    data = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value] \
        if isinstance(value, list) else value
    return json.dumps(data, ensure_ascii=False, indent=indent)
