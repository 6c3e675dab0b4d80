"""Exceptions the CLI turns into one-line messages."""


class CatalogueError(Exception):
    """A user-facing error: its message is printed as one line, with a non-zero exit."""


class DatabaseError(CatalogueError):
    """The database cannot be opened, migrated or is newer than this code."""


class InputError(CatalogueError):
    """A document or data file that cannot be read or parsed."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class RulesError(CatalogueError):
    """A malformed extraction data file."""


class NotFoundError(CatalogueError):
    """A system, source or claim that does not exist."""
