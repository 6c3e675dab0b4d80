"""JSON built by the database, on SQLite and PostgreSQL alike: one round trip returns a whole document.

SQLite (json1) and PostgreSQL spell the same functions differently; these constructs compile to each.
"""

from sqlalchemy import Text, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_object(FunctionElement):  # noqa: N801 (reads as the SQL function it is)
    """json_object(key, value, ...) from keyword arguments."""
    type = Text()
    inherit_cache = True
    name = "json_object"

    def __init__(self, **fields):
        arguments = []
        for key, value in fields.items():
            arguments += [literal_column(f"'{key}'"), value]
        super().__init__(*arguments)


class json_array_of(FunctionElement):  # noqa: N801
    """The aggregate JSON array of a value over the rows of a query; [] when there are none."""
    type = Text()
    inherit_cache = True
    name = "json_array_of"


class embedded(FunctionElement):  # noqa: N801
    """A JSON value from a subquery, kept as JSON (SQLite loses the JSON type across subqueries)."""
    type = Text()
    inherit_cache = True
    name = "embedded"


class as_text(FunctionElement):  # noqa: N801
    """The final document as text, for the JSON parser of our models rather than the driver's."""
    type = Text()
    inherit_cache = True
    name = "as_text"


@compiles(json_object)
def _object_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _object_postgresql(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_array_of)
def _array_sqlite(element, compiler, **kw):
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(json_array_of, "postgresql")
def _array_postgresql(element, compiler, **kw):
    return f"COALESCE(json_agg({compiler.process(element.clauses, **kw)}), '[]'::json)"


@compiles(embedded)
def _embedded_sqlite(element, compiler, **kw):
    return f"json({compiler.process(element.clauses, **kw)})"


@compiles(embedded, "postgresql")
def _embedded_postgresql(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(as_text)
def _text_sqlite(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(as_text, "postgresql")
def _text_postgresql(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"
