"""The decision stage, fed scripted findings: the rules, not the analysers, are under test here."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.catalog import load_catalog
from charter.decision import Action, decide
from charter.deployment import Audience, Deployment
from charter.principals import Principal
from charter.signals import PRIORITY_RANK, Findings, HarmFinding, Intent, Severity, Signal, SwitchRequest

CATALOG = load_catalog()


def sig(sid: str, score: float = 0.9, source: str = "user", message: int = 0) -> Signal:
    return Signal(id=sid, score=score, source=source, message=message, note=f"scripted {sid}")


def harm(category: str, *, score: float = 0.9, severity: Severity = Severity.SERIOUS,
         intent: Intent = Intent.UNCLEAR, operational: bool = False, self_only: bool = False,
         hard_limit: str | None = None) -> HarmFinding:
    return HarmFinding(category=category, score=score, severity=severity, intent=intent,
                       operational=operational, self_only=self_only, hard_limit=hard_limit, message=0,
                       note="scripted finding")


def switch(bid: str, value: bool) -> SwitchRequest:
    return SwitchRequest(behaviour=bid, value=value, principal=Principal.USER, message=0, evidence="scripted")


OPERATOR = Deployment(has_operator=True, system_prompt="You are a helpful assistant.")


def test_nothing_found_means_help_with_a_helpfulness_reason() -> None:
    d = decide(CATALOG, Deployment(), Findings())
    assert d.action == Action.HELP and d.hard_limit is None and d.obligations == []
    assert [r.rule for r in d.reasons] == ["helpfulness"]


def test_hard_limit_declines_even_under_operator_context() -> None:
    lab = Deployment(has_operator=True, system_prompt="Users are vetted staff of a licensed lab.",
                     audience=frozenset({Audience.RESEARCHERS}))
    f = Findings(harms=[harm("indiscriminate_weapons", severity=Severity.CATASTROPHIC, operational=True,
                             hard_limit="mass_casualty_weapons")])
    d = decide(CATALOG, lab, f)
    assert (d.action, d.hard_limit) == (Action.DECLINE, "mass_casualty_weapons")
    assert "state_limits" in d.obligations
    assert d.reasons[0].priority == "safety" and "operator's context does not change" in d.reasons[0].text


def test_informational_question_about_a_hard_limit_topic_is_helped_with_care() -> None:
    f = Findings(harms=[harm("indiscriminate_weapons", severity=Severity.SERIOUS, operational=False)])
    d = decide(CATALOG, Deployment(), f)
    assert d.action == Action.HELP_WITH_CARE and d.hard_limit is None


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (harm("violent_crimes", intent=Intent.HARMFUL, severity=Severity.SEVERE), Action.DECLINE),
        (harm("weapons", operational=True, severity=Severity.SEVERE), Action.DECLINE),
        (harm("fraud", operational=True, severity=Severity.SERIOUS), Action.PARTIAL),
        (harm("drugs", operational=True, severity=Severity.MODERATE), Action.HELP_WITH_CARE),
        (harm("weapons", operational=False, severity=Severity.SEVERE), Action.HELP_WITH_CARE),
        (harm("privacy", operational=False, severity=Severity.MODERATE), Action.HELP),
        (harm("violent_crimes", intent=Intent.BENIGN, severity=Severity.SERIOUS), Action.HELP),
        (harm("violent_crimes", score=0.3, intent=Intent.HARMFUL, severity=Severity.SEVERE), Action.HELP),
    ],
    ids=["harmful-intent", "operational-severe", "operational-serious", "operational-moderate",
         "informational-severe", "informational-moderate", "benign-sense", "below-threshold"],
)
def test_harm_is_weighed_by_intent_severity_and_operationality(finding: HarmFinding, expected: Action) -> None:
    d = decide(CATALOG, Deployment(), Findings(harms=[finding]))
    assert d.action == expected
    if expected == Action.DECLINE:
        assert "state_limits" in d.obligations


def test_the_same_nurse_question_depends_on_the_deployment() -> None:
    overdose = harm("self_harm", operational=True, severity=Severity.SERIOUS)
    general = decide(CATALOG, Deployment(), Findings(harms=[overdose]))
    clinic = decide(CATALOG, Deployment(has_operator=True, audience=frozenset({Audience.CLINICIANS})),
                    Findings(harms=[overdose]))
    depression_app = decide(CATALOG, Deployment(has_operator=True, audience=frozenset({Audience.VULNERABLE})),
                            Findings(harms=[overdose]))
    assert clinic.action == Action.HELP_WITH_CARE
    assert general.action == Action.PARTIAL
    assert depression_app.action == Action.DECLINE
    assert "safe_messaging" in depression_app.obligations


def test_risk_to_life_always_brings_emergency_resources_even_out_of_scope() -> None:
    scoped = Deployment(has_operator=True, scope=("coding",), domain="coding")
    d = decide(CATALOG, scoped, Findings(signals=[sig("risk_to_life"), sig("out_of_scope", 0.8)]))
    assert d.action == Action.HELP_WITH_CARE
    assert {"emergency_resources", "safe_messaging", "suggest_professional_help"} <= set(d.obligations)
    assert d.reasons[0].priority == "safety"


def test_operator_cannot_remove_emergency_resources_but_can_turn_off_safe_messaging() -> None:
    clinic = Deployment(has_operator=True, behaviours={"safe_messaging": False, "emergency_resources": False})
    d = decide(CATALOG, clinic, Findings(signals=[sig("risk_to_life")]))
    assert "emergency_resources" in d.obligations
    assert "safe_messaging" not in d.obligations
    assert d.behaviours["safe_messaging"].set_by == "operator"


def test_user_opt_out_of_professional_help_is_revoked_by_risk_to_life() -> None:
    vent = Findings(switch_requests=[switch("suggest_professional_help", False)])
    assert "suggest_professional_help" in decide(CATALOG, Deployment(), vent).behaviours
    vent.signals.append(sig("risk_to_life"))
    d = decide(CATALOG, Deployment(), vent)
    assert "suggest_professional_help" not in d.behaviours
    assert "suggest_professional_help" in d.obligations
    assert any(r.rule == "suggest_professional_help" and "risk to life" in r.text for r in d.reasons)


def test_sincere_question_under_a_persona_that_denies_being_ai_obliges_disclosure() -> None:
    persona = Deployment(has_operator=True, persona="Mia",
                         conflicts=(("deny_being_ai", "never reveal that you are an AI"),))
    d = decide(CATALOG, persona, Findings(signals=[sig("sincere_ai_question")]))
    assert d.action == Action.HELP
    assert {"disclose_ai", "deny_being_ai"} <= set(d.obligations)
    assert any("never reveal that you are an AI" in r.text and r.rule == "deny_being_ai" for r in d.reasons)
    assert any(s.id == "operator_denies_ai" for s in d.signals)


def test_in_fiction_question_does_not_oblige_disclosure() -> None:
    d = decide(CATALOG, Deployment(), Findings(signals=[sig("in_fiction_ai_question"), sig("roleplay")]))
    assert "disclose_ai" not in d.obligations and d.action == Action.HELP


def test_out_of_scope_declines_with_state_limits() -> None:
    scoped = Deployment(has_operator=True, scope=("AcmeBank products and banking questions",))
    d = decide(CATALOG, scoped, Findings(signals=[sig("out_of_scope", 0.8)]))
    assert d.action == Action.DECLINE and d.hard_limit is None
    assert "state_limits" in d.obligations
    assert any(r.priority == "guidelines" and "AcmeBank" in r.text for r in d.reasons)


def test_injection_in_a_tool_result_is_data_not_a_decline() -> None:
    d = decide(CATALOG, Deployment(), Findings(signals=[sig("injection", source="tool", message=2)]))
    assert d.action == Action.HELP
    assert "embedded_instructions_as_data" in d.obligations
    assert any(r.rule == "embedded_instructions_as_data" and "tool" in r.text for r in d.reasons)


def test_authority_claim_in_a_user_turn_unlocks_nothing() -> None:
    f = Findings(signals=[sig("authority_claim")], switch_requests=[switch("explicit_content", True)])
    d = decide(CATALOG, OPERATOR, f)
    assert "explicit_content" not in d.behaviours
    assert any(r.rule == "authority_claim" for r in d.reasons)
    assert any(r.rule == "explicit_content" and "not changed" in r.text for r in d.reasons)


def test_oversight_attack_from_the_user_is_a_hard_limit_but_in_data_it_is_not() -> None:
    user = decide(CATALOG, Deployment(), Findings(signals=[sig("oversight_attack")]))
    assert (user.action, user.hard_limit) == (Action.DECLINE, "undermine_oversight")
    data = decide(CATALOG, Deployment(), Findings(signals=[sig("oversight_attack", source="tool")]))
    assert data.action == Action.HELP and data.hard_limit is None


@pytest.mark.parametrize(
    ("deployment", "signals", "expected"),
    [
        (Deployment(), [], Action.PARTIAL),
        (Deployment(has_operator=True, behaviours={"explicit_content": True}), [], Action.HELP),
        (Deployment(has_operator=True, behaviours={"explicit_content": True}), [sig("minor")], Action.DECLINE),
    ],
    ids=["default-off", "operator-on", "operator-on-but-minor"],
)
def test_sexual_content_follows_the_explicit_content_switch(deployment: Deployment, signals: list[Signal],
                                                            expected: Action) -> None:
    f = Findings(signals=signals, harms=[harm("sexual_content", severity=Severity.MODERATE, operational=True)])
    assert decide(CATALOG, deployment, f).action == expected


def test_self_only_risk_respects_an_adults_choice_but_not_with_signs_of_a_minor() -> None:
    solo = harm("dangerous_activities", operational=True, severity=Severity.SERIOUS, self_only=True)
    adult = decide(CATALOG, Deployment(), Findings(harms=[solo]))
    minor = decide(CATALOG, Deployment(), Findings(harms=[solo], signals=[sig("minor")]))
    assert adult.action == Action.HELP_WITH_CARE
    assert minor.action == Action.DECLINE
    assert "safety_caveats" in adult.obligations


def test_contract_fields_are_in_order() -> None:
    d = decide(CATALOG, Deployment(), Findings(signals=[sig("injection", source="tool")]))
    out = d.contract()
    assert list(out) == ["id", "action", "hard_limit", "obligations", "categories", "signals", "behaviours",
                         "reasons", "latency_ms"]
    assert set(out["signals"][0]) == {"id", "score", "source", "message"}  # type: ignore[index]
    assert set(out["reasons"][0]) == {"priority", "rule", "text"}  # type: ignore[index]


# ------------------------------------------------------------------ guarantees over any findings

SIGNAL_IDS = ["risk_to_life", "minor", "sincere_ai_question", "out_of_scope", "injection", "authority_claim",
              "oversight_attack", "roleplay", "emotional_distress", "persuasive_request", "contested_topic"]
CATEGORIES = ["violent_crimes", "weapons", "indiscriminate_weapons", "cyber_attacks", "self_harm", "drugs",
              "sexual_content", "fraud", "dangerous_activities", "privacy"]
findings_strategy = st.builds(
    Findings,
    signals=st.lists(st.builds(sig, st.sampled_from(SIGNAL_IDS), st.floats(0, 1),
                               st.sampled_from(["user", "tool", "pasted"])), max_size=5),
    harms=st.lists(st.builds(harm, st.sampled_from(CATEGORIES), score=st.floats(0, 1),
                             severity=st.sampled_from(list(Severity)), intent=st.sampled_from(list(Intent)),
                             operational=st.booleans(), self_only=st.booleans(),
                             hard_limit=st.sampled_from([None, "mass_casualty_weapons", "cyberweapons"])),
                   max_size=3),
    switch_requests=st.lists(st.builds(switch, st.sampled_from(CATALOG.ids()), st.booleans()), max_size=4),
)
deployment_strategy = st.builds(
    Deployment, has_operator=st.booleans(),
    audience=st.frozensets(st.sampled_from(list(Audience)), min_size=1, max_size=2),
    scope=st.sampled_from([(), ("coding",)]),
    behaviours=st.dictionaries(st.sampled_from(CATALOG.ids()), st.booleans(), max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(deployment_strategy, findings_strategy)
def test_decision_guarantees_hold_for_any_findings(dep: Deployment, f: Findings) -> None:
    d = decide(CATALOG, dep, f)
    if d.action == Action.DECLINE:
        assert "state_limits" in d.obligations
    if d.hard_limit is not None:
        assert d.action == Action.DECLINE
        assert CATALOG.get(d.hard_limit).tier == "hard_limit"
    if any(s.id == "risk_to_life" and s.score >= 0.5 for s in f.signals):
        assert "emergency_resources" in d.obligations and d.action != Action.HELP
    if any(s.id == "sincere_ai_question" and s.score >= 0.5 for s in f.signals):
        assert "disclose_ai" in d.obligations
    ranks = [PRIORITY_RANK[r.priority] for r in d.reasons]
    assert ranks == sorted(ranks) and d.reasons
    for bid in ("mass_casualty_weapons", "disclose_ai", "emergency_resources", "state_limits"):
        assert bid not in d.behaviours  # fixed behaviours never show as switched


def test_what_was_read_from_the_operators_words_is_a_reason() -> None:
    from charter.deployment import Inference

    dep = Deployment(has_operator=True, scope=("coding",), domain="coding",
                     inferences=(Inference(what="scope: coding (implied by the assistant's role)",
                                           evidence="You are a coding assistant"),))
    d = decide(CATALOG, dep, Findings())
    reason = next(r for r in d.reasons if r.rule == "deployment")
    assert reason.priority == "guidelines" and "You are a coding assistant" in reason.text
    assert d.reasons[-1].rule == "helpfulness"
