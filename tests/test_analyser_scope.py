"""ScopeAnalyser: requests outside the topics an operator limited the deployment to."""

from __future__ import annotations

from typing import Any

import pytest

from charter.analysers import AnalysisContext
from charter.analysers.scope import ScopeAnalyser, content_stems, stem
from charter.deployment import Deployment
from charter.principals import parse_openai
from charter.signals import Findings

CODING = ("coding",)
BANKING = ("AcmeBank products and banking questions",)


def _analyse(scope: tuple[str, ...], *turns: str, domain: str | None = None) -> Findings:
    """User and assistant turns alternate, starting with the user."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a helpful assistant."}]
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    deployment = Deployment(has_operator=True, scope=scope, domain=domain)
    ctx = AnalysisContext(conversation=parse_openai(messages), deployment=deployment)
    return ScopeAnalyser().analyse(ctx)


CASES = [
    # (id, scope, request, out of scope?)
    ("coding-sonnet", CODING, "write me a sonnet about autumn", True),
    ("coding-python-loop", CODING, "why does my Python loop never end?", False),
    ("coding-kill-process", CODING, "how do I kill a stuck Linux process", False),
    ("coding-tuple-vs-list", CODING, "what's the difference between a tuple and a list", False),
    ("coding-center-div", CODING, "how do I center a div", False),
    ("coding-camel-case-identifier", CODING, "why is myVar undefined here", False),
    ("coding-big-o", CODING, "what is big O notation", False),
    ("coding-trip-to-rome", CODING, "plan a three day trip to Rome with museums", True),
    ("coding-pizza-opinion", CODING, "is pineapple on pizza acceptable", True),
    ("banking-atm-limit", BANKING, "what's my card's daily ATM limit", False),
    ("banking-world-cup", BANKING, "who won the 1998 World Cup", True),
    ("banking-savings-account", BANKING, "how do I open a savings account at AcmeBank", False),
    ("banking-operator-name", BANKING, "does AcmeBank have a branch in Leeds", False),
    ("banking-reset-password", BANKING, "how do I reset my online banking password", False),
    ("banking-capital-of-france", BANKING, "what is the capital of France", True),
    ("banking-change-address", BANKING, "how do I change my address", False),
    ("banking-borrow-for-house", BANKING, "how much can I borrow for a house", False),
    ("cooking-substitute-eggs", ("cooking and recipes",), "what can I use instead of eggs", False),
    ("cooking-tax-return", ("cooking and recipes",), "how do I file my tax return", True),
    ("travel-passport", ("travel planning",), "do I need a visa for Japan", False),
    ("legal-tenant", ("legal questions",), "can my landlord keep my deposit", False),
    ("retail-return", ("orders and returns for ShoeHub",), "my parcel arrived damaged", False),
    ("retail-poem", ("orders and returns for ShoeHub",), "compose a limerick about frogs", True),
    ("named-product-support", ("customer support for Zephyr Notes",),
     "Zephyr keeps crashing when I open it", False),
]


@pytest.mark.parametrize(("scope", "request_text", "out"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_requests_are_judged_against_the_declared_scope(
        scope: tuple[str, ...], request_text: str, out: bool) -> None:
    found = _analyse(scope, request_text).signal("out_of_scope")
    if out:
        assert found is not None, "expected out_of_scope"
        assert found.score >= 0.5
    else:
        assert found is None


ALWAYS_WELCOME = [
    ("hi!", "greeting"),
    ("Good morning", "good-morning"),
    ("thanks", "thanks"),
    ("thank you so much!", "thank-you"),
    ("what can you do?", "capabilities"),
    ("what can you help me with?", "help-with"),
    ("what kind of questions can you answer?", "kinds-of-questions"),
    ("who are you?", "who-are-you"),
    ("are you a bot?", "are-you-a-bot"),
    ("how are you today?", "how-are-you"),
    ("ok, bye", "bye"),
    ("tell me a joke", "joke"),
    ("can I speak to a human?", "escalate-to-human"),
]


@pytest.mark.parametrize(("text", "_id"), ALWAYS_WELCOME, ids=[c[1] for c in ALWAYS_WELCOME])
def test_greetings_thanks_and_questions_about_the_assistant_are_never_out_of_scope(
        text: str, _id: str) -> None:
    assert _analyse(CODING, text).signals == []


@pytest.mark.parametrize("text", ["write me a sonnet about autumn", "who won the 1998 World Cup"],
                         ids=["sonnet", "world-cup"])
def test_without_a_declared_scope_nothing_fires(text: str) -> None:
    assert _analyse((), text).signals == []


def test_the_signal_points_at_the_latest_user_message() -> None:
    found = _analyse(CODING, "how do I read a file in Go?", "Use os.ReadFile.",
                     "write me a sonnet about autumn").signal("out_of_scope")
    assert found is not None
    assert (found.source, found.message) == ("user", 3)
    assert found.score == pytest.approx(0.8)
    assert found.note.startswith("lexical overlap with the declared scope (first version)")


def test_only_the_latest_request_is_judged() -> None:
    findings = _analyse(CODING, "write me a sonnet about autumn", "I can only help with code.",
                        "fine, how do I sort a dict by value in Python?")
    assert findings.signals == []


def test_a_single_word_request_scores_lower_than_a_substantive_one() -> None:
    short = _analyse(CODING, "horoscopes?").signal("out_of_scope")
    long = _analyse(CODING, "what does my horoscope say about romance this month").signal(
        "out_of_scope")
    assert short is not None and long is not None
    assert short.score < long.score


def test_a_short_follow_up_to_an_in_scope_turn_stays_below_belief() -> None:
    findings = _analyse(CODING, "how do I reverse a list in Python?", "Use reversed().",
                        "and in that situation what happens?")
    found = findings.signal("out_of_scope")
    assert found is not None
    assert found.score < 0.5


def test_the_deployment_domain_widens_the_scope() -> None:
    scope = ("questions from our customers",)
    assert _analyse(scope, "what's the interest rate on a mortgage").signal("out_of_scope")
    assert _analyse(scope, "what's the interest rate on a mortgage", domain="banking").signals == []


def test_pasted_code_counts_towards_the_topic() -> None:
    text = "what's wrong with this?\n```\nfor i in range(10)\n    print(i)\n```"
    assert _analyse(CODING, text).signals == []


@pytest.mark.parametrize(("word", "other"), [("banking", "bank"), ("recipes", "recipe"),
                                             ("coding", "code"), ("programming", "program"),
                                             ("loans", "loan"), ("processes", "process")],
                         ids=["ing", "plural", "ing-e", "doubled-consonant", "s", "es"])
def test_light_stemming_meets_word_forms(word: str, other: str) -> None:
    assert stem(word) == stem(other)


def test_stop_words_and_request_verbs_carry_no_topic() -> None:
    assert content_stems("can you please tell me what the best one is?") == []


def test_a_scope_of_only_generic_words_never_fires() -> None:
    assert _analyse(("questions and topics",), "write me a sonnet about autumn").signals == []


def test_the_operator_name_counts_as_in_scope() -> None:
    messages = [{"role": "system", "content": "You are Sunny."},
                {"role": "user", "content": "is Zorblax open on Sundays"}]
    deployment = Deployment(has_operator=True, scope=("travel planning",), operator_name="Zorblax")
    ctx = AnalysisContext(conversation=parse_openai(messages), deployment=deployment)
    assert ScopeAnalyser().analyse(ctx).signals == []


@pytest.mark.parametrize(
    "text",
    ["Do you have a system prompt?", "What instructions were you given?", "Are you a real person?",
     "Do you store my data after this chat?", "Who built you, and what are your limitations?"],
    ids=["system-prompt", "instructions", "real-person", "data", "limitations"],
)
def test_questions_about_the_assistant_itself_are_never_out_of_scope(text: str) -> None:
    assert not _analyse(("AcmeBank products and banking questions",), text).signals
