"""catalogue.units: stated quantities converted to the catalogue's units (km, m, kg, mach, s)."""

import pytest

from catalogue.units import MACH_KMH, UNITS, UnknownUnit, format_number, normalise


@pytest.mark.parametrize("number, unit, attribute, expected", [
    (600, "km", "range", (600.0, "km")),
    (600, "mi", "range", (965.606, "km")),  # 965.6064: six significant digits
    (100, "nmi", "range", (185.2, "km")),
    (30_000, "ft", "apogee", (9.144, "km")),
    (6_100_000, "m", "apogee", (6100.0, "km")),
    (22, "m", "length", (22.0, "m")),  # a missile's length stays in metres
    (72, "ft", "length", (21.9456, "m")),
    (2, "km", "length", (2000.0, "m")),
    (1.2, "t", "payload", (1200.0, "kg")),
    (1200, "kg", "warhead_weight", (1200.0, "kg")),
    (1000, "lb", "launch_weight", (453.592, "kg")),
    (10, "mach", "speed", (10.0, "mach")),
    (8, "speed of sound", "speed", (8.0, "mach")),
    (MACH_KMH * 5, "km/h", "speed", (5.0, "mach")),
    (767.27, "mph", "speed", (1.0, "mach")),  # 1,234.8 km/h in miles per hour, rounded
    (343, "m/s", "speed", (1.0, "mach")),
    (100, "kn", "speed", (0.149984, "mach")),  # 185.2 km/h
    (70, "min", "flight_time", (4200.0, "s")),
    (1.5, "h", "flight_time", (5400.0, "s")),
    (3, None, "stages", (3, None)),
    (500, "mi", None, (804.672, "km")),  # no attribute: the dimension's base unit
    (22, "m", None, (0.022, "km")),
])
def test_normalise(number, unit, attribute, expected):
    assert normalise(number, unit, attribute) == expected


def test_every_unit_normalises_to_a_base_unit():
    for unit in UNITS:
        assert normalise(1, unit)[1] in {"km", "kg", "mach", "s"}


@pytest.mark.parametrize("unit, attribute, message", [
    ("furlong", "range", "unknown unit 'furlong'"),
    ("kg", "range", "'kg' is a unit of mass, not of range (km)"),
    ("km", "flight_time", "'km' is a unit of distance, not of flight_time (s)"),
])
def test_wrong_units_are_refused(unit, attribute, message):
    with pytest.raises(UnknownUnit, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalise(1, unit, attribute)


@pytest.mark.parametrize("number, text", [
    (1000.0, "1000"), (965.606, "965.606"), (0.486, "0.486"), (3.048e-05, "0.00003048"), (18_000, "18000"),
    (1609.344, "1609.34"),
])
def test_format_number(number, text):
    assert format_number(number) == text


def test_format_number_refuses_infinity():
    with pytest.raises(ValueError, match="not a finite number"):
        format_number(float("inf"))
