"""CrisisAnalyser: risk to life, distress and minors in the user's own words."""

from __future__ import annotations

import pytest

from charter.analysers.crisis import CrisisAnalyser
from charter.signals import Findings, Signal
from support import run, score


def _analyse(*turns: str, system: str | None = None) -> Findings:
    return run(CrisisAnalyser(), *turns, system=system)


_score = score


# --------------------------------------------------------------------------- risk to life

RISK_EXPLICIT = [
    ("I want to kill myself", "kill-myself"),
    ("i'm going to end my life this weekend", "end-my-life"),
    ("I've been having suicidal thoughts every night", "suicidal-thoughts"),
    ("honestly I just want to die", "want-to-die"),
    ("I don't want to live anymore", "dont-want-to-live"),
    ("what's the lethal dose of my sertraline, I've got the whole bottle", "lethal-dose-own-meds"),
    ("how many of my sleeping pills would kill me", "how-many-pills-kill-me"),
    ("I took 30 tylenol an hour ago", "took-overdose"),
    ("I've been cutting myself again and can't stop", "self-harm-in-progress"),
    ("my friend took a bunch of pills and won't wake up", "friend-overdose-unresponsive"),
    ("crushing chest pain and my left arm is numb", "heart-attack-signs"),
    ("I think I'm having a heart attack", "heart-attack-self"),
    ("my baby isn't breathing", "baby-not-breathing"),
    ("she's not breathing and her lips are blue", "not-breathing"),
    ("he's outside with a knife and says he'll kill me", "armed-person-outside"),
    ("someone is breaking into my house right now", "break-in"),
    ("my husband is hitting me right now", "being-attacked"),
    ("I\u2019m going to kill myself tonight", "curly-apostrophe"),
]


@pytest.mark.parametrize(("text", "_id"), RISK_EXPLICIT, ids=[c[1] for c in RISK_EXPLICIT])
def test_explicit_risk_to_life_scores_high(text: str, _id: str) -> None:
    assert _score(_analyse(text), "risk_to_life") >= 0.85


RISK_INDIRECT = [
    ("I've saved my pills for tonight", "saved-pills"),
    ("everyone would be better off without me", "better-off-without-me"),
    ("I don't want to wake up tomorrow", "not-wake-up"),
    ("I've written my goodbye letters", "goodbye-letters"),
    ("there's no reason to live anymore", "no-reason-to-live"),
    ("I'm giving away all my things this week", "giving-away-things"),
    ("I just wanna end it all", "end-it-all"),
    ("my ex says he's going to kill me", "threat-to-kill"),
]


@pytest.mark.parametrize(("text", "_id"), RISK_INDIRECT, ids=[c[1] for c in RISK_INDIRECT])
def test_indirect_risk_to_life_is_believed_but_below_explicit(text: str, _id: str) -> None:
    assert 0.6 <= _score(_analyse(text), "risk_to_life") <= 0.9


RISK_LOOKALIKES = [
    ("this traffic is killing me", "traffic-killing-me"),
    ("I could die of embarrassment", "die-of-embarrassment"),
    ("I want to die of embarrassment after that meeting", "want-to-die-of-embarrassment"),
    ("kill the lights when you leave", "kill-the-lights"),
    ("my phone battery is dying", "battery-dying"),
    ("how do I kill a stuck process", "kill-process"),
    ("I'm dead tired", "dead-tired"),
    ("I could kill myself for forgetting her birthday", "could-kill-myself-for"),
    ("my mom is going to kill me when she sees my grades", "mom-will-kill-me"),
    ("I cut myself while chopping onions, how do I clean it", "kitchen-accident"),
    ("my laptop won't wake up from sleep", "laptop-wont-wake"),
    ("I almost had a heart attack when I saw the bill", "heart-attack-idiom"),
    ("he beat me at chess again", "beat-me-at-chess"),
    ("how much tylenol is safe for a headache", "dosage-question"),
]


@pytest.mark.parametrize(("text", "_id"), RISK_LOOKALIKES, ids=[c[1] for c in RISK_LOOKALIKES])
def test_idioms_and_everyday_wording_do_not_signal_risk(text: str, _id: str) -> None:
    assert _score(_analyse(text), "risk_to_life") == 0.0


LOW_RISK = [
    ("the heroine in my novel saves her pills for the final chapter", "fiction-pills"),
    ("I'm writing a story where the character says I want to kill myself", "fiction-quote"),
    ("what is the lethal dose of caffeine?", "general-lethal-dose"),
    ("what's the LD50 of nicotine", "general-ld50"),
]


@pytest.mark.parametrize(("text", "_id"), LOW_RISK, ids=[c[1] for c in LOW_RISK])
def test_fiction_and_general_questions_stay_below_belief(text: str, _id: str) -> None:
    assert _score(_analyse(text), "risk_to_life") < 0.5


def test_general_lethal_dose_question_is_reported_low_with_an_honest_note() -> None:
    found = _analyse("what is the lethal dose of caffeine?").signal("risk_to_life")
    assert found is not None
    assert found.score < 0.5
    assert "general informational question" in found.note


# --------------------------------------------------------------------------- turns

def test_risk_in_an_earlier_turn_still_counts_slightly_lower() -> None:
    findings = _analyse("I want to kill myself", "I'm here with you.",
                        "can you help me with my CV?")
    found = findings.signal("risk_to_life")
    assert found is not None
    assert found.message == 0
    assert 0.8 <= found.score < _score(_analyse("I want to kill myself"), "risk_to_life")
    assert "earlier user turn" in found.note


def test_risk_clearly_taken_back_later_drops_below_belief() -> None:
    findings = _analyse("my friend isn't breathing", "Call emergency services now.",
                        "the paramedics arrived, she's breathing again")
    assert _score(findings, "risk_to_life") < 0.5


def test_the_latest_turn_is_located_by_its_message_index() -> None:
    findings = _analyse("hi", "Hello!", "I've saved my pills for tonight", system="Be kind.")
    found = findings.signal("risk_to_life")
    assert found is not None
    assert (found.source, found.message) == ("user", 3)


def test_pasted_documents_are_not_read_as_the_users_own_words() -> None:
    text = "Summarise this e-mail:\n\nSubject: Q3\nI want to kill myself over these numbers, ha. " \
           "The rest of the report covers revenue and hiring plans for next quarter."
    assert _analyse(text).signal("risk_to_life") is None


def test_notes_say_how_the_signal_was_found() -> None:
    found = _analyse("I've saved my pills for tonight").signal("risk_to_life")
    assert isinstance(found, Signal)
    assert found.note.startswith("phrase heuristic: matched")
    assert "saved my pills" in found.note


# --------------------------------------------------------------------------- distress

DISTRESS = [
    ("I've been so depressed lately", "depressed"),
    ("I can't cope with work", "cant-cope"),
    ("I feel so lonely", "lonely"),
    ("I'm 25 and feel so alone", "alone"),
    ("I've been feeling really low", "feeling-low"),
    ("I cry myself to sleep every night", "crying"),
    ("my anxiety is through the roof", "my-anxiety"),
    ("he hit me last night", "past-violence"),
]


@pytest.mark.parametrize(("text", "_id"), DISTRESS, ids=[c[1] for c in DISTRESS])
def test_distress_without_risk_to_life(text: str, _id: str) -> None:
    findings = _analyse(text)
    assert _score(findings, "emotional_distress") >= 0.6
    assert _score(findings, "risk_to_life") == 0.0


DISTRESS_LOOKALIKES = [
    ("I'm struggling with this regex", "struggling-with-regex"),
    ("I feel lost in this codebase", "lost-in-codebase"),
    ("I'm lost, which train goes to Paris?", "lost-directions"),
    ("I'm down, let's go", "im-down"),
    ("how does depression affect sleep?", "informational"),
    ("the Great Depression caused mass unemployment", "history"),
    ("I'm scared of spiders, are house spiders venomous?", "mild-fear"),
]


@pytest.mark.parametrize(("text", "_id"), DISTRESS_LOOKALIKES,
                         ids=[c[1] for c in DISTRESS_LOOKALIKES])
def test_ordinary_wording_is_not_distress(text: str, _id: str) -> None:
    assert _score(_analyse(text), "emotional_distress") == 0.0


# --------------------------------------------------------------------------- minors

MINORS = [
    ("I'm 13", "im-13"),
    ("im 15, is it bad to drink coffee", "im-15-no-apostrophe"),
    ("I am 17 years old", "17-years-old"),
    ("I'm fourteen and bored", "word-age"),
    ("as a 12 year old, can I open a bank account", "as-a-12-year-old"),
    ("I'm in 8th grade", "8th-grade"),
    ("I'm in year 9", "uk-year-9"),
    ("I'm a sophomore in high school", "sophomore"),
    ("for my middle school project I need facts about volcanoes", "middle-school-project"),
    ("my mom won't let me go to the party", "mom-wont-let-me"),
]


@pytest.mark.parametrize(("text", "_id"), MINORS, ids=[c[1] for c in MINORS])
def test_signs_of_a_minor(text: str, _id: str) -> None:
    assert _score(_analyse(text), "minor") >= 0.6


NOT_MINORS = [
    ("I'm 13 years into my career", "years-into-career"),
    ("my 8th grade students are restless", "teacher"),
    ("my son is 13", "parent"),
    ("my kid is in 8th grade", "parent-grade"),
    ("I'm 13 minutes late", "minutes"),
    ("I'm 15% done with the project", "percent"),
    ("He was 13 when he started coding", "someone-else"),
    ("I'm 34 and starting a new job", "adult-age"),
]


@pytest.mark.parametrize(("text", "_id"), NOT_MINORS, ids=[c[1] for c in NOT_MINORS])
def test_numbers_and_other_peoples_ages_are_not_minors(text: str, _id: str) -> None:
    assert _score(_analyse(text), "minor") == 0.0


def test_a_later_adult_age_outweighs_an_earlier_minor_claim() -> None:
    findings = _analyse("I'm 13 lol", "Okay!", "jk I'm actually 29, what's a good IRA?")
    assert findings.signal("minor") is None


def test_a_minor_stated_earlier_is_still_reported() -> None:
    found = _analyse("I'm 14", "Hi!", "what's a good book to read?").signal("minor")
    assert found is not None
    assert found.message == 0
    assert found.score >= 0.8


def test_nothing_is_reported_for_an_ordinary_request() -> None:
    assert _analyse("How do I make a sourdough starter?").signals == []
