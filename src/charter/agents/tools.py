"""What an operator declares about a tool: its effect class, and whether it may run unasked.

Effect classes, from least to most consequential:

- ``read_only``: reads and changes nothing (search, list, get);
- ``writes_own``: changes the user's own data inside the deployment (create a note, edit a
  calendar entry, rename a file);
- ``communicates``: reaches outside (send, post, pay, share, invite, fetch a URL with
  arguments) — what it carries leaves the user's control;
- ``destructive``: irreversible or destructive (delete, cancel, overwrite, transfer
  ownership, change a password).

A tool the operator did not declare gets the strictest class.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Effect(StrEnum):
    READ_ONLY = "read_only"
    WRITES_OWN = "writes_own"
    COMMUNICATES = "communicates"
    DESTRUCTIVE = "destructive"

    @property
    def side_effecting(self) -> bool:
        return self != Effect.READ_ONLY


# Without an explicit ``confirm``, these classes wait for a person before they run.
CONFIRM_BY_DEFAULT = frozenset({Effect.DESTRUCTIVE})


class ToolRule(BaseModel):
    """One declared tool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effect: Effect = Field(description="read_only | writes_own | communicates | destructive")
    confirm: bool | None = Field(
        None, description="true: always ask a person first; false: may run without confirmation; "
                          "unset: destructive tools ask, others don't")
    description: str | None = Field(None, description="What the tool does, in words (used to judge relevance).")

    @property
    def needs_confirmation(self) -> bool:
        return self.confirm if self.confirm is not None else self.effect in CONFIRM_BY_DEFAULT


UNDECLARED = ToolRule(effect=Effect.DESTRUCTIVE, confirm=True)
