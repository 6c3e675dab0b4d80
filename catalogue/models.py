"""The catalogue's tables. Every fact about a system is a claim with its source and quote.

Column comments are the schema's documentation: they are stored in PostgreSQL,
shown by Datasette, and mirrored in docs/schema.md (a test keeps them in step).
"""

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CLAIM_STATUSES = ("claimed", "confirmed", "disputed", "retracted")
DATE_PRECISIONS = ("day", "month", "season", "year")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class System(Base):
    __tablename__ = "systems"
    __table_args__ = {"comment": "One row per weapon system named in any imported article."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    slug: Mapped[str] = mapped_column(String(200), unique=True, comment="Stable unique identifier, e.g. 'hwasong-18'.")
    name: Mapped[str] = mapped_column(String(200), comment="Canonical display name, e.g. 'Hwasong-18'.")
    country: Mapped[str | None] = mapped_column(
        String(100), comment="Country that builds or fields the system, when known (article or reference list)."
    )
    category: Mapped[str | None] = mapped_column(
        String(50), comment="Category set by an analyst (catalogue set); when set, it is system_overview's category."
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When the system was first added."
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, comment="When the system row last changed."
    )


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(
            "published_precision IS NULL OR published_precision IN ('day', 'month', 'season', 'year')",
            name="published_precision",
        ),
        {"comment": "Imported documents (news articles), with their full normalised text."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    title: Mapped[str | None] = mapped_column(Text, comment="Headline.")
    publisher: Mapped[str | None] = mapped_column(String(300), comment="Outlet, when known.")
    url: Mapped[str | None] = mapped_column(Text, comment="Where the article was published, when known.")
    published: Mapped[dt.date | None] = mapped_column(
        Date, comment="Publication date (first day of the period when less precise than a day)."
    )
    published_precision: Mapped[str | None] = mapped_column(
        String(10), comment="Precision of 'published': day, month, season or year."
    )
    language: Mapped[str | None] = mapped_column(String(20), comment="Language code, e.g. 'en'.")
    sha256: Mapped[str] = mapped_column(
        String(64), unique=True, comment="SHA-256 of the normalised text; the same text is never imported twice."
    )
    text: Mapped[str] = mapped_column(Text, comment="Normalised full text (NFC, LF); all offsets point into it.")
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When the document was imported."
    )
    extractor_version: Mapped[str] = mapped_column(
        String(50), comment="Version of the extractor and its rules that produced this source's records."
    )
    origin: Mapped[str | None] = mapped_column(
        Text, comment="Where it was imported from: the file path as given ('file:line' in JSON Lines), '-' for "
                      "standard input, the URL as given (a feed entry's link as its feed gives it); null for "
                      "sources imported before it was recorded."
    )
    fetched_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="When it was fetched from the web ('url' is then the final URL, after "
                                         "redirects); null for files."
    )
    # No foreign key: SQLite adds one to an existing table only by rebuilding it, which would drop the full-text
    # triggers of sources; sources are never deleted, so the id stays valid.
    previous_id: Mapped[int | None] = mapped_column(
        Integer, index=True,
        comment="sources.id of the earlier version of this page: the source last fetched from the same final URL, "
                "whose text has since changed; null for a first version.",
    )


class Alias(Base):
    __tablename__ = "aliases"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('name', 'designation', 'transliteration', 'nickname', 'descriptor')", name="kind"
        ),
        {"comment": "Every form under which a system is written; 'normalized' resolves spellings to one system."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), index=True, comment="The system this alias names."
    )
    name: Mapped[str] = mapped_column(String(200), comment="The alias as written, e.g. 'Hwaseong 18'.")
    normalized: Mapped[str] = mapped_column(
        String(200),
        unique=True,
        comment="Lower case, no spaces/hyphens/dashes, transliteration variants folded: 'hwasong18'.",
    )
    kind: Mapped[str] = mapped_column(
        String(20), comment="name, designation (KN-23), transliteration, nickname or descriptor."
    )
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"),
        index=True,
        comment="The source that first used this alias; null for reference-list or curated aliases.",
    )


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("status IN ('claimed', 'confirmed', 'disputed', 'retracted')", name="status"),
        CheckConstraint('"start" IS NULL OR "end" >= "start"', name="span"),
        Index("ix_claims_system_attribute", "system_id", "attribute"),
        {"comment": "Every fact about a system, with who states it, the exact quote and where it is."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), comment="The system the claim is about."
    )
    attribute: Mapped[str] = mapped_column(
        String(30),
        index=True,
        comment="category, fuel, capability, status, warhead; a quantity: range, range_min, speed, payload, "
        "warhead_weight, launch_weight, length, warheads, stages; or a relation (resembles, compared_to, variant_of).",
    )
    value: Mapped[str] = mapped_column(
        Text, comment="Normalised value: a vocabulary slug, a phrase, or a number in 'unit' ('400-700' for a span)."
    )
    value_number: Mapped[float | None] = mapped_column(
        Float, comment="The numeric value of a quantity in 'unit' (the upper end of a span)."
    )
    unit: Mapped[str | None] = mapped_column(
        String(20), comment="Normalised unit of a quantity: km (distances), m (length), kg, mach, s; null for counts."
    )
    stated: Mapped[str | None] = mapped_column(
        String(100), comment="The quantity exactly as written, within the quote: 'about 600km', 'Mach 5'."
    )
    claimant: Mapped[str | None] = mapped_column(
        String(200), comment="Who the text says makes the claim ('Pyongyang', 'KCNA'); null: the outlet itself."
    )
    quote: Mapped[str | None] = mapped_column(
        Text, comment="The sentence stating the claim, exactly as in the source; null for reference-list claims."
    )
    start: Mapped[int | None] = mapped_column(Integer, comment="Offset of the quote in sources.text.")
    end: Mapped[int | None] = mapped_column(Integer, comment="End offset: text[start:end] == quote.")
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"),
        index=True,
        comment="The article stating it; null for claims from the packaged reference list.",
    )
    extractor: Mapped[str] = mapped_column(
        String(100), comment="Rule or method that produced the claim, e.g. 'fuel.modifier' or 'reference-list'."
    )
    extractor_version: Mapped[str] = mapped_column(String(50), comment="Version of the extractor and its rules.")
    status: Mapped[str] = mapped_column(
        String(12), default="claimed", comment="claimed, confirmed, disputed or retracted (set by curation)."
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When the claim was recorded."
    )


event_systems = Table(
    "event_systems",
    Base.metadata,
    Column(
        "event_id",
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The event.",
    ),
    Column(
        "system_id",
        ForeignKey("systems.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        comment="A system involved in it.",
    ),
    comment="Which systems took part in which event.",
)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(
            "date_precision IS NULL OR date_precision IN ('day', 'month', 'season', 'year')", name="date_precision"
        ),
        {"comment": "Tests, launches, parades and exhibitions reported by a source."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    kind: Mapped[str] = mapped_column(String(20), index=True, comment="test, launch or display.")
    date: Mapped[dt.date | None] = mapped_column(
        Date, comment="When it happened (first day of the period when less precise than a day)."
    )
    date_precision: Mapped[str | None] = mapped_column(String(10), comment="day, month, season or year.")
    location: Mapped[str | None] = mapped_column(Text, comment="Where it happened, as the text says.")
    claimant: Mapped[str | None] = mapped_column(String(200), comment="Who reports it; null: the outlet itself.")
    quote: Mapped[str] = mapped_column(Text, comment="The passage reporting the event, exactly as in the source.")
    start: Mapped[int] = mapped_column(Integer, comment="Offset of the quote in sources.text.")
    end: Mapped[int] = mapped_column(Integer, comment="End offset of the quote.")
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, comment="The reporting source."
    )
    extractor: Mapped[str] = mapped_column(String(100), comment="Rule that found the event.")
    extractor_version: Mapped[str] = mapped_column(String(50), comment="Version of the extractor and its rules.")


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (
        CheckConstraint("attribute IN ('distance_flown', 'apogee', 'flight_time', 'speed')", name="attribute"),
        CheckConstraint('"end" >= "start"', name="span"),
        {"comment": "What one event measured (how far, how high, how long, how fast that launch flew), "
                    "as opposed to claims about what a system can do."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True, comment="The event measured."
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, comment="The reporting source."
    )
    attribute: Mapped[str] = mapped_column(
        String(30), comment="distance_flown, apogee (km), flight_time (s) or speed (mach)."
    )
    value: Mapped[str] = mapped_column(Text, comment="Normalised value in 'unit': '1000', '400-700' for a span.")
    value_number: Mapped[float | None] = mapped_column(
        Float, comment="The numeric value in 'unit' (the upper end of a span)."
    )
    unit: Mapped[str | None] = mapped_column(String(20), comment="Normalised unit: km, s or mach.")
    stated: Mapped[str | None] = mapped_column(
        String(100), comment="The quantity exactly as written, within the quote: 'about 1,000 kilometers'."
    )
    claimant: Mapped[str | None] = mapped_column(String(200), comment="Who reports it; null: the outlet itself.")
    quote: Mapped[str] = mapped_column(Text, comment="The sentence stating it, exactly as in the source.")
    start: Mapped[int] = mapped_column(Integer, comment="Offset of the quote in sources.text.")
    end: Mapped[int] = mapped_column(Integer, comment="End offset: text[start:end] == quote.")
    extractor: Mapped[str] = mapped_column(String(100), comment="Rule that found the observation.")
    extractor_version: Mapped[str] = mapped_column(String(50), comment="Version of the extractor and its rules.")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When the observation was recorded."
    )


class Relation(Base):
    __tablename__ = "relations"
    __table_args__ = (
        CheckConstraint("kind IN ('resembles', 'compared_to', 'variant_of')", name="kind"),
        {"comment": "Stated relations between two systems: resembles, compared_to, variant_of."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), index=True, comment="The system described."
    )
    object_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), index=True, comment="The system it is related to."
    )
    kind: Mapped[str] = mapped_column(String(20), comment="resembles, compared_to or variant_of.")
    claimant: Mapped[str | None] = mapped_column(String(200), comment="Who states it; null: the outlet itself.")
    quote: Mapped[str] = mapped_column(Text, comment="The sentence stating it, exactly as in the source.")
    start: Mapped[int] = mapped_column(Integer, comment="Offset of the quote in sources.text.")
    end: Mapped[int] = mapped_column(Integer, comment="End offset of the quote.")
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, comment="The stating source."
    )
    extractor: Mapped[str] = mapped_column(String(100), comment="Rule that found the relation.")
    extractor_version: Mapped[str] = mapped_column(String(50), comment="Version of the extractor and its rules.")


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source_id", "start", "system_id", name="uq_mentions_source_start_system"),
        {"comment": "Each place a source names a system: 'where has X been mentioned' is one query."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), index=True, comment="The system named."
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, comment="The source naming it."
    )
    surface: Mapped[str] = mapped_column(String(300), comment="The words as written at that place.")
    start: Mapped[int] = mapped_column(Integer, comment="Offset of the mention in sources.text.")
    end: Mapped[int] = mapped_column(Integer, comment="End offset: text[start:end] == surface.")


class Curation(Base):
    __tablename__ = "curations"
    __table_args__ = (
        CheckConstraint("action IN ('alias_add', 'rename', 'merge', 'claim_status', 'set_category', 'set_country')",
                        name="action"),
        {"comment": "Every correction an analyst made, with who and when; re-applied after re-extraction."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    action: Mapped[str] = mapped_column(String(20), comment="alias_add, rename, merge, claim_status, set_category or set_country.")
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("systems.id", ondelete="SET NULL"), index=True, comment="The system corrected (KEEP for a merge)."
    )
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="SET NULL"), comment="The claim whose status was set, while it exists."
    )
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, comment="The claim's source (claim_status)."
    )
    claim_attribute: Mapped[str | None] = mapped_column(
        String(30), comment="With claim_value and claim_start: finds the claim again after re-extraction."
    )
    claim_value: Mapped[str | None] = mapped_column(Text, comment="The claim's value when it was curated.")
    claim_start: Mapped[int | None] = mapped_column(Integer, comment="The claim's quote offset when it was curated.")
    old_value: Mapped[str | None] = mapped_column(Text, comment="Before: old name, merged system's name, old status.")
    new_value: Mapped[str | None] = mapped_column(Text, comment="After: new name, added alias, new status.")
    note: Mapped[str | None] = mapped_column(Text, comment="The analyst's reason.")
    actor: Mapped[str] = mapped_column(String(100), comment="Who made it (the environment's user name).")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When it was made."
    )


class Feed(Base):
    __tablename__ = "feeds"
    __table_args__ = {"comment": "Feeds followed (catalogue feeds add): catalogue update imports their new entries."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    name: Mapped[str] = mapped_column(String(200), unique=True, comment="Short name, as --feed takes it.")
    url: Mapped[str] = mapped_column(String(2000), unique=True, comment="The feed's URL (RSS, Atom or JSON Feed).")
    etag: Mapped[str | None] = mapped_column(
        Text, comment="ETag of the last answer whose entries all imported; sent as If-None-Match."
    )
    last_modified: Mapped[str | None] = mapped_column(
        String(100), comment="Last-Modified of that answer; sent as If-Modified-Since."
    )
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="When catalogue update last polled it; null before the first poll."
    )
    last_error: Mapped[str | None] = mapped_column(
        Text, comment="What went wrong at the last poll (the feed, or its entries that failed); null when nothing."
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When it was added."
    )


class FeedItem(Base):
    __tablename__ = "feed_items"
    __table_args__ = {"comment": "Entries of a followed feed already imported: skipped by guid or link at the "
                                 "next poll, before anything is fetched."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), index=True, comment="The feed listing the entry."
    )
    guid: Mapped[str | None] = mapped_column(Text, comment="The entry's id (RSS guid, Atom id, JSON Feed id).")
    link: Mapped[str | None] = mapped_column(Text, comment="The entry's link as the feed gives it.")
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True,
        comment="The source imported from it (null once that source is deleted).",
    )
    seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, comment="When it was imported."
    )
