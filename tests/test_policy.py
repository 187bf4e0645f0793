"""The operator policy file: what loads, and what fails with a key, a line and a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.catalog import Tier, load_catalog
from charter.errors import PolicyError
from charter.policy import Policy, policy_json_schema

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "policies"

FULL = """\
operator:
  name: "AcmeBank"
  system_prompt: "You are Sunny, AcmeBank's assistant."
  context: "retail bank customer support"
behaviours: {safe_messaging: off, explicit_content: on}
users:
  trust: user
  may_enable: [relationship_persona]
  may_disable: [safety_caveats]
  may_not_change: [profanity]
scope:
  only: ["AcmeBank products and banking questions"]
"""


# --------------------------------------------------------------------------- valid


@pytest.mark.parametrize(("text", "expected"), [
    ("", Policy()),
    ("# only a comment\n\n", Policy()),
    ("---\n", Policy()),
    ("behaviours: {profanity: on, safe_messaging: off}",
     Policy(behaviours={"profanity": True, "safe_messaging": False})),
    ("behaviours: {profanity: yes, blunt_feedback: true}",
     Policy(behaviours={"profanity": True, "blunt_feedback": True})),
    ('behaviours: {profanity: "on"}', Policy(behaviours={"profanity": True})),
    ("users:\nscope:\n", Policy()),
    ("users: {trust: operator}", Policy.model_validate({"users": {"trust": "operator"}})),
    ("scope: {only: ['  cooking  ']}", Policy.model_validate({"scope": {"only": ["cooking"]}})),
], ids=["empty-file", "comment-only", "empty-document", "on-off-words", "yes-and-true",
        "quoted-on", "null-sections-are-defaults", "trust-operator", "scope-topic-stripped"])
def test_valid_yaml_loads_to_the_expected_policy(text: str, expected: Policy) -> None:
    assert Policy.from_yaml(text) == expected


def test_full_policy_keeps_every_section() -> None:
    policy = Policy.from_yaml(FULL)
    assert policy.operator.name == "AcmeBank"
    assert policy.operator.system_prompt == "You are Sunny, AcmeBank's assistant."
    assert policy.behaviours == {"safe_messaging": False, "explicit_content": True}
    assert policy.users.may_enable == ("relationship_persona",)
    assert policy.users.may_disable == ("safety_caveats",)
    assert policy.users.may_not_change == ("profanity",)
    assert policy.scope.only == ("AcmeBank products and banking questions",)
    assert not policy.is_empty


def test_default_is_the_empty_policy() -> None:
    assert Policy.default() == Policy()
    assert Policy().is_empty


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize(("text", "key", "line", "words"), [
    ("operator:\n  name: X\nbehavior:\n  profanity: on\n", "behavior", 3,
     ["unknown key 'behavior'", "did you mean 'behaviours'"]),
    ("operator:\n  nme: X\n", "operator.nme", 2, ["unknown key 'nme'", "name"]),
    ("users:\n  trust: user\n  may_enabel: []\n", "users.may_enabel", 3,
     ["did you mean 'may_enable'"]),
    ("behaviours:\n  safe_messaging: off\n  profanty: on\n", "behaviours.profanty", 3,
     ["unknown behaviour 'profanty'", "did you mean 'profanity'"]),
    ("behaviours:\n  xyzzy: on\n", "behaviours.xyzzy", 2, ["unknown behaviour", "safe_messaging"]),
    ("behaviours:\n  deny_being_ai: off\n", "behaviours.deny_being_ai", 2,
     ["deny_being_ai is a hard limit; nobody can change it"]),
    ("behaviours:\n  basic_dignity: off\n", "behaviours.basic_dignity", 2,
     ["basic_dignity is a user protection; nobody can change it"]),
    ("users:\n  trust: admin\n", "users.trust", 2, ["'user' or 'operator'", "'admin'"]),
    ("behaviours:\n  profanity: maybe\n", "behaviours.profanity", 2, ["true or false"]),
    ("behaviours:\n  profanity: 1\n", "behaviours.profanity", 2, ["true or false", "number"]),
    ("users:\n  may_enable: explicit_content\n", "users.may_enable", 2, ["expected a list"]),
    ("scope: banking\n", "scope", 1, ["expected a mapping"]),
    ("operator:\n  name: 42\n", "operator.name", 2, ["expected a string"]),
    ("users:\n  may_enable:\n    - explicit_content\n    - blunt_feedback\n",
     "users.may_enable[1]", 4, ["user-tier", "may already switch it"]),
    ("users:\n  may_disable: [cyberweapons]\n", "users.may_disable[0]", 2, ["hard limit"]),
    ("users:\n  may_not_change: [state_limits]\n", "users.may_not_change[0]", 2,
     ["user protection"]),
    ("users:\n  may_not_change: [profanityy]\n", "users.may_not_change[0]", 2,
     ["did you mean 'profanity'"]),
    ("users:\n  may_enable: [explicit_content]\n  may_not_change: [explicit_content]\n",
     "users.may_not_change[0]", 3, ["both granted", "locked"]),
    ("scope:\n  only:\n    - banking\n    - '   '\n", "scope.only[1]", 4, ["non-empty"]),
    ("behaviours:\n  profanity: on\nbehaviours:\n  profanity: off\n", "behaviours", 3,
     ["duplicate key 'behaviours'", "line 1"]),
], ids=["unknown-top-level-key", "unknown-operator-key", "misspelt-users-key",
        "misspelt-behaviour-id", "unknown-id-lists-choices", "hard-limit-under-behaviours",
        "protection-under-behaviours", "bad-trust-value", "bool-not-a-word",
        "bool-not-a-number", "list-given-a-string", "section-given-a-string",
        "name-given-a-number", "may-enable-user-tier", "may-disable-hard-limit",
        "lock-a-protection", "misspelt-lock", "granted-and-locked", "blank-scope-topic",
        "duplicate-section"])
def test_invalid_yaml_names_key_and_line(text: str, key: str, line: int, words: list[str]
                                         ) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(text, file="policy.yaml")
    err = info.value
    assert (err.key, err.line, err.file) == (key, line, "policy.yaml")
    for word in words:
        assert word in err.problem
    assert str(err).startswith(f"policy.yaml:{line} {key}: ")


def test_several_errors_are_reported_together_first_one_located() -> None:
    text = "behaviours:\n  profanty: on\nusers:\n  trust: admin\n"
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(text)
    assert (info.value.key, info.value.line) == ("behaviours.profanty", 2)
    assert "line 4 users.trust" in info.value.problem


@pytest.mark.parametrize(("text", "line"), [
    ("operator:\n  name: [unclosed\nbehaviours: {}\n", 3),
    ("behaviours:\n  profanity: on\n   safe_messaging: off\n", 3),
    ("operator: {name: x\n", 2),
    ("a: 1\n---\nb: 2\n", 2),
], ids=["unclosed-flow-list", "bad-indentation", "unclosed-flow-mapping", "two-documents"])
def test_yaml_syntax_error_has_a_line(text: str, line: int) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(text, file="p.yaml")
    assert info.value.line == line
    assert "YAML" in info.value.problem or "document" in info.value.problem


@pytest.mark.parametrize("text", ["- profanity\n- safe_messaging\n", "just a string\n", "42\n"],
                         ids=["list", "string", "number"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    with pytest.raises(PolicyError, match="must be a mapping") as info:
        Policy.from_yaml(text)
    assert info.value.line == 1


def test_python_tags_are_rejected_not_executed() -> None:
    with pytest.raises(PolicyError, match="YAML"):
        Policy.from_yaml("operator: !!python/object/apply:os.system ['true']\n")


# --------------------------------------------------------------------------- files


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(FULL, encoding="utf-8")
    assert Policy.load(path) == Policy.from_yaml(FULL)
    assert Policy.load(str(path)) == Policy.from_yaml(FULL)


def test_load_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfbehaviours: {profanity: on}\n")
    assert Policy.load(path).behaviours == {"profanity": True}


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("behaviours:\n  profanty: on\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.load(path)
    assert (info.value.file, info.value.line, info.value.key) == (str(path), 2,
                                                                 "behaviours.profanty")
    assert str(info.value).startswith(f"{path}:2 behaviours.profanty: ")


@pytest.mark.parametrize(("make", "words"), [
    (lambda d: d / "missing.yaml", "not found"),
    (lambda d: d, "is a directory"),
], ids=["missing-file", "directory"])
def test_unreadable_paths_raise_policy_error(tmp_path: Path, make: object, words: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(PolicyError, match=words) as info:
        Policy.load(path)
    assert info.value.file == str(path)


def test_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"operator:\n  name: Caf\xe9\n")
    with pytest.raises(PolicyError, match="not valid UTF-8") as info:
        Policy.load(path)
    assert (info.value.file, info.value.line) == (str(path), 2)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_policy_loads(path: Path) -> None:
    policy = Policy.load(path)
    assert not policy.is_empty


def test_the_documented_examples_exist() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.yaml")}
    assert {"default", "acmebank", "coding", "clinic", "companion", "harm_reduction"} <= names


# --------------------------------------------------------------------------- JSON objects


def test_from_mapping_error_has_key_path_and_no_line() -> None:
    data = {"users": {"may_enable": ["explicit_content", "profanty"]}}
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(data)
    assert (info.value.key, info.value.line) == ("policy.users.may_enable[1]", None)
    assert "did you mean 'profanity'" in info.value.problem


def test_from_mapping_where_prefixes_the_key() -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping({"behaviours": {"deny_being_ai": False}}, where="lines[3].policy")
    assert info.value.key == "lines[3].policy.behaviours.deny_being_ai"
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping({"colour": "blue"}, where="")
    assert info.value.key == "colour"


@pytest.mark.parametrize(("data", "expected"), [
    (None, Policy()),
    ({}, Policy()),
    ({"behaviours": {"profanity": "off"}}, Policy(behaviours={"profanity": False})),
    ({"users": None}, Policy()),
], ids=["null", "empty-object", "word-bool", "null-section"])
def test_from_mapping_accepts_json_policies(data: object, expected: Policy) -> None:
    assert Policy.from_mapping(data) == expected


@pytest.mark.parametrize("data", [["profanity"], "profanity: on", 3],
                         ids=["array", "string", "number"])
def test_from_mapping_rejects_non_objects(data: object) -> None:
    with pytest.raises(PolicyError, match="must be an object") as info:
        Policy.from_mapping(data)
    assert info.value.key == "policy"


def test_model_validate_applies_the_same_catalog_checks() -> None:
    with pytest.raises(ValueError, match="hard limit"):
        Policy.model_validate({"behaviours": {"mass_casualty_weapons": False}})


# --------------------------------------------------------------------------- JSON Schema


def test_json_schema_lists_every_switchable_id_and_no_fixed_one() -> None:
    catalog = load_catalog()
    schema = policy_json_schema()
    names = schema["properties"]["behaviours"]["propertyNames"]["enum"]  # type: ignore[index]
    switchable = {b.id for b in catalog.behaviours.values() if b.switchable}
    fixed = {b.id for b in catalog.behaviours.values() if not b.switchable}
    assert set(names) == switchable
    assert set(schema["properties"]["behaviours"]["properties"]) == switchable  # type: ignore[index]
    text = repr(schema)
    for behaviour_id in fixed:
        assert f"'{behaviour_id}'" not in text


def test_json_schema_restricts_grants_to_operator_tier() -> None:
    users = policy_json_schema()["$defs"]["UsersSection"]["properties"]  # type: ignore[index]
    operator_tier = {b.id for b in load_catalog().by_tier(Tier.OPERATOR)}
    assert set(users["may_enable"]["items"]["enum"]) == operator_tier
    assert set(users["may_disable"]["items"]["enum"]) == operator_tier
    assert set(users["trust"]["enum"]) == {"user", "operator"}


def test_json_schema_is_closed_and_titled() -> None:
    schema = policy_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Charter operator policy"
    assert schema["additionalProperties"] is False
    for section in ("OperatorSection", "UsersSection", "ScopeSection"):
        assert schema["$defs"][section]["additionalProperties"] is False  # type: ignore[index]
