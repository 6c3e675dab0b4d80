"""A seeded generator of news-style articles (2-10 KB) naming systems from the reference list,
with attributions, quantities, dates, events and relations between systems. Shared by the benchmarks and the reliability tests.

    python bench/corpus.py OUT_DIR --documents 1000 [--seed 7] [--min-kb 2] [--max-kb 10]
"""

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

from catalogue.extract.rules import reference

SYSTEM_SENTENCES = [
    "{country} fired a {name} {noun} on {weekday}, {agency} said.",
    "{agency} reported that the {fuel} {name} flew about {km:,} km before falling into the sea.",
    "Analysts believe the {name} is capable of carrying a nuclear warhead over a range of {km:,} km.",
    "On display at the parade in the capital were the {name} and the {other}, {agency} showed.",
    "The {name}, a {noun}, was tested last {season} near {place}, according to {agency}.",
    "Officials said the {name} could reach speeds of Mach {mach}, a claim experts doubted.",
    "The launch of the {name} on {day} {month} was the {ordinal} this year, {agency} said.",
    "Analysts said the {name} resembles the {other}, judging by photographs released by {agency}.",
    "The {name} appears to be a variant of the {other}, according to {agency}.",
]
CONTEXT_SENTENCES = [
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


def article(rng: random.Random, size: int) -> str:
    # An article is about a few systems (a cast of 2-5), named again and again, as in real reporting.
    cast = rng.sample(reference().systems, rng.randint(2, 5))
    title_system = cast[0]
    parts = [f"{title_system.country} and the {title_system.name}: what we know"]
    length = len(parts[0])
    while length < size:
        system, other = rng.sample(cast, 2)
        template = rng.choice(SYSTEM_SENTENCES if rng.random() < SYSTEM_SENTENCE_SHARE else CONTEXT_SENTENCES)
        sentence = template.format(
            country=system.country, name=system.name, other=other.name, noun=system.category.replace("_", " "),
            weekday=rng.choice(["Monday", "Tuesday", "Thursday"]), agency=rng.choice(["KCNA", "TASS", "IRNA"]),
            fuel=rng.choice(["solid-fuel", "liquid-fuelled"]), km=rng.randrange(300, 15000),
            season=rng.choice(["spring", "summer"]), place=rng.choice(["Pyongyang", "Sohae", "Kapustin Yar"]),
            ordinal=rng.choice(["third", "fifth", "seventh"]), mach=rng.randrange(5, 25),
            day=rng.randrange(1, 28), month=rng.choice(["March", "July", "October"]),
        )
        parts.append(sentence)
        length += len(sentence) + 1
        if rng.random() < 0.2:
            parts.append("\n")
    return " ".join(parts).replace(" \n ", "\n")


def articles(count: int, seed: int, min_kb: float = 2, max_kb: float = 10) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield article(rng, int(rng.uniform(min_kb, max_kb) * 1000))


def write_corpus(folder: Path, count: int, seed: int, min_kb: float = 2, max_kb: float = 10) -> list[Path]:
    """Write the corpus as .txt files with front matter (published dates vary), in subfolders of 1,000."""
    rng = random.Random(seed + 1)
    paths = []
    for n, text in enumerate(articles(count, seed, min_kb, max_kb)):
        path = folder / f"{n // 1000:04d}" / f"article-{n:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        published = f"20{rng.randrange(18, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        path.write_text(f"---\npublished: {published}\n---\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-kb", type=float, default=2)
    parser.add_argument("--max-kb", type=float, default=10)
    args = parser.parse_args()
    paths = write_corpus(args.folder, args.documents, args.seed, args.min_kb, args.max_kb)
    print(f"wrote {len(paths)} articles to {args.folder}")


if __name__ == "__main__":
    main()
