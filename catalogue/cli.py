"""Command line: parses arguments, calls the library, formats what it returns."""

import functools
import logging
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from typer.core import TyperOption

from catalogue import db as database
from catalogue import output
from catalogue.errors import CatalogueError, InputError
from catalogue.readers import Metadata, Reader, validation_problem

app = typer.Typer(no_args_is_help=True, help="A weapons-system catalogue built from news articles.")
db_app = typer.Typer(no_args_is_help=True, help="Create, migrate and inspect the database schema.")
app.add_typer(db_app, name="db")
alias_app = typer.Typer(no_args_is_help=True, help="Curate the names of systems.")
app.add_typer(alias_app, name="alias")
claim_app = typer.Typer(no_args_is_help=True, help="Confirm, dispute or retract a claim.")
app.add_typer(claim_app, name="claim")

err = Console(stderr=True, highlight=False, soft_wrap=True)

# Typer's help gives a flag a type (`--json <bool>`), as if it took a value, which it refuses (`--json true`).
_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else _option_type(self, ctx)


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
        except (typer.Exit, typer.Abort, SystemExit, BrokenPipeError):
            raise  # a closed pipe (`catalogue show x | head -1`): click ends the command quietly
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


class _StderrWarnings(logging.Handler):
    """The library's warnings (a writer waiting for a lock) as one line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(f"warning: {record.getMessage()}", markup=False)


_library_log = logging.getLogger("catalogue")
if not any(isinstance(h, _StderrWarnings) for h in _library_log.handlers):
    _library_log.addHandler(_StderrWarnings(logging.WARNING))
    _library_log.propagate = False


@app.callback()
def main_callback(db: DbOption = None) -> None:
    state.db = db


def engine(mode: database.OpenMode = "read"):
    """The database for a command: reads never create or migrate it (see db.open_engine)."""
    return database.open_engine(state.db, mode)


@db_app.command("upgrade")
@user_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database up to REVISION (default: head)."""
    eng = engine("schema")
    database.upgrade(eng, revision)
    typer.echo(f"at revision {database.current_revision(eng)}")


@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})  # "-1" is a revision
@user_errors
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or -1.")],
    yes: Annotated[bool, typer.Option("--yes", help="Drop the rows and values the downgrade removes.")] = False,
) -> None:
    """Migrate the database down to REVISION; refused, naming what would be lost, if it drops data."""
    eng = engine("schema")
    database.downgrade(eng, revision, drop_data=yes)
    typer.echo(f"at revision {database.current_revision(eng) or 'base'}")


@db_app.command("current")
@user_errors
def db_current() -> None:
    """Print the database's revision."""
    eng = engine("schema")
    database.refuse_newer(eng)
    typer.echo(database.current_revision(eng) or "base")


@db_app.command("history")
@user_errors
def db_history() -> None:
    """List the migrations, oldest first."""
    for line in database.history():
        typer.echo(line)


@db_app.command("reader")
@user_errors
def db_reader(
    role: Annotated[
        str | None, typer.Option("--role", help="Role name (default: derived from database and schema).")
    ] = None,
    drop: Annotated[bool, typer.Option("--drop", help="Drop the role and its grants instead.")] = False,
) -> None:
    """Create or refresh the PostgreSQL role that 'catalogue sql' runs as: it may only SELECT the catalogue."""
    from catalogue.sql import create_reader, drop_reader

    eng = engine()
    if eng.dialect.name == "sqlite":
        typer.echo("SQLite needs no reader role: catalogue sql opens the file read-only")
    elif drop:
        dropped = drop_reader(eng, role)
        typer.echo(f"dropped reader role {dropped}" if dropped else "no reader role to drop")
    else:
        reader = create_reader(eng, role)
        typer.echo(f"reader role {reader.role}: SELECT on {reader.tables} tables and views of schema "
                   f"{reader.schema_name} in database {reader.database}; catalogue sql connects as it")


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


PathsArgument = Annotated[list[str], typer.Argument(help="Files, folders, or - for standard input.")]
PublishedOption = Annotated[
    str | None, typer.Option("--published", help="Publication date (2023-07-28) for relative dates.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def metadata_overrides(**values: str | None) -> Metadata | None:
    given = {key: value for key, value in values.items() if value is not None}
    if not given:
        return None
    try:
        return Metadata.model_validate(given)
    except ValidationError as exc:
        raise CatalogueError(f"command line: --{validation_problem(exc)}") from None


@app.command("extract")
@user_errors
def extract_command(paths: PathsArgument, published: PublishedOption = None, json_output: JsonOption = False) -> None:
    """Show what the extractor finds in articles, without touching any database."""
    from catalogue.extract import document_output, extract

    reader = Reader(overrides=metadata_overrides(published=published))
    failed = 0
    for item in reader.read(paths):
        if isinstance(item, InputError):
            failed += 1
            err.print(f"error: {item}", markup=False)
            continue
        try:
            result = document_output(extract(item))
        except Exception as exc:  # the extractor's bug in one document: that document's error, the rest go on
            failed += 1
            err.print(f"error: {item.path}: extraction failed: {exc.__class__.__name__}: {exc}", markup=False)
            continue
        if json_output:
            typer.echo(result.model_dump_json())
            continue
        rows = [(s.name, s.category, s.fuel, s.country, len(s.claims), len(s.events)) for s in result.systems]
        output.table(["system", "category", "fuel", "country", "claims", "events"], rows,
                     title=f"{item.path}: {output.plural(len(rows), 'system')}")
    if failed:
        raise typer.Exit(1)


class Split(StrEnum):
    dev = "dev"
    heldout = "heldout"


@app.command("eval")
@user_errors
def eval_command(
    gold: Annotated[list[str], typer.Argument(help="Gold files, or folders of them (JSON Lines, see docs/gold-format.md).")],
    texts: Annotated[str | None, typer.Option(
        "--texts", help="Folder of the texts of cases given by text_sha256 (default: texts/ beside each gold file).",
        show_default=False)] = None,
    split: Annotated[Split | None, typer.Option("--split", help="Score only this split.")] = None,
    json_output: JsonOption = False,
    errors: Annotated[bool, typer.Option("--errors", help="List each case's misses.")] = False,
) -> None:
    """Score the extractor against a gold file: precision, recall, accuracy."""
    from pathlib import Path

    from catalogue.evaluate import evaluate, load_gold

    cases = load_gold(*map(Path, gold), texts=Path(texts) if texts else None, split=split.value if split else None)
    report = evaluate(cases)
    if json_output:
        typer.echo(report.model_dump_json(indent=2))
        return
    invented = report.counts["fuel_invented"]
    rows = [
        ("systems precision", f"{report.system_precision:.3f}"),
        ("systems recall", f"{report.system_recall:.3f}"),
        ("systems F1", f"{report.system_f1:.3f}"),
        ("category accuracy", f"{report.category_accuracy:.3f}"),
        ("fuel accuracy", f"{report.fuel_accuracy:.3f}"),
        ("fuel invented", f"{invented.correct} of {invented.total}"),
        ("claim recall", f"{report.claim_recall:.3f}"),
        ("claimant accuracy", f"{report.claimant_accuracy:.3f}"),
        ("capability and measurement claim recall", f"{report.measured_claim_recall:.3f}"),
        ("their claimant right", f"{report.measured_claimant_right:.3f}"),
        ("event recall", f"{report.event_recall:.3f}"),
    ]
    title = f"{', '.join(gold)}{f' ({split.value})' if split else ''}: {output.plural(report.cases, 'case')}"
    output.table(["measure", "score"], rows, title=title)
    for name, scores in report.splits.items():
        typer.echo(f"{name}: {output.plural(scores.cases, 'case')}, systems F1 {scores.system_f1:.3f}, category "
                   f"{scores.category_accuracy:.3f}, fuel {scores.fuel_accuracy:.3f} ({scores.fuel_invented} invented), "
                   f"claims {scores.claim_recall:.3f}, measured claims {scores.measured_claim_recall:.3f} "
                   f"(claimant {scores.measured_claimant_right:.3f}), events {scores.event_recall:.3f}")
    if errors:
        for case in report.errors:
            for line in [*(f"missing {m}" for m in case.missing), *(f"spurious {s}" for s in case.spurious),
                         *case.wrong]:
                typer.echo(f"{case.id}: {line}")


ImportPathsArgument = Annotated[list[str], typer.Argument(
    help="Files, folders, http(s) URLs of pages or feeds (RSS, Atom, JSON Feed), or - for standard input.")]
DelayOption = Annotated[float | None, typer.Option(
    "--delay", min=0, metavar="SECONDS", show_default=False,
    help="Least time between two requests to one host (default 0.1; robots.txt's Crawl-delay when longer).")]
TimeoutOption = Annotated[float | None, typer.Option(
    "--timeout", min=0.001, metavar="SECONDS", show_default=False,
    help="Longest wait to connect and for a server's next bytes (default 10 to connect, 30 to read).")]
RetriesOption = Annotated[int | None, typer.Option(
    "--retries", min=0, show_default=False,
    help="Tries again after a 5xx, 429, timeout or dropped connection (default 3).")]


def fetcher(max_bytes: int | None, delay: float | None, timeout: float | None, retries: int | None):
    """The HTTP client of a command, with its limits from the command line."""
    from catalogue.fetch import Fetcher, FetchSettings, web_extra
    from catalogue.readers import max_bytes_default

    web_extra()
    given = {"delay": delay, "retries": retries, "read_timeout": timeout,
             "connect_timeout": min(timeout, 10.0) if timeout is not None else None}
    return Fetcher(FetchSettings(max_bytes=max_bytes or max_bytes_default(),
                                 **{key: value for key, value in given.items() if value is not None}))


@app.command("import")
@user_errors
def import_command(
    paths: ImportPathsArgument,
    title: Annotated[str | None, typer.Option(help="Title (one document only).")] = None,
    url: Annotated[str | None, typer.Option(help="URL (one document only).")] = None,
    published: PublishedOption = None,
    publisher: Annotated[str | None, typer.Option(help="Outlet (one document only).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")] = False,
    max_bytes: Annotated[int | None, typer.Option(
        help="Largest file or fetched body accepted, in bytes (default 5 MB).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Fetch and extract this many at a time.")] = 1,
    delay: DelayOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import articles: files, folders (recursively), pages and feeds by URL, or - for standard input."""
    from contextlib import nullcontext

    from catalogue.importer import import_paths
    from catalogue.readers import max_bytes_default
    from catalogue.web import WebReader, is_url

    overrides = metadata_overrides(title=title, url=url, published=published, publisher=publisher)
    urls = any(is_url(path) for path in paths)
    with fetcher(max_bytes, delay, timeout, retries) if urls else nullcontext() as client:
        reader = WebReader(overrides=overrides, max_bytes=max_bytes or max_bytes_default(), fetcher=client, jobs=jobs)
        eng = engine("write")
        show_progress = (output.is_terminal() and not json_output
                         and not (len(paths) == 1 and not urls and Path(paths[0]).is_file()))
        if show_progress:
            from catalogue.readers import document_count

            total = None if urls else document_count(paths)  # a feed holds any number of entries
            with output.progress(total, err) as advance:
                report = import_paths(eng, paths, reader, dry_run=dry_run, jobs=jobs, progress=lambda _: advance())
        else:
            report = import_paths(eng, paths, reader, dry_run=dry_run, jobs=jobs)
    if overrides is not None and report.documents_new + report.documents_unchanged + report.documents_failed > 1:
        err.print("warning: --title/--url/--published/--publisher applied to several documents", markup=False)
    for failed in (d for d in report.documents if d.status == "failed"):
        err.print(f"error: {failed.path}: {failed.error}", markup=False)
    if json_output:
        typer.echo(report.model_dump_json(exclude={"documents": {"__all__": {"planned"}}} if not dry_run else None))
    else:
        _print_import(report)
    if report.documents_failed:
        raise typer.Exit(1)


def _print_import(report) -> None:
    if report.dry_run:
        for document in report.documents:
            if document.status != "new":
                continue
            typer.echo(f"{document.path}: would add {output.plural(len(document.systems_new), 'new system')} "
                       f"({', '.join(document.systems_new) or '-'}), update {len(document.systems_updated)}")
            rows = [(c.system, c.attribute, c.value + (f" {c.unit}" if c.unit else ""), c.claimant or "",
                     c.quote or "(reference list)") for c in document.planned]
            output.table(["system", "attribute", "value", "claimant", "quote"], rows)
    prefix = "dry run, nothing written: " if report.dry_run else ""
    typer.echo(
        f"{prefix}documents: {report.documents_new} new, {report.documents_unchanged} unchanged, "
        f"{report.documents_failed} failed"
        + (f", {output.plural(report.files_skipped, 'file')} skipped" if report.files_skipped else "")
        + f"; systems: {report.systems_new} new, {report.systems_updated} updated; "
        f"claims: {report.claims_added} added; events: {report.events_added} added "
        f"({report.observations_added} observations); relations: {report.relations_added} added"
    )


feeds_app = typer.Typer(invoke_without_command=True,
                        help="Feeds followed: list them (no subcommand), add or remove one; 'catalogue update' polls them.")
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback()
@user_errors
def feeds_command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the feeds followed: last polled, entries seen, last error."""
    if ctx.invoked_subcommand is not None:
        return
    from catalogue.following import list_feeds

    rows = list_feeds(engine())
    if json_output:
        typer.echo(output.to_json(rows))
        return
    if not rows:
        typer.echo("no feeds followed; add one with: catalogue feeds add URL")
        return
    output.table(["feed", "url", "last polled", "entries seen", "last error"],
                 [(r.name, r.url, f"{r.last_polled_at:%Y-%m-%d %H:%M}" if r.last_polled_at else "never",
                   r.items_seen, r.last_error or "") for r in rows])


@feeds_app.command("add")
@user_errors
def feeds_add_command(
    url: Annotated[str, typer.Argument(help="The feed's URL: RSS, Atom or JSON Feed.")],
    name: Annotated[str | None, typer.Option("--name", help="Short name (default: the feed's title).")] = None,
    timeout: TimeoutOption = None,
) -> None:
    """Follow a feed: it is fetched once to check it is one; 'catalogue update' imports its entries."""
    from catalogue.following import add_feed

    eng = engine("write")
    with fetcher(None, None, timeout, None) as client:
        row = add_feed(eng, client, url, name)
    typer.echo(f"following {row.name}: {row.url}")


@feeds_app.command("remove")
@user_errors
def feeds_remove_command(name: Annotated[str, typer.Argument(help="The feed's name, as 'catalogue feeds' lists it.")]) -> None:
    """Stop following a feed; the documents imported from it stay."""
    from catalogue.following import remove_feed

    row = remove_feed(engine("write"), name)
    typer.echo(f"stopped following {row.name}; its documents stay")


@app.command("update")
@user_errors
def update_command(
    feed: Annotated[list[str] | None, typer.Option("--feed", help="Only this feed (by name); repeatable.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Fetch and extract this many at a time.")] = 1,
    max_bytes: Annotated[int | None, typer.Option(help="Largest body accepted, in bytes (default 5 MB).")] = None,
    delay: DelayOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = None,
    json_output: JsonOption = False,
) -> None:
    """Poll every feed followed (or --feed NAME) and import the entries not seen before."""
    from catalogue.following import update_feeds

    eng = engine("write")
    with fetcher(max_bytes, delay, timeout, retries) as client:
        if output.is_terminal() and not json_output:
            with output.progress(None, err) as advance:
                report = update_feeds(eng, client, feed, jobs, progress=lambda _: advance())
        else:
            report = update_feeds(eng, client, feed, jobs)
    for poll in report.feeds:
        if poll.error and poll.documents_failed == 0:  # the feed itself; failed entries are listed below
            err.print(f"error: {poll.url}: {poll.error}", markup=False)
    for failed in (d for d in report.documents.documents if d.status == "failed"):
        err.print(f"error: {failed.path}: {failed.error}", markup=False)
    if json_output:
        typer.echo(report.model_dump_json(exclude={"documents": {"documents": {"__all__": {"planned"}}}}))
    elif not report.feeds:
        typer.echo("no feeds followed; add one with: catalogue feeds add URL")
    else:
        for poll in report.feeds:
            typer.echo(f"{poll.name}: {_poll_line(poll)}")
        _print_import(report.documents)
    if report.documents.documents_failed or any(p.status == "failed" for p in report.feeds):
        raise typer.Exit(1)


def _poll_line(poll) -> str:
    if poll.status == "failed" and poll.documents_failed == 0:
        return f"failed: {poll.error}"
    if poll.not_modified:
        return "no change (304 Not Modified)"
    if poll.entries_new == 0:
        return f"no change (all {output.plural(poll.entries, 'entry', 'entries')} seen before)"
    return (f"{output.plural(poll.entries_new, 'new entry', 'new entries')} of {poll.entries}: "
            f"{poll.documents_new} new, {poll.documents_unchanged} unchanged, {poll.documents_failed} failed")


@app.command("reextract")
@user_errors
def reextract_command(
    source_ids: Annotated[list[int] | None, typer.Argument(help="Source ids to re-extract.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Re-extract every source.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Re-run the (changed) extractor on stored texts, replacing each source's extracted records."""
    from catalogue.importer import reextract

    if not source_ids and not all_sources:
        fail("name source ids or use --all")
    report = reextract(engine("write"), None if all_sources else source_ids)
    if json_output:
        typer.echo(report.model_dump_json(exclude={"documents": {"__all__": {"planned"}}}))
        return
    typer.echo(f"sources re-extracted: {len(report.documents)}; claims: {report.claims_added}; "
               f"events: {report.events_added} ({report.observations_added} observations); "
               f"relations: {report.relations_added}")


@app.command("systems")
@user_errors
def systems_command(
    category: Annotated[str | None, typer.Option(help="Only this category slug, e.g. icbm.")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country.")] = None,
    fuel: Annotated[str | None, typer.Option(help="Only this fuel: solid, liquid or nuclear.")] = None,
    source: Annotated[int | None, typer.Option("--source", help="Only systems named in this source id.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List the systems in the catalogue."""
    from catalogue.queries import list_systems

    rows = list_systems(engine(), category=category, country=country, fuel=fuel, source_id=source)
    if json_output:
        typer.echo(output.to_json(rows))
        return
    output.table(["name", "category", "fuel", "country", "claims", "sources"],
                 [(r.name, r.category, r.fuel, r.country, r.claims, r.sources) for r in rows])


@app.command("show")
@user_errors
def show_command(
    name: Annotated[str, typer.Argument(help="Any name of the system: Hwasong-18, hwasong18, KN-23…")],
    json_output: JsonOption = False,
) -> None:
    """Everything known about one system: names, category and fuel with their support, claims, events."""
    from catalogue.lookup import system_detail

    eng = engine()
    detail = system_detail(eng, name)
    if json_output:
        from catalogue.db import read_session
        from catalogue.export import systems_out

        with read_session(eng) as session:
            typer.echo(systems_out(session, [detail.id])[0].model_dump_json(indent=2))
        return
    _print_detail(detail)


def _source_label(record) -> str:
    """A claim's, event's, relation's or search hit's source as 'source N: title (date)'."""
    return output.source_label(record.source_id, record.source_title, record.source_published,
                               record.source_precision)


def _print_detail(detail) -> None:
    def curated(attribute: str) -> str:
        return " (curated)" if attribute in detail.curated else ""

    typer.echo(f"{detail.name}  [{detail.slug}]  country: {detail.country or '-'}{curated('country')}")
    typer.echo("aliases: " + (", ".join(f"{a.name} ({a.kind})" for a in detail.aliases) or "-"))
    for attribute in ("category", "fuel"):
        value = getattr(detail, attribute)
        flag = "  CONFLICTING CLAIMS" if detail.conflicting(attribute) else ""
        typer.echo(f"{attribute}: {value or '-'}{curated(attribute)}{flag}")
        rows = [(c.id, c.value, c.status, c.claimant or "", c.quote or "", _source_label(c))
                for c in detail.claims_for(attribute)]
        if rows:
            output.table(["claim", "value", "status", "claimant", "quote", "source"], rows)
    others = [c for c in detail.claims if c.attribute not in ("category", "fuel")]
    for attribute in dict.fromkeys(c.attribute for c in others):
        rows = [(c.id, c.value + (f" {c.unit}" if c.unit else "") + (f" ({c.stated})" if c.stated else ""), c.status,
                 c.claimant or "", c.quote or "", _source_label(c)) for c in others if c.attribute == attribute]
        output.table(["claim", "value", "status", "claimant", "quote", "source"], rows, title=f"{attribute}:")
    if detail.events:
        observed = any(e.observations for e in detail.events)  # the column only when some event measured
        output.table(["date", "kind", "location", *(["observed"] * observed), "claimant", "quote", "source"],
                     [(output.human_date(e.date, e.date_precision) or "?", e.kind, e.location or "",
                       *([e.observed()] * observed), e.claimant or "", e.quote, _source_label(e))
                      for e in detail.events], title="events:")
    if detail.relations:
        output.table(["relation", "system", "claimant", "quote", "source"],
                     [(r.kind if r.direction == "outgoing" else f"{r.kind} (by)", r.other, r.claimant or "", r.quote,
                       _source_label(r)) for r in detail.relations],
                     title="relations:")


@app.command("search")
@user_errors
def search_command(
    query: Annotated[str, typer.Argument(help="Words to look for in claims and source texts.")],
    limit: Annotated[int, typer.Option(help="Most hits of each kind.")] = 20,
    json_output: JsonOption = False,
) -> None:
    """Full-text search over claims and source texts, ranked, with highlighted snippets."""
    from catalogue.search import MARK_END, MARK_START, search

    hits = search(engine(), query, limit)
    if json_output:
        typer.echo(output.to_json(hits))
        return
    if not hits:
        typer.echo("no matches")
        return

    def show(snippet: str) -> "str | Text":
        if not output.is_terminal():
            return snippet
        marked = Text()
        for i, part in enumerate(re.split(f"{re.escape(MARK_START)}|{re.escape(MARK_END)}", snippet)):
            marked.append(part, style="bold" if i % 2 else "")  # the parts between the marks are the matches
        return marked

    output.table(["kind", "system", "attribute", "snippet", "source"],
                 [(h.kind, h.system or "", h.attribute or "", show(h.snippet), _source_label(h)) for h in hits])


@app.command("sources")
@user_errors
def sources_command(json_output: JsonOption = False) -> None:
    """List the imported sources and the systems found in each."""
    from catalogue.queries import list_sources

    rows = list_sources(engine())
    if json_output:
        typer.echo(output.to_json(rows))
        return
    output.table(["source", "publisher", "systems"],
                 [(output.source_label(r.id, r.title, r.published, r.published_precision), r.publisher,
                   ", ".join(r.systems)) for r in rows])


@app.command("source")
@user_errors
def source_command(source_id: Annotated[int, typer.Argument(help="Source id.")], json_output: JsonOption = False) -> None:
    """One source: metadata and the systems found in it."""
    from catalogue.queries import source_detail

    detail = source_detail(engine(), source_id)
    if json_output:
        typer.echo(detail.model_dump_json(indent=2))
        return
    shown = {**detail.model_dump(exclude={"published_precision"}), "systems": ", ".join(detail.systems),
             "published": output.human_date(detail.published, detail.published_precision),
             "imported_at": f"{detail.imported_at:%Y-%m-%d %H:%M:%S}",
             "fetched_at": f"{detail.fetched_at:%Y-%m-%d %H:%M:%S}" if detail.fetched_at else None}
    for key, value in shown.items():
        typer.echo(f"{key}: {'-' if value is None or value == '' else value}")  # never "None"


@app.command("sql")
@user_errors
def sql_command(
    query: Annotated[str, typer.Argument(help="One read-only query, e.g. \"SELECT name FROM system_overview\".")],
    json_output: JsonOption = False,
    csv_output: Annotated[bool, typer.Option("--csv", help="CSV output.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Stop the query after SECONDS.", metavar="SECONDS")] = 30,
    role: Annotated[str | None, typer.Option("--role", help="PostgreSQL reader role (see 'db reader').")] = None,
) -> None:
    """Run one read-only SQL query (schema: docs/schema.md); on PostgreSQL as the role 'catalogue db reader' made."""
    from catalogue.sql import printable, run_sql

    result = run_sql(engine(), query, timeout=timeout, role=role)
    rows = [[printable(value) for value in row] for row in result.rows]
    if json_output:
        typer.echo(output.to_json([dict(zip(result.columns, row, strict=True)) for row in rows]))
    elif csv_output:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(rows)
    else:
        output.table(result.columns, rows)
    if result.truncated:
        err.print(f"warning: output truncated at {result.truncated}", markup=False)


@app.command("export")
@user_errors
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="json, jsonl or csv.")] = "json",
    output_file: Annotated[str | None, typer.Option("--output", help="Write to this file, not stdout.")] = None,
    schema: Annotated[bool, typer.Option("--schema", help="Print the export's JSON Schema instead.")] = False,
) -> None:
    """Export the catalogue as catalogue-export/3; every key is described in docs/export.md."""
    from catalogue.export import FORMATS, export, schema_json

    if schema:
        chunks = iter([schema_json()])
    elif fmt not in FORMATS:
        fail(f"export: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    else:
        chunks = export(engine(), fmt)
    if output_file is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    target = Path(output_file)
    temporary = target.with_name(target.name + ".part")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
        temporary.replace(target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")


NoteOption = Annotated[str | None, typer.Option("--note", help="Why: kept with the correction.")]
SystemArgument = Annotated[str, typer.Argument(help="Any name of the system, e.g. Hwasong-18 or KN-23.")]
ClaimArgument = Annotated[int, typer.Argument(help="The claim's id, as 'catalogue show' lists it.")]


def _curated(result) -> None:
    typer.echo(result.detail + (f" (curation {result.curation_id})" if result.curation_id is not None else ""))


@alias_app.command("add")
@user_errors
def alias_add_command(
    system: SystemArgument,
    alias: Annotated[str, typer.Argument(help="The other name, e.g. Hwasong-18 Mod 1.")],
    note: NoteOption = None,
) -> None:
    """Make ALIAS another name of SYSTEM."""
    from catalogue.curation import add_alias

    _curated(add_alias(engine("write"), system, alias, note))


@app.command("rename")
@user_errors
def rename_command(
    system: SystemArgument,
    new_name: Annotated[str, typer.Argument(help="The system's new canonical name.")],
    note: NoteOption = None,
) -> None:
    """Give SYSTEM a new canonical name (the old one stays an alias)."""
    from catalogue.curation import rename

    _curated(rename(engine("write"), system, new_name, note))


@app.command("set")
@user_errors
def set_command(
    system: SystemArgument,
    attribute: Annotated[str, typer.Argument(help="What to set: category or country.")],
    value: Annotated[str, typer.Argument(help="A category (icbm, \"cruise missile\") or a country (\"North Korea\").")],
    note: NoteOption = None,
) -> None:
    """Set SYSTEM's category or country; it stays through reextract and later imports."""
    from catalogue.curation import set_attribute

    _curated(set_attribute(engine("write"), system, attribute, value, note))


@app.command("merge")
@user_errors
def merge_command(
    keep: Annotated[str, typer.Argument(help="Any name of the system that stays.")],
    other: Annotated[str, typer.Argument(help="Any name of the system merged into KEEP and removed.")],
    note: NoteOption = None,
) -> None:
    """Merge OTHER into KEEP: claims, mentions, events, relations and names move to KEEP."""
    from catalogue.curation import merge

    _curated(merge(engine("write"), keep, other, note))


def _claim_status(claim_id: int, status: str, note: str | None) -> None:
    from catalogue.curation import set_claim_status

    _curated(set_claim_status(engine("write"), claim_id, status, note))


@claim_app.command("confirm")
@user_errors
def claim_confirm(claim_id: ClaimArgument, note: NoteOption = None) -> None:
    """Mark a claim confirmed."""
    _claim_status(claim_id, "confirmed", note)


@claim_app.command("dispute")
@user_errors
def claim_dispute(claim_id: ClaimArgument, note: NoteOption = None) -> None:
    """Mark a claim disputed (it no longer decides category or fuel)."""
    _claim_status(claim_id, "disputed", note)


@claim_app.command("retract")
@user_errors
def claim_retract(claim_id: ClaimArgument, note: NoteOption = None) -> None:
    """Mark a claim retracted (kept for the record, never counted)."""
    _claim_status(claim_id, "retracted", note)


@app.command("serve")
@user_errors
def serve_command(
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; any other than 127.0.0.1 (0.0.0.0: every one) shows the catalogue to the network."
    )] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free one).")] = 8000,
    role: Annotated[str | None, typer.Option("--role", help="PostgreSQL reader role (see 'db reader').")] = None,
) -> None:
    """Serve a read-only web view: systems, claims in their articles, sources with their claims marked, search."""
    try:
        from catalogue.serve.server import serve
    except ImportError as exc:
        fail(f"serve needs the serve extra ({exc.name} is missing): pip install 'catalogue[serve]'")
    serve(engine(), host, port, role, announce=lambda line: err.print(line, markup=False))


@app.command("datasette-metadata")
@user_errors
def datasette_metadata_command(
    database: Annotated[str, typer.Option(help="Database name as Datasette shows it (file name stem).")] = "catalogue",
) -> None:
    """Print Datasette metadata (descriptions, full-text tables for ?_search=): datasette catalogue.db -m metadata.json"""
    import json

    from catalogue.schema_doc import datasette_metadata

    typer.echo(json.dumps(datasette_metadata(database), indent=2))


def main() -> None:
    try:
        code = app(args=hoist_db_option(sys.argv[1:]), prog_name="catalogue", standalone_mode=False)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)

    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:
        usage_error(exc)
        raise
    sys.exit(code if isinstance(code, int) else 0)


def usage_error(exc: Exception) -> None:
    """The parser's errors (unknown option, missing or invalid argument) in one line, not a framed box."""
    format_message, context = getattr(exc, "format_message", None), getattr(exc, "ctx", None)
    if format_message is None or not hasattr(exc, "exit_code"):
        return
    if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:  # `catalogue db`: its help
        typer.echo(context.get_help())
        sys.exit(exc.exit_code)
    where = f" (see '{context.command_path} --help')" if context is not None else ""
    print(f"error: {' '.join(format_message().split())}{where}", file=sys.stderr)
    sys.exit(exc.exit_code)
