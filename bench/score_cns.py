"""Scores the extractor on real analysts' prose: the 160 launch descriptions of the CNS North Korea Missile Test
Database (bench/data/nk-missile-tests/, Apache-2.0), each row stating which missile flew, how far and how high.

    python bench/score_cns.py [--json] [--errors] [--data DIR]

Each description is extracted with the row's date as its publication date. Measures, each over the rows where
the description states the thing measured:
- named missile: the description names the row's missile; an extracted system bears one of its names.
- class: of those found, the system's category is the missile's class (SRBM -> srbm, ..., HGV ->
  hypersonic_missile, SLV -> space_launch_vehicle).
- distance flown: the row's distance is written in the text (as km); an extracted distance_flown observation on an
  event, or claim (a measurement with no launch to put it on), of any system is within 5% of it.
- apogee: the same for the row's apogee and apogee observations or claims.
- launch date: the text writes the row's date ("July 5", "5 July"); an extracted launch or test event is dated it.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from pydantic import BaseModel, computed_field

from catalogue.evaluate import UNITS, claims_of, numbers, same_quantity
from catalogue.extract import extract
from catalogue.extract.normalize import fold
from catalogue.readers import parse_published
from catalogue.schemas import Document, ExtractedClaim, ExtractedObservation, Extraction, edtf

DATA = Path(__file__).resolve().parent / "data" / "nk-missile-tests"
CLASSES = {"SRBM": "srbm", "MRBM": "mrbm", "IRBM": "irbm", "ICBM": "icbm", "SLBM": "slbm",
           "HGV": "hypersonic_missile", "SLV": "space_launch_vehicle"}
# Other names in common use for a missile of missile.en.json (North Korean names, US designators, spellings).
OTHER_NAMES = {
    "scud-b": ["Hwasong-5"], "scud-c": ["Hwasong-6"], "nodong": ["Rodong", "Nodong-1", "Rodong-1", "Hwasong-7"],
    "er-scud": ["Scud-ER", "Extended-range Scud", "Hwasong-9"], "musudan": ["Hwasong-10", "BM-25"],
    "kn-02": ["Toksa"], "pukguksong-1": ["KN-11"], "pukguksong-2": ["KN-15"], "pukguksong-3": ["KN-26"],
    "hwasong-12": ["KN-17"], "hwasong-14": ["KN-20"], "hwasong-15": ["KN-22"], "hwasong-12b": ["Hwasong-8"],
    "unha": ["Unha-2", "Taepodong-2"], "rail-mobile-kn-23": ["KN-23", "Hwasong-11A"],
    "silo-based-kn-23": ["KN-23", "Hwasong-11A"],
}
SPELLINGS = [("Hwasong", "Hwaseong"), ("Hwasong-", "HS-"), ("Pukguksong", "Pukkuksong"), ("Taepodong", "Taepo Dong"),
             ("Nodong", "No Dong"), ("Rodong", "Ro Dong")]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_KM = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*-?\s*(?:km|kilomet(?:er|re)s?)\b", re.IGNORECASE)
_DASHES = r"[\s\-‐‑–]?"


class Row(BaseModel):
    number: int
    date: str
    missile: str
    distance: float | None
    apogee: float | None
    description: str

    @property
    def label(self) -> str:
        return f"row {self.number} ({self.date} {self.missile})"


class Ratio(BaseModel):
    found: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float | None:
        return self.found / self.total if self.total else None

    def count(self, hit: bool) -> None:
        self.total += 1
        self.found += hit


class CnsReport(BaseModel):
    rows: int = 0
    described: int = 0
    named_missile: Ratio = Ratio()
    class_accuracy: Ratio = Ratio()
    distance_flown: Ratio = Ratio()
    apogee: Ratio = Ratio()
    launch_date: Ratio = Ratio()
    errors: list[str] = []


def load_rows(data: Path = DATA) -> list[Row]:
    tests = json.loads((data / "test.before-2022.en.json").read_text(encoding="utf-8"))
    rows = [row for time_bin in tests["timeBins"] for row in time_bin["data"]]
    return [Row(number=number, date=row["date"], missile=row["missile"], distance=_km(row["distance"]),
                apogee=_km(row["apogee"]), description=row["description"]) for number, row in enumerate(rows, 1)]


def load_missiles(data: Path = DATA) -> dict[str, dict]:
    return json.loads((data / "missile.en.json").read_text(encoding="utf-8"))


def _km(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def missile_names(missile_id: str, missiles: dict[str, dict]) -> list[str]:
    """"Hwasong-11A (KN-23)" -> Hwasong-11A, KN-23, plus the other names and spellings above."""
    if missile_id == "unknown" or missile_id not in missiles:
        return []
    name = missiles[missile_id]["name"]
    names = [part.strip() for part in re.split(r"[()]", name) if part.strip()] + OTHER_NAMES.get(missile_id, [])
    return names + [n.replace(a, b) for n in names for a, b in SPELLINGS if a in n]


def names_in_text(names: list[str], text: str) -> bool:
    """A name written in the text, with or without its hyphens and spaces, not as part of a longer designation
    (Unha is not in "Unha-3")."""
    for name in names:
        runs = re.findall(r"[A-Za-z]+|\d+", name)
        pattern = _DASHES.join(map(re.escape, runs))
        if re.search(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])(?![\s\-]\d)", text, re.IGNORECASE):
            return True
    return False


def states_km(text: str, value: float | None) -> bool:
    return value is not None and any(float(m.group(1).replace(",", "")) == value for m in _KM.finditer(text))


def states_date(text: str, date: str) -> bool:
    """The text writes the row's day: "May 29", "29 May", "4th of July" (a year or month alone is not enough)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return False
    month, day = MONTHS[int(date[5:7]) - 1], int(date[8:10])
    month_re = rf"(?:{month}|{month[:3]}\.?)"
    day_re = rf"0?{day}(?:st|nd|rd|th)?"
    return re.search(rf"\b(?:{month_re}\s+{day_re}|{day_re}\s+(?:of\s+)?{month_re})(?![\d])", text, re.IGNORECASE) \
        is not None


def _near(claim: ExtractedClaim | ExtractedObservation, km: float) -> bool:
    value = numbers(claim.value)
    number = value if value is not None and len(value) == 1 else (claim.value_number,)
    if number[0] is None or (claim.unit and UNITS.get(claim.unit, ("", 0))[0] != "length"):
        return False
    return same_quantity((km,), "km", number, claim.unit, tolerance=0.05)


def score_row(row: Row, missiles: dict[str, dict], extraction: Extraction, report: CnsReport) -> None:
    text, systems = row.description, extraction.systems
    names = missile_names(row.missile, missiles)
    if names and names_in_text(names, text):
        keys = {fold(name) for name in names}
        found = next((s for s in systems if keys & {fold(n) for n in [s.name, *(a.name for a in s.aliases)]}), None)
        report.named_missile.count(found is not None)
        if found is None:
            report.errors.append(f"{row.label}: {names[0]} named, not found (extracted: "
                                 f"{', '.join(s.name for s in systems) or 'nothing'})")
        elif (expected := CLASSES.get(missiles[row.missile]["type"])) is not None:
            report.class_accuracy.count(found.best("category") == expected)
            if found.best("category") != expected:
                report.errors.append(f"{row.label}: class {expected}, got {found.best('category')}")
    claims = [claim for system in systems for claim in claims_of(system)]  # with the events' observations
    for attribute, value, ratio in (("distance_flown", row.distance, report.distance_flown),
                                    ("apogee", row.apogee, report.apogee)):
        if not states_km(text, value):
            continue
        hit = any(c.attribute == attribute and _near(c, value) for c in claims)
        ratio.count(hit)
        if not hit:
            seen = [f"{c.attribute} {c.value} {c.unit or ''}".strip() for c in claims if c.attribute in (attribute, "range")]
            report.errors.append(f"{row.label}: {attribute} {value:g} km stated, extracted: {', '.join(seen) or 'nothing'}")
    if states_date(text, row.date):
        events = [e for s in systems for e in s.events if e.kind in ("launch", "test")]
        hit = any(edtf(e.date, e.date_precision) == row.date for e in events)
        report.launch_date.count(hit)
        if not hit:
            dated = [f"{e.kind} {edtf(e.date, e.date_precision)}" for e in events]
            report.errors.append(f"{row.label}: date stated, events: {', '.join(dated) or 'none'}")


def score(rows: list[Row], missiles: dict[str, dict]) -> CnsReport:
    report = CnsReport(rows=len(rows))
    for row in rows:
        report.described += bool(row.description.strip())
        day, precision = parse_published(row.date)
        extraction = extract(Document(text=row.description, published=day, published_precision=precision))
        score_row(row, missiles, extraction, report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--errors", action="store_true", help="List each row's misses.")
    parser.add_argument("--data", type=Path, default=DATA, help="Folder of the nk-missile-tests data.")
    args = parser.parse_args()
    try:
        report = score(load_rows(args.data), load_missiles(args.data))
    except (OSError, ValueError, KeyError) as exc:
        sys.exit(f"error: {args.data}: cannot read the nk-missile-tests data: {exc}")
    if args.json:
        print(report.model_dump_json(indent=2, exclude=set() if args.errors else {"errors"}))
        return
    print(f"CNS North Korea Missile Test Database: {report.rows} rows, {report.described} with a description")
    for label, ratio in (("named missile recall", report.named_missile), ("class accuracy", report.class_accuracy),
                         ("distance flown", report.distance_flown),
                         ("apogee", report.apogee), ("launch date", report.launch_date)):
        shown = f"{ratio.ratio:.3f}" if ratio.ratio is not None else "-"
        print(f"{label:<24} {shown:>6}  ({ratio.found} of {ratio.total})")
    if args.errors:
        print(*report.errors, sep="\n")


if __name__ == "__main__":
    main()
