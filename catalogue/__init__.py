"""catalogue: a weapons-system catalogue built from news articles."""

__version__ = "0.1.0"
