"""Units of stated quantities and their conversion to the catalogue's normalised units.

A quantity is stored twice: as written (claims.stated, observations.stated) and normalised here, so that
values compare across articles: distances in km, lengths of a missile in m, masses in kg, speeds in Mach,
durations in seconds; counts (warheads, stages) have no unit. Pure data and arithmetic, no parsing.
"""

import math
from decimal import Decimal
from typing import NamedTuple

MACH_KMH = 1234.8  # km/h: the speed of sound at sea level (343 m/s), the usual reading of "Mach N" in the news


class Unit(NamedTuple):
    dimension: str
    factor: float  # how many of the dimension's base unit one of this unit is


BASE_UNITS = {"distance": "km", "mass": "kg", "speed": "mach", "duration": "s"}

UNITS: dict[str, Unit] = {
    "km": Unit("distance", 1.0),
    "mi": Unit("distance", 1.609344),
    "nmi": Unit("distance", 1.852),
    "m": Unit("distance", 0.001),
    "ft": Unit("distance", 0.0003048),
    "kg": Unit("mass", 1.0),
    "t": Unit("mass", 1000.0),  # metric tonne: "tons" in news about missiles means tonnes
    "lb": Unit("mass", 0.45359237),
    "mach": Unit("speed", 1.0),
    "speed of sound": Unit("speed", 1.0),  # "eight times the speed of sound" is Mach 8
    "km/h": Unit("speed", 1 / MACH_KMH),
    "mph": Unit("speed", 1.609344 / MACH_KMH),
    "kn": Unit("speed", 1.852 / MACH_KMH),
    "m/s": Unit("speed", 3.6 / MACH_KMH),
    "s": Unit("duration", 1.0),
    "min": Unit("duration", 60.0),
    "h": Unit("duration", 3600.0),
}

# The normalised unit of each quantity attribute (claims and observations); None: a count.
ATTRIBUTE_UNITS: dict[str, str | None] = {
    "range": "km",
    "range_min": "km",
    "distance_flown": "km",
    "apogee": "km",
    "length": "m",  # a missile's length reads better in metres than in thousandths of a kilometre
    "speed": "mach",
    "payload": "kg",
    "warhead_weight": "kg",
    "launch_weight": "kg",
    "flight_time": "s",
    "warheads": None,
    "stages": None,
}

SIGNIFICANT_DIGITS = 6  # enough for any stated figure; hides float noise such as 965.6064000000001


class UnknownUnit(ValueError):
    pass


def normalise(number: float, unit: str | None, attribute: str | None = None) -> tuple[float, str | None]:
    """number of unit in the catalogue's unit: that of attribute when given (length: m), else the base
    unit of the unit's dimension (km, kg, mach, s). A unitless number (a count) is returned as it is."""
    if unit is None:
        return number, None
    known = UNITS.get(unit)
    if known is None:
        raise UnknownUnit(f"unknown unit {unit!r}; known: {', '.join(UNITS)}")
    target = ATTRIBUTE_UNITS.get(attribute or "") or BASE_UNITS[known.dimension]
    wanted = UNITS[target]
    if wanted.dimension != known.dimension:
        raise UnknownUnit(f"{unit!r} is a unit of {known.dimension}, not of {attribute} ({target})")
    return float(f"{number * known.factor / wanted.factor:.{SIGNIFICANT_DIGITS}g}"), target


def format_number(number: float) -> str:
    """A normalised number as a claim's value: 1000, 965.606, 0.00003048 (no exponent, no trailing zero)."""
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    if number == int(number):
        return str(int(number))
    return format(Decimal(f"{number:.{SIGNIFICANT_DIGITS}g}"), "f")
