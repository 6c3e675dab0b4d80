"""The extractor's data files, validated on load: a malformed file names the file and the entry."""

import re
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalogue.errors import RulesError
from catalogue.units import UNITS

CATEGORIES = ["icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile", "hypersonic_missile", "anti_ship_missile", "surface_to_air_missile", "air_to_air_missile", "rocket_artillery", "artillery", "unmanned_aerial_vehicle", "loitering_munition", "unmanned_underwater_vehicle", "torpedo", "bomber", "fighter_aircraft", "helicopter", "tank", "armoured_vehicle", "submarine", "warship", "space_launch_vehicle", "satellite", "other"]
Category = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
Fuel = Literal["solid", "liquid", "nuclear"]
EventKind = Literal["test", "launch", "display"]
RelationKind = Literal["resembles", "compared_to", "variant_of"]
QuantityAttribute = Literal["range", "range_min", "distance_flown", "apogee", "flight_time", "speed", "payload",
                            "warhead_weight", "launch_weight", "length", "warheads", "stages"]
# A cue's attribute: a quantity attribute, or `distance` (travelled or reachable: decided by the clause's mood).
CueAttribute = Literal["range", "range_min", "distance", "apogee", "flight_time", "length", "payload",
                       "warhead_weight", "launch_weight"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


class Cues(Strict):
    before: list[str] = []  # phrases ending right before a quantity, or before it in its clause
    after: list[str] = []  # phrases starting right after it


class QuantityGrammar(Strict):
    """The quantity grammar's vocabulary (quantities.py): approximations, counted nouns, cue phrases by
    attribute and the words that decide between a range and what one launch measured."""

    approximations: list[str]
    approximations_after: list[str]
    units_first: list[str]
    counts: dict[Literal["stages", "warheads"], list[str]]
    cues: dict[CueAttribute, Cues]
    modal: list[str]
    hypothetical: list[str]
    observed: list[str]
    flight_words: list[str]
    duration_links: list[str]
    places_after: list[str]
    moments_after: list[str]
    not_before: list[str]
    other_measures: list[str]
    attribute_units: dict[QuantityAttribute, list[str]]
    event_distance: int = Field(ge=0, le=20)

    @field_validator("attribute_units")
    @classmethod
    def _known_units(cls, units: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = {u for listed in units.values() for u in listed} - UNITS.keys()
        if unknown:
            raise ValueError(f"unknown units {sorted(unknown)}; known: {', '.join(UNITS)}")
        return units


class WarheadRule(Strict):
    id: str
    value: str
    pattern: str

    _check = field_validator("pattern")(classmethod(lambda cls, p: _compiles(p)))


class Attribution(Strict):
    verbs: list[str]
    role_words: list[str]
    not_claimants: list[str]
    pronouns: list[str]
    pronoun_distance: int = Field(ge=0, le=5)
    person_distance: int = Field(ge=0, le=10)
    description_distance: int = Field(ge=0, le=20)
    inverted_verbs: list[str]
    speaker_nouns: list[str]
    document_nouns: list[str]
    titles: list[str]
    organisation_heads: list[str]
    openers: list[str]
    time_words: list[str]
    hedges: list[str]
    source_phrases: list[str]  # "according to", "as noted by": the speaker follows
    maker_nouns: list[str]

    @field_validator("speaker_nouns", "document_nouns", "titles", "organisation_heads", "openers", "time_words",
                     "hedges", "maker_nouns")
    @classmethod
    def _lower_case(cls, words: list[str]) -> list[str]:
        if any(w != w.casefold() or " " in w for w in words):
            raise ValueError("single lower-case words only")
        return words


class Coreference(Strict):
    pronouns: list[str]
    determiners: list[str]
    nouns: dict[str, Literal["missile", "drone", "aircraft", "submarine", "ship", "vehicle", "satellite", "any"]]
    max_distance: int = Field(ge=1, le=5)
    cataphora_distance: int = Field(ge=0, le=5)
    description_distance: int = Field(ge=1, le=10)
    expletive: str

    _check = field_validator("expletive")(classmethod(lambda cls, p: _compiles(p)))


class Rules(Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    categories: dict[Category, list[str]]
    not_categories: list[str]
    weapon_nouns: list[str]
    weapon_context: list[str]
    fuel: dict[Fuel, list[str]]
    capability_cues: list[str]
    capability_not_before: dict[str, list[str]]  # regular expressions
    capability_not_after: list[str]
    demonyms: dict[str, str]
    capitals: dict[str, str] = {}  # a display in a country's capital is that country's (systems.py)
    show_words: list[str] = []  # international shows, where a host displays others' systems
    clause_breaks: list[str]
    capability_modifiers: list[str]
    capability_statements: list[str]  # regular expressions
    status_modifiers: list[str]
    quantities: QuantityGrammar
    units: dict[str, list[str]]
    number_words: dict[str, int]
    warheads: list[WarheadRule]
    attribution: Attribution
    events: dict[EventKind, list[str]]
    hypothetical: list[str]
    gatherings: list[str]
    scene_sentences: int = Field(ge=0, le=10)
    relations: dict[RelationKind, list[str]]
    coreference: Coreference
    not_designations: list[str]
    not_designation_prefixes: list[str]
    not_designation_followers: list[str]
    not_designation_preceders: list[str]
    not_system_heads: list[str]
    blocking_followers: list[str]
    not_names: list[str]
    name_cues: list[str]
    vessel_nouns: list[str]
    months: dict[str, int]
    weekdays: dict[str, int]
    seasons: dict[str, int]
    location_prepositions: list[str]
    location_not: list[str]
    transliteration: list[tuple[str, str]]

    @field_validator("capability_modifiers", "capability_statements")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        return [_compiles(p) for p in patterns]

    @field_validator("units")
    @classmethod
    def _units_converted(cls, units: dict[str, list[str]]) -> dict[str, list[str]]:
        """Every unit is one catalogue.units converts: a stated quantity is always normalised."""
        unknown = units.keys() - UNITS.keys()
        if unknown:
            raise ValueError(f"units not in catalogue.units: {sorted(unknown)}")
        return units

    @field_validator("capability_not_before")
    @classmethod
    def _following_patterns(cls, cues: dict[str, list[str]]) -> dict[str, list[str]]:
        return {cue: [_compiles(p) for p in patterns] for cue, patterns in cues.items()}

    @model_validator(mode="after")
    def _unique_ids(self) -> "Rules":
        ids = [rule.id for rule in self.warheads]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate rule ids: {sorted(duplicates)}")
        return self


class Family(Strict):
    prefix: str = Field(min_length=1)
    country: str


class ReferenceSystem(Strict):
    name: str = Field(min_length=1)
    country: str
    category: Category
    aliases: list[str] = []
    ambiguous: list[str] = []

    @model_validator(mode="after")
    def _ambiguous_are_names(self) -> "ReferenceSystem":
        unknown = set(self.ambiguous) - {self.name, *self.aliases}
        if unknown:
            raise ValueError(f"ambiguous names not among the system's names: {sorted(unknown)}")
        return self


class Reference(Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    families: list[Family]
    systems: list[ReferenceSystem]

    @model_validator(mode="after")
    def _unique_prefixes(self) -> "Reference":
        prefixes = [family.prefix for family in self.families]
        duplicates = {p for p in prefixes if prefixes.count(p) > 1}
        if duplicates:
            raise ValueError(f"duplicate family prefixes: {sorted(duplicates)}")
        return self


def _describe(exc: ValidationError, data: object) -> str:
    first = exc.errors()[0]
    location = first["loc"]
    entry = data
    for key in location[:2]:
        try:
            entry = entry[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
    where = ".".join(str(part) for part in location)
    shown = entry.get("name") or entry.get("id") if isinstance(entry, dict) else None
    return f"entry {where}{f' ({shown})' if shown else ''}: {first['msg']}"


def parse_data_file(model: type[BaseModel], text: str, name: str) -> BaseModel:
    """Validate a YAML data file; errors name the file and the entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{name}: not valid YAML: {exc}".replace("\n", " ")) from exc
    if not isinstance(data, dict):
        raise RulesError(f"{name}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesError(f"{name}: {exc.error_count()} error(s); first: {_describe(exc, data)}") from exc


def _load(model: type[BaseModel], filename: str) -> BaseModel:
    resource = files("catalogue.extract") / "data" / filename
    return parse_data_file(model, resource.read_text(encoding="utf-8"), filename)


@cache
def rules() -> Rules:
    return _load(Rules, "rules.yaml")  # type: ignore[return-value]


@cache
def reference() -> Reference:
    return _load(Reference, "reference.yaml")  # type: ignore[return-value]


def extractor_version() -> str:
    """One string naming the rules and reference versions every extracted record was made with."""
    return f"rules-{rules().version}+ref-{reference().version}"
