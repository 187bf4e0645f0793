"""The operator store against real databases: a SQLite file, and PostgreSQL (see tests/pg.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from charter.audit import AuditError, AuditStore, alembic_config
from charter.errors import CharterError, PolicyError
from charter.operators import Operator, OperatorError, OperatorStore, hash_key
from charter.policy import Policy
from pg import fresh_schema, postgres_server

__all__ = ["postgres_server"]  # a fixture, used through `database_url`

POLICY = """\
# AcmeBank's support deployment
operator:
  system_prompt: You are Sunny, AcmeBank's assistant.
behaviours: {profanity: on}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charter.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[OperatorStore]:
    with OperatorStore(database_url) as opened:
        yield opened


def table_text(url: str, table: str) -> str:
    """Every value of every row of ``table``, read with plain SQL, as one string."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return "\n".join(" | ".join(str(v) for v in row) for row in conn.execute(text(f"SELECT * FROM {table}")))
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- keys

def test_the_key_add_returns_finds_its_operator(store: OperatorStore) -> None:
    key = store.add("acme", POLICY)
    assert key.startswith("chk_") and len(key) == 4 + 43  # 32 random bytes, URL-safe base64
    found = store.by_key(key)
    assert isinstance(found, Operator)
    assert found.name == "acme" and found.policy_yaml == POLICY
    assert found.created_at.tzinfo is not None and found.created_at.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("mangle", [
    lambda k: k[:-1], lambda k: k + "x", lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),
    lambda k: k.upper(), lambda k: "cha_" + k[4:], lambda k: k[4:], lambda k: "", lambda k: "chk_",
    lambda k: k + "x" * 10_000,
], ids=["truncated", "extended", "last-char-changed", "upper-cased", "admin-prefix", "no-prefix", "empty",
        "prefix-only", "huge"])
def test_any_other_string_finds_no_operator(store: OperatorStore, mangle: Callable[[str], str]) -> None:
    key = store.add("acme")
    assert store.by_key(mangle(key)) is None


def test_every_key_is_different(store: OperatorStore) -> None:
    keys = {store.add(f"op{i}") for i in range(5)}
    keys.add(store.rotate_key("op0"))
    keys.add(store.add_admin_key("ann"))
    assert len(keys) == 7


def test_only_hashes_of_keys_are_stored(store: OperatorStore, database_url: str) -> None:
    key = store.add("acme", POLICY)
    admin = store.add_admin_key("ann")
    stored = table_text(database_url, "operators") + table_text(database_url, "admin_keys")
    for secret in (key, admin):
        assert secret not in stored and secret[4:] not in stored and secret[4:24] not in stored
    assert hash_key(key) in stored and hash_key(admin) in stored


def test_rotating_a_key_invalidates_the_old_one(store: OperatorStore) -> None:
    old = store.add("acme", POLICY)
    before = store.get("acme")
    new = store.rotate_key("acme")
    after = store.get("acme")
    assert new != old and new.startswith("chk_")
    assert store.by_key(old) is None
    assert store.by_key(new) == after
    assert before is not None and after is not None
    assert after.created_at == before.created_at and after.updated_at > before.updated_at
    assert after.policy_yaml == POLICY  # rotating changes nothing else


# ---------------------------------------------------------------------- names

@pytest.mark.parametrize("name", ["a", "0", "acme", "acme_prod-2", "a" * 63], ids=["one-letter", "one-digit",
                         "word", "underscore-and-dash", "63-chars"])
def test_valid_names_are_accepted(store: OperatorStore, name: str) -> None:
    store.add(name)
    assert store.get(name) is not None


@pytest.mark.parametrize("name", ["", "Acme", "-acme", "_acme", "a" * 64, "ac me", "acme!", "café", "*", "acme\n"],
                         ids=["empty", "upper-case", "leading-dash", "leading-underscore", "64-chars", "space",
                              "punctuation", "non-ascii", "star", "trailing-newline"])
def test_invalid_names_are_refused_saying_what_is_allowed(store: OperatorStore, name: str) -> None:
    with pytest.raises(OperatorError, match=r"invalid operator name .*a-z, 0-9"):
        store.add(name)
    with pytest.raises(OperatorError, match="invalid admin key label"):
        store.add_admin_key(name)
    assert store.count() == 0 and store.list_admin_keys() == []


def test_a_duplicate_name_is_refused_and_the_first_keeps_its_key(store: OperatorStore) -> None:
    key = store.add("acme", POLICY)
    with pytest.raises(OperatorError, match="an operator named 'acme' already exists"):
        store.add("acme")
    found = store.by_key(key)
    assert found is not None and found.policy_yaml == POLICY
    assert store.count() == 1


@pytest.mark.parametrize("call", ["rotate_key", "set_policy", "remove"])
def test_an_unknown_name_is_an_error_listing_the_known_ones(store: OperatorStore, call: str) -> None:
    args: tuple[object, ...] = ("nobody", None) if call == "set_policy" else ("nobody",)
    with pytest.raises(OperatorError, match=r"^no operator named 'nobody'; known: none$"):
        getattr(store, call)(*args)
    store.add("globex")
    store.add("acme")
    with pytest.raises(OperatorError, match=r"^no operator named 'nobody'; known: acme, globex$"):
        getattr(store, call)(*args)
    assert store.get("nobody") is None


# ---------------------------------------------------------------------- policies

@pytest.mark.parametrize(("policy", "line", "key", "problem"), [
    ("behaviours:\n  profanity: on\n  not_a_behaviour: on\n", 3, "behaviours.not_a_behaviour", "unknown"),
    ("operator:\n  name: Acme\nsurprise: 1\n", 3, "surprise", "unknown key 'surprise'"),
    ("users:\n  trust: [\n", 3, None, "YAML syntax error"),
    ("- a list\n", 1, None, "must be a mapping"),
], ids=["unknown-behaviour", "unknown-section", "bad-yaml", "not-a-mapping"])
def test_an_invalid_policy_is_refused_with_its_line_and_key(store: OperatorStore, policy: str, line: int,
                                                             key: str | None, problem: str) -> None:
    with pytest.raises(PolicyError, match=problem) as caught:
        store.add("acme", policy, source="acme.yaml")
    error = caught.value
    assert error.line == line and error.key == key
    assert str(error).startswith("acme.yaml:")
    assert store.count() == 0  # nothing half-added


def test_set_policy_round_trips_and_moves_updated_at(store: OperatorStore) -> None:
    store.add("acme")
    first = store.get("acme")
    assert first is not None and first.policy_yaml is None and first.policy() is None

    store.set_policy("acme", POLICY)
    second = store.get("acme")
    assert second is not None and second.policy_yaml == POLICY  # as written, comments kept
    policy = second.policy()
    assert isinstance(policy, Policy) and policy.behaviours == {"profanity": True}
    assert policy.operator.system_prompt == "You are Sunny, AcmeBank's assistant."
    assert second.updated_at > first.updated_at

    store.set_policy("acme", POLICY)  # the same text again still counts as a change
    third = store.get("acme")
    assert third is not None and third.updated_at > second.updated_at

    for cleared in (None, "", "  \n"):
        store.set_policy("acme", cleared)
        gone = store.get("acme")
        assert gone is not None and gone.policy_yaml is None and gone.policy() is None


def test_an_invalid_new_policy_leaves_the_old_one(store: OperatorStore) -> None:
    store.add("acme", POLICY)
    before = store.get("acme")
    with pytest.raises(PolicyError, match="nonsense"):
        store.set_policy("acme", "behaviours: {nonsense: on}\n")
    assert store.get("acme") == before


# ---------------------------------------------------------------------- listing and removing

def test_list_count_and_remove(store: OperatorStore) -> None:
    keys = {name: store.add(name) for name in ("globex", "acme", "initech")}
    assert [op.name for op in store.list()] == ["acme", "globex", "initech"]
    assert store.names() == ["acme", "globex", "initech"] and store.count() == 3
    store.remove("globex")
    assert store.by_key(keys["globex"]) is None and store.get("globex") is None
    assert store.by_key(keys["acme"]) is not None
    assert store.names() == ["acme", "initech"] and store.count() == 2
    store.add("globex")  # the name is free again, with a new key
    assert store.by_key(keys["globex"]) is None


# ---------------------------------------------------------------------- admin keys

def test_admin_keys_are_issued_checked_listed_and_revoked(store: OperatorStore) -> None:
    ann = store.add_admin_key("ann")
    oncall = store.add_admin_key("oncall")
    operator_key = store.add("acme")
    assert ann.startswith("cha_") and len(ann) == 47
    assert store.is_admin_key(ann) and store.is_admin_key(oncall)
    assert not store.is_admin_key(operator_key) and store.by_key(ann) is None  # the two kinds never mix
    assert not store.is_admin_key(ann[:-1]) and not store.is_admin_key("")
    assert [k.label for k in store.list_admin_keys()] == ["ann", "oncall"]
    assert all(k.created_at.tzinfo is not None for k in store.list_admin_keys())

    store.revoke_admin_key("ann")
    assert not store.is_admin_key(ann) and store.is_admin_key(oncall)
    assert [k.label for k in store.list_admin_keys()] == ["oncall"]
    with pytest.raises(OperatorError, match=r"^no admin key labelled 'ann'; known: oncall$"):
        store.revoke_admin_key("ann")
    with pytest.raises(OperatorError, match="an admin key labelled 'oncall' already exists"):
        store.add_admin_key("oncall")
    assert store.add_admin_key("ann") != ann  # a label may be reused after revoking, with a new key


# ---------------------------------------------------------------------- the database

def test_operators_survive_reopening_and_share_the_audit_database(database_url: str) -> None:
    with OperatorStore(database_url) as first:
        assert first.applied == ("0001", "0002", "0003", "0004")  # a new database gets the whole history
        key = first.add("acme", POLICY)
    with AuditStore(database_url) as audit:
        assert audit.applied == ()  # one history: the audit store finds it current
    with OperatorStore(database_url) as second:
        assert second.applied == ()
        found = second.by_key(key)
        assert found is not None and found.name == "acme"


def test_a_database_at_0001_is_upgraded_in_place_and_0002_downgrades(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0001")  # a database from before operators existed
    assert "operators" not in tables_of(database_url)
    with OperatorStore(database_url) as store:
        assert store.applied == ("0002", "0003", "0004")
        store.add("acme")
    assert {"turns", "operators", "admin_keys", "controls", "control_events"} <= tables_of(database_url)
    command.downgrade(config, "0001")
    assert tables_of(database_url) & {"operators", "admin_keys", "controls", "control_events"} == set()
    assert "turns" in tables_of(database_url)


def tables_of(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    store = OperatorStore(f"sqlite:///{tmp_path / 'charter.db'}")
    store.close()
    with pytest.raises(AuditError, match=r"operator store .* is closed"):
        store.list()


def test_an_unreachable_database_is_an_audit_error_with_the_password_masked() -> None:
    with pytest.raises(AuditError) as caught:
        OperatorStore("postgresql://ann:hunter2@127.0.0.1:1/charter")
    assert "ann:***@127.0.0.1:1" in str(caught.value) and "hunter2" not in str(caught.value)
    assert isinstance(caught.value, CharterError) and issubclass(OperatorError, CharterError)
