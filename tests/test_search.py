"""Search ranked with a limit (query classes: rare word, common word, two words, phrase) and `show` on an imported
corpus, on SQLite and PostgreSQL. No timings here: bench/bench_lookup.py measures them."""

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from catalogue.db import read_session, session_scope
from catalogue.errors import CatalogueError
from catalogue.importer import import_paths
from catalogue.lookup import _DETAIL, _named, system_detail
from catalogue.models import Alias, Claim, Event, Observation, Relation, Source, System, event_systems
from catalogue.search import SNIPPET_WORDS, parse_query, search, snippet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import write_corpus  # noqa: E402


def add_claims(engine, quotes: list[str], title: str = "Report") -> None:
    """One source whose claims are these quotes, in this order (ids ascending: the last is the newest); each
    claim's claimant names it: c0, c1..."""
    with session_scope(engine) as session:
        source = Source(title=title, sha256=f"{abs(hash((title, tuple(quotes)))):064d}"[-64:], text=" ".join(quotes),
                        extractor_version="test", published=dt.date(2024, 5, 1), published_precision="day")
        system = System(slug=f"system-{title.lower()}", name=f"System {title}")
        session.add_all([source, system])
        session.flush()
        session.add_all(Claim(system_id=system.id, attribute="capability", value="stated", quote=quote, start=0,
                              end=len(quote), claimant=f"c{n}", source_id=source.id, extractor="test",
                              extractor_version="1") for n, quote in enumerate(quotes))


def claims(hits) -> list[str]:
    return [hit.claimant for hit in hits if hit.kind == "claim"]


FILLER = "officials said on Monday that the parade would go ahead as planned in the capital"


def test_a_common_word_ranks_only_its_newest_matches(engine):
    # 30 claims with "missile", the oldest ones the best matches: a capped search never reaches them.
    quotes = [f"missile missile missile test {n}" for n in range(5)] + [f"missile {FILLER} {n}" for n in range(25)]
    add_claims(engine, quotes)
    hits = search(engine, "missile", limit=4, candidates=10)
    found = claims(hits)
    assert len(found) == 4  # the limit
    assert set(found) <= {f"c{n}" for n in range(20, 30)}  # among the 10 newest matches only
    scores = [hit.score for hit in hits if hit.kind == "claim"]
    assert scores == sorted(scores, reverse=True)
    # With every match a candidate, the best (three mentions, short) come first, old as they are.
    everything = search(engine, "missile", limit=5, candidates=100)
    assert set(claims(everything)) == {f"c{n}" for n in range(5)}
    assert all("[[missile]]" in hit.snippet for hit in everything)


def test_the_limit_is_honoured_for_each_kind(engine):
    add_claims(engine, [f"drone {FILLER} {n}" for n in range(12)], title="First")
    add_claims(engine, [f"drone seen {n}" for n in range(3)], title="Second")
    hits = search(engine, "drone", limit=3)
    assert [hit.kind for hit in hits] == ["claim"] * 3 + ["source"] * 2  # claims first, then sources
    assert len(search(engine, "drone", limit=100)) == 15 + 2
    assert search(engine, "drone", limit=0) == []


def test_a_rare_word_ranks_every_match_best_first(engine):
    add_claims(engine, ["the Haeil tsunami tsunami drone", f"tsunami {FILLER}", f"a tsunami warning {FILLER}"])
    hits = search(engine, "tsunami")
    assert claims(hits)[0] == "c0"  # two mentions in a short claim, though it is the oldest
    assert sorted(claims(hits)) == ["c0", "c1", "c2"]


def test_two_words_must_both_be_there(engine):
    add_claims(engine, ["solid fuel missile", "solid rocket motor", "liquid fuel engine", "the fuel was solid"])
    assert sorted(claims(search(engine, "solid fuel"))) == ["c0", "c3"]
    assert sorted(claims(search(engine, "fuel -solid"))) == ["c0", "c3"]  # punctuation, not an operator
    assert claims(search(engine, "solid NEAR fuel")) == []  # NEAR is a word to find, like any other


def test_a_phrase_is_its_words_together_in_order(engine, cli):
    add_claims(engine, ["a solid fuel missile", "the fuel was solid", "solid and liquid fuel", "solid-fuel engine"])
    hits = search(engine, '"solid fuel"')
    assert sorted(claims(hits)) == ["c0", "c3"]
    for hit in hits:
        marked = hit.snippet.replace("[[", "<").replace("]]", ">")
        assert "solid" in marked and "fuel" in marked and marked.count("<") >= 1, hit.snippet
    code, out, err = cli("search", '"solid fuel" missile', "--json")
    assert code == 0, err
    assert [hit["claimant"] for hit in json.loads(out) if hit["kind"] == "claim"] == ["c0"]
    assert sorted(claims(search(engine, 'engine "solid fuel'))) == ["c3"]  # an unclosed quote runs to the end


def test_phrases_of_three_words_and_with_stop_words(engine):
    add_claims(engine, ["a solid fuel rocket motor", "solid fuel and a rocket motor", "the range of 600 km",
                        "a range of about 600 km", "solid fuel, not a fuel rocket", "the missile's solid-fuel motor"])
    assert claims(search(engine, '"solid fuel rocket"')) == ["c0"]  # c4 holds its two pairs, apart
    assert sorted(claims(search(engine, '"solid fuel"'))) == ["c0", "c1", "c4", "c5"]
    assert claims(search(engine, '"range of 600"')) == ["c2"]  # a stop word between, still in order
    if engine.dialect.name == "postgresql":  # English stop words are not indexed there: nothing to look for
        assert claims(search(engine, '"the"')) == [] and claims(search(engine, "the of")) == []


def test_query_words_and_phrases():
    assert parse_query('missile "solid fuel" Hwasong-18') == [["missile"], ["solid", "fuel"], ["hwasong-18"]]
    assert parse_query('"" x "') == [["x"]]
    assert parse_query("the THE the missile") == [["the"], ["missile"]]  # a word given twice counts once
    with pytest.raises(CatalogueError, match="at least one word"):
        parse_query(' " ?! " ')
    with pytest.raises(CatalogueError, match="at most 20"):
        parse_query(" ".join(f"word{n}" for n in range(21)))


def test_a_designator_is_found_on_both_engines(engine):
    """PostgreSQL reads "Hwasong-18" as 'hwasong' and '-18': a query split at the hyphen found nothing there."""
    add_claims(engine, ["North Korea fired the Hwasong-18 on Thursday", "the KN-23 flew 600 km", FILLER])
    assert claims(search(engine, "Hwasong-18")) == ["c0"]
    assert claims(search(engine, "KN-23 flew")) == ["c1"]


def test_a_word_repeated_a_thousand_times_is_one_word(engine):
    add_claims(engine, ["the missile flew", FILLER])
    assert set(claims(search(engine, "missile " * 1000))) == {"c0"}


def test_snippet_keeps_the_words_around_the_matches():
    words = [f"w{n}" for n in range(60)]
    words[40], words[41] = "\x01solid", "fuel\x02"
    cut = snippet(" ".join(words))
    assert cut.startswith("… ") and cut.endswith(" …") and "[[solid fuel]]" in cut
    assert len(cut.split()) == SNIPPET_WORDS + 2
    assert snippet("a \x01b\x02 c") == "a [[b]] c"
    # A match the cut splits is closed at the cut.
    assert snippet(" ".join(["\x01a"] + [f"w{n}" for n in range(30)] + ["z\x02"]), words=4) == "[[a w0 w1 w2]] …"


def test_sources_rank_with_a_limit_too(engine):
    for n in range(6):
        add_claims(engine, [f"satellite launch {n}"] + (["satellite satellite"] if n == 2 else []), title=f"T{n}")
    hits = [hit for hit in search(engine, "satellite", limit=2, candidates=3) if hit.kind == "source"]
    assert [hit.source_title for hit in hits] == ["T5", "T4"]  # the three newest ranked, two kept
    best = [hit for hit in search(engine, "satellite", limit=1) if hit.kind == "source"]
    assert [hit.source_title for hit in best] == ["T2"]  # every match ranked: two mentions first


def test_search_leaves_the_connection_as_it_found_it(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the planner settings of a search")
    add_claims(engine, ["missile"])
    with engine.connect() as connection:
        before = connection.execute(text("SELECT current_setting('plan_cache_mode'), "
                                         "current_setting('random_page_cost')")).one()
    for _ in range(8):  # past psycopg's prepare threshold
        assert claims(search(engine, "missile")) == ["c0"]
    with engine.connect() as connection:
        after = connection.execute(text("SELECT current_setting('plan_cache_mode'), "
                                        "current_setting('random_page_cost')")).one()
    assert after == before


@pytest.fixture
def corpus_catalogue(engine, tmp_path):
    write_corpus(tmp_path / "corpus", 12, seed=5, min_kb=2, max_kb=4)
    report = import_paths(engine, [str(tmp_path / "corpus")])
    assert report.documents_failed == 0
    return engine


def test_show_on_an_imported_corpus_agrees_with_the_database(corpus_catalogue):
    engine = corpus_catalogue
    with read_session(engine) as session:
        systems = session.execute(select(System.id, System.name)).all()
        names = dict(systems)
        cited = {source.id: (source.title, source.published, source.published_precision)
                 for source in session.scalars(select(Source))}
        aliases = {(a.system_id, a.id) for a in session.scalars(select(Alias))}
        claim_rows = session.scalars(select(Claim)).all()
        memberships = session.execute(select(event_systems.c.system_id, event_systems.c.event_id)).all()
        events = {event.id: event for event in session.scalars(select(Event))}
        observations = {(o.event_id, o.id) for o in session.scalars(select(Observation))}
        relations = session.scalars(select(Relation)).all()
    assert relations and memberships and observations and any(c.attribute == "category" for c in claim_rows)
    shown_records = 0
    for system_id, name in systems:
        detail = system_detail(engine, name)
        assert detail.id == system_id
        assert {(system_id, a.id) for a in detail.aliases} == {pair for pair in aliases if pair[0] == system_id}
        assert sorted(c.id for c in detail.claims) == sorted(c.id for c in claim_rows if c.system_id == system_id)
        assert sorted(e.id for e in detail.events) == sorted(e for s, e in memberships if s == system_id)
        assert {(e.id, o.id) for e in detail.events for o in e.observations} == {
            pair for pair in observations if pair[0] in {e.id for e in detail.events}}
        expected = {(r.id, "outgoing" if r.subject_id == system_id else "incoming",
                     names[r.object_id if r.subject_id == system_id else r.subject_id])
                    for r in relations if system_id in (r.subject_id, r.object_id)}
        assert {(r.id, r.direction, r.other) for r in detail.relations} == expected
        for record in (*detail.claims, *detail.events, *detail.relations):
            if record.source_id is None:
                assert (record.source_title, record.source_published, record.source_precision) == (None, None, None)
            else:
                assert (record.source_title, record.source_published, record.source_precision) == \
                    cited[record.source_id]
        for event in detail.events:
            assert (event.kind, event.date, event.quote) == (events[event.id].kind, events[event.id].date,
                                                             events[event.id].quote)
        # What the database builds names each cited source once, and no other.
        with engine.connect() as connection:
            sources = json.loads(connection.execute(_DETAIL, _named(name)).one().sources)
        assert {int(key) for key in sources} == {
            r.source_id for r in (*detail.claims, *detail.events, *detail.relations) if r.source_id is not None}
        shown_records += len(detail.claims) + len(detail.events) + len(detail.relations)
    assert shown_records > 100
