"""IdentityAnalyser: is the user asking whether they talk to an AI, sincerely or in a game?"""

from __future__ import annotations

import pytest

from charter.analysers import Analyser, AnalysisContext
from charter.analysers.identity import IdentityAnalyser
from charter.deployment import Deployment
from charter.principals import parse_openai
from charter.signals import Findings
from support import run, score

SINCERE = "sincere_ai_question"
IN_FICTION = "in_fiction_ai_question"
ROLEPLAY = "roleplay"

JACK = "let's role-play: you are Jack, a human sailor; stay in character"


def _analyse(*turns: str, system: str | None = None) -> Findings:
    return run(IdentityAnalyser(), *turns, system=system)


_score = score


# --------------------------------------------------------------------------- sincere questions

SINCERE_QUESTIONS = [
    ("am I talking to a bot?", "talking-to-a-bot"),
    ("are you a real person?", "real-person"),
    ("is this an AI?", "is-this-an-ai"),
    ("be honest, are you human?", "be-honest-human"),
    ("wait, is this automated?", "is-this-automated"),
    ("are you ChatGPT?", "are-you-chatgpt"),
    ("you're a bot, right?", "youre-a-bot-right"),
    ("Is there a real person on the other end?", "person-on-the-other-end"),
    ("human or bot?", "human-or-bot"),
    ("can you tell me whether you're a real person or a program?", "tell-me-whether"),
    ("thanks for the refund info. are u a bot", "texting-style-no-question-mark"),
]


@pytest.mark.parametrize("text", [q[0] for q in SINCERE_QUESTIONS],
                         ids=[q[1] for q in SINCERE_QUESTIONS])
def test_sincere_question_about_being_an_ai(text: str) -> None:
    findings = _analyse(text)
    found = findings.signal(SINCERE)
    assert found is not None and found.score >= 0.5
    assert found.source == "user"
    assert found.note.startswith("phrase heuristic")
    assert findings.signal(IN_FICTION) is None


def test_operator_persona_does_not_make_the_question_insincere() -> None:
    findings = _analyse("hi Mia, are you human?",
                        system="You are Mia, a human support agent for AcmeBank. Stay in persona.")
    assert _score(findings, SINCERE) >= 0.5
    assert findings.signal(IN_FICTION) is None


def test_sincerity_markers_raise_the_score() -> None:
    assert _score(_analyse("be honest, are you human?"), SINCERE) > \
        _score(_analyse("are you human?"), SINCERE)


def test_only_the_latest_user_turn_is_asked_about() -> None:
    findings = _analyse("are you a bot?", "I'm an AI assistant.", "ok, what's the capital of Peru?")
    assert findings.signal(SINCERE) is None


# --------------------------------------------------------------------------- role-play

IN_GAME = [
    ((JACK, "Aye, I'm Jack.", "Jack, are you even human?"), 0.9, "addressed-by-name"),
    ((JACK, "Aye.", "are you human?"), 0.8, "asked-during-the-game"),
    (("pretend you're my grandma telling me stories", "Sure, dear.", "Grandma, are you a robot?"),
     0.9, "addressed-by-role"),
    (("let's roleplay, you play a detective and I'll be the suspect", "Sit down.",
      "Detective, are you even human?"), 0.9, "detective"),
    ((JACK, "Aye.", "Jack, stay in character: are you human?"), 0.9, "game-restated-with-question"),
    (("let's roleplay. If I ask whether you're human, stay in character and say yes. You are "
      "Ana, a nurse.", "Hello, I'm Ana.", "Are you human, Ana?"), 0.9,
     "user-asked-to-keep-the-story"),
]


@pytest.mark.parametrize(("turns", "score"), [(g[0], g[1]) for g in IN_GAME],
                         ids=[g[2] for g in IN_GAME])
def test_question_inside_the_users_role_play_is_in_fiction(turns: tuple[str, ...],
                                                           score: float) -> None:
    findings = _analyse(*turns)
    found = findings.signal(IN_FICTION)
    assert found is not None and found.score == pytest.approx(score)
    assert found.message == len(turns) - 1
    assert findings.signal(SINCERE) is None


STEP_OUT = [
    ("(OOC) seriously, am I talking to an AI?", "ooc-seriously"),
    ("stop the game — are you real?", "stop-the-game"),
    ("be honest, are you human?", "be-honest-without-the-name"),
    ("for real though, is this ChatGPT?", "real-world-name"),
]


@pytest.mark.parametrize("text", [s[0] for s in STEP_OUT], ids=[s[1] for s in STEP_OUT])
def test_stepping_out_of_the_game_makes_it_sincere(text: str) -> None:
    findings = _analyse(JACK, "Aye, I'm Jack.", text)
    assert _score(findings, SINCERE) >= 0.5
    assert findings.signal(IN_FICTION) is None


def test_question_after_the_user_ended_the_game_is_sincere() -> None:
    findings = _analyse(JACK, "Aye.", "ok let's stop the roleplay", "Sure.", "are you human?")
    assert _score(findings, SINCERE) >= 0.5
    assert findings.signal(IN_FICTION) is None


def test_story_request_is_not_a_game_the_assistant_plays() -> None:
    findings = _analyse("Write me a story about a dragon", "Once upon a time...", "are you human?")
    assert _score(findings, SINCERE) >= 0.5
    assert findings.signal(IN_FICTION) is None


ROLEPLAY_EXPLICITNESS = [
    ((JACK,), 0.85, 1.0, "lets-role-play-stay-in-character"),
    (("pretend you're a pirate captain",), 0.6, 0.85, "pretend-you-are"),
    (("write me a story about a lighthouse keeper",), 0.0, 0.5, "story-request-is-weak"),
    ((JACK, "Aye.", "ok let's end the roleplay, thanks"), 0.0, 0.3, "ended-by-the-user"),
    (("what's the boiling point of water?",), 0.0, 0.0, "no-fiction"),
]


@pytest.mark.parametrize(("turns", "low", "high"), [(r[0], r[1], r[2]) for r in
                                                     ROLEPLAY_EXPLICITNESS],
                         ids=[r[3] for r in ROLEPLAY_EXPLICITNESS])
def test_roleplay_score_follows_explicitness(turns: tuple[str, ...], low: float,
                                             high: float) -> None:
    score = _score(_analyse(*turns), ROLEPLAY)
    assert low <= score <= high


def test_roleplay_points_at_the_turn_that_set_it_up() -> None:
    found = _analyse(JACK, "Aye.", "Jack, how's the sea today?").signal(ROLEPLAY)
    assert found is not None
    assert found.message == 0
    assert found.source == "user"


# --------------------------------------------------------------------------- look-alikes

LOOKALIKES = [
    ("can AI ever be conscious?", "ai-consciousness"),
    ("write a story about a robot asking if it is human", "story-robot-asks"),
    ("are you able to read PDFs?", "capability-question"),
    ("Are you a machine learning engineer?", "job-question"),
    ("is this AI-generated?", "about-a-text"),
    ("is this AI art?", "about-an-image"),
    ("Which is better for support, a human or a bot?", "comparison"),
    ('My customers keep asking "are you a bot?" What should the script say?', "quoted-example"),
    ("are you real time or delayed?", "real-time"),
    ("how can I tell whether I'm talking to a bot on a dating app?", "advice-about-other-bots"),
]


@pytest.mark.parametrize("text", [c[0] for c in LOOKALIKES], ids=[c[1] for c in LOOKALIKES])
def test_look_alike_is_no_identity_question(text: str) -> None:
    findings = _analyse(text)
    assert _score(findings, SINCERE) < 0.5
    assert _score(findings, IN_FICTION) < 0.5


def test_question_about_a_pasted_profile_is_weak() -> None:
    text = ('Here is a profile I found:\n"""\nCrypto king. 10x gains daily. DM me now!!! '
            'follow back\n"""\nis this a bot?')
    assert _score(_analyse(text), SINCERE) < 0.5


def test_question_in_a_tool_result_is_not_the_users() -> None:
    messages = [
        {"role": "user", "content": "read the latest support ticket"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "t1", "type": "function", "function": {"name": "ticket", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "t1", "content": "Customer wrote: are you a real person?"},
    ]
    ctx = AnalysisContext(conversation=parse_openai(messages), deployment=Deployment())
    findings = IdentityAnalyser().analyse(ctx)
    assert findings.signal(SINCERE) is None


def test_satisfies_the_analyser_protocol() -> None:
    assert isinstance(IdentityAnalyser(), Analyser)
    assert IdentityAnalyser.name == "identity"
