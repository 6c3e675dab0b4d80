"""Peak memory of `catalogue import` on corpora of growing size: it should stay flat (streaming).
Each import runs in its own process; its peak resident set size is read from the OS.

    python bench/bench_memory.py [--sizes 1000,10000,100000] [--engine sqlite]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402


def peak_import(folder: Path, url: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one import in a child process."""
    code = ("import resource, sys\n"
            "from catalogue.db import open_engine\n"
            "from catalogue.importer import import_paths\n"
            "report = import_paths(open_engine(sys.argv[1]), [sys.argv[2]])\n"
            "assert report.documents_failed == 0\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, url, str(folder)], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{'documents':>10}{'corpus MB':>11}{'import s':>10}{'docs/s':>8}{'peak RSS MB':>13}")
    baseline = None
    for size in map(int, args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            write_corpus(folder, size, args.seed)
            megabytes = sum(p.stat().st_size for p in folder.rglob("*.txt")) / 1e6
            seconds, peak = peak_import(folder, f"sqlite:///{Path(tmp) / 'memory.db'}")
            baseline = baseline or peak
            print(f"{size:>10}{megabytes:>11.0f}{seconds:>10.0f}{size / seconds:>8.0f}{peak:>13.0f}"
                  f"  ({peak / baseline:.2f}x the smallest)")
    print(f"peak RSS of this process's children: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
