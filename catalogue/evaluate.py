"""Scoring the extractor against a gold file (format: docs/gold-format.md).

Two kinds of gold case: golden cases carry their `text` inline; real-set cases (bench/realset/) carry only
the text's sha256, and the text is read from a folder rebuilt each session, since articles are never committed.
"""

import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalogue.errors import InputError
from catalogue.extract import extract
from catalogue.extract.normalize import fold
from catalogue.readers import normalise_text, parse_published
from catalogue.schemas import Document, ExtractedClaim, ExtractedSystem, edtf

SPLITS = ("dev", "heldout")
REBUILD = "rebuild the texts (see bench/realset/README.md)"
# Stated abilities and quantities: the claims "capability and measurement claim recall" scores.
MEASURED = frozenset({"capability", "range", "range_min", "speed", "payload", "warhead_weight", "launch_weight",
                      "length", "warheads", "stages", "distance_flown", "apogee", "flight_time"})
# Units by dimension, with the factor to the dimension's common unit (km, kg, km/h, s).
UNITS = {"km": ("length", 1.0), "mi": ("length", 1.609344), "nmi": ("length", 1.852), "m": ("length", 0.001),
         "kg": ("mass", 1.0), "t": ("mass", 1000.0), "lb": ("mass", 0.45359237),
         "km/h": ("speed", 1.0), "mph": ("speed", 1.609344), "kn": ("speed", 1.852),
         "mach": ("speed", 1234.8),  # the speed of sound at sea level: how news reports convert Mach numbers
         "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0)}
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_VALUE = re.compile(rf"\s*({_NUMBER})\s*(?:(?:-|–|to)\s*({_NUMBER}))?\s*")
# What a speaker's name may start with and still be the same speaker: "the", titles and ranks.
_TITLES = re.compile(
    r"^(?:(?:the|mr|mrs|ms|dr|president|vice president|prime minister|deputy prime minister|supreme leader|"
    r"chairman|(?:defen[cs]e |foreign |deputy )?minister|(?:defen[cs]e )?secretary|secretary of (?:state|defen[cs]e)|"
    r"spokes(?:man|woman|person)|press secretary|general|gen|lieutenant general|lt gen|lieutenant|lt|major general|"
    r"maj gen|major|maj|colonel|col|captain|capt|commander|cmdr|admiral|adm|rear admiral|vice admiral|brigadier|"
    r"brigadier general|brig gen|sergeant|sgt|air marshal|marshal)\.?\s+)+")


class GoldClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attribute: str
    quote: str
    claimant: str | None = None
    claimant_alternatives: list[str] = []
    value: str | None = None
    unit: str | None = None


class GoldEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    date: str | None = None
    location: str | None = None


class GoldSystem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    aliases: list[str] = []
    category: str | None = None
    fuel: str | None = None
    country: str | None = None
    claims: list[GoldClaim] = []
    events: list[GoldEvent] = []


class GoldCase(BaseModel):
    """A golden case (`text` inline) or a real-set case (its text in a texts folder, checked by sha256)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    split: Literal["dev", "heldout"] | None = None
    url: str | None = None
    query: str | None = None
    rank: int | None = None
    outlet: str | None = None
    outlet_kind: str | None = None
    published: str | None = None
    text_sha256: str | None = None
    chars: int | None = None
    text: str | None = None
    systems: list[GoldSystem]

    @field_validator("published")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            parse_published(value)
        return value

    @model_validator(mode="after")
    def _text_or_its_hash(self) -> "GoldCase":
        if self.text is None and self.text_sha256 is None:
            raise ValueError("a case needs `text`, or `text_sha256` with its text in the texts folder")
        if self.text is None and Path(self.id).name != self.id:
            raise ValueError(f"id {self.id!r} cannot name a file in the texts folder")
        return self


class Score(BaseModel):
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0


class AttributeScore(BaseModel):
    total: int = 0
    found: int = 0
    claimant_right: int = 0


class CaseResult(BaseModel):
    id: str
    missing: list[str] = []
    spurious: list[str] = []
    wrong: list[str] = []


class Scores(BaseModel):
    cases: int
    system_precision: float
    system_recall: float
    system_f1: float
    category_accuracy: float
    fuel_accuracy: float
    claim_recall: float
    claimant_accuracy: float
    event_recall: float
    fuel_invented: int = Field(description="Matched systems given a fuel where the gold has none.")
    measured_claim_recall: float = Field(description="Capability and measurement claims found (value compared as a number).")
    measured_claimant_right: float = Field(description="Of those found, the claimant is right.")
    counts: dict[str, Score] = Field(default_factory=dict)
    by_attribute: dict[str, AttributeScore] = Field(default_factory=dict)


class EvalReport(Scores):
    errors: list[CaseResult] = []
    splits: dict[str, Scores] = Field(default_factory=dict, description="The same scores per split, when the gold has both.")


# --- Loading ---


def gold_files(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the .jsonl files directly inside it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == ".jsonl" and p.is_file())
            if not found:
                raise InputError(str(path), "folder holds no .jsonl gold file")
            files.extend(found)
        else:
            files.append(path)
    return files


def load_gold(*paths: Path, texts: Path | None = None, split: str | None = None) -> list[GoldCase]:
    """The cases of one or more gold files (or folders), in the split asked for, each with its text:
    a real-set case's text is read from `texts` (default: the texts/ folder beside its gold file)."""
    if split is not None and split not in SPLITS:
        raise InputError("--split", f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    cases: list[GoldCase] = []
    where: dict[str, str] = {}
    for path in gold_files(list(paths)):
        for place, case in _read_cases(path):
            if case.id in where:
                raise InputError(place, f"case id {case.id!r} is also used at {where[case.id]}")
            where[case.id] = place
            if split is None or case.split == split:
                cases.append(case if case.text is not None else _with_text(case, texts or path.parent / "texts", place))
    if not cases:
        raise InputError(", ".join(map(str, paths)), f"no gold cases{f' in split {split}' if split else ''}")
    return cases


def _read_cases(path: Path) -> list[tuple[str, GoldCase]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read gold file: {exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append((f"{path}:{number}", GoldCase.model_validate(json.loads(line))))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}:{number}", f"malformed gold case: {_first_error(exc)}") from None
    if not cases:
        raise InputError(str(path), "gold file has no cases")
    return cases


def _first_error(exc: json.JSONDecodeError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"])
        return f"{location + ': ' if location else ''}{error['msg']}"
    return str(exc)


def _with_text(case: GoldCase, folder: Path, place: str) -> GoldCase:
    path = folder / f"{case.id}.txt"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(place, f"case {case.id}: its text {path} is missing; {REBUILD}") from None
    except OSError as exc:
        raise InputError(place, f"case {case.id}: cannot read its text {path}: {exc.strerror}; {REBUILD}") from None
    if hashlib.sha256(data).hexdigest() != case.text_sha256:
        raise InputError(place, f"case {case.id}: {path} does not match its text_sha256; {REBUILD}")
    try:
        return case.model_copy(update={"text": data.decode("utf-8")})
    except UnicodeDecodeError:
        raise InputError(place, f"case {case.id}: {path} is not UTF-8") from None


# --- Comparing values ---


def _keys(names: list[str]) -> set[str]:
    return {fold(name) for name in names}


def _overlaps(start: int | None, end: int | None, gold_start: int, gold_end: int) -> bool:
    return start is not None and end is not None and start < gold_end and gold_start < end


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").casefold().strip() == (b or "").casefold().strip()


def quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the gold quote is in the text: exactly, else with its spaces and line breaks taken loosely."""
    quote = unicodedata.normalize("NFC", quote)
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    words = quote.split()
    match = re.search(r"\s+".join(map(re.escape, words)), text) if words else None
    return (match.start(), match.end()) if match else None


def numbers(value: str | None) -> tuple[float, ...] | None:
    """"600" -> (600,), "1,000" -> (1000,), "400-700" -> (400, 700); None when not a number or a span."""
    match = _VALUE.fullmatch(value or "")
    if match is None:
        return None
    return tuple(float(group.replace(",", "")) for group in match.groups() if group is not None)


def close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def same_quantity(gold: tuple[float, ...], gold_unit: str | None, got: tuple[float, ...], got_unit: str | None,
                  tolerance: float = 0.01) -> bool:
    """Numbers (or spans) equal within the tolerance, both in a common unit when both units are given."""
    if len(gold) != len(got):
        return False
    factors = (1.0, 1.0)
    if gold_unit and got_unit and gold_unit.casefold() != got_unit.casefold():
        ours, theirs = UNITS.get(gold_unit.casefold()), UNITS.get(got_unit.casefold())
        if ours is None or theirs is None or ours[0] != theirs[0]:
            return False
        factors = (ours[1], theirs[1])
    return all(close(a * factors[0], b * factors[1], tolerance) for a, b in zip(gold, got, strict=True))


def _value_matches(gold: GoldClaim, claim: ExtractedClaim) -> bool:
    if gold.value is None:
        return True
    wanted = numbers(gold.value)
    if wanted is None:
        return _same(gold.value, claim.value)
    got = numbers(claim.value)
    if got is None and claim.value_number is not None:
        got = (claim.value_number,)
    return got is not None and same_quantity(wanted, gold.unit, got, claim.unit)


def claimant_key(name: str | None) -> str:
    """A speaker as compared: case folded, without a leading "the" or titles and ranks."""
    return _TITLES.sub("", " ".join((name or "").casefold().split()))


def claims_of(system: ExtractedSystem) -> list[ExtractedClaim]:
    """The claims a measure may find, wherever the extraction keeps them: the system's claims and the
    observations of its launches (distance flown, apogee, flight time)."""
    found = list(system.claims)
    for event in system.events:
        found.extend(getattr(event, "observations", None) or [])
    return found


# --- Scoring ---

_COUNTS = ["systems_tp", "systems_fp", "systems_fn", "category", "fuel", "fuel_invented", "claims", "claimants",
           "events", "measured_claims", "measured_claimants"]


class _Tally:
    def __init__(self) -> None:
        self.counts = {name: Score() for name in _COUNTS}
        self.by_attribute: dict[str, AttributeScore] = {}

    def add(self, other: "_Tally") -> None:
        for name, score in other.counts.items():
            self.counts[name].correct += score.correct
            self.counts[name].total += score.total
        for attribute, score in other.by_attribute.items():
            mine = self.by_attribute.setdefault(attribute, AttributeScore())
            mine.total, mine.found = mine.total + score.total, mine.found + score.found
            mine.claimant_right += score.claimant_right

    def attribute(self, name: str) -> AttributeScore:
        return self.by_attribute.setdefault(name, AttributeScore())

    def scores(self, cases: int) -> Scores:
        counts = self.counts
        tp, fp, fn = (counts[k].correct for k in ("systems_tp", "systems_fp", "systems_fn"))
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Scores(
            cases=cases, system_precision=precision, system_recall=recall, system_f1=f1,
            category_accuracy=counts["category"].value, fuel_accuracy=counts["fuel"].value,
            claim_recall=counts["claims"].value, claimant_accuracy=counts["claimants"].value,
            event_recall=counts["events"].value, fuel_invented=counts["fuel_invented"].correct,
            measured_claim_recall=counts["measured_claims"].value,
            measured_claimant_right=counts["measured_claimants"].value,
            counts=counts, by_attribute=dict(sorted(self.by_attribute.items())),
        )


def evaluate(cases: list[GoldCase]) -> EvalReport:
    total, per_split = _Tally(), {split: _Tally() for split in SPLITS}
    errors: list[CaseResult] = []
    for case in cases:
        tally, result = _score_case(case)
        total.add(tally)
        if case.split:
            per_split[case.split].add(tally)
        if result.missing or result.spurious or result.wrong:
            errors.append(result)
    sizes = Counter(case.split for case in cases)
    splits = {split: per_split[split].scores(sizes[split]) for split in SPLITS} if all(sizes[s] for s in SPLITS) else {}
    return EvalReport(**total.scores(len(cases)).model_dump(), errors=errors, splits=splits)


def _score_case(case: GoldCase) -> tuple[_Tally, CaseResult]:
    tally, result = _Tally(), CaseResult(id=case.id)
    text = normalise_text(case.text or "")
    published = parse_published(case.published) if case.published else (None, None)
    document = Document(text=text, published=published[0], published_precision=published[1])
    predicted = list(extract(document).systems)
    for gold in case.systems:
        match = _match(gold, predicted)
        if match is None:
            tally.counts["systems_fn"].correct += 1
            result.missing.append(gold.name)
            _skip_fields(gold, tally)
            continue
        predicted.remove(match)
        tally.counts["systems_tp"].correct += 1
        _score_system(gold, match, text, tally, result)
    tally.counts["systems_fp"].correct += len(predicted)
    result.spurious.extend(system.name for system in predicted)
    return tally, result


def _match(gold: GoldSystem, predicted: list[ExtractedSystem]) -> ExtractedSystem | None:
    wanted = _keys([gold.name, *gold.aliases])
    for system in predicted:
        if wanted & _keys([system.name, *(a.name for a in system.aliases)]):
            return system
    return None


def _skip_fields(gold: GoldSystem, tally: _Tally) -> None:
    """A missed system misses all its fields too (it invents no fuel)."""
    counts = tally.counts
    counts["category"].total += 1
    counts["fuel"].total += 1
    counts["claims"].total += len(gold.claims)
    counts["events"].total += len(gold.events)
    for claim in gold.claims:
        if claim.attribute in MEASURED:
            counts["measured_claims"].total += 1
            tally.attribute(claim.attribute).total += 1


def _score_system(gold: GoldSystem, system: ExtractedSystem, text: str, tally: _Tally, result: CaseResult) -> None:
    counts = tally.counts
    for field, value in (("category", system.best("category")), ("fuel", system.best("fuel"))):
        expected = getattr(gold, field)
        counts[field].total += 1
        if _same(expected, value):
            counts[field].correct += 1
        else:
            result.wrong.append(f"{gold.name}.{field}: expected {expected}, got {value}")
    if gold.fuel is None:
        counts["fuel_invented"].total += 1
        counts["fuel_invented"].correct += system.best("fuel") is not None
    for claim in gold.claims:
        _score_claim(gold.name, claim, system, text, tally, result)
    for event in gold.events:
        counts["events"].total += 1
        hit = any(e.kind == event.kind
                  and (event.date is None or edtf(e.date, e.date_precision) == event.date)
                  and (event.location is None or (e.location or "").find(event.location) >= 0)
                  for e in system.events)
        counts["events"].correct += hit
        if not hit:
            result.wrong.append(f"{gold.name}: missed {event.kind} event {event.date or ''}")


def _score_claim(name: str, claim: GoldClaim, system: ExtractedSystem, text: str, tally: _Tally,
                 result: CaseResult) -> None:
    """Claim recall and claimant accuracy (value and speaker compared as written); for capability and
    measurement claims also the measured scores (value as a number in a common unit, speaker without titles).
    A measured miss is listed only when claim recall did not already list the same claim."""
    counts, measured = tally.counts, claim.attribute in MEASURED
    counts["claims"].total += 1
    if measured:
        counts["measured_claims"].total += 1
        tally.attribute(claim.attribute).total += 1
    span = quote_span(text, claim.quote)
    if span is None:
        result.wrong.append(f"{name}: gold quote not in text: {claim.quote[:40]}")
        return
    # The system's claims and its launches' observations: one rule for both measures.
    found = [c for c in claims_of(system) if c.attribute == claim.attribute and _overlaps(c.start, c.end, *span)
             and (claim.value is None or _same(c.value, claim.value))]
    hits = [c for c in claims_of(system) if c.attribute == claim.attribute and _overlaps(c.start, c.end, *span)
            and _value_matches(claim, c)] if measured else []
    if not found and hits:
        result.wrong.append(f"{name}: {claim.attribute} {claim.value} {claim.unit or ''} found as "
                            f"{hits[0].value} {hits[0].unit or ''}, not as written, in: {claim.quote[:50]}")
    elif not found:
        result.wrong.append(f"{name}: missed {claim.attribute} claim in: {claim.quote[:50]}")
    else:
        counts["claims"].correct += 1
        counts["claimants"].total += 1
        if any(_same(c.claimant, claim.claimant) for c in found):
            counts["claimants"].correct += 1
        else:
            result.wrong.append(f"{name}.{claim.attribute}: claimant {claim.claimant}, got {found[0].claimant}")
    if not measured:
        return
    if not hits:
        if found:
            result.wrong.append(f"{name}: {claim.attribute} {claim.value} {claim.unit or ''} not matched as a number, "
                                f"got {found[0].value} {found[0].unit or ''}")
        return
    counts["measured_claims"].correct += 1
    tally.attribute(claim.attribute).found += 1
    counts["measured_claimants"].total += 1
    speakers = {claimant_key(s) for s in (claim.claimant, *claim.claimant_alternatives)}
    if any(claimant_key(c.claimant) in speakers for c in hits):
        counts["measured_claimants"].correct += 1
        tally.attribute(claim.attribute).claimant_right += 1
    elif not found or any(_same(c.claimant, claim.claimant) for c in found):  # else already listed above
        result.wrong.append(f"{name}.{claim.attribute}: claimant {claim.claimant}, got {hits[0].claimant}")
