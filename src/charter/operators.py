"""Operators: the deployments that call the gateway, each with its own API key and policy.

``OperatorStore`` keeps them in Charter's database (the audit store's, migrated by the same
Alembic history). ``add`` returns the operator's API key once (``chk_`` + 32 random bytes,
URL-safe base64); only its SHA-256 is stored, so a lost key is replaced with ``rotate_key``,
never recovered. The gateway maps a request's key to its operator with ``by_key``. Admin keys
(``cha_``) guard the gateway's oversight endpoints and are kept the same way.

Database failures raise `charter.audit.AuditError` (naming the database); asking for something
that cannot be done (an unknown or duplicate name, a bad name) raises `OperatorError`; an
invalid policy raises `PolicyError` with the key and line.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from charter.audit.db import Conflict, DatabaseStore, utc
from charter.audit.tables import AdminKeyRow, OperatorRow
from charter.errors import CharterError
from charter.policy import Policy

__all__ = ["ADMIN_KEY_PREFIX", "NAME_PATTERN", "OPERATOR_KEY_PREFIX", "AdminKey", "Operator", "OperatorError",
           "OperatorStore", "hash_key", "unknown_operator"]

OPERATOR_KEY_PREFIX = "chk_"
ADMIN_KEY_PREFIX = "cha_"
# Operator names and admin-key labels: short, lower case, safe in URLs, log lines and shells.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_KEY_BYTES = 32
# A presented key longer than this is no key of ours; refuse it before hashing megabytes.
_KEY_MAX_CHARS = 256
# How many known names an error message lists before "and N more".
_SHOWN_NAMES = 20


class OperatorError(CharterError):
    """An operator or admin key cannot be added, found or changed; the message says which and why."""


class Operator(BaseModel):
    """One operator as stored: its name, policy text and times (never its key)."""

    model_config = ConfigDict(frozen=True)

    name: str
    policy_yaml: str | None = None
    created_at: datetime
    updated_at: datetime

    def policy(self) -> Policy | None:
        """The operator's policy, parsed (and cached by text); None when it has none."""
        if self.policy_yaml is None:
            return None
        return _parse_policy(self.policy_yaml, self.name)


class AdminKey(BaseModel):
    """One admin key as stored: its label and when it was issued (never the key)."""

    model_config = ConfigDict(frozen=True)

    label: str
    created_at: datetime


def hash_key(key: str) -> str:
    """The hex SHA-256 stored in place of a key.

    A plain hash, neither a slow password hash nor an HMAC, on purpose: the keys are 256
    random bits, so there is no dictionary to slow down and brute force is out of reach
    either way, and a deterministic hash lets `by_key` find the row through an index. An
    HMAC would help only with a secret kept outside the database, which Charter does not have.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def unknown_operator(name: str, known: Iterable[str]) -> OperatorError:
    """The error for a name that is not an operator, listing the ones that are."""
    return OperatorError(f"no operator named {name!r}; known: {_listing(known)}")


class OperatorStore(DatabaseStore):
    """Operators and admin keys in Charter's database (default `charter.paths.database_url`).

    Opening migrates the schema as `AuditStore` does. Safe to share between threads; close it
    (or use it as a context manager) when done.
    """

    kind = "operator store"

    # ------------------------------------------------------------------ operators

    def add(self, name: str, policy_yaml: str | None = None, *, source: str | None = None) -> str:
        """Add an operator and return its new API key, which is not stored and not shown again.

        ``policy_yaml`` is validated first (``source`` names it in errors, e.g. the file path).
        """
        _check_name(name, "operator name")
        text = _checked_policy(policy_yaml, source)
        key = _new_key(OPERATOR_KEY_PREFIX)
        now = datetime.now(UTC)
        exists = False
        try:
            with self._db.writing(f"operator {name!r}") as session:
                exists = session.get(OperatorRow, name) is not None
                if not exists:
                    session.add(OperatorRow(name=name, key_hash=hash_key(key), policy_yaml=text,
                                            created_at=now, updated_at=now))
        except Conflict as exc:  # another process added the same name between our check and insert
            raise OperatorError(f"an operator named {name!r} already exists in {self.url}") from exc
        if exists:
            raise OperatorError(f"an operator named {name!r} already exists in {self.url}; "
                                "rotate its key or change its policy instead")
        return key

    def rotate_key(self, name: str) -> str:
        """Give the operator a new API key and return it; the old key stops working at once."""
        key = _new_key(OPERATOR_KEY_PREFIX)
        with self._db.writing(f"operator {name!r}") as session:
            row = session.get(OperatorRow, name)
            if row is not None:
                row.key_hash = hash_key(key)
                row.updated_at = _later(row.updated_at)
        if row is None:
            raise self._unknown(name)
        return key

    def set_policy(self, name: str, policy_yaml: str | None, *, source: str | None = None) -> None:
        """Replace the operator's policy (None, or blank text, removes it); validated first."""
        text = _checked_policy(policy_yaml, source)
        with self._db.writing(f"the policy of operator {name!r}") as session:
            row = session.get(OperatorRow, name)
            if row is not None:
                row.policy_yaml = text
                row.updated_at = _later(row.updated_at)  # the gateway re-reads a policy when this moves
        if row is None:
            raise self._unknown(name)

    def remove(self, name: str) -> None:
        """Remove the operator; its key stops working. Its recorded turns and controls stay."""
        with self._db.writing(f"operator {name!r}") as session:
            row = session.get(OperatorRow, name)
            if row is not None:
                session.delete(row)
        if row is None:
            raise self._unknown(name)

    def get(self, name: str) -> Operator | None:
        """The operator with this name, or None."""
        with self._db.reading(f"operator {name!r}") as session:
            row = session.get(OperatorRow, name)
            return None if row is None else _operator(row)

    def by_key(self, key: str) -> Operator | None:
        """The operator whose API key this is, or None for any other string."""
        if not _plausible(key, OPERATOR_KEY_PREFIX):
            return None
        digest = hash_key(key)
        with self._db.reading("the operator for an API key") as session:
            row = session.scalars(select(OperatorRow).where(OperatorRow.key_hash == digest)).first()
            # The index lookup's timing depends only on the hash, which a caller cannot steer towards
            # a real key's hash; the constant-time compare is the check that decides.
            if row is None or not hmac.compare_digest(row.key_hash, digest):
                return None
            return _operator(row)

    def list(self) -> builtins.list[Operator]:
        """Every operator, by name."""
        with self._db.reading("the operators") as session:
            return [_operator(row) for row in session.scalars(select(OperatorRow).order_by(OperatorRow.name))]

    def names(self) -> builtins.list[str]:
        """Every operator's name, sorted."""
        with self._db.reading("the operator names") as session:
            return builtins.list(session.scalars(select(OperatorRow.name).order_by(OperatorRow.name)))

    def count(self) -> int:
        """How many operators there are."""
        with self._db.reading("the number of operators") as session:
            return int(session.scalar(select(func.count()).select_from(OperatorRow)) or 0)

    # ------------------------------------------------------------------ admin keys

    def add_admin_key(self, label: str) -> str:
        """Issue an admin key for the oversight endpoints and return it; it is not shown again."""
        _check_name(label, "admin key label")
        key = _new_key(ADMIN_KEY_PREFIX)
        exists = False
        try:
            with self._db.writing(f"admin key {label!r}") as session:
                exists = session.get(AdminKeyRow, label) is not None
                if not exists:
                    session.add(AdminKeyRow(label=label, key_hash=hash_key(key), created_at=datetime.now(UTC)))
        except Conflict as exc:
            raise OperatorError(f"an admin key labelled {label!r} already exists in {self.url}") from exc
        if exists:
            raise OperatorError(f"an admin key labelled {label!r} already exists in {self.url}; "
                                "revoke it first or choose another label")
        return key

    def is_admin_key(self, key: str) -> bool:
        """True when this is a current (not revoked) admin key."""
        if not _plausible(key, ADMIN_KEY_PREFIX):
            return False
        digest = hash_key(key)
        with self._db.reading("the admin keys") as session:
            stored = session.scalars(select(AdminKeyRow.key_hash).where(AdminKeyRow.key_hash == digest)).first()
        return stored is not None and hmac.compare_digest(stored, digest)

    def list_admin_keys(self) -> builtins.list[AdminKey]:
        """Every current admin key's label and issue time, by label."""
        with self._db.reading("the admin keys") as session:
            rows = session.scalars(select(AdminKeyRow).order_by(AdminKeyRow.label))
            return [AdminKey(label=row.label, created_at=utc(row.created_at)) for row in rows]

    def revoke_admin_key(self, label: str) -> None:
        """Revoke the admin key with this label; it stops working at once."""
        with self._db.writing(f"admin key {label!r}") as session:
            row = session.get(AdminKeyRow, label)
            if row is not None:
                session.delete(row)
        if row is None:
            known = [k.label for k in self.list_admin_keys()]
            raise OperatorError(f"no admin key labelled {label!r}; known: {_listing(known)}")

    # ------------------------------------------------------------------ lifetime


    def _unknown(self, name: str) -> OperatorError:
        return unknown_operator(name, self.names())


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise OperatorError(f"invalid {what} {name!r}: use 1 to 63 characters from a-z, 0-9, '_' and '-', "
                            "starting with a letter or digit")


def _checked_policy(policy_yaml: str | None, source: str | None) -> str | None:
    """The text to store: validated, and None for no policy (blank text included)."""
    if policy_yaml is None or not policy_yaml.strip():
        return None
    Policy.from_yaml(policy_yaml, file=source)  # raises PolicyError naming the key and line
    return policy_yaml


@lru_cache(maxsize=256)
def _parse_policy(text: str, name: str) -> Policy:
    # Policies are frozen, so one parsed instance can serve every request that carries the same text.
    return Policy.from_yaml(text, file=f"stored policy of operator {name!r}")


def _new_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(_KEY_BYTES)


def _plausible(key: object, prefix: str) -> bool:
    return isinstance(key, str) and key.startswith(prefix) and len(key) <= _KEY_MAX_CHARS


def _later(previous: datetime) -> datetime:
    """Now, but strictly after ``previous``: callers detect a change by ``updated_at`` moving."""
    return max(datetime.now(UTC), utc(previous) + timedelta(microseconds=1))


def _operator(row: OperatorRow) -> Operator:
    return Operator(name=row.name, policy_yaml=row.policy_yaml, created_at=utc(row.created_at),
                    updated_at=utc(row.updated_at))


def _listing(names: Iterable[str]) -> str:
    shown = builtins.list(names)
    if not shown:
        return "none"
    more = len(shown) - _SHOWN_NAMES
    return ", ".join(shown[:_SHOWN_NAMES]) + (f" and {more} more" if more > 0 else "")
