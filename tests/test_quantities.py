"""The quantity grammar (extract/quantities.py): each number with its unit, then its attribute from the cue
words around it; what one launch measured (distance flown, apogee, flight time) on that launch's event; and
the stated form and observations carried by `catalogue extract --json`, the import, `show` and the export."""

import json

import pytest

from catalogue.extract import document_output, extract
from catalogue.extract.quantities import number, read_quantities
from catalogue.schemas import Document


def quantities(text: str) -> list[tuple]:
    found: list[tuple] = []
    read_quantities(text, text.lower(), lambda attribute, value, rule, at, **extra: found.append(
        (attribute, value, extra["unit"], extra["stated"], extra["observed"])))
    return found


@pytest.mark.parametrize("text, expected", [
    # distances: a range, or what one launch flew
    ("has a range of more than 15,000 km", ("range", "15000", "km", "more than 15,000 km", False)),
    ("a maximum 1,500-mile range", ("range", "2414.02", "km", "maximum 1,500-mile", False)),
    ("its range is between 450 km and 690 km", ("range", "450-690", "km", "between 450 km and 690 km", False)),
    ("an estimated range of 12,000 to 15,000 kilometres",
     ("range", "12000-15000", "km", "12,000 to 15,000 kilometres", False)),
    ("can strike targets up to 300 nautical miles away", ("range", "555.6", "km", "up to 300 nautical miles", False)),
    ("is capable of flying more than 15,000 kilometers", ("range", "15000", "km", "more than 15,000 kilometers", False)),
    ("the minimum range is 5,500 km", ("range_min", "5500", "km", "5,500 km", False)),
    ("varying ranges, up to about 2.000 kilometers", ("range", "2000", "km", "up to about 2.000 kilometers", False)),
    ("the missile flew about 1,000 km", ("distance_flown", "1000", "km", "about 1,000 km", True)),
    ("it hit its target 5,000 kilometres away", ("distance_flown", "5000", "km", "5,000 kilometres", True)),
    ("reaching an altitude of 60 km and a range of 450 km", ("distance_flown", "450", "km", "450 km", True)),
    ("rising to a maximum altitude of 6,040.9 km", ("apogee", "6040.9", "km", "6,040.9 km", True)),
    # durations
    ("flew 999.2 km for 4,135s before landing", ("flight_time", "4135", "s", "4,135s", True)),
    ("staying in the air for 25 hours and 46 minutes",
     ("flight_time", "92760", "s", "25 hours and 46 minutes", True)),
    ("the drone can reach 27 hours endurance", ("flight_time", "97200", "s", "27 hours", False)),
    ("the drone has an endurance of 24 hours", ("flight_time", "86400", "s", "24 hours", False)),
    ("a length of 11 m and a diameter of 1.2 m", ("length", "11", "m", "11 m", False)),
    # speeds: the unit is the cue
    ("flies at up to Mach 10", ("speed", "10", "mach", "up to Mach 10", False)),
    ("roughly six and a half to eight times the speed of sound",
     ("speed", "6.5-8", "mach", "roughly six and a half to eight times the speed of sound", False)),
    ("speeds of over 6,000 km/h", ("speed", "4.85909", "mach", "over 6,000 km/h", False)),
    ("a cruise speed of 72 knots", ("speed", "0.107988", "mach", "72 knots", False)),
    # masses, lengths, counts
    ("can carry a 1,200-kilogram warhead", ("warhead_weight", "1200", "kg", "1,200-kilogram", False)),
    ("warheads weighing up to one tonne", ("warhead_weight", "1000", "kg", "up to one tonne", False)),
    ("can carry 150 kilograms of payload", ("payload", "150", "kg", "150 kilograms", False)),
    ("a payload capacity of 2.5 tonnes", ("payload", "2500", "kg", "2.5 tonnes", False)),
    ("it weighs 1,000 lb", ("launch_weight", "453.592", "kg", "1,000 lb", False)),
    ("the 58-ton missile", ("launch_weight", "58000", "kg", "58-ton", False)),
    ("650 kilograms maximum take-off weight", ("launch_weight", "650", "kg", "650 kilograms", False)),
    ("it is 22 metres long", ("length", "22", "m", "22 metres", False)),
    ("twelve or more warheads", ("warheads", "12", None, "twelve or more warheads", False)),
    ("can carry up to 10 heavy nuclear warheads", ("warheads", "10", None, "up to 10 heavy nuclear warheads", False)),
    ("a three-stage missile", ("stages", "3", None, "three-stage", False)),
    ("powered by solid fuel in two stages", ("stages", "2", None, "two stages", False)),
])
def test_a_quantity_and_its_attribute(text, expected):
    assert expected in quantities(text)


@pytest.mark.parametrize("text", [
    "it landed in waters some 60 miles off the east coast",  # where, not how far
    "fired from a site about 40 km north of Pyongyang",
    "a second missile was fired two hours later",  # a moment, not a flight time
    "the missiles were launched within 30 seconds of each other",
    "the first two stages burned normally",
    "The missile's target was supposed to be about 3,700 miles away",  # never flown
    "it cruised at an altitude of 18,000 feet",  # an aircraft's altitude is no apogee
    "the Su-35s and F-16s of the 1990s",  # names and decades are no quantities
    "Seoul said 5 km of road were closed",  # no cue, no claim
    "a 12 metres wingspan",
    "1 metre in diameter",  # a measure none of ours stops the search for a cue ("it is 11.5 m long, 1 m in …")
    "two missiles carrying nuclear warheads",
])
def test_no_claim_without_a_cue_or_where_a_number_is_no_measurement(text):
    assert quantities(text) == []


def test_the_nearest_cue_decides_and_another_measure_stops_the_search():
    assert quantities("a length of 11 m and a diameter of 1.2 m") == [("length", "11", "m", "11 m", False)]
    assert quantities("an apogee of 60 km and a range of 450 km")[0][0] == "apogee"


def test_a_conversion_in_brackets_shares_the_cue_and_is_stated_apart():
    assert quantities("a range of 2,000 km (1,243 miles)") == [
        ("range", "2000", "km", "2,000 km", False), ("range", "2000.41", "km", "1,243 miles", False)]
    assert [q[0] for q in quantities("the 12,000km (7,500-mile) range")] == ["range", "range"]


@pytest.mark.parametrize("text, value", [("12,000", 12000), ("1.5", 1.5), ("2.000", 2000), ("twelve", 12),
                                         ("twenty-five", 25), ("six and a half", 6.5), ("many", None)])
def test_numbers(text, value):
    assert number(text) == value


LAUNCH = ("North Korea launched a Hwasong-15 from near Pyongyang on 29 November 2017. The missile flew about 950 km "
          "for 53 minutes and reached a maximum altitude of 4,475 km, Japan's defence ministry said. "
          "State media said the Hwasong-15 has a range of more than 13,000 km.")


def test_what_a_launch_measured_goes_on_its_event_not_in_the_claims():
    [system] = extract(Document(text=LAUNCH)).systems
    [event] = system.events
    assert [(o.attribute, o.value, o.unit, o.stated, o.claimant) for o in event.observations] == [
        ("distance_flown", "950", "km", "about 950 km", "Japan's defence ministry"),
        ("flight_time", "3180", "s", "53 minutes", "Japan's defence ministry"),
        ("apogee", "4475", "km", "4,475 km", "Japan's defence ministry")]
    assert all(o.stated in o.quote and LAUNCH[o.start:o.end] == o.quote for o in event.observations)
    quantities_claimed = [(c.attribute, c.value, c.stated) for c in system.claims if c.unit]
    assert quantities_claimed == [("range", "13000", "more than 13,000 km")]


def test_with_no_launch_to_put_it_on_a_measurement_stays_a_claim():
    [system] = extract(Document(text="State media said the Haeil travelled 600 km underwater for 41 hours.")).systems
    assert [(c.attribute, c.value, c.unit, c.rule) for c in system.claims if c.unit] == [
        ("distance_flown", "600", "km", "quantity.distance_flown"), ("flight_time", "147600", "s", "quantity.flight_time")]


def test_a_sentence_naming_no_system_measures_the_last_firing_before_it():
    text = ("On 27 September 2021, North Korea tested the Hwasong-8. The payload was a glide vehicle. "
            "Seoul said two missiles were launched at 9:40 p.m., reaching an altitude of 60 km and traveling 200 km.")
    [system] = extract(Document(text=text)).systems
    [event] = system.events
    assert [(o.attribute, o.value) for o in event.observations] == [("apogee", "60"), ("distance_flown", "200")]
    far = "North Korea tested the Hwasong-8. " + "Rain fell. " * 8 + "The missile flew 200 km."
    assert all(not e.observations for e in extract(Document(text=far)).systems[0].events)


def test_document_output_carries_stated_and_observations():
    output = document_output(extract(Document(text=LAUNCH))).model_dump(mode="json")
    [system] = output["systems"]
    assert {c["attribute"]: c["stated"] for c in system["claims"] if c["unit"]} == {"range": "more than 13,000 km"}
    [event] = system["events"]
    assert [(o["attribute"], o["stated"], o["extractor"].split("@")[0]) for o in event["observations"]] == [
        ("distance_flown", "about 950 km", "observation.distance_flown"),
        ("flight_time", "53 minutes", "observation.flight_time"), ("apogee", "4,475 km", "observation.apogee")]


def test_imported_observations_are_shown_and_exported(cli, tmp_path):
    path = tmp_path / "launch.txt"
    path.write_text(f"Report\n\n{LAUNCH}\n", encoding="utf-8")
    code, out, err = cli("import", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["observations_added"] == 3
    code, out, err = cli("show", "Hwasong-15")
    assert code == 0, err
    assert "flew 950 km (about 950 km); flight time 3,180 s (53 minutes); apogee 4,475 km" in out
    assert "13000 km (more than 13,000 km)" in out
    code, out, err = cli("export", "--format", "json")
    assert code == 0, err
    system = next(s for s in json.loads(out)["systems"] if s["name"] == "Hwasong-15")
    [event] = system["events"]
    assert [(o["attribute"], o["value"], o["unit"], o["stated"]) for o in event["observations"]] == [
        ("distance_flown", "950", "km", "about 950 km"), ("flight_time", "3180", "s", "53 minutes"),
        ("apogee", "4475", "km", "4,475 km")]


def test_rules_name_units_the_catalogue_converts():
    from importlib.resources import files

    from catalogue.errors import RulesError
    from catalogue.extract.rules import Rules, parse_data_file

    text = (files("catalogue.extract") / "data" / "rules.yaml").read_text(encoding="utf-8")
    assert "\nunits:\n  km: [" in text
    with pytest.raises(RulesError, match="units not in catalogue.units"):
        parse_data_file(Rules, text.replace("\nunits:\n  km: [", "\nunits:\n  furlong: [furlongs]\n  km: ["), "rules.yaml")
    with pytest.raises(RulesError, match="quantities.cues"):
        parse_data_file(Rules, text.replace("  cues:\n    range:\n", "  cues:\n    reach:\n"), "rules.yaml")


def test_a_quantity_of_a_system_named_after_its_cue_is_that_systems():
    text = ("The new missile has a range of about 9,000 km, less than the 12,000km (7,500-mile) range of the "
            "American Trident II and Russian Bulava.")
    claims = {s.name: sorted(c.value for c in s.claims if c.attribute == "range")
              for s in extract(Document(text=text)).systems}
    assert claims == {"UGM-133 Trident II": ["12000", "12070.1"], "Bulava": ["12000", "12070.1"]}
    [system] = extract(Document(text="The Hwasong-18 has a longer reach than the 5,500 km range of the "
                                     "Hwasong-12.")).systems[:1]
    assert system.name == "Hwasong-18" and not [c for c in system.claims if c.attribute == "range"]
