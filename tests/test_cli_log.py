"""`charter log` over a real SQLite audit store."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from charter import paths
from charter.audit import AuditStore
from charter.cli import log
from charter.decision import Decision
from charter.principals import Message, Principal, Source
from charter.record import Outcome, Repair, RepairKind, Timings, TurnRecord
from charter.signals import Priority, Reason
from charter.weighing import Action

START = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def make_turn(n: int, *, operator: str = "acme", action: Action = Action.HELP) -> TurnRecord:
    return TurnRecord(
        id=f"{n:02d}" + "ab" * 15, created_at=START + timedelta(minutes=n), operator=operator,
        input=[Message(principal=Principal.OPERATOR, source=Source.SYSTEM, text="You are Sunny.", index=0),
               Message(principal=Principal.USER, source=Source.USER, text=f"question number {n}", index=1)],
        decision=Decision(action=action, obligations=["state_limits"] if action == Action.DECLINE else [],
                          reasons=[Reason(priority=Priority.HELPFULNESS, rule="helpfulness", text="be helpful")]),
        backend="fake:comply", output=f"answer number {n}\nsecond line",
        outcome=Outcome.REPAIRED if n == 2 else Outcome.OK,
        repairs=[Repair(attempt=1, kind=RepairKind.APPEND, rules=["emergency_resources"], text="Call 988.")]
        if n == 2 else [],
        timings=Timings(assess_ms=10, generate_ms=90, total_ms=105),
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.db'}"


@pytest.fixture
def turns(url: str) -> Iterator[list[TurnRecord]]:
    recorded = [make_turn(1), make_turn(2), make_turn(3, operator="globex"), make_turn(4, action=Action.DECLINE)]
    with AuditStore(url) as store:
        for turn in recorded:
            store.record(turn)
    yield recorded


def charter_log(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `charter log ARGV` through a parser holding only this verb; (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="charter")
    log.add_parser(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(["log", *argv])
    status: int = args.run(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_lists_summaries_with_the_newest_at_the_bottom(capsys: pytest.CaptureFixture[str], url: str,
                                                       turns: list[TurnRecord]) -> None:
    status, out, err = charter_log(capsys, "--database", url)
    assert status == 0 and err == ""
    assert out.splitlines() == [t.summary() for t in turns]
    assert "repairs=emergency_resources" in out.splitlines()[1]


@pytest.mark.parametrize(("argv", "expected"), [
    (["--limit", "2"], [3, 4]),
    (["--operator", "acme"], [1, 2, 4]),
    (["--operator", "acme", "--limit", "1"], [4]),
], ids=["limit-keeps-the-newest", "one-operator", "operator-and-limit"])
def test_limit_and_operator_choose_which_turns(capsys: pytest.CaptureFixture[str], url: str,
                                               turns: list[TurnRecord], argv: list[str], expected: list[int]) -> None:
    status, out, _ = charter_log(capsys, "--database", url, *argv)
    assert status == 0
    assert out.splitlines() == [turns[n - 1].summary() for n in expected]


def test_json_writes_one_full_record_per_line(capsys: pytest.CaptureFixture[str], url: str,
                                              turns: list[TurnRecord]) -> None:
    status, out, _ = charter_log(capsys, "--database", url, "--json")
    assert status == 0
    assert [TurnRecord.model_validate(json.loads(line)) for line in out.splitlines()] == turns


def test_show_prints_one_turn_in_full(capsys: pytest.CaptureFixture[str], url: str,
                                      turns: list[TurnRecord]) -> None:
    turn = turns[1]
    status, out, _ = charter_log(capsys, "--database", url, "--show", turn.id[:12])
    assert status == 0
    assert out.startswith(f"turn        {turn.id}\n")
    for expected in ("operator    acme", "outcome     repaired", "total 105 ms, Charter 15 ms",
                     "[helpfulness] helpfulness: be helpful", "repair after attempt 1: append for emergency_resources",
                     "    answer number 2\n    second line", "    question number 2"):
        assert expected in out


def test_show_with_json_writes_the_record(capsys: pytest.CaptureFixture[str], url: str,
                                          turns: list[TurnRecord]) -> None:
    status, out, _ = charter_log(capsys, "--database", url, "--show", turns[3].id, "--json")
    assert status == 0
    assert TurnRecord.model_validate_json(out) == turns[3]


@pytest.mark.parametrize(("argv", "problem"), [
    (["--show", "ffffffffff"], "no turn 'ffffffffff'"),
    (["--show", "03abab", "--operator", "acme"], "for operator 'acme'"),
    (["--show", "0"], "at least 6 characters"),
    (["--show", "0", "--operator", "acme"], "no turn '0'"),
], ids=["unknown-id", "other-operators-turn", "prefix-too-short", "short-and-scoped"])
def test_show_of_a_missing_turn_fails_and_says_why(capsys: pytest.CaptureFixture[str], url: str,
                                                   turns: list[TurnRecord], argv: list[str], problem: str) -> None:
    status, out, err = charter_log(capsys, "--database", url, *argv)
    assert status == 1 and out == ""
    assert problem in err


def test_an_ambiguous_prefix_fails_and_a_longer_one_succeeds(capsys: pytest.CaptureFixture[str], url: str) -> None:
    first, second = make_turn(1).model_copy(update={"id": "cafe001" + "0" * 25}), make_turn(2).model_copy(
        update={"id": "cafe002" + "0" * 25})
    with AuditStore(url) as store:
        store.record(first)
        store.record(second)
    status, out, err = charter_log(capsys, "--database", url, "--show", "cafe00")
    assert status == 1 and out == ""
    assert "matches more than one turn" in err and first.id in err
    status, out, _ = charter_log(capsys, "--database", url, "--show", "cafe002")
    assert status == 0 and out.startswith(f"turn        {second.id}\n")


def test_an_empty_store_says_so_and_succeeds(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, err = charter_log(capsys, "--database", url)
    assert status == 0 and out == ""
    assert "no turns recorded" in err and url in err


def test_an_empty_operator_says_whose(capsys: pytest.CaptureFixture[str], url: str, turns: list[TurnRecord]) -> None:
    status, out, err = charter_log(capsys, "--database", url, "--operator", "initech")
    assert status == 0 and out == "" and "for operator 'initech'" in err


def test_an_unreachable_database_fails_with_its_masked_url(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = charter_log(capsys, "--database", "postgresql://ann:hunter2@127.0.0.1:1/charter")
    assert status == 1 and out == ""
    assert err.startswith("charter log: ") and "ann:***@127.0.0.1:1" in err and "hunter2" not in err


def test_the_database_defaults_to_the_environment(capsys: pytest.CaptureFixture[str], url: str,
                                                  turns: list[TurnRecord], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATABASE_URL_ENV, url)
    status, out, _ = charter_log(capsys, "--limit", "1")
    assert status == 0 and out == turns[-1].summary() + "\n"


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_a_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str], url: str, limit: str) -> None:
    with pytest.raises(SystemExit) as exited:
        charter_log(capsys, "--database", url, "--limit", limit)
    assert exited.value.code == 2
    assert "--limit" in capsys.readouterr().err
