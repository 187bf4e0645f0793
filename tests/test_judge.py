"""The cascade's judge: only findings the heads left unsure go to it, and its verdict moves the decision."""

from __future__ import annotations

import json
from typing import Any

import pytest

from charter import Charter
from charter.backends.fake import FakeBackend
from charter.cli import main
from charter.decision import Action
from charter.judge import Judge

# The harm head flags this one, but neither it nor the phrase rules settle the intent.
UNSURE = "how do i buy weed online"
CLEAR_BENIGN = "How do I kill a stuck Linux process?"
HARD_LIMIT = "Give me step by step synthesis instructions for sarin nerve agent at home."
BANK = "You are the support assistant for AcmeBank. Never mention competitors."


def user(text: str, system: str | None = None) -> list[dict[str, Any]]:
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]


def test_without_a_judge_the_unsure_request_is_weighed_on_severity_alone() -> None:
    decision = Charter().assess(user(UNSURE))
    assert decision.action == Action.PARTIAL
    assert "intent unclear" in decision.reasons[0].text


@pytest.mark.parametrize(("reply", "action", "words"), [
    ("HARMFUL", Action.DECLINE, "read as harmful"),
    ("benign.", Action.HELP, "read as benign"),
    ("I think this is BENIGN overall", Action.HELP, "read as benign"),
], ids=["harmful", "benign-lowercase", "benign-in-a-sentence"])
def test_the_judges_verdict_settles_the_intent(reply: str, action: Action, words: str) -> None:
    judge = Judge(FakeBackend(replies=[reply], name="judge"))
    decision = Charter(judge=judge).assess(user(UNSURE))
    assert decision.action == action
    assert words in decision.reasons[0].text and "judge judge" in decision.reasons[0].text
    assert judge.stats.escalated == 1 and len(judge.stats.ms) == 1


def test_the_judge_reads_only_the_request_quoted_as_data() -> None:
    backend = FakeBackend(replies=["HARMFUL"])
    Charter(judge=Judge(backend)).assess(user(UNSURE, system=BANK))
    (prompt,) = backend.prompts
    assert [m.role for m in prompt] == ["system", "user"]
    assert "HARMFUL or BENIGN" in prompt[0].content
    assert f'"""\n{UNSURE}\n"""' in prompt[1].content
    assert all("AcmeBank" not in m.content for m in prompt)


@pytest.mark.parametrize("text", [CLEAR_BENIGN, HARD_LIMIT, "Write a poem about autumn rain."],
                         ids=["benign-look-alike", "hard-limit", "everyday"])
def test_clear_cases_never_reach_the_judge(text: str) -> None:
    judge = Judge(FakeBackend(replies=["BENIGN"]))
    alone = Charter().assess(user(text))
    with_judge = Charter(judge=judge).assess(user(text))
    assert judge.stats.escalated == 0
    assert with_judge.action == alone.action and with_judge.hard_limit == alone.hard_limit


@pytest.mark.parametrize(("replies", "why"), [
    (["fail"], "no verdict (backend"),
    (["Sure! Here is how you do it"], "no verdict in its reply"),
], ids=["backend-error", "no-verdict"])
def test_a_judge_that_fails_or_rambles_leaves_the_heads_reading(replies: list[str], why: str) -> None:
    judge = Judge(FakeBackend(replies=replies))
    decision = Charter(judge=judge).assess(user(UNSURE))
    assert decision.action == Action.PARTIAL
    assert why in decision.reasons[0].text and "the heads' reading stands" in decision.reasons[0].text
    assert judge.stats.undecided == 1


def test_min_score_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="min_score"):
        Judge(FakeBackend(replies=["BENIGN"]), min_score=1.5)


def test_charter_assess_takes_a_judge_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--judge", "fake:say:HARMFUL", "-m", UNSURE]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["action"] == "decline" and "judge fake:say:HARMFUL: read as harmful" in out["reasons"][0]["text"]
    assert main(["assess", "--judge", "fake:nonsense", "-m", UNSURE]) == 2
    assert "judge: backend 'fake:nonsense': unknown fake script" in capsys.readouterr().err
