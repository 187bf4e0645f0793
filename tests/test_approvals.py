"""The approval queue against real databases: a SQLite file, and PostgreSQL (see tests/pg.py)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from charter.agents.approvals import (
    AlreadyDecided,
    Approval,
    ApprovalError,
    ApprovalNotFound,
    ApprovalStatus,
    ApprovalStore,
    result_text,
)
from charter.audit import AuditError, AuditStore, alembic_config
from charter.errors import CharterError
from pg import fresh_schema, postgres_server

__all__ = ["postgres_server"]  # a fixture, used through `database_url`

WIRE = {"to": "IBAN DE89 3704 0044 0532 0130 00", "amount": 2500, "memo": "inv\u00e9 #42", "urgent": True}
WHY = ["send_money moves money", "the call came from instructions in a tool result"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charter.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[ApprovalStore]:
    with ApprovalStore(database_url) as opened:
        yield opened


def held(store: ApprovalStore, operator: str = "acme", tool: str = "send_money", **kw: Any) -> Approval:
    return store.request(operator, tool, kw.pop("arguments", WIRE), kw.pop("reasons", WHY), **kw)


# ---------------------------------------------------------------------- requesting

def test_a_request_is_pending_with_a_short_random_id_and_reads_back_equal(store: ApprovalStore) -> None:
    before = datetime.now(UTC)
    approval = held(store, conversation_digest="sha256:" + "ab" * 32)
    assert re.fullmatch(r"apr_[A-Za-z0-9_-]{12}", approval.id)
    assert approval.status == "pending" and not approval.decided
    assert (approval.decided_by, approval.decided_at, approval.note) == (None, None, "")
    assert approval.arguments == WIRE and approval.reasons == WHY
    assert before - timedelta(seconds=1) <= approval.created_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert approval.created_at.tzinfo is not None
    assert store.get(approval.id) == approval
    assert held(store).id != approval.id


def test_raw_string_arguments_are_kept_as_written(store: ApprovalStore) -> None:
    raw = '{"to": "bob", "amount": 25'  # the model wrote broken JSON; a person should still see it
    approval = held(store, arguments=raw)
    assert approval.arguments == raw
    assert store.get(approval.id) == approval


def test_the_approval_lives_in_the_audit_database(database_url: str) -> None:
    with ApprovalStore(database_url) as approvals:
        approval = held(approvals)
    with AuditStore(database_url) as audit:
        assert audit.applied == ()  # the approvals table came with the same migration history
    with ApprovalStore(database_url) as reopened:
        assert reopened.get(approval.id) == approval


BAD_REQUESTS = [
    ({"operator": ""}, "operator must be a non-empty string"),
    ({"operator": "x" * 256}, "operator is 256 characters, longer than the 255"),
    ({"tool": ""}, "tool must be a non-empty string"),
    ({"arguments": ["to", "bob"]}, "arguments of the call to 'send_money' must be a JSON object"),
    ({"arguments": {"when": datetime(2025, 1, 1)}}, "arguments of the call to 'send_money' cannot be stored as JSON"),
    ({"arguments": {"amount": float("nan")}}, "cannot be stored as JSON"),
    ({"reasons": "moves money"}, "reasons for the call to 'send_money' must be a list of strings"),
    ({"reasons": [1]}, "must be a list of strings"),
    ({"conversation_digest": "d" * 129}, "conversation_digest is 129 characters"),
]


@pytest.mark.parametrize(("change", "problem"), BAD_REQUESTS,
                         ids=["no-operator", "long-operator", "no-tool", "list-arguments", "datetime-argument",
                              "nan-argument", "reasons-not-list", "reason-not-string", "long-digest"])
def test_a_bad_request_is_refused_by_field_and_nothing_is_queued(store: ApprovalStore, change: dict[str, Any],
                                                                  problem: str) -> None:
    call: dict[str, Any] = {"operator": "acme", "tool": "send_money", "arguments": WIRE, "reasons": WHY, **change}
    with pytest.raises(ApprovalError, match=re.escape(problem)) as caught:
        store.request(**call)
    assert isinstance(caught.value, CharterError)
    assert store.list() == []


def test_a_database_at_0002_gains_the_queue_in_place_and_0003_downgrades(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0002")  # a database from before approvals existed
    assert "approvals" not in tables_of(database_url)
    with ApprovalStore(database_url) as store:
        assert store.applied == ("0003", "0004")
        held(store)
    with ApprovalStore(database_url) as store:
        assert store.applied == () and len(store.pending()) == 1
    command.downgrade(config, "0002")
    assert "approvals" not in tables_of(database_url) and "operators" in tables_of(database_url)


def tables_of(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- reading

def test_pending_is_the_queue_oldest_first_without_decided_calls(store: ApprovalStore) -> None:
    first, second, third = held(store, tool="a"), held(store, tool="b"), held(store, tool="c")
    assert [a.id for a in store.pending()] == [first.id, second.id, third.id]
    store.deny(second.id, "ann")
    assert [a.id for a in store.pending()] == [first.id, third.id]
    assert [a.id for a in store.pending(limit=1)] == [first.id]
    assert store.pending(limit=0) == []


def test_list_is_newest_first_and_filters_by_status(store: ApprovalStore) -> None:
    first, second, third = held(store, tool="a"), held(store, tool="b"), held(store, tool="c")
    store.approve(first.id, "ann")
    store.deny(third.id, "bob")
    assert [a.id for a in store.list()] == [third.id, second.id, first.id]
    assert [a.id for a in store.list(limit=2)] == [third.id, second.id]
    assert [a.id for a in store.list(status="approved")] == [first.id]
    assert [a.id for a in store.list(status="denied")] == [third.id]
    assert [a.id for a in store.list(status="pending")] == [second.id]


def test_operators_see_only_their_own_approvals(store: ApprovalStore) -> None:
    mine, theirs = held(store, "acme"), held(store, "globex")
    assert store.get(mine.id, operator="acme") == mine
    assert store.get(theirs.id, operator="acme") is None  # as absent as an id that never was
    assert [a.id for a in store.pending(operator="globex")] == [theirs.id]
    assert [a.id for a in store.list(operator="acme")] == [mine.id]


@pytest.mark.parametrize("unknown", ["apr_000000000000", "apr_", "", "apr_" + "x" * 500],
                         ids=["well-formed", "prefix-only", "empty", "overlong"])
def test_an_unknown_id_reads_as_none(store: ApprovalStore, unknown: str) -> None:
    held(store)
    assert store.get(unknown) is None


def test_bad_list_arguments_are_named(store: ApprovalStore) -> None:
    with pytest.raises(ApprovalError, match="unknown approval status 'maybe'; use one of: pending, approved, denied"):
        store.list(status="maybe")
    with pytest.raises(ValueError, match="limit must be 0 or more, got -1"):
        store.pending(limit=-1)


# ---------------------------------------------------------------------- deciding

@pytest.mark.parametrize(("verb", "status"), [("approve", "approved"), ("deny", "denied")])
def test_a_decision_records_who_when_and_why(store: ApprovalStore, verb: str, status: str) -> None:
    approval = held(store)
    decided = getattr(store, verb)(approval.id, "ann via cli", note="checked with finance")
    assert (decided.status, decided.decided_by, decided.note) == (status, "ann via cli", "checked with finance")
    assert decided.decided and decided.decided_at is not None and decided.decided_at >= approval.created_at
    assert decided.model_dump(exclude={"status", "decided_by", "decided_at", "note"}) == \
        approval.model_dump(exclude={"status", "decided_by", "decided_at", "note"})
    assert store.get(approval.id) == decided


# (first decision, second decision) -> what the second is told
TWICE = [("approve", "deny", "already approved by ann"), ("deny", "approve", "already denied by ann"),
         ("approve", "approve", "already approved by ann"), ("deny", "deny", "already denied by ann")]


@pytest.mark.parametrize(("first", "second", "problem"), TWICE, ids=[f"{f}-then-{s}" for f, s, _ in TWICE])
def test_deciding_twice_is_refused_and_the_first_decision_stands(store: ApprovalStore, first: str, second: str,
                                                                 problem: str) -> None:
    approval = held(store)
    decided = getattr(store, first)(approval.id, "ann", note="first")
    with pytest.raises(AlreadyDecided, match=problem) as caught:
        getattr(store, second)(approval.id, "bob", note="second")
    assert f"cannot {second} {approval.id!r}" in str(caught.value)
    assert caught.value.approval == decided
    assert store.get(approval.id) == decided


@pytest.mark.parametrize("verb", ["approve", "deny"])
def test_deciding_an_unknown_id_names_it(store: ApprovalStore, verb: str) -> None:
    with pytest.raises(ApprovalNotFound, match="no approval 'apr_nosuchthing' in "):
        getattr(store, verb)("apr_nosuchthing", "ann")


@pytest.mark.parametrize("by", ["", "   "], ids=["empty", "blank"])
def test_a_decision_must_say_who_decided(store: ApprovalStore, by: str) -> None:
    approval = held(store)
    with pytest.raises(ApprovalError, match="say who is deciding"):
        store.approve(approval.id, by)
    assert store.get(approval.id) == approval


def test_racing_deciders_in_separate_processes_have_exactly_one_winner(database_url: str) -> None:
    with ApprovalStore(database_url) as setup:
        approval = held(setup)
    deciders = [ApprovalStore(database_url) for _ in range(6)]  # each its own engine, like a process
    barrier = threading.Barrier(len(deciders))
    won: list[Approval] = []
    lost: list[AlreadyDecided] = []
    failures: list[BaseException] = []

    def decide(index: int, store: ApprovalStore) -> None:
        barrier.wait()
        try:
            verb = store.approve if index % 2 else store.deny
            won.append(verb(approval.id, f"decider {index}"))
        except AlreadyDecided as exc:
            lost.append(exc)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=decide, args=(i, s)) for i, s in enumerate(deciders)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(won) == 1 and len(lost) == len(deciders) - 1
        winner = won[0]
        assert all(f"already {winner.status} by {winner.decided_by}" in str(exc) for exc in lost)
        assert deciders[0].get(approval.id) == winner
    finally:
        for s in deciders:
            s.close()


# ---------------------------------------------------------------------- waiting

def test_wait_returns_as_soon_as_another_process_decides(database_url: str, store: ApprovalStore) -> None:
    approval = held(store)

    def decide_later() -> None:
        with ApprovalStore(database_url) as other:
            other.approve(approval.id, "ann", note="fine")

    timer = threading.Timer(0.3, decide_later)
    start = monotonic()
    timer.start()
    try:
        decided = store.wait(approval.id, timeout_s=10, poll_s=0.05)
    finally:
        timer.join()
    assert decided.status == "approved" and decided.note == "fine"
    assert 0.25 <= monotonic() - start < 5


def test_wait_gives_up_after_the_timeout_still_pending(store: ApprovalStore) -> None:
    approval = held(store)
    start = monotonic()
    still = store.wait(approval.id, timeout_s=0.3, poll_s=0.05)
    took = monotonic() - start
    assert still == approval and still.status == "pending"
    assert 0.3 <= took < 2


def test_wait_on_a_decided_call_returns_at_once_and_an_unknown_id_is_an_error(store: ApprovalStore) -> None:
    approval = held(store)
    denied = store.deny(approval.id, "ann")
    start = monotonic()
    assert store.wait(approval.id, timeout_s=30) == denied
    assert monotonic() - start < 1
    with pytest.raises(ApprovalNotFound, match="no approval 'apr_missing000'"):
        store.wait("apr_missing000", timeout_s=0)
    with pytest.raises(ValueError, match="poll_s must be more than 0"):
        store.wait(approval.id, timeout_s=1, poll_s=0)


# ---------------------------------------------------------------------- what the agent is told

def _as(status: ApprovalStatus, by: str | None = None, note: str = "") -> Approval:
    return Approval(id="apr_abcdefghijkl", created_at=datetime(2025, 1, 1, tzinfo=UTC), operator="acme",
                    tool="send_money", arguments=WIRE, reasons=WHY, status=status,
                    decided_by=by, decided_at=None if by is None else datetime(2025, 1, 1, 0, 5, tzinfo=UTC),
                    note=note)


RESULTS = [
    (_as("pending"), "pending: waiting for a person to approve the call to send_money (id apr_abcdefghijkl); "
                     "it has not run"),
    (_as("denied", "alice", "not to unknown accounts"), "denied by alice: not to unknown accounts"),
    (_as("denied", "alice"), "denied by alice"),
    (_as("approved", "bob", "ok"), "approved by bob: ok"),
]


@pytest.mark.parametrize(("approval", "text"), RESULTS, ids=["pending", "denied-with-note", "denied", "approved"])
def test_result_text_is_the_plain_message_an_agent_gets(approval: Approval, text: str) -> None:
    assert result_text(approval) == text


# ---------------------------------------------------------------------- lifetime

def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    store = ApprovalStore(f"sqlite:///{tmp_path / 'charter.db'}")
    approval = held(store)
    store.close()
    with pytest.raises(AuditError, match=r"approval store .* is closed"):
        store.get(approval.id)
    assert "charter.db" in repr(store)
