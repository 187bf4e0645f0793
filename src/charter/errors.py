"""Typed errors. Steering outcomes (a decline) are decisions, not exceptions; these are faults."""

from __future__ import annotations


class CharterError(Exception):
    """Base class for every error Charter raises on purpose."""


class ConversationError(CharterError, ValueError):
    """A conversation could not be parsed; ``where`` names the offending field."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


class PolicyError(CharterError, ValueError):
    """An operator policy is invalid; ``key`` and ``line`` locate the problem when known."""

    def __init__(self, problem: str, *, key: str | None = None, line: int | None = None,
                 file: str | None = None) -> None:
        self.problem = problem
        self.key = key
        self.line = line
        self.file = file
        where = ""
        if file:
            where += file
        if line is not None:
            where += f"{':' if where else 'line '}{line}"
        if key:
            where += f"{' ' if where else ''}{key}"
        super().__init__(f"{where}: {problem}" if where else problem)


class CatalogError(CharterError):
    """The shipped behaviour catalog is inconsistent (a packaging bug, never user input)."""
