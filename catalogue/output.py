"""Formatting shared by the commands: rich tables on a terminal, aligned plain text when piped, JSON."""

import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table


def is_terminal() -> bool:
    return sys.stdout.isatty()


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    cells = [["" if value is None else " ".join(str(value).splitlines()) for value in row] for row in rows]
    if is_terminal():
        rich_table = Table(*columns, title=title, show_lines=False)
        for row in cells:
            rich_table.add_row(*row)
        Console().print(rich_table)
        return
    if title:
        print(title)
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def to_json(value: BaseModel | list | dict, indent: int | None = None) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=indent)
    data = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value] \
        if isinstance(value, list) else value
    return json.dumps(data, ensure_ascii=False, indent=indent)
