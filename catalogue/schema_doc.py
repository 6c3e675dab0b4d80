"""docs/schema.md is generated from the models' comments, so the two cannot drift apart.

Regenerate with: python -m catalogue.schema_doc > docs/schema.md
"""

from catalogue.models import Base

INTRO = """# Schema

Generated from the comments in `catalogue/models.py` by `python -m catalogue.schema_doc`;
a test fails when this file and the models differ. The same comments are stored in
PostgreSQL (`\\d+ claims` in psql shows them).

Every fact is a row of `claims` with its source, claimant, quote and offsets
(`substr(sources.text, start + 1, end - start) = quote`). Start from the view
`system_overview` for one row per system.

Full-text search lives beside these tables, per engine: on SQLite the FTS5 tables `fts_sources`
and `fts_claims` (kept in step by triggers); on PostgreSQL a generated `fts_document` tsvector
column on `sources` and `claims`, each with a GIN index.
"""

OVERVIEW = """## system_overview (view)

One row per system, for SQL users to start from.

| column | meaning |
| --- | --- |
| system_id | systems.id |
| slug | systems.slug |
| name | systems.name |
| country | systems.country |
| category | the category an analyst set (`catalogue set SYSTEM category ...`, systems.category), else the best-supported category claim: confirmed first, then the articles' own claims over the reference list, then the number of agreeing claims; retracted and disputed claims never count; a stated range class (icbm, irbm, mrbm, srbm, slbm) refines a generic ballistic_missile |
| fuel | best-supported fuel claim, by the same rule |
| claim_count | number of claims about the system |
| source_count | number of sources mentioning it |
| first_seen | earliest publication date of a source mentioning it |
| last_seen | latest publication date of a source mentioning it |

Example: `SELECT name, category FROM system_overview WHERE fuel = 'solid';`
"""


def render() -> str:
    parts = [INTRO]
    for table in Base.metadata.sorted_tables:
        lines = [f"## {table.name}", "", table.comment or "", "", "| column | type | null | meaning |",
                 "| --- | --- | --- | --- |"]
        for column in table.columns:
            target = ", ".join(f"→ {fk.target_fullname}" for fk in column.foreign_keys)
            meaning = " ".join(filter(None, [column.comment, target]))
            nullable = "yes" if column.nullable else "no"
            lines.append(f"| {column.name} | {column.type} | {nullable} | {meaning} |")
        parts.append("\n".join(lines) + "\n")
    parts.append(OVERVIEW)
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")


FULL_TEXT_TABLES = ("sources", "claims")  # each has an FTS5 table fts_<name> on SQLite, rowid = id


def datasette_metadata(database: str = "catalogue") -> dict:
    """Datasette metadata: every table and column described from the models' comments."""
    tables = {
        table.name: {
            "description": table.comment or "",
            "columns": {column.name: column.comment or "" for column in table.columns},
        }
        for table in Base.metadata.sorted_tables
    }
    # Datasette finds an FTS table only when its SQL says content="table" in double quotes; ours (SQLite
    # migration 0002) say content='table', so ?_search= needs the table named here.
    for table in FULL_TEXT_TABLES:
        tables[table].update(fts_table=f"fts_{table}", fts_pk="id")
    tables["system_overview"] = {
        "description": "One row per system with its derived category and fuel: start here.",
        "columns": {line.split(" | ")[0].strip("| "): line.split(" | ")[1].strip(" |")
                    for line in OVERVIEW.splitlines() if line.startswith("| ") and " | " in line[2:]
                    and not line.startswith("| column") and not line.startswith("| ---")},
    }
    return {
        "title": "catalogue",
        "description": "Weapon systems named in news articles; every fact is a claim with its source and quote.",
        "databases": {database: {"tables": tables}},
    }
