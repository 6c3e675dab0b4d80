"""Pydantic models at the boundary: documents that enter, records the extractor produces,
and the export shape of contract §5 that users' scripts rely on."""

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

Precision = Literal["day", "month", "season", "year"]
BALLISTIC_CLASSES = {"icbm", "irbm", "mrbm", "srbm", "slbm"}
DRONE_CLASSES = {"loitering_munition", "unmanned_underwater_vehicle"}  # kinds of "drone"
# A broad class and the finer ones a text may state instead: "an anti-ship cruise missile" is an anti-ship
# missile, whatever a headline's "cruise missile" or the reference list says.
FINER_CLASSES = {"ballistic_missile": BALLISTIC_CLASSES, "unmanned_aerial_vehicle": DRONE_CLASSES,
                 "cruise_missile": {"anti_ship_missile"}}
_SEASON_CODES = {3: "21", 6: "22", 9: "23", 12: "24"}  # EDTF (ISO 8601-2) seasons


def edtf(day: dt.date | None, precision: Precision | None) -> str | None:
    """A date at its precision: 2023-07-12, 2023-07, 2023-21 (spring, EDTF), 2023."""
    if day is None:
        return None
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "season":
        return f"{day.year:04d}-{_SEASON_CODES.get(day.month, f'{day.month:02d}')}"
    return day.isoformat()


class Document(BaseModel):
    """One article to extract from: normalised text plus metadata."""

    model_config = ConfigDict(frozen=True)

    text: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    published_precision: Precision | None = None
    language: str | None = None
    path: str = "-"
    fetched_at: dt.datetime | None = None  # when it was fetched from the web (url is then the final URL)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


ObservationAttribute = Literal["distance_flown", "apogee", "flight_time", "speed"]
STATED_MAX = 100  # characters of claims.stated and observations.stated


class _Stated(BaseModel):
    """A quantity: value, value_number and unit normalised (catalogue.units: km, m, kg, mach, s; a span
    "400-700" has the upper end as value_number), stated as written, a part of the quote."""

    value: str
    value_number: float | None = None
    unit: str | None = Field(None, max_length=20)
    stated: str | None = Field(None, max_length=STATED_MAX, description="The quantity exactly as written.")

    @model_validator(mode="after")
    def _stated_in_quote(self):
        quote = getattr(self, "quote", None)
        if self.stated is not None and quote is not None and self.stated not in quote:
            raise ValueError(f"stated {self.stated!r} is not in the quote")
        return self


class ExtractedClaim(_Stated):
    attribute: str
    claimant: str | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    rule: str


class ExtractedObservation(_Stated):
    """What one event measured (how far, how high, how long, how fast that launch flew), as opposed to
    a claim about what the system can do."""

    attribute: ObservationAttribute
    claimant: str | None = None
    quote: str
    start: int
    end: int
    rule: str


class ExtractedEvent(BaseModel):
    kind: str
    date: dt.date | None = None
    date_precision: Precision | None = None
    location: str | None = None
    claimant: str | None = None
    quote: str
    start: int
    end: int
    rule: str
    observations: list[ExtractedObservation] = []


class ExtractedAlias(BaseModel):
    name: str
    kind: Literal["name", "designation", "transliteration", "nickname", "descriptor"]


class Span(BaseModel):
    start: int
    end: int
    text: str


class ExtractedSystem(BaseModel):
    name: str
    aliases: list[ExtractedAlias] = []
    country: str | None = None
    known: bool = Field(False, description="True when the system is in the reference list.")
    claims: list[ExtractedClaim] = []
    events: list[ExtractedEvent] = []
    mentions: list[Span] = []

    def best(self, attribute: str) -> str | None:
        """The best-supported value: the article's claims over the reference list, then the count."""
        scores: dict[str, int] = {}
        for claim in self.claims:
            if claim.attribute == attribute:
                # A claim carried over from an unnamed firing ("fired a cruise missile … the X") is inferred:
                # it counts less than one the text states of the system.
                weight = 1 if claim.rule == "reference-list" else 5 if claim.rule.endswith(".identified") else 10
                scores[claim.value] = scores.get(claim.value, 0) + weight
        if attribute == "category":
            stated = {c.value for c in self.claims if c.attribute == "category" and c.rule != "reference-list"}
            for broad, finer in FINER_CLASSES.items():
                # A stated range class refines "ballistic missile" (even the reference list's); "underwater
                # drone" refines "drone", "anti-ship cruise missile" "cruise missile", when the text says so.
                if broad in scores and finer & (scores.keys() if broad == "ballistic_missile" else stated):
                    scores.pop(broad)
        return max(scores, key=lambda value: scores[value]) if scores else None


class Extraction(BaseModel):
    document: Document
    extractor_version: str
    systems: list[ExtractedSystem]


# --- Export shape (contract §5) ---


# Keys with a default (added in catalogue-export/2 and /3) are still always written: the schema, generated in
# serialization mode, lists them as required.
_ALWAYS_WRITTEN = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


class ClaimOut(BaseModel):
    model_config = _ALWAYS_WRITTEN

    id: int | None = Field(None, description="The claim's id (claims.id); null for a relation and in `extract`.")
    status: Literal["claimed", "confirmed", "disputed", "retracted"] = Field(
        "claimed", description="Its curation status (catalogue claim confirm|dispute|retract).")
    attribute: str
    value: str
    unit: str | None
    quote: str | None
    start: int | None
    end: int | None
    claimant: str | None
    source_id: int | None
    extractor: str
    stated: str | None = Field(None, description="The quantity as written; value and unit are normalised.")


class ObservationOut(BaseModel):
    """What an event measured: distance_flown, apogee (km), flight_time (s) or speed (mach)."""

    attribute: ObservationAttribute
    value: str
    unit: str | None
    stated: str | None = Field(description="The quantity as written; value and unit are normalised.")
    quote: str
    start: int
    end: int
    claimant: str | None
    source_id: int | None
    extractor: str


class EventOut(BaseModel):
    model_config = _ALWAYS_WRITTEN

    kind: str
    date: str | None = Field(description="EDTF: 2023-07-12, 2023-07, 2023-21 (spring), 2023.")
    date_precision: Precision | None
    location: str | None
    quote: str
    source_id: int | None
    observations: list[ObservationOut] = []


class SystemOut(BaseModel):
    id: int | None
    name: str
    aliases: list[str]
    country: str | None
    category: str | None
    fuel: str | None
    claims: list[ClaimOut]
    events: list[EventOut]


class SourceOut(BaseModel):
    id: int | None = None
    title: str | None
    publisher: str | None = None
    url: str | None
    published: str | None
    sha256: str
    origin: str | None = Field(None, description="Where it was imported from: the file path as given, '-' for stdin.")


class DocumentExtraction(BaseModel):
    """What `catalogue extract --json` prints for one document."""

    source: SourceOut
    systems: list[SystemOut]


class ExportOut(BaseModel):
    model_config = _ALWAYS_WRITTEN

    format: Literal["catalogue-export/3"] = "catalogue-export/3"
    sources: list[SourceOut]
    systems: list[SystemOut]
