"""Oversight switches against real databases: a SQLite file, and PostgreSQL (see tests/pg.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic, sleep

import pytest

from charter.audit import AuditError
from charter.operators import OperatorError, OperatorStore
from charter.oversight import Control, Controls, ControlStore, strictest
from pg import fresh_schema, postgres_server

__all__ = ["postgres_server"]  # a fixture, used through `database_url`

BY = "ann via cli"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charter.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def operators(database_url: str) -> Iterator[OperatorStore]:
    with OperatorStore(database_url) as opened:
        opened.add("acme")
        opened.add("globex")
        yield opened


@pytest.fixture
def store(database_url: str, operators: OperatorStore) -> Iterator[ControlStore]:
    with ControlStore(database_url) as opened:
        yield opened


def eventually(check: Callable[[], bool], *, within_s: float = 5.0) -> float:
    """Seconds until ``check()`` held; fails if it never did within ``within_s``."""
    start = monotonic()
    while not check():
        if monotonic() - start > within_s:
            pytest.fail(f"condition not met within {within_s} s")
        sleep(0.02)
    return monotonic() - start


# ---------------------------------------------------------------------- precedence

def test_a_new_database_is_active_for_everyone(store: ControlStore) -> None:
    control = store.state("acme")
    assert control == Control(state="active", scope="*") and control.active
    assert control.since is None and control.set_by is None
    assert store.snapshot() == {}


# (global switch, acme's own switch) -> (acme's state, the scope reported); globex has no switch of its own.
PRECEDENCE = [
    (None, None, "active", "*"),
    (None, "pause", "paused", "acme"),
    (None, "stop", "stopped", "acme"),
    ("pause", None, "paused", "*"),
    ("stop", None, "stopped", "*"),
    ("stop", "pause", "stopped", "*"),
    ("pause", "stop", "stopped", "acme"),
    ("pause", "pause", "paused", "*"),
    ("stop", "stop", "stopped", "*"),
    ("resume", "pause", "paused", "acme"),
    ("pause", "resume", "paused", "*"),
]


@pytest.mark.parametrize(("everyone", "own", "state", "scope"), PRECEDENCE,
                         ids=[f"global-{g or 'none'}-own-{o or 'none'}" for g, o, _, _ in PRECEDENCE])
def test_the_stricter_switch_governs(store: ControlStore, everyone: str | None, own: str | None, state: str,
                                    scope: str) -> None:
    for operator, action in ((None, everyone), ("acme", own)):
        if action == "resume":
            store.resume(operator, BY)
        elif action is not None:
            getattr(store, action)(operator, f"{action} {operator or 'all'}", BY)
    control = store.state("acme")
    assert (control.state, control.scope) == (state, scope)
    assert control.active == (state == "active")
    if state != "active":
        assert control.reason == f"{'pause' if state == 'paused' else 'stop'} {'all' if scope == '*' else 'acme'}"
    others = store.state("globex")
    assert others.scope == "*" and others.state == {"pause": "paused", "stop": "stopped"}.get(everyone or "", "active")


def test_strictest_prefers_the_global_switch_on_a_tie() -> None:
    paused_all = Control(state="paused", scope="*", reason="all")
    paused_one = Control(state="paused", scope="acme", reason="one")
    assert strictest(paused_all, paused_one) is paused_all
    assert strictest(Control(), paused_one) is paused_one
    assert strictest(Control(state="stopped"), Control(state="paused", scope="acme")).state == "stopped"


def test_resume_lifts_only_its_own_scope(store: ControlStore) -> None:
    store.stop(None, "incident 42", BY)
    store.pause("acme", "billing review", BY)
    assert store.state("globex").state == "stopped"

    lifted = store.resume(None, "bob via cli")
    assert lifted.state == "active" and lifted.scope == "*" and lifted.set_by == "bob via cli"
    assert store.state("globex").active
    still = store.state("acme")
    assert (still.state, still.scope, still.reason) == ("paused", "acme", "billing review")

    store.resume("acme", BY)
    assert store.state("acme").active


def test_a_switch_records_who_why_and_when(store: ControlStore) -> None:
    before = datetime.now(UTC)
    returned = store.pause("acme", "odd answers", BY)
    control = store.state("acme")
    assert control == returned
    assert (control.state, control.reason, control.set_by, control.scope) == ("paused", "odd answers", BY, "acme")
    assert control.since is not None and control.since.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= control.since <= datetime.now(UTC) + timedelta(seconds=1)


# ---------------------------------------------------------------------- history

def test_every_change_is_kept_in_the_history(store: ControlStore) -> None:
    store.pause("acme", "odd answers", BY)
    store.stop(None, "incident", "bob via gateway")
    store.resume(None, BY, reason="fixed")
    store.resume("acme", BY)
    events = store.history()
    assert [(e.scope, e.action, e.reason, e.set_by) for e in events] == [
        ("acme", "resume", "", BY),
        ("*", "resume", "fixed", BY),
        ("*", "stop", "incident", "bob via gateway"),
        ("acme", "pause", "odd answers", BY),
    ]
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    assert all(e.at.utcoffset() == timedelta(0) for e in events)
    assert [e.action for e in store.history("acme")] == ["resume", "pause"]
    assert [e.action for e in store.history("*", limit=1)] == ["resume"]
    assert store.history(limit=0) == []


# ---------------------------------------------------------------------- which names

def test_an_unknown_operator_cannot_be_switched(store: ControlStore) -> None:
    switches: list[Callable[[], Control]] = [lambda: store.pause("nobody", "x", BY),
                                             lambda: store.stop("nobody", "x", BY),
                                             lambda: store.resume("nobody", BY)]
    for switch in switches:
        with pytest.raises(OperatorError, match=r"^no operator named 'nobody'; known: acme, globex$"):
            switch()
    assert store.history() == [] and store.snapshot() == {}


def test_the_keyless_default_operator_can_be_switched_without_being_added(store: ControlStore) -> None:
    store.pause("default", "keyless traffic", BY)
    assert store.state("default").state == "paused"


def test_a_switch_outlives_its_operator_and_can_still_be_lifted(store: ControlStore,
                                                                operators: OperatorStore) -> None:
    store.stop("acme", "retired", BY)
    operators.remove("acme")
    assert store.state("acme").state == "stopped"  # re-adding the name would not silently restart it
    with pytest.raises(OperatorError, match=r"^no operator named 'acme'; known: globex$"):
        store.pause("acme", "again", BY)  # only lifting is allowed once the operator is gone
    assert store.state("acme").state == "stopped"
    store.resume("acme", BY)
    assert store.state("acme").active


@pytest.mark.parametrize(("operator", "by", "problem"), [
    ("*", BY, "not an operator name"),
    ("acme", "", "say who is acting"),
    ("acme", "x" * 256, "longer than the 255"),
], ids=["star-as-a-name", "nobody-acting", "overlong-by"])
def test_bad_switch_arguments_are_refused(store: ControlStore, operator: str, by: str, problem: str) -> None:
    with pytest.raises(OperatorError, match=problem):
        store.pause(operator, "x", by)
    assert store.history() == []


def test_two_processes_switching_a_new_scope_at_once_both_succeed(database_url: str, store: ControlStore) -> None:
    others = [ControlStore(database_url) for _ in range(3)]  # each its own engine, like a process
    barrier = threading.Barrier(len(others))
    failures: list[BaseException] = []

    def pause(s: ControlStore, n: int) -> None:
        barrier.wait()
        try:
            s.pause("acme", f"from {n}", BY)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=pause, args=(s, n)) for n, s in enumerate(others)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in others:
            s.close()
    assert failures == []
    assert store.state("acme").state == "paused" and len(store.history("acme")) == 3


# ---------------------------------------------------------------------- the cache

def test_a_pause_through_one_process_reaches_the_others_cache_within_its_ttl(database_url: str,
                                                                              store: ControlStore) -> None:
    with ControlStore(database_url) as other_process:
        controls = Controls(other_process, ttl_s=0.2)
        assert controls.state("acme").active
        store.pause("acme", "odd answers", BY)
        eventually(lambda: controls.state("acme").state == "paused")
        store.stop(None, "incident", BY)
        eventually(lambda: controls.state("globex").state == "stopped")
        store.resume(None, BY)
        eventually(lambda: controls.state("globex").active)
        assert controls.state("acme").state == "paused"


def test_the_cache_reads_at_most_once_per_ttl(database_url: str, store: ControlStore) -> None:
    with ControlStore(database_url) as other_process:
        controls = Controls(other_process, ttl_s=3600)
        assert controls.state("acme").active
        store.pause("acme", "odd answers", BY)
        assert controls.state("acme").active  # still the cached read: an hour has not passed
        controls.invalidate()
        assert controls.state("acme").state == "paused"


def test_changes_through_the_cache_are_seen_at_once(store: ControlStore) -> None:
    controls = Controls(store, ttl_s=3600)
    assert controls.state("acme").active
    assert controls.stop("acme", "now", BY).state == "stopped"
    assert controls.state("acme").state == "stopped"
    controls.pause(None, "all", BY)
    assert controls.state("globex").state == "paused"
    controls.resume("acme", BY)
    assert (controls.state("acme").state, controls.state("acme").scope) == ("paused", "*")


def test_the_cache_is_safe_to_share_between_threads(database_url: str, store: ControlStore) -> None:
    with ControlStore(database_url) as other_process:
        controls = Controls(other_process, ttl_s=0.05)
        seen: list[str] = []
        failures: list[BaseException] = []

        def watch() -> None:
            try:
                deadline = monotonic() + 10
                while monotonic() < deadline:
                    if controls.state("acme").state == "stopped":
                        seen.append("stopped")
                        return
                    sleep(0.01)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=watch) for _ in range(4)]
        for t in threads:
            t.start()
        store.stop(None, "incident", BY)
        for t in threads:
            t.join()
        assert failures == [] and seen == ["stopped"] * 4


def test_a_failed_read_is_an_error_not_a_stale_answer(tmp_path: Path) -> None:
    store = ControlStore(f"sqlite:///{tmp_path / 'charter.db'}")
    controls = Controls(store, ttl_s=0)
    assert controls.state("default").active
    controls.close()
    with pytest.raises(AuditError, match="closed"):
        controls.state("default")
    with pytest.raises(ValueError, match="ttl_s"):
        Controls(store, ttl_s=-1)
