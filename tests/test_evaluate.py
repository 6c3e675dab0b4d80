"""Scoring: the real-set gold format (texts beside the gold, checked by sha256), the capability and measurement
measures on hand-made predictions, and the CNS scorer on three rows of its data. No network; texts written here."""

import hashlib
import json

import pytest
from score_cns import (
    CnsReport,
    load_missiles,
    load_rows,
    missile_names,
    names_in_text,
    score,
    states_date,
    states_km,
)
from typer.testing import CliRunner

from catalogue import evaluate as evaluate_module
from catalogue.cli import app
from catalogue.errors import InputError
from catalogue.evaluate import claimant_key, evaluate, load_gold, numbers, same_quantity
from catalogue.schemas import ExtractedClaim, ExtractedSystem, Extraction

TEXT = "North Korea's state media KCNA said on Tuesday the new Hwasong-11 missile has a range of 600 km.\n"


def _real_case(case_id: str, text: str, split: str = "dev", **claim) -> dict:
    data = text.encode("utf-8")
    claims = [{"attribute": "range", "quote": "a range of 600 km", "claimant": "Korean Central News Agency",
               "claimant_alternatives": ["KCNA"], "value": "600", "unit": "km", **claim}]
    return {"id": case_id, "split": split, "url": "https://example.org/a", "query": "Hwasong-11 range", "rank": 1,
            "outlet": "Example", "outlet_kind": "wire", "published": "2023-03-21",
            "text_sha256": hashlib.sha256(data).hexdigest(), "chars": len(text),
            "systems": [{"name": "Hwasong-11", "category": "srbm", "claims": claims}]}


def _write_set(folder, cases: list[dict], texts: dict[str, str], name: str = "gold.jsonl"):
    (folder / "texts").mkdir(exist_ok=True)
    for case_id, text in texts.items():
        (folder / "texts" / f"{case_id}.txt").write_bytes(text.encode("utf-8"))
    gold = folder / name
    gold.write_text("".join(json.dumps(case) + "\n" for case in cases), encoding="utf-8")
    return gold


def test_real_set_reads_texts_beside_the_gold_and_scores_both_splits(tmp_path):
    gold = _write_set(tmp_path, [_real_case("a", TEXT), _real_case("b", TEXT, "heldout")], {"a": TEXT, "b": TEXT})
    cases = load_gold(gold)
    assert [c.text for c in cases] == [TEXT, TEXT] and cases[1].split == "heldout"
    assert [c.id for c in load_gold(gold, split="heldout")] == ["b"]
    report = evaluate(cases)
    # Today's extractor reads "has a range of 600 km" as KCNA's range claim on the Hwasong-11.
    assert report.counts["measured_claims"].model_dump() == {"correct": 2, "total": 2}
    assert report.by_attribute["range"].model_dump() == {"total": 2, "found": 2, "claimant_right": 2}
    assert set(report.splits) == {"dev", "heldout"} and report.splits["dev"].cases == 1

    result = CliRunner().invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "capability and measurement claim recall" in result.stdout
    assert [line.split(":")[0] for line in result.stdout.splitlines()[-2:]] == ["dev", "heldout"]


def test_texts_folder_option_several_files_and_duplicate_ids(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = _write_set(elsewhere, [_real_case("a", TEXT)], {"a": TEXT}, "gold.a.jsonl")
    second = _write_set(tmp_path, [_real_case("b", TEXT, "heldout")], {}, "gold.b.jsonl")
    (elsewhere / "texts" / "b.txt").write_text(TEXT, encoding="utf-8")
    assert [c.id for c in load_gold(first, second, texts=elsewhere / "texts")] == ["a", "b"]
    result = CliRunner().invoke(app, ["eval", str(first), str(second), "--texts", str(elsewhere / "texts"),
                                      "--split", "heldout", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases"] == 1
    with pytest.raises(InputError, match="case id 'a' is also used at"):
        load_gold(first, first)


@pytest.mark.parametrize("damage, message", [
    (lambda path: path.write_text(TEXT + "edited\n", encoding="utf-8"), "does not match its text_sha256"),
    (lambda path: path.unlink(), "is missing"),
])
def test_a_changed_or_missing_text_is_a_one_line_error_naming_the_case(tmp_path, damage, message):
    gold = _write_set(tmp_path, [_real_case("nk-range", TEXT)], {"nk-range": TEXT})
    damage(tmp_path / "texts" / "nk-range.txt")
    result = CliRunner().invoke(app, ["eval", str(gold)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {gold}:1: case nk-range: ")
    assert message in result.stderr and "rebuild the texts (see bench/realset/README.md)" in result.stderr


def test_a_case_needs_its_text_or_its_hash(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x", "split": "dev", "systems": []}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="gold.jsonl:1: malformed gold case: .*text_sha256"):
        load_gold(gold)


def _predicted(systems: list[ExtractedSystem]):
    return lambda document: Extraction(document=document, extractor_version="hand-made", systems=systems)


def test_measured_claims_by_hand(monkeypatch):
    """Two gold quantity claims: the range is found (373 mi is 600 km) with the right claimant once titles and
    "the" are ignored; the speed is not found. Recall 1/2, claimant right 1/1, one fuel invented."""
    text = "Defence Minister Kim said the Hwasong-11 has a range of 373 miles. It flies at Mach 5."
    range_at = text.index("a range")
    gold = {"id": "hand", "text": text, "systems": [{"name": "Hwasong-11", "claims": [
        {"attribute": "range", "quote": "a range of 373 miles", "claimant": "Kim", "value": "600", "unit": "km"},
        {"attribute": "speed", "quote": "Mach 5", "claimant": None, "value": "5", "unit": "mach"},
        {"attribute": "fuel", "quote": "Hwasong-11", "value": "solid"}]}]}
    predicted = ExtractedSystem(name="Hwasong-11", claims=[
        ExtractedClaim(attribute="range", value="373", unit="mi", claimant="Defence Minister Kim",
                       start=range_at, end=range_at + 20, rule="range.of"),
        ExtractedClaim(attribute="speed", value="5", unit="mach", start=0, end=10, rule="speed.mach"),  # elsewhere
        ExtractedClaim(attribute="fuel", value="liquid", rule="reference-list")])
    monkeypatch.setattr(evaluate_module, "extract", _predicted([predicted]))
    case = evaluate_module.GoldCase.model_validate(gold)
    report = evaluate([case])
    assert report.counts["measured_claims"].model_dump() == {"correct": 1, "total": 2}
    assert report.measured_claim_recall == 0.5 and report.measured_claimant_right == 1.0
    assert report.by_attribute["speed"].model_dump() == {"total": 1, "found": 0, "claimant_right": 0}
    assert report.fuel_invented == 1 and report.counts["fuel_invented"].total == 1
    # Claim recall compares values as written ("600" is not "373"): the old measure is unchanged.
    assert report.counts["claims"].model_dump() == {"correct": 0, "total": 3}
    assert "Hwasong-11: missed speed claim in: Mach 5" in report.errors[0].wrong


def test_a_missed_system_misses_its_measured_claims_and_invents_no_fuel(monkeypatch):
    monkeypatch.setattr(evaluate_module, "extract", _predicted([]))
    case = evaluate_module.GoldCase.model_validate({"id": "x", "text": "The KN-23 flew 600 km.", "systems": [
        {"name": "KN-23", "claims": [{"attribute": "distance_flown", "quote": "flew 600 km", "value": "600"}]}]})
    report = evaluate([case])
    assert report.counts["measured_claims"].model_dump() == {"correct": 0, "total": 1}
    assert report.counts["fuel_invented"].model_dump() == {"correct": 0, "total": 0}


@pytest.mark.parametrize("gold, gold_unit, got, got_unit, same", [
    ("600", "km", "373", "mi", True),
    ("600", "km", "380", "mi", False),
    ("1,000", "km", "540", "nmi", True),
    ("400-700", "km", "400-700", "km", True),
    ("400-700", "km", "700", "km", False),
    ("2", "t", "2000", "kg", True),
    ("500", "kg", "1100", "lb", True),
    ("5", "mach", "6174", "km/h", True),
    ("30", "min", "0.5", "h", True),
    ("600", "km", "600", "kg", False),
    ("600", None, "600", "km", True),
    ("600", "km", "605", "km", True),
    ("600", "km", "610", "km", False),
])
def test_units_are_normalised_before_numbers_are_compared(gold, gold_unit, got, got_unit, same):
    assert same_quantity(numbers(gold), gold_unit, numbers(got), got_unit) is same


def test_claimants_compare_without_the_and_titles():
    assert claimant_key("the Pentagon") == claimant_key("Pentagon") == "pentagon"
    assert claimant_key("Lt. Gen. Kim Yong-bok") == claimant_key("Kim Yong-bok")
    assert claimant_key("Defence Minister") == "defence minister"  # a title alone stays the speaker
    assert claimant_key(None) == claimant_key("") == ""


def test_cns_definitions():
    missiles = load_missiles()
    assert {"Hwasong-11A", "KN-23"} <= set(missile_names("hwasong-11a", missiles))
    assert missile_names("unknown", missiles) == []
    assert names_in_text(["Hwasong-12"], "a launch of the HWASONG 12") and not names_in_text(["Unha"], "the Unha-3")
    assert states_km("the missile traveled only 2,700 km", 2700) and not states_km("2700 km", 2701)
    assert states_date("On October 19, 2021, North Korea", "2021-10-19")
    assert states_date("on the 4th of July", "2006-07-04") and not states_date("July 4", "2006-07-05")
    assert not states_date("in May 1990", "1990-05")


def test_cns_scorer_on_three_rows():
    """Rows 8 (Nodong, 1990-05: named; nothing else stated), 116 (Hwasong-12, 2017-08-28: named, "traveled only
    2700 km"; its apogee 550 and its date are not written) and 160 (Hwasong-11S, 2021-10-19: named, "altitude
    60 km and traveled 590 km", "On October 19, 2021")."""
    rows = {row.number: row for row in load_rows()}
    assert len(rows) == 160
    picked = [rows[8], rows[116], rows[160]]
    assert [(r.missile, r.distance, r.apogee) for r in picked] == [
        ("nodong", None, 150.0), ("hwasong-12", 2700.0, 550.0), ("hwasong-11s", 590.0, 60.0)]
    report: CnsReport = score(picked, load_missiles())
    assert (report.rows, report.described) == (3, 3)
    assert report.named_missile.total == 3
    assert (report.distance_flown.total, report.apogee.total, report.launch_date.total) == (2, 1, 1)
    # Row 160's distance and apogee, observed on its launch ("The missile reached an altitude 60 km and
    # traveled 590 km"), are found.
    assert report.distance_flown.found >= 1 and report.apogee.found == 1
    # Hwasong-12 and Hwasong-11S are in the reference list with their classes (irbm, slbm).
    assert report.named_missile.found >= 2
    assert report.class_accuracy.total == report.named_missile.found
    assert report.class_accuracy.found >= 2
