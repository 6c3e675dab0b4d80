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


class json_array(FunctionElement):  # noqa: N801
    """json_array(value, ...): a JSON array of the values."""
    type = Text()
    inherit_cache = True
    name = "json_array"


class json_object_of(FunctionElement):  # noqa: N801
    """The aggregate JSON object of key, value over the rows of a query; {} when there are none."""
    type = Text()
    inherit_cache = True
    name = "json_object_of"


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


def _spell(construct: type[FunctionElement], sqlite: str, postgresql: str) -> None:
    """Compile construct from a template per dialect; {} receives the arguments."""
    for dialect, template in ((None, sqlite), ("postgresql", postgresql)):
        def render(element, compiler, template=template, **kw):
            return template.format(compiler.process(element.clauses, **kw))
        compiles(construct, *([dialect] if dialect else []))(render)


_spell(json_object, "json_object({})", "json_build_object({})")
_spell(json_array_of, "json_group_array({})", "COALESCE(json_agg({}), '[]'::json)")
_spell(json_array, "json_array({})", "json_build_array({})")
_spell(json_object_of, "json_group_object({})", "COALESCE(json_object_agg({}), '{{}}'::json)")
_spell(embedded, "json({})", "{}")
_spell(as_text, "{}", "CAST({} AS TEXT)")
