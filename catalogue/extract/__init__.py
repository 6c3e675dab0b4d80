"""The extractor: a pure function from a document to systems, claims, events and relations."""

from catalogue.extract.pipeline import document_output, extract
from catalogue.extract.rules import extractor_version

__all__ = ["document_output", "extract", "extractor_version"]
