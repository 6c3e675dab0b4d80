"""Extraction time of texts of unusual shapes against ordinary news of the same size: extraction must
grow linearly with the text whatever its shape (target: 200 KB of any shape within 3x the time of
200 KB of news). Prints CPU seconds per shape and size.

    python bench/bench_adversarial.py [--sizes 50,100,200,400] [--shapes run-on,...] [--budget 120] [--repeat 1]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from catalogue.extract import extract
from catalogue.extract.rules import reference
from catalogue.schemas import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import articles  # noqa: E402


def _repeat(unit: str, size: int, prefix: str = "") -> str:
    text = prefix + unit * (size // len(unit) + 1)
    return text[:size]


def news(size: int) -> str:
    # Articles of 2-10 KB, one after another in one document, as an import of a long page would see them.
    parts, length = [], 0
    for article in articles(size // 1000 + 1, seed=7):
        parts.append(article)
        length += len(article) + 1
        if length >= size:
            break
    return "\n".join(parts)[:size]


def system_list(size: int) -> str:
    names = ", ".join(system.name for system in reference().systems)
    return _repeat(names + ", ", size, prefix="The arsenal includes the ")


def invented_names(size: int) -> str:
    # A new name in every sentence ("the Bakoda missile"): each is remembered and looked for afterwards.
    letters, vowels = "bcdfghklmnprstvz", "aeiou"
    parts, length, n = [], 0, 0
    while length < size:
        name, i = "", n
        for _ in range(4):
            name, i = name + letters[i % 16] + vowels[i % 5], i // 16
        parts.append(f"Iran fired the {name.capitalize()} missile. ")
        length, n = length + len(parts[-1]), n + 1
    return "".join(parts)[:size]


SHAPES = {
    "news": news,
    # One sentence without a full stop, dense with event cues and weapon nouns.
    "run-on": lambda size: _repeat(" was launched and then another missile was fired and the missile", size,
                                   prefix="KCNA said the Hwasong-18 missile"),
    "capitalised": lambda size: _repeat("North Korean Hwasong Launch ", size),
    "repeated sentence": lambda size: _repeat(
        "KCNA said North Korea fired a solid-fuel Hwasong-18 missile on Monday, flying about 1,000 km. ", size),
    "short lines": lambda size: _repeat("The Hwasong-18 flew.\nIt was fired. Yes. No.\nKCNA said.\n", size),
    "initials": lambda size: _repeat("U.S. A. B. officials saw the Hwasong-18 fired. ", size),
    # Full stops that end no sentence: abbreviations and initials, never a sentence's end.
    "abbreviations": lambda size: _repeat("U.S. Gen. A. B. Smith saw the Hwasong-18 fired and ", size),
    "system list": system_list,
    "long word": lambda size: _repeat("HwasongKN23missile-", size),
    "quotes": lambda size: _repeat('("KCNA" said "the (Hwasong-18)" [missile] was "fired"), ', size),
    "invented names": invented_names,
    # A firing, then the system it was: each identification looks back at the system's events.
    "identified": lambda size: _repeat("North Korea fired a new missile on Monday. "
                                       "KCNA identified the missile as the Hwasong-18. ", size),
    "dates": lambda size: _repeat("the Hwasong-18 was launched on 3 March 2023, ", size,
                                  prefix="KCNA said "),
}


def seconds(text: str, repeat: int) -> float:
    """CPU seconds of one extraction (median of repeat runs): on a shared machine, the time others take
    the processor from us is not counted."""
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        extract(Document(text=text))
        runs.append(time.process_time() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,400", help="Sizes in KB, comma-separated.")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="Shapes, comma-separated (news is always run).")
    parser.add_argument("--budget", type=float, default=120,
                        help="Once one size of a shape takes longer than this (seconds), its larger sizes are skipped.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per figure; the median is shown.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = ["news", *(s for s in args.shapes.split(",") if s != "news")]
    extract(Document(text=news(2000)))  # load and compile the rules outside the timing

    print(f"{'shape':<20}" + "".join(f"{f'{kb} KB':>10}" for kb in sizes) + f"{'x news':>9}")
    base: dict[int, float] = {}
    worst = 0.0
    for shape in shapes:
        row, skipping = [], False
        for kb in sizes:
            if skipping:
                row.append(None)
                continue
            taken = seconds(SHAPES[shape](kb * 1000), args.repeat)
            row.append(taken)
            skipping = taken > args.budget
        if shape == "news":
            base = {kb: t for kb, t in zip(sizes, row, strict=True) if t is not None}
        ratios = [t / base[kb] for kb, t in zip(sizes, row, strict=True) if t is not None and base.get(kb)]
        ratio = max(ratios) if ratios else float("nan")
        if shape != "news":
            worst = max(worst, ratio if None not in row else float("inf"))
        cells = "".join(f"{t:>10.2f}" if t is not None else f"{'skipped':>10}" for t in row)
        print(f"{shape:<20}{cells}{ratio:>8.1f}x", flush=True)
    print("x news: the largest ratio to news of the same size; 'skipped': a smaller size took over the budget")
    print(f"target: every shape within 3x the time of news: {'met' if worst <= 3 else 'NOT met'} (worst {worst:.1f}x)")


if __name__ == "__main__":
    main()
