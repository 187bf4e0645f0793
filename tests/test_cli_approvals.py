"""`charter approvals list|approve|deny` over a real SQLite database."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

import pytest

from charter.agents.approvals import Approval, ApprovalStore
from charter.cli import approvals as approvals_cli

WIRE = {"to": "bob", "amount": 2500}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'charter.db'}"


@pytest.fixture
def queued(url: str) -> list[Approval]:
    """Three held calls: acme's send_money and delete_file, then globex's send_email."""
    with ApprovalStore(url) as store:
        return [store.request("acme", "send_money", WIRE, ["send_money moves money"]),
                store.request("acme", "delete_file", {"path": "/srv/report.pdf"}, ["deletes a file"]),
                store.request("globex", "send_email", '{"to": "x@example.com"', ["sends email", "tainted"])]


def charter(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `charter ARGV` through a parser holding only the approvals verb; (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="charter")
    verbs = parser.add_subparsers(dest="verb", required=True)
    approvals_cli.add_parser(verbs)
    args = parser.parse_args(list(argv))
    status: int = args.run(args)
    out, err = capsys.readouterr()
    return status, out, err


def me() -> str:
    return f"{getpass.getuser()} via cli"


# ---------------------------------------------------------------------- list

def test_list_shows_the_pending_queue_oldest_first_with_arguments_and_reasons(
        capsys: pytest.CaptureFixture[str], url: str, queued: list[Approval]) -> None:
    status, out, err = charter(capsys, "approvals", "list", "--database", url)
    assert status == 0 and err == ""
    blocks = out.strip().split("\n\n")
    assert [b.split()[0] for b in blocks] == [a.id for a in queued]
    first = blocks[0].splitlines()
    assert "operator acme" in first[0] and "tool send_money" in first[0] and first[0].endswith("pending")
    assert first[1] == '  arguments: {"to": "bob", "amount": 2500}'
    assert first[2] == "  why: send_money moves money"
    assert '  arguments: "{\\"to\\": \\"x@example.com\\""' in blocks[2]  # a raw string, shown whole and quoted


@pytest.mark.parametrize(("flags", "expected"), [
    ([], [1]),
    (["--all"], [2, 1, 0]),
    (["--status", "approved"], [0]),
    (["--status", "pending", "--operator", "acme"], [1]),
    (["--all", "--operator", "globex"], [2]),
], ids=["pending-by-default", "all-newest-first", "one-status", "one-operator-pending", "one-operator-all"])
def test_list_json_selects_by_status_and_operator(capsys: pytest.CaptureFixture[str], url: str,
                                                   queued: list[Approval], flags: list[str],
                                                   expected: list[int]) -> None:
    with ApprovalStore(url) as store:
        store.approve(queued[0].id, "ann")
        store.deny(queued[2].id, "ann")
    status, out, _ = charter(capsys, "approvals", "list", "--json", "--database", url, *flags)
    assert status == 0
    listed = json.loads(out)
    assert [a["id"] for a in listed] == [queued[i].id for i in expected]
    assert all(Approval.model_validate(a).id for a in listed)


def test_list_of_an_empty_queue_says_so(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, err = charter(capsys, "approvals", "list", "--database", url)
    assert status == 0 and out == ""
    assert err.startswith("charter approvals: no pending approvals in sqlite:///")
    status, out, _ = charter(capsys, "approvals", "list", "--json", "--database", url)
    assert status == 0 and json.loads(out) == []


def test_list_shows_decisions_with_who_and_the_note(capsys: pytest.CaptureFixture[str], url: str,
                                                    queued: list[Approval]) -> None:
    with ApprovalStore(url) as store:
        store.deny(queued[1].id, "ann via cli", note="keep the report")
    status, out, _ = charter(capsys, "approvals", "list", "--status", "denied", "--database", url)
    assert status == 0
    assert out.splitlines()[-1].startswith("  denied by ann via cli at ")
    assert out.rstrip().endswith(": keep the report")


def test_control_characters_from_the_model_never_reach_the_terminal(capsys: pytest.CaptureFixture[str],
                                                                    url: str) -> None:
    with ApprovalStore(url) as store:
        store.request("acme", "send\x1b[2Jmoney", {"memo": "\x9b31m"}, ["looks\x07 odd\u202e"])
    status, out, _ = charter(capsys, "approvals", "list", "--database", url)
    assert status == 0
    assert not any(c in out for c in "\x1b\x9b\x07\u202e")
    assert "send\\x1b[2Jmoney" in out and "\\x9b31m" in out and "\\u202e" in out
    status, out, _ = charter(capsys, "approvals", "list", "--json", "--database", url)
    assert status == 0 and out.isascii() and json.loads(out)[0]["tool"] == "send\x1b[2Jmoney"


# ---------------------------------------------------------------------- approve and deny

@pytest.mark.parametrize(("verb", "status", "said"), [
    ("approve", "approved", "may run now"),
    ("deny", "denied", "will not run; the agent is told: not to bob"),
], ids=["approve", "deny"])
def test_a_decision_is_recorded_as_the_os_user_via_cli(capsys: pytest.CaptureFixture[str], url: str,
                                                       queued: list[Approval], verb: str, status: str,
                                                       said: str) -> None:
    target = queued[0].id
    code, out, err = charter(capsys, "approvals", verb, target, "--note", "not to bob", "--database", url)
    assert code == 0 and err == ""
    assert out.startswith(f"{status} {target}: the call to send_money (operator acme)") and said in out
    with ApprovalStore(url) as store:
        decided = store.get(target)
        assert decided is not None
        assert (decided.status, decided.decided_by, decided.note) == (status, me(), "not to bob")
        assert [a.id for a in store.pending()] == [queued[1].id, queued[2].id]


def test_deciding_again_fails_and_names_who_decided(capsys: pytest.CaptureFixture[str], url: str,
                                                    queued: list[Approval]) -> None:
    assert charter(capsys, "approvals", "deny", queued[0].id, "--database", url)[0] == 0
    status, out, err = charter(capsys, "approvals", "approve", queued[0].id, "--database", url)
    assert status == 1 and out == ""
    assert err.startswith(f"charter approvals: cannot approve '{queued[0].id}': already denied by {me()} at ")
    with ApprovalStore(url) as store:
        still = store.get(queued[0].id)
        assert still is not None and still.status == "denied"


def test_an_unknown_id_is_a_clear_error(capsys: pytest.CaptureFixture[str], url: str, queued: list[Approval]) -> None:
    status, out, err = charter(capsys, "approvals", "approve", "apr_nosuchthing", "--database", url)
    assert status == 1 and out == ""
    assert err.startswith("charter approvals: no approval 'apr_nosuchthing' in sqlite:///")


def test_status_and_all_cannot_be_combined(capsys: pytest.CaptureFixture[str], url: str) -> None:
    with pytest.raises(SystemExit) as caught:
        charter(capsys, "approvals", "list", "--all", "--status", "denied", "--database", url)
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
