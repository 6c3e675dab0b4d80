"""The extractor: a pure function from a document to systems, claims, events and relations."""

from catalogue.extract.pipeline import extract
from catalogue.extract.rules import extractor_version

__all__ = ["extract", "extractor_version"]
