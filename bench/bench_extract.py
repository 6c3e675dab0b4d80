"""Extraction speed over a synthetic corpus of ~4 KB news-style texts, against the floor of any rule
extractor: one compiled regular expression passed over the same texts. Prints documents/s and MB/s.

    python bench/bench_extract.py [--documents 2000] [--seed 7]
"""

import argparse
import random
import re
import time

from catalogue.extract import extract
from catalogue.extract.rules import reference
from catalogue.schemas import Document

OPENINGS = [
    "{country} fired a {name} {noun} on {weekday}, {agency} said.",
    "{agency} reported that the {fuel} {name} flew about {km:,} km before falling into the sea.",
    "Analysts believe the {name} is capable of carrying a nuclear warhead over a range of {km:,} km.",
    "On display at the parade in the capital were the {name} and the {other}, {agency} showed.",
    "The {name}, a {noun}, was tested last {season} near {place}, according to {agency}.",
    "It was the {ordinal} launch this year, officials said, as talks with Washington remain stalled.",
]
FILLER = [
    "Diplomats at the United Nations called for restraint and a return to negotiations.",
    "The statement came a day after joint military drills ended in the region.",
    "Markets in Seoul and Tokyo were little changed on the news, traders said.",
    "The foreign ministry summoned the ambassador to lodge a formal protest.",
    "Officials declined to say whether further tests were planned in the coming weeks.",
    "The launch drew condemnation from Washington, Seoul and Tokyo, which called it a clear violation of "
    "Security Council resolutions.",
    "Kim Jong Un has vowed to expand his country's nuclear arsenal in response to what he calls hostile policies.",
    "The two leaders met for more than two hours and discussed trade, energy and regional security.",
    "Satellite imagery published last month showed new construction at the site, according to researchers.",
    "The ministry said it would continue to monitor the situation closely with its allies.",
    "Sanctions imposed since 2006 have failed to halt the programme, experts at a Seoul think tank said.",
]
# Share of sentences that name a system: news articles name a few systems among much context.
SYSTEM_SENTENCE_SHARE = 0.3


def corpus(count: int, seed: int, size: int = 4000) -> list[str]:
    rng = random.Random(seed)
    systems = reference().systems
    texts = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < size:
            system, other = rng.sample(systems, 2)
            template = rng.choice(OPENINGS if rng.random() < SYSTEM_SENTENCE_SHARE else FILLER)
            parts.append(template.format(
                country=system.country, name=system.name, other=other.name, noun=system.category.replace("_", " "),
                weekday=rng.choice(["Monday", "Tuesday", "Thursday"]), agency=rng.choice(["KCNA", "TASS", "IRNA"]),
                fuel=rng.choice(["solid-fuel", "liquid-fuelled"]), km=rng.randrange(300, 15000),
                season=rng.choice(["spring", "summer"]), place=rng.choice(["Pyongyang", "Sohae", "Kapustin Yar"]),
                ordinal=rng.choice(["third", "fifth", "seventh"]),
            ))
        texts.append(" ".join(parts))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    texts = corpus(args.documents, args.seed)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    extract(Document(text=texts[0]))  # load and compile the rules outside the timing

    started = time.perf_counter()
    systems = sum(len(extract(Document(text=text)).systems) for text in texts)
    extraction = time.perf_counter() - started

    floor = re.compile(r"\b[A-Z][A-Za-z]*-\d+[A-Za-z]?\b|\b(?:missile|drone|launch|test)\w*", re.IGNORECASE)
    started = time.perf_counter()
    hits = sum(len(floor.findall(text)) for text in texts)
    bare = time.perf_counter() - started

    print(f"corpus: {len(texts)} documents, {megabytes:.1f} MB, seed {args.seed}")
    print(f"{'pass':<28}{'seconds':>10}{'docs/s':>12}{'MB/s':>10}")
    print(f"{'extract()':<28}{extraction:>10.2f}{len(texts) / extraction:>12.0f}{megabytes / extraction:>10.2f}")
    print(f"{'one compiled regex (floor)':<28}{bare:>10.2f}{len(texts) / bare:>12.0f}{megabytes / bare:>10.2f}")
    print(f"extraction / floor time: {extraction / bare:.0f}x; systems found: {systems}; regex hits: {hits}")
    print(f"target >= 200 documents/s on one core: {'met' if len(texts) / extraction >= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
