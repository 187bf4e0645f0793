"""`charter operators …`, `charter pause`, `charter resume` and `charter stop` over a real SQLite database."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

import pytest

from charter import paths
from charter.cli import operators as operators_cli
from charter.cli import oversight as oversight_cli
from charter.operators import OperatorStore
from charter.oversight import ControlStore

POLICY = "# support desk\nbehaviours: {profanity: on}\n"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'charter.db'}"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def charter(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `charter ARGV` through a parser holding only these modules' verbs; (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="charter")
    verbs = parser.add_subparsers(dest="verb", required=True)
    operators_cli.add_parser(verbs)
    oversight_cli.add_parser(verbs)
    args = parser.parse_args(list(argv))
    status: int = args.run(args)
    out, err = capsys.readouterr()
    return status, out, err


def add(capsys: pytest.CaptureFixture[str], url: str, name: str, *extra: str) -> str:
    status, out, _ = charter(capsys, "operators", "add", name, "--database", url, *extra)
    assert status == 0
    return out.strip()


# ---------------------------------------------------------------------- operators

def test_add_prints_only_the_key_on_stdout_and_says_it_is_not_shown_again(
        capsys: pytest.CaptureFixture[str], url: str, policy_file: Path) -> None:
    status, out, err = charter(capsys, "operators", "add", "acme", "--policy", str(policy_file), "--database", url)
    assert status == 0
    key = out.strip()
    assert out == key + "\n" and key.startswith("chk_")
    assert "added operator 'acme'" in err and "not shown again" in err and key not in err
    with OperatorStore(url) as store:
        found = store.by_key(key)
        assert found is not None and found.name == "acme" and found.policy_yaml == POLICY


@pytest.mark.parametrize(("argv", "problem"), [
    (["operators", "add", "Acme"], "invalid operator name 'Acme'"),
    (["operators", "add", "acme", "--policy", "missing.yaml"], "missing.yaml: policy file not found"),
    (["operators", "add", "acme", "--policy", "BAD"], "bad.yaml:2 behaviours.nonsense"),
], ids=["bad-name", "missing-policy-file", "invalid-policy"])
def test_add_refuses_bad_input_with_a_clear_message(capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path,
                                                    argv: list[str], problem: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text("behaviours:\n  nonsense: on\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("BAD", "bad.yaml") for a in argv]
    status, out, err = charter(capsys, *argv, "--database", url)
    assert status == 1 and out == ""
    assert err.startswith("charter operators: ") and problem in err
    with OperatorStore(url) as store:
        assert store.count() == 0


def test_a_duplicate_add_fails(capsys: pytest.CaptureFixture[str], url: str) -> None:
    add(capsys, url, "acme")
    status, out, err = charter(capsys, "operators", "add", "acme", "--database", url)
    assert status == 1 and out == "" and "an operator named 'acme' already exists" in err


def test_list_shows_policy_update_time_and_oversight_state(capsys: pytest.CaptureFixture[str], url: str,
                                                           policy_file: Path) -> None:
    status, out, err = charter(capsys, "operators", "list", "--database", url)
    assert status == 0 and out == "" and "no operators" in err and "charter operators add" in err

    add(capsys, url, "globex")
    add(capsys, url, "acme", "--policy", str(policy_file))
    add(capsys, url, "initech")
    with ControlStore(url) as controls:
        controls.pause("globex", "billing review", "ann via cli")
    status, out, _ = charter(capsys, "operators", "list", "--database", url)
    lines = out.splitlines()
    assert status == 0 and lines[0].split() == ["NAME", "POLICY", "UPDATED", "(UTC)", "STATE"]
    assert [line.split()[:2] for line in lines[1:]] == [["acme", "yes"], ["globex", "no"], ["initech", "no"]]
    assert lines[1].endswith("active") and lines[2].endswith("paused: billing review")

    with ControlStore(url) as controls:
        controls.stop(None, "incident", "ann via cli")
    _, out, _ = charter(capsys, "operators", "list", "--database", url)
    assert all(line.endswith("stopped (every operator): incident") for line in out.splitlines()[1:])


def test_remove_makes_the_key_useless(capsys: pytest.CaptureFixture[str], url: str) -> None:
    key = add(capsys, url, "acme")
    status, out, _ = charter(capsys, "operators", "remove", "acme", "--database", url)
    assert status == 0 and "removed operator 'acme'" in out
    with OperatorStore(url) as store:
        assert store.by_key(key) is None and store.count() == 0


@pytest.mark.parametrize("argv", [["remove", "nobody"], ["rotate-key", "nobody"], ["set-policy", "nobody", "--clear"]],
                         ids=["remove", "rotate-key", "set-policy"])
def test_an_unknown_operator_fails_naming_the_known_ones(capsys: pytest.CaptureFixture[str], url: str,
                                                         argv: list[str]) -> None:
    add(capsys, url, "acme")
    add(capsys, url, "globex")
    status, out, err = charter(capsys, "operators", *argv, "--database", url)
    assert status == 1 and out == ""
    assert err == "charter operators: no operator named 'nobody'; known: acme, globex\n"


def test_rotate_key_prints_a_new_key_and_the_old_one_stops_working(capsys: pytest.CaptureFixture[str],
                                                                   url: str) -> None:
    old = add(capsys, url, "acme")
    status, out, err = charter(capsys, "operators", "rotate-key", "acme", "--database", url)
    new = out.strip()
    assert status == 0 and new.startswith("chk_") and new != old
    assert "old key no longer works" in err and "not shown again" in err
    with OperatorStore(url) as store:
        assert store.by_key(old) is None
        found = store.by_key(new)
        assert found is not None and found.name == "acme"


def test_set_policy_replaces_and_clears(capsys: pytest.CaptureFixture[str], url: str, policy_file: Path,
                                        tmp_path: Path) -> None:
    add(capsys, url, "acme")
    status, out, _ = charter(capsys, "operators", "set-policy", "acme", str(policy_file), "--database", url)
    assert status == 0 and f"now uses the policy in {policy_file}" in out
    with OperatorStore(url) as store:
        found = store.get("acme")
        assert found is not None and found.policy_yaml == POLICY

    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  trust: boss\n", encoding="utf-8")
    status, _, err = charter(capsys, "operators", "set-policy", "acme", str(bad), "--database", url)
    assert status == 1 and f"{bad}:2 users.trust" in err
    with OperatorStore(url) as store:
        found = store.get("acme")
        assert found is not None and found.policy_yaml == POLICY  # unchanged

    status, out, _ = charter(capsys, "operators", "set-policy", "acme", "--clear", "--database", url)
    assert status == 0 and "removed the policy" in out
    with OperatorStore(url) as store:
        found = store.get("acme")
        assert found is not None and found.policy_yaml is None


@pytest.mark.parametrize("argv", [
    ["operators"], ["operators", "add"], ["operators", "set-policy", "acme"],
    ["operators", "set-policy", "acme", "p.yaml", "--clear"], ["operators", "admin-key"], ["pause", "--bogus"],
], ids=["no-action", "add-without-name", "set-policy-without-file-or-clear", "set-policy-with-both",
        "admin-key-without-action", "unknown-option"])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        charter(capsys, *argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err


# ---------------------------------------------------------------------- admin keys

def test_admin_keys_are_added_listed_and_revoked(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, err = charter(capsys, "operators", "admin-key", "list", "--database", url)
    assert status == 0 and out == "" and "no admin keys" in err

    status, out, err = charter(capsys, "operators", "admin-key", "add", "ann", "--database", url)
    key = out.strip()
    assert status == 0 and key.startswith("cha_") and "not shown again" in err
    with OperatorStore(url) as store:
        assert store.is_admin_key(key)

    status, out, _ = charter(capsys, "operators", "admin-key", "list", "--database", url)
    assert status == 0 and [line.split()[0] for line in out.splitlines()] == ["LABEL", "ann"]

    status, out, _ = charter(capsys, "operators", "admin-key", "revoke", "ann", "--database", url)
    assert status == 0 and "revoked admin key 'ann'" in out
    with OperatorStore(url) as store:
        assert not store.is_admin_key(key)
    status, _, err = charter(capsys, "operators", "admin-key", "revoke", "ann", "--database", url)
    assert status == 1 and "no admin key labelled 'ann'; known: none" in err


# ---------------------------------------------------------------------- pause, resume, stop

@pytest.mark.parametrize(("verb", "state"), [("pause", "paused"), ("stop", "stopped")])
def test_without_an_operator_the_switch_applies_to_every_operator(capsys: pytest.CaptureFixture[str], url: str,
                                                                  verb: str, state: str) -> None:
    add(capsys, url, "acme")
    status, out, err = charter(capsys, verb, "--reason", "incident 42", "--database", url)
    assert status == 0 and err == ""
    assert out.startswith(f"{state} every operator (the global switch); reason: incident 42.\n")
    with ControlStore(url) as controls:
        for operator in ("acme", "default", "never-added"):
            control = controls.state(operator)
            assert (control.state, control.scope, control.reason) == (state, "*", "incident 42")
        assert control.set_by == f"{getpass.getuser()} via cli"
        [event] = controls.history()
        assert (event.action, event.scope, event.set_by) == (verb, "*", f"{getpass.getuser()} via cli")


def test_an_operator_is_switched_alone_and_resumed(capsys: pytest.CaptureFixture[str], url: str) -> None:
    add(capsys, url, "acme")
    add(capsys, url, "globex")
    status, out, _ = charter(capsys, "pause", "--operator", "acme", "--database", url)
    assert status == 0 and out.startswith("paused operator 'acme'.")
    with ControlStore(url) as controls:
        assert controls.state("acme").state == "paused" and controls.state("globex").active

    status, out, _ = charter(capsys, "resume", "--operator", "acme", "--database", url)
    assert status == 0 and out.startswith("resumed operator 'acme'.")
    with ControlStore(url) as controls:
        assert controls.state("acme").active
        assert [e.action for e in controls.history()] == ["resume", "pause"]


def test_resume_says_which_switches_still_hold(capsys: pytest.CaptureFixture[str], url: str) -> None:
    add(capsys, url, "acme")
    add(capsys, url, "globex")
    charter(capsys, "stop", "--operator", "acme", "--database", url)
    charter(capsys, "pause", "--reason", "maintenance", "--database", url)

    status, out, _ = charter(capsys, "resume", "--operator", "globex", "--database", url)
    assert status == 0 and "'globex' stays paused by the global switch until `charter resume` " \
                            "(reason: maintenance)" in out

    status, out, _ = charter(capsys, "resume", "--database", url)
    assert status == 0 and out.startswith("resumed every operator (the global switch).")
    assert "still paused or stopped on their own (resume each with --operator): acme (stopped)" in out
    with ControlStore(url) as controls:
        assert controls.state("globex").active and controls.state("acme").state == "stopped"


def test_the_keyless_default_operator_may_be_paused(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, _ = charter(capsys, "pause", "--operator", "default", "--database", url)
    assert status == 0 and out.startswith("paused operator 'default'.")


@pytest.mark.parametrize("verb", ["pause", "stop", "resume"])
def test_an_unknown_operator_fails_and_nothing_changes(capsys: pytest.CaptureFixture[str], url: str,
                                                       verb: str) -> None:
    add(capsys, url, "acme")
    status, out, err = charter(capsys, verb, "--operator", "nobody", "--database", url)
    assert status == 1 and out == ""
    assert err == f"charter {verb}: no operator named 'nobody'; known: acme\n"
    with ControlStore(url) as controls:
        assert controls.history() == []


def test_the_database_defaults_to_the_environment(capsys: pytest.CaptureFixture[str], url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATABASE_URL_ENV, url)
    status, out, _ = charter(capsys, "operators", "add", "acme")
    assert status == 0
    status, _, _ = charter(capsys, "stop")
    assert status == 0
    with OperatorStore(url) as store, ControlStore(url) as controls:
        assert store.by_key(out.strip()) is not None and controls.state("acme").state == "stopped"


@pytest.mark.parametrize("argv", [["operators", "list"], ["pause"]], ids=["operators", "pause"])
def test_an_unreachable_database_fails_with_its_masked_url(capsys: pytest.CaptureFixture[str],
                                                           argv: list[str]) -> None:
    status, out, err = charter(capsys, *argv, "--database", "postgresql://ann:hunter2@127.0.0.1:1/charter")
    assert status == 1 and out == ""
    assert err.startswith(f"charter {argv[0]}: ") and "ann:***@127.0.0.1:1" in err and "hunter2" not in err
