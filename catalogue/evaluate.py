"""Scoring the extractor against a gold file (format: docs/gold-format.md)."""

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalogue.errors import InputError
from catalogue.extract import extract
from catalogue.extract.normalize import fold
from catalogue.readers import normalise_text, parse_published
from catalogue.schemas import Document, ExtractedSystem, edtf


class GoldClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attribute: str
    quote: str
    claimant: str | None = None
    value: str | None = None


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
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    published: str | None = None
    systems: list[GoldSystem]


class Score(BaseModel):
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0


class CaseResult(BaseModel):
    id: str
    missing: list[str] = []
    spurious: list[str] = []
    wrong: list[str] = []


class EvalReport(BaseModel):
    cases: int
    system_precision: float
    system_recall: float
    system_f1: float
    category_accuracy: float
    fuel_accuracy: float
    claim_recall: float
    claimant_accuracy: float
    event_recall: float
    counts: dict[str, Score] = Field(default_factory=dict)
    errors: list[CaseResult] = []


def load_gold(path: Path) -> list[GoldCase]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read gold file: {exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append(GoldCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}:{number}", f"malformed gold case: {str(exc).splitlines()[0]}") from None
    if not cases:
        raise InputError(str(path), "gold file has no cases")
    return cases


def _keys(names: list[str]) -> set[str]:
    return {fold(name) for name in names}


def _overlaps(start: int | None, end: int | None, gold_start: int, gold_end: int) -> bool:
    return start is not None and end is not None and start < gold_end and gold_start < end


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").casefold().strip() == (b or "").casefold().strip()


def evaluate(cases: list[GoldCase]) -> EvalReport:
    names = ["systems_tp", "systems_fp", "systems_fn", "category", "fuel", "claims", "claimants", "events"]
    counts = {name: Score() for name in names}
    errors: list[CaseResult] = []
    for case in cases:
        text = normalise_text(case.text)
        published = parse_published(case.published) if case.published else (None, None)
        document = Document(text=text, published=published[0], published_precision=published[1])
        predicted = list(extract(document).systems)
        result = CaseResult(id=case.id)
        for gold in case.systems:
            match = _match(gold, predicted)
            if match is None:
                counts["systems_fn"].correct += 1
                result.missing.append(gold.name)
                _skip_fields(gold, counts)
                continue
            predicted.remove(match)
            counts["systems_tp"].correct += 1
            _score_system(gold, match, text, counts, result)
        counts["systems_fp"].correct += len(predicted)
        result.spurious.extend(system.name for system in predicted)
        if result.missing or result.spurious or result.wrong:
            errors.append(result)
    tp, fp, fn = (counts[k].correct for k in ("systems_tp", "systems_fp", "systems_fn"))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EvalReport(
        cases=len(cases), system_precision=precision, system_recall=recall, system_f1=f1,
        category_accuracy=counts["category"].value, fuel_accuracy=counts["fuel"].value,
        claim_recall=counts["claims"].value, claimant_accuracy=counts["claimants"].value,
        event_recall=counts["events"].value, counts=counts, errors=errors,
    )


def _match(gold: GoldSystem, predicted: list[ExtractedSystem]) -> ExtractedSystem | None:
    wanted = _keys([gold.name, *gold.aliases])
    for system in predicted:
        if wanted & _keys([system.name, *(a.name for a in system.aliases)]):
            return system
    return None


def _skip_fields(gold: GoldSystem, counts: dict[str, Score]) -> None:
    """A missed system misses all its fields too."""
    counts["category"].total += 1
    counts["fuel"].total += 1
    counts["claims"].total += len(gold.claims)
    counts["events"].total += len(gold.events)


def _score_system(gold: GoldSystem, system: ExtractedSystem, text: str, counts, result: CaseResult) -> None:
    for field, value in (("category", system.best("category")), ("fuel", system.best("fuel"))):
        expected = getattr(gold, field)
        counts[field].total += 1
        if _same(expected, value):
            counts[field].correct += 1
        else:
            result.wrong.append(f"{gold.name}.{field}: expected {expected}, got {value}")
    for claim in gold.claims:
        counts["claims"].total += 1
        start = text.find(claim.quote)
        if start < 0:
            result.wrong.append(f"{gold.name}: gold quote not in text: {claim.quote[:40]}")
            continue
        end = start + len(claim.quote)
        found = [c for c in system.claims if c.attribute == claim.attribute and _overlaps(c.start, c.end, start, end)
                 and (claim.value is None or _same(c.value, claim.value))]
        if not found:
            result.wrong.append(f"{gold.name}: missed {claim.attribute} claim in: {claim.quote[:50]}")
            continue
        counts["claims"].correct += 1
        counts["claimants"].total += 1
        if any(_same(c.claimant, claim.claimant) for c in found):
            counts["claimants"].correct += 1
        else:
            result.wrong.append(f"{gold.name}.{claim.attribute}: claimant {claim.claimant}, got {found[0].claimant}")
    for event in gold.events:
        counts["events"].total += 1
        hit = any(e.kind == event.kind
                  and (event.date is None or edtf(e.date, e.date_precision) == event.date)
                  and (event.location is None or (e.location or "").find(event.location) >= 0)
                  for e in system.events)
        counts["events"].correct += hit
        if not hit:
            result.wrong.append(f"{gold.name}: missed {event.kind} event {event.date or ''}")
