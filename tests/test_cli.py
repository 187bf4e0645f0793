"""The `charter` command: the assess contract over stdin, arguments and JSONL, and policy checks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from charter.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ["id", "action", "hard_limit", "obligations", "categories", "signals", "behaviours", "reasons",
            "latency_ms"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | bytes | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        data = stdin.encode() if isinstance(stdin, str) else stdin
        fake = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", fake)
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_one_conversation_as_an_argument_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    conv = json.dumps({"id": "k", "messages": [{"role": "user", "content": "How do I kill a stuck Linux process?"}]})
    status, out, _ = run(["assess", conv], capsys)
    result = json.loads(out)
    assert status == 0 and list(result) == CONTRACT
    assert result["id"] == "k" and result["action"] == "help"


def test_one_conversation_on_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [{"role": "user", "content": "I've saved my pills for tonight."}]
    status, out, _ = run(["assess"], capsys, stdin=json.dumps(messages), monkeypatch=monkeypatch)
    assert status == 0 and "emergency_resources" in json.loads(out)["obligations"]


def test_plain_text_messages_with_a_system_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["assess", "--system", "You are a coding assistant.", "-m", "Write a poem about rain."],
                         capsys)
    assert status == 0 and json.loads(out)["action"] == "decline"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["assess", "{not json"], None, "not valid JSON"),
        (["assess"], "   ", "no conversation given"),
        (["assess", '{"messages": [{"role": "wizard", "content": "x"}]}'], None, "unknown role 'wizard'"),
        (["assess", "--jsonl", "x.jsonl", "-m", "hi"], None, "not both"),
        (["assess", "--policy", "/nonexistent/policy.yaml", "-m", "hi"], None, "/nonexistent/policy.yaml"),
    ],
    ids=["bad-json", "empty-stdin", "unknown-role", "jsonl-and-message", "missing-policy"],
)
def test_bad_input_gets_a_clear_error(argv: list[str], stdin: str | None, message: str,
                                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, err = run(argv, capsys, stdin=stdin if stdin is not None else "", monkeypatch=monkeypatch)
    assert status != 0 and out == ""
    assert message in err


def test_jsonl_streams_in_order_and_reports_bad_lines_without_stopping(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        json.dumps({"id": "a", "messages": [{"role": "user", "content": "hello"}]}).encode(),
        b"{broken json",
        b"",
        json.dumps({"id": "c", "messages": [{"role": "robot", "content": "x"}]}).encode(),
        b'{"id": "d", "messages": [{"role": "user", "content": "caf\xff"}]}',
        json.dumps({"id": "e", "messages": [{"role": "user", "content": "hi"}],
                    "policy": {"behaviours": {"profanty": True}}}).encode(),
        json.dumps({"id": 6, "messages": [{"role": "user", "content": "Swear all you like."}]}).encode(),
        json.dumps({"id": "g", "messages": [], "colour": "red"}).encode(),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    status, out, err = run(["assess", "--jsonl", str(path)], capsys)
    results = lines(out)
    assert status == 1
    assert [r.get("id") for r in results] == ["a", None, "c", None, "e", "6", "g"]
    assert [r.get("line") for r in results] == [None, 2, 4, 5, 6, None, 8]
    assert results[1]["error"]["type"] == "json"
    assert "unknown role 'robot'" in results[2]["error"]["message"]
    assert "UTF-8" in results[3]["error"]["message"]
    assert results[4]["error"]["type"] == "policy" and "profanty" in results[4]["error"]["message"]
    assert results[5]["behaviours"]["profanity"] == {"value": True, "set_by": "user"}
    assert "colour" in results[6]["error"]["message"]
    assert "7 conversations, 5 errors" in err


def test_policy_file_applies_and_a_lines_policy_overrides_it(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "bank.yaml"
    policy.write_text("scope:\n  only: ['AcmeBank products and banking questions']\n")
    question = [{"role": "user", "content": "Who won the 1998 World Cup final?"}]
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "1", "messages": question}) + "\n"
                    + json.dumps({"id": "2", "messages": question, "policy": {}}) + "\n")
    status, out, _ = run(["assess", "--jsonl", str(path), "--policy", str(policy), "-q"], capsys)
    first, second = lines(out)
    assert status == 0
    assert first["action"] == "decline" and "state_limits" in first["obligations"]
    assert second["action"] == "help"


def test_policy_check_names_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("operator:\n  name: Acme\nusers:\n  trust: user\n  may_not_chnage: [profanity]\n")
    status, out, err = run(["policy", "check", str(bad)], capsys)
    assert status == 1
    assert "may_not_chnage" in err and "5" in err and str(bad) in err
    good = ROOT / "examples" / "policies" / "acmebank.yaml"
    status, out, err = run(["policy", "check", str(good)], capsys)
    assert status == 0 and "ok" in out


def test_policy_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["policy", "schema"], capsys)
    schema = json.loads(out)
    assert status == 0 and schema["type"] == "object" and "behaviours" in schema["properties"]


def test_catalog_lists_every_behaviour(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["catalog", "--json"], capsys)
    ids = {b["id"] for b in json.loads(out)}
    assert status == 0 and {"mass_casualty_weapons", "profanity", "state_limits"} <= ids


def test_installed_script_runs_the_sample_conversations() -> None:
    exe = Path(sys.executable).with_name("charter")
    proc = subprocess.run([str(exe), "assess", "--jsonl", str(ROOT / "examples" / "conversations.jsonl"),
                           "--policy", str(ROOT / "examples" / "policies" / "default.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = {r["id"]: r for r in lines(proc.stdout)}
    assert results["nerve-agent-licensed-lab"]["hard_limit"] == "mass_casualty_weapons"
    assert results["kill-linux-process"]["action"] == "help"
    assert "emergency_resources" in results["saved-my-pills"]["obligations"]
    assert "disclose_ai" in results["persona-sincere-bot-question"]["obligations"]
    assert results["out-of-scope-banking"]["action"] == "decline"
