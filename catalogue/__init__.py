"""catalogue: a weapons-system catalogue built from news articles."""

import sys

__version__ = "0.1.0"


def run() -> None:
    """The `catalogue` command. Loading the modules takes a moment on a cold start; Ctrl-C then ends as it does
    once a command runs: one line, exit 130, no traceback."""
    try:
        from catalogue.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise SystemExit(130) from None
    main()
