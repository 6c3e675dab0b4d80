"""Checks the hand-written gold of the real-text development set against the rules in the brief and
against the texts rebuilt in bench/realset/texts/, then prints counts.

    python bench/realset/check_gold.py [bench/realset/gold.a.jsonl ...]   (default: every gold.*.jsonl)

One line per problem, naming the file and excerpt; exit status 1 when any problem is found.
"""

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "texts"

KEYS = ["id", "split", "url", "query", "rank", "outlet", "outlet_kind", "published", "text_sha256", "chars", "systems"]
SYSTEM_KEYS = ["name", "aliases", "category", "fuel", "country", "claims", "events"]
OUTLET_KINDS = {"wire", "state_media", "trade_press", "regional_paper", "national_paper", "broadcaster",
                "government", "think_tank"}
CATEGORIES = {"icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile", "hypersonic_missile",
              "anti_ship_missile", "surface_to_air_missile", "air_to_air_missile", "rocket_artillery", "artillery",
              "unmanned_aerial_vehicle", "loitering_munition", "unmanned_underwater_vehicle", "torpedo", "bomber",
              "fighter_aircraft", "helicopter", "tank", "armoured_vehicle", "submarine", "warship",
              "space_launch_vehicle", "satellite"}
FUELS = {"solid", "liquid", "nuclear"}
WARHEADS = {"nuclear", "conventional", "multiple"}
QUANTITIES = {"range", "range_min", "speed", "payload", "warhead_weight", "launch_weight", "length", "warheads",
              "stages", "distance_flown", "apogee", "flight_time"}
ATTRIBUTES = {"category", "fuel", "capability", "warhead"} | QUANTITIES
UNITS = {"km", "mi", "nmi", "kg", "t", "lb", "mach", "km/h", "mph", "kn", "min", "h", "s", "m"}
UNITLESS = {"warheads", "stages"}
EVENT_KINDS = {"launch", "test", "display"}
ID_PREFIXES = ("nk-", "ru-", "cn-", "ir-", "il-", "none-", "ye-", "in-", "pk-", "tr-", "uk-", "us-", "de-", "jp-", "kr-", "tw-", "fr-")
MAX_QUOTE_WORDS = 15


def check_claim(claim: dict, text: str) -> list[str]:
    problems = []
    attribute, quote = claim.get("attribute"), claim.get("quote")
    if attribute not in ATTRIBUTES:
        problems.append(f"unknown attribute {attribute!r}")
    if not isinstance(quote, str) or quote not in text:
        problems.append(f"quote is not in the text: {quote!r}")
    elif len(quote.split()) > MAX_QUOTE_WORDS:
        problems.append(f"quote longer than {MAX_QUOTE_WORDS} words: {quote!r}")
    if "claimant" not in claim:
        problems.append(f"claim without claimant key: {quote!r}")
    value = claim.get("value")
    if attribute == "category" and value not in CATEGORIES:
        problems.append(f"category value {value!r}")
    if attribute == "fuel" and value not in FUELS:
        problems.append(f"fuel value {value!r}")
    if attribute == "warhead" and value not in WARHEADS:
        problems.append(f"warhead value {value!r}")
    if attribute == "capability" and "value" in claim:
        problems.append(f"capability with a value: {quote!r}")
    if attribute in QUANTITIES:
        if not isinstance(value, str) or not value.replace(".", "").replace("-", "").isdigit():
            problems.append(f"{attribute} value {value!r}")
        unit = claim.get("unit")
        if attribute not in UNITLESS and unit not in UNITS:
            problems.append(f"{attribute} unit {unit!r}")
    return problems


def check_system(system: dict, text: str) -> list[str]:
    problems = []
    if list(system) != SYSTEM_KEYS:
        problems.append(f"system keys {list(system)}")
    if system.get("category") not in CATEGORIES | {None}:
        problems.append(f"category {system.get('category')!r}")
    if system.get("fuel") not in FUELS | {None}:
        problems.append(f"fuel {system.get('fuel')!r}")
    stated_fuels = {c.get("value") for c in system.get("claims", []) if c.get("attribute") == "fuel"}
    if system.get("fuel") and system["fuel"] not in stated_fuels:
        problems.append(f"fuel {system['fuel']!r} without a fuel claim")
    for alias in system.get("aliases", []):
        if alias not in text:
            problems.append(f"alias not in the text: {alias!r}")
    for claim in system.get("claims", []):
        problems += check_claim(claim, text)
    for event in system.get("events", []):
        if event.get("kind") not in EVENT_KINDS:
            problems.append(f"event kind {event.get('kind')!r}")
        location = event.get("location")
        if location is not None and location not in text:
            problems.append(f"event location not in the text: {location!r}")
    return [f"{system.get('name')}: {p}" for p in problems]


def check_excerpt(excerpt: dict) -> list[str]:
    problems = []
    if list(excerpt) != KEYS:
        problems.append(f"keys {list(excerpt)}")
    if not str(excerpt.get("id", "")).startswith(ID_PREFIXES):
        problems.append("id without a country prefix")
    if excerpt.get("split") not in {"dev", "heldout"}:
        problems.append(f"split {excerpt.get('split')!r}")
    if excerpt.get("outlet_kind") not in OUTLET_KINDS:
        problems.append(f"outlet_kind {excerpt.get('outlet_kind')!r}")
    path = TEXTS / f"{excerpt.get('id')}.txt"
    if not path.exists():
        return problems + [f"no text at {path} (re-run its query to rebuild it)"]
    text = path.read_text(encoding="utf-8")
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != excerpt.get("text_sha256"):
        problems.append("text_sha256 does not match the saved text")
    if len(text) != excerpt.get("chars"):
        problems.append(f"chars {excerpt.get('chars')} but the text has {len(text)}")
    for system in excerpt.get("systems", []):
        problems += check_system(system, text)
    return problems


def main(paths: list[Path]) -> int:
    problems: list[str] = []
    excerpts: list[dict] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                excerpt = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{path.name}:{number}: not JSON ({error.msg})")
                continue
            problems += [f"{path.name}:{number} {excerpt.get('id')}: {p}" for p in check_excerpt(excerpt)]
            excerpts.append(excerpt)
    ids = Counter(e.get("id") for e in excerpts)
    problems += [f"id {i!r} used {n} times" for i, n in ids.items() if n > 1]
    for problem in problems:
        print(problem, file=sys.stderr)
    systems = [s for e in excerpts for s in e.get("systems", [])]
    claims = [c for s in systems for c in s.get("claims", [])]
    print(f"excerpts {len(excerpts)}: {dict(Counter(e.get('split') for e in excerpts))}")
    print(f"by id prefix: {dict(Counter(str(e.get('id')).split('-')[0] for e in excerpts))}")
    print(f"outlets {len({e.get('outlet') for e in excerpts})}: {dict(Counter(e.get('outlet_kind') for e in excerpts))}")
    print(f"systems {len(systems)} by country: {dict(Counter(s.get('country') for s in systems))}")
    print(f"claims {len(claims)} by attribute: {dict(Counter(c.get('attribute') for c in claims).most_common())}")
    print(f"events {sum(len(s.get('events', [])) for s in systems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    given = [Path(a) for a in sys.argv[1:]] or sorted(HERE.glob("gold.*.jsonl"))
    sys.exit(main(given))
