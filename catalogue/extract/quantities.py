"""Quantity claims: range, speed, payload, stages … as a number (or a range of two) and a unit."""

import re
from collections.abc import Callable

from catalogue.extract.rules import rules
from catalogue.extract.text import phrase_key
from catalogue.extract.vocab import quantities, unit_lookup, unit_words

# A cheap test that lets most segments skip the quantity patterns: some number is written.
_NUMBER_WORDS = re.compile(r"\d|single|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty")

# add(attribute, value, rule, offset in the segment, **extra fields of the claim)
AddClaim = Callable[..., None]


def number(text: str) -> float | None:
    """12,000 / 1.5 / "two" as a number; None when it is not one."""
    known = rules().number_words.get(text.casefold())
    if known is not None:
        return float(known)
    try:
        return float(text.replace(",", "").rstrip("."))
    except ValueError:
        return None


def read_quantities(segment: str, lowered: str, add: AddClaim) -> None:
    """Each quantity a segment states, passed to add with its number and unit (lowered: segment.lower())."""
    if _NUMBER_WORDS.search(lowered) is None or unit_words().search(lowered) is None:
        return
    for rule_id, attribute, pattern in quantities():
        for match in pattern.finditer(segment):
            low = number(match.group("num"))
            upper = number(match.group("num2")) if "num2" in pattern.groupindex and match.group("num2") else None
            if low is None or (upper is not None and upper <= low):
                continue
            unit = None
            if "unit" in pattern.groupindex and match.group("unit"):
                unit = unit_lookup().get(phrase_key(match.group("unit")), match.group("unit").casefold())
            value = f"{low:g}" if upper is None else f"{low:g}-{upper:g}"
            add(attribute, value, rule_id, match.start(), value_number=float(upper or low), unit=unit)
