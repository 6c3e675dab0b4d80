"""A read-only web view of the catalogue (`catalogue serve`): systems, claims in their articles, sources with
every extracted span marked, search. It renders what the library's lookups return (catalogue.browse, .lookup,
.search) and reads through an engine that cannot write (catalogue.sql.read_only_engine)."""
