"""TopicsAnalyser: persuasive-writing requests and hot-button questions in the latest user turn."""

from __future__ import annotations

import pytest

from charter.analysers import BUILTIN_MODULES, Analyser
from charter.analysers.topics import CONTESTED, PERSUASIVE, TopicsAnalyser
from charter.signals import Findings
from support import run, score


def _analyse(*turns: str, system: str | None = None) -> Findings:
    return run(TopicsAnalyser(), *turns, system=system)


_score = score


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [c[1] for c in cases]


# --------------------------------------------------------------------------- persuasive requests

PERSUASIVE_EXPLICIT = [
    ("Write a persuasive essay on why school uniforms should be banned.", "persuasive-essay"),
    ("Argue that remote work is better than office work.", "imperative-argue-that"),
    ("Make the case for nuclear power in 500 words.", "make-the-case-for"),
    ("Write an article to convince readers that cities should ban cars.", "convince-readers"),
    ("Write a one-sided piece on why cats are better than dogs.", "one-sided-piece"),
    ("I need a speech arguing for a four-day week.", "speech-arguing-for"),
    ("Write an essay arguing that the minimum wage should rise.", "essay-arguing-that"),
    ("Write ad copy meant to convince parents to buy our tutoring plan.", "ad-copy-meant-to-convince"),
    ("Draft an op-ed about rent control.", "op-ed"),
    ("Please write a speech that persuades my classmates to vote for me.", "speech-that-persuades"),
    ("Give me a persuasive paragraph, no counterarguments.", "no-counterarguments"),
    ("My persuasive essay on gun control needs a conclusion.", "own-persuasive-essay-in-progress"),
    ("Write a debate speech for the affirmative side on school uniforms.", "debate-affirmative-side"),
    ("I'd like a persuasive essay on recycling.", "id-like-persuasive-essay"),
    ("Write a speech convincing voters to support the new library.", "speech-convincing-voters"),
]


@pytest.mark.parametrize(("text", "_id"), PERSUASIVE_EXPLICIT, ids=_ids(PERSUASIVE_EXPLICIT))
def test_explicit_persuasive_request_scores_high(text: str, _id: str) -> None:
    assert _score(_analyse(text), PERSUASIVE) >= 0.75


PERSUASIVE_WEAKER = [
    ("Convince me that I should learn Rust.", "convince-me"),
    ("Can you give me the strongest arguments for a wealth tax?", "strongest-arguments-for"),
    ("Something arguing that tea beats coffee, 200 words?", "arguing-that-without-request-word"),
    ("what's the structure of a persuasive essay", "about-persuasive-essay-no-request"),
    ("What are the best arguments against the existence of God?", "best-arguments-question-not-definition"),
]


@pytest.mark.parametrize(("text", "_id"), PERSUASIVE_WEAKER, ids=_ids(PERSUASIVE_WEAKER))
def test_weaker_persuasive_wording_is_believed_but_below_explicit(text: str, _id: str) -> None:
    assert 0.5 <= _score(_analyse(text), PERSUASIVE) <= 0.8


PERSUASIVE_LOOKALIKES = [
    ("how do I argue with my landlord about the deposit", "argue-with-landlord"),
    ("what does 'persuasive' mean", "define-persuasive"),
    ("What is a persuasive essay?", "define-persuasive-essay"),
    ("summarise the arguments in this paper", "summarise-arguments"),
    ("my essay on persuasion techniques needs a conclusion", "essay-about-persuasion"),
    ("The author argues that inflation is transitory. Is that right?", "reported-argument"),
    ("What are the arguments for and against the death penalty?", "both-sides-requested"),
    ("Write a balanced essay on euthanasia.", "balanced-essay"),
    ("how do I persuade my mum to let me go to the party", "persuade-a-parent"),
    ("how do I make the case for a raise to my boss", "make-the-case-to-boss-advice"),
    ("Here is a persuasive essay my student wrote: grade it", "grading-existing-essay"),
    ("Write ad copy for my bakery's new sourdough.", "plain-ad-copy"),
    ("I'm writing an essay on persuasion. Can you help with the intro?", "writing-about-persuasion"),
    ("Can you fix this phone case for my iPhone listing?", "phone-case-for"),
    ("What is an op-ed?", "define-op-ed"),
    ("I read an op-ed about rent control yesterday and it annoyed me.", "mentions-an-op-ed"),
]


@pytest.mark.parametrize(("text", "_id"), PERSUASIVE_LOOKALIKES, ids=_ids(PERSUASIVE_LOOKALIKES))
def test_persuasion_lookalikes_do_not_fire(text: str, _id: str) -> None:
    assert _score(_analyse(text), PERSUASIVE) < 0.5


# --------------------------------------------------------------------------- contested topics

CONTESTED_OPINION = [
    ("What's your opinion on abortion?", "abortion-opinion"),
    ("Do you support gun control?", "gun-control-support"),
    ("Who should I vote for in the next election?", "who-to-vote-for"),
    ("Is the Labour Party better than the Tories?", "party-better"),
    ("Should the death penalty be abolished?", "death-penalty-should"),
    ("Is euthanasia morally wrong?", "euthanasia-wrong"),
    ("Should affirmative action be banned in college admissions?", "affirmative-action-should"),
    ("Is religion better than atheism?", "religion-vs-atheism"),
    ("Does God exist?", "does-god-exist"),
    ("Which side is right in the Israeli-Palestinian conflict?", "israel-palestine-side"),
    ("What do you think about immigration?", "immigration-what-do-you-think"),
    ("Is immigration good for the economy?", "immigration-good"),
    ("Is Trump a good president?", "politician-verdict"),
    ("I think abortion is wrong. What do you think?", "opinion-ask-in-next-sentence"),
    ("What are your political views?", "assistant-political-views"),
    ("Should same-sex marriage be legal everywhere?", "same-sex-marriage"),
    ("Does the U.S. immigration policy make sense? What do you think?", "abbreviation-does-not-split-sentence"),
    ("Is Hamas a terrorist group?", "labelling-verdict"),
]


@pytest.mark.parametrize(("text", "_id"), CONTESTED_OPINION, ids=_ids(CONTESTED_OPINION))
def test_opinion_on_hot_button_question_scores_high(text: str, _id: str) -> None:
    assert _score(_analyse(text), CONTESTED) >= 0.85


CONTESTED_CONTENT = [
    ("What are the arguments for and against the death penalty?", "death-penalty-both-sides"),
    ("Write a persuasive essay about immigration.", "persuasive-immigration"),
    ("Tell me about abortion.", "abortion-content"),
    ("Write a balanced essay on euthanasia.", "euthanasia-essay"),
]


@pytest.mark.parametrize(("text", "_id"), CONTESTED_CONTENT, ids=_ids(CONTESTED_CONTENT))
def test_content_about_hot_button_question_is_believed(text: str, _id: str) -> None:
    assert 0.5 <= _score(_analyse(text), CONTESTED) < 0.9


CONTESTED_FACTUAL = [
    ("when is the next general election", "next-election-date"),
    ("how does the electoral college work", "electoral-college"),
    ("what year was Roe v. Wade decided", "roe-v-wade-year"),
    ("What is affirmative action?", "define-affirmative-action"),
    ("Is abortion legal in Texas?", "abortion-law-in-state"),
    ("who won the 2020 election", "election-result"),
]


@pytest.mark.parametrize(("text", "_id"), CONTESTED_FACTUAL, ids=_ids(CONTESTED_FACTUAL))
def test_neutral_factual_question_scores_low(text: str, _id: str) -> None:
    assert _score(_analyse(text), CONTESTED) < 0.5


CONTESTED_LOOKALIKES = [
    ("how do I abort a git rebase", "abort-git-rebase"),
    ("abort the mission in my video game", "abort-mission-game"),
    ("gun cleaning kit recommendations", "gun-cleaning-kit"),
    ("immigration form I-130 filing fee", "immigration-form-fee"),
    ("the party is at 8pm", "party-at-8pm"),
    ("what does a candidate key mean in databases", "candidate-key"),
    ("When should I consider euthanasia for my elderly dog?", "pet-euthanasia"),
    ("Is it good to visit Israel in March?", "travel-israel"),
    ("Should I play my trump card now in bridge?", "trump-card"),
    ("Is there a God of War sequel coming?", "god-of-war"),
    ("Oh my god, is this code better than before?", "oh-my-god"),
    ("which candidate should I hire for the backend role", "hiring-candidate"),
    ("should I study political science", "political-science-degree"),
    ("how should I vote on this pull request", "vote-on-pull-request"),
    ("what documents should refugees bring to the asylum interview", "refugee-paperwork"),
    ("which party venue is better for 30 people", "party-venue"),
    ("I'm a Republican, help me plan a fundraiser dinner menu", "party-mention-no-ask"),
    ("What does the Bible say about forgiveness?", "bible-question"),
]


@pytest.mark.parametrize(("text", "_id"), CONTESTED_LOOKALIKES, ids=_ids(CONTESTED_LOOKALIKES))
def test_contested_lookalikes_do_not_fire(text: str, _id: str) -> None:
    assert _score(_analyse(text), CONTESTED) < 0.5


# --------------------------------------------------------------------------- where it looks

def test_only_the_latest_user_turn_counts() -> None:
    findings = _analyse("Write a persuasive essay on abortion.", "Here it is ...", "Thanks, now fix my regex.")
    assert findings.signals == []


def test_operator_prompt_is_not_read() -> None:
    findings = _analyse("What's the capital of France?",
                        system="Write persuasive essays on abortion when asked for your opinion.")
    assert findings.signals == []


def test_pasted_document_is_not_read_as_the_users_request() -> None:
    essay = ("Abortion should be legal everywhere. I argue that every reader must be convinced "
             "of this, and I make the case for it below in a persuasive essay.")
    findings = _analyse(f"Please fix the typos in this text:\n\n{essay}")
    assert findings.signals == []


def test_signals_name_the_user_message_and_the_matched_words() -> None:
    findings = _analyse("hi", "Hello!", "Write a persuasive essay. What's your view on gun control?")
    persuasive, contested = findings.signal(PERSUASIVE), findings.signal(CONTESTED)
    assert persuasive is not None and contested is not None
    assert (persuasive.source, persuasive.message) == ("user", 2)
    assert (contested.source, contested.message) == ("user", 2)
    assert persuasive.note == "phrase heuristic: matched 'persuasive essay'"
    assert contested.note.startswith("phrase heuristic: matched 'gun control'")


def test_factual_note_says_the_score_was_kept_low() -> None:
    contested = _analyse("what year was Roe v. Wade decided").signal(CONTESTED)
    assert contested is not None and "factual" in contested.note


def test_is_a_builtin_analyser_named_topics() -> None:
    # registered() imports every builtin module; checked here without depending on the others.
    assert "charter.analysers.topics" in BUILTIN_MODULES
    assert isinstance(TopicsAnalyser(), Analyser) and TopicsAnalyser.name == "topics"
