"""The operator policy: one YAML file (or a JSON object per request), validated.

The file says what the operator switched, what users may switch, and what is in
scope. Behaviour ids are checked against the catalog, so a typo, a hard limit or a
grant that means nothing is an error that names the key and the line, never a
setting that silently does nothing. `policy_json_schema()` publishes the same rules
for editors.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)

from charter.agents.tools import ToolRule
from charter.catalog import Tier, load_catalog
from charter.errors import PolicyError

__all__ = ["OperatorSection", "Policy", "ScopeSection", "UsersSection", "policy_json_schema"]

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_MAX_LISTED = 5  # further problems after the first, spelled out in the message


class _Located(ValueError):
    """A cross-field problem that knows which item below the validated model is at fault."""

    def __init__(self, problem: str, *subpath: str | int) -> None:
        super().__init__(problem)
        self.subpath = subpath


# --------------------------------------------------------------------------- id checks

def _ids(*tiers: Tier) -> list[str]:
    return [b.id for b in load_catalog().behaviours.values() if b.tier in tiers]


def _unknown(behaviour_id: str, allowed: list[str]) -> str:
    # Suggest among the ids that would be accepted here first, so the fix is not a
    # second error; fall back to the whole catalog.
    near = difflib.get_close_matches(behaviour_id, allowed, n=3, cutoff=0.6) or \
        difflib.get_close_matches(behaviour_id, load_catalog().ids(), n=3, cutoff=0.6)
    if near:
        hint = " or ".join(repr(n) for n in near)
        return f"unknown behaviour {behaviour_id!r}; did you mean {hint}?"
    return f"unknown behaviour {behaviour_id!r}; expected one of: {', '.join(allowed)}"


def _fixed(behaviour_id: str) -> str | None:
    """The complaint for a hard limit or protection, or None for a switchable id."""
    tier = load_catalog().get(behaviour_id).tier
    if tier is Tier.HARD_LIMIT:
        return f"{behaviour_id} is a hard limit; nobody can change it"
    if tier is Tier.PROTECTION:
        return f"{behaviour_id} is a user protection; nobody can change it"
    return None


def _switchable_id(value: str) -> str:
    if value not in load_catalog():
        raise ValueError(_unknown(value, _ids(Tier.OPERATOR, Tier.USER)))
    problem = _fixed(value)
    if problem:
        raise ValueError(problem)
    return value


def _grantable_id(value: str) -> str:
    if value not in load_catalog():
        raise ValueError(_unknown(value, _ids(Tier.OPERATOR)))
    problem = _fixed(value)
    if problem:
        raise ValueError(problem)
    if load_catalog().get(value).tier is Tier.USER:
        raise ValueError(f"{value} is a user-tier behaviour: users may already switch it, so "
                         "a grant means nothing (to stop them, list it under may_not_change)")
    return value


_WORD_BOOLS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def _word_bool(value: object) -> object:
    # YAML turns on/off into booleans already; JSON policies and quoted YAML may say "on".
    if isinstance(value, str) and value.strip().lower() in _WORD_BOOLS:
        return _WORD_BOOLS[value.strip().lower()]
    return value


SwitchableId = Annotated[str, AfterValidator(_switchable_id)]
GrantableId = Annotated[str, AfterValidator(_grantable_id)]
Switch = Annotated[StrictBool, BeforeValidator(_word_bool)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _drop_nulls(data: Any) -> Any:
    # An empty YAML section (`users:` with everything commented out) reads as null;
    # treat it as absent rather than as a type error.
    if isinstance(data, Mapping):
        return {k: v for k, v in data.items() if v is not None}
    return data


# --------------------------------------------------------------------------- models

class OperatorSection(BaseModel):
    """Who the operator is and what they tell the assistant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, description="The operator's name, e.g. a company.")
    system_prompt: str | None = Field(
        None, description="Used when a request has no system message; joined with it otherwise.")
    context: str | None = Field(None, description="Free-text description of the deployment.")

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        return _drop_nulls(data)


class UsersSection(BaseModel):
    """How far users are trusted and which switches they may move."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trust: Literal["user", "operator"] = Field(
        "user", description="'operator' gives users the operator's powers over switches.")
    may_enable: tuple[GrantableId, ...] = Field(
        (), description="Operator-tier behaviours users may turn on.")
    may_disable: tuple[GrantableId, ...] = Field(
        (), description="Operator-tier behaviours users may turn off.")
    may_not_change: tuple[SwitchableId, ...] = Field(
        (), description="Behaviours users may not change (locks).")

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        return _drop_nulls(data)

    @model_validator(mode="after")
    def _grant_or_lock(self) -> UsersSection:
        granted = set(self.may_enable) | set(self.may_disable)
        for i, behaviour_id in enumerate(self.may_not_change):
            if behaviour_id in granted:
                raise _Located(f"{behaviour_id} is both granted to users (may_enable/may_disable) "
                               "and locked; pick one", "may_not_change", i)
        return self


ToolName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]


class ScopeSection(BaseModel):
    """What the deployment is for; requests outside it are declined, saying so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    only: tuple[Topic, ...] = Field(
        (), description="If non-empty, only these topics are in scope.")

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        return _drop_nulls(data)


class Policy(BaseModel):
    """An operator policy: switches, user grants and scope. `Policy()` is the empty policy."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"title": "Charter operator policy"})

    operator: OperatorSection = Field(default_factory=OperatorSection)
    behaviours: dict[SwitchableId, Switch] = Field(
        default_factory=dict, description="Catalog behaviour ids switched on or off.")
    users: UsersSection = Field(default_factory=UsersSection)
    scope: ScopeSection = Field(default_factory=ScopeSection)
    tools: dict[ToolName, ToolRule] = Field(
        default_factory=dict, description="The deployment's tools: effect class and whether each may run "
                                          "without confirmation. Undeclared tools are treated as destructive.")

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        return _drop_nulls(data)

    @classmethod
    def default(cls) -> Policy:
        """The empty policy: platform defaults, no operator settings."""
        return cls()

    @property
    def is_empty(self) -> bool:
        """True when the policy sets nothing at all."""
        return self == _empty_policy()

    @classmethod
    def from_yaml(cls, text: str, *, file: str | None = None) -> Policy:
        """Parse and validate policy YAML; errors carry the key path and line."""
        try:
            loader = yaml.SafeLoader(text)
            try:
                node = loader.get_single_node()
                data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            raise PolicyError(f"YAML syntax error: {problem}",
                              line=mark.line + 1 if mark else None, file=file) from None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            raise PolicyError(f"YAML cannot contain character {exc.character!r}",
                              line=line, file=file) from None
        except yaml.YAMLError as exc:
            raise PolicyError(f"YAML error: {exc}", file=file) from None
        if node is None or data is None:  # an empty file, or only "---"
            return cls()
        if not isinstance(node, yaml.MappingNode):
            raise PolicyError("a policy must be a mapping with the sections operator, behaviours, "
                              f"users and scope; got {_kind(data)}",
                              line=node.start_mark.line + 1, file=file)
        _check_duplicates(node, (), file)
        return _validate(data, node=node, file=file, prefix="")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Read and validate a policy file; unreadable files raise PolicyError naming them."""
        name = os.fspath(path)
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise PolicyError("policy file not found", file=name) from None
        except IsADirectoryError:
            raise PolicyError("is a directory; expected a YAML policy file", file=name) from None
        except PermissionError:
            raise PolicyError("permission denied reading the policy file", file=name) from None
        except OSError as exc:
            raise PolicyError(f"cannot read the policy file: {exc.strerror}", file=name) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise PolicyError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
                              f"{exc.start})", line=line, file=name) from None
        return cls.from_yaml(text.removeprefix("\ufeff"), file=name)

    @classmethod
    def from_mapping(cls, data: object, *, where: str = "policy") -> Policy:
        """Validate a policy given as a JSON object; errors name the key path under ``where``."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise PolicyError("a policy must be an object with the sections operator, "
                              f"behaviours, users and scope; got {_kind(data)}", key=where or None)
        return _validate(dict(data), node=None, file=None, prefix=where)


@cache
def _empty_policy() -> Policy:
    return Policy()


# --------------------------------------------------------------------------- errors

_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Policy, ("operator",): OperatorSection, ("users",): UsersSection, ("scope",): ScopeSection,
}


def _validate(data: object, *, node: yaml.Node | None, file: str | None, prefix: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        _raise_policy_error(exc, node=node, file=file, prefix=prefix)


def _raise_policy_error(exc: ValidationError, *, node: yaml.Node | None, file: str | None,
                        prefix: str) -> NoReturn:
    found: list[tuple[str, int | None, str]] = []
    for err in exc.errors(include_url=False):
        path: list[str | int] = [p for p in err["loc"] if p != "[key]"]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, _Located):
            path.extend(cause.subpath)
        key = _dotted(path)
        if prefix:
            key = f"{prefix}.{key}" if key and not key.startswith("[") else f"{prefix}{key}"
        line = _line_of(node, path) if node is not None else None
        found.append((key, line, _problem(err, path)))
    key, line, problem = found[0]
    rest = found[1:]
    if rest:
        shown = "; ".join(f"{'line ' + str(ln) + ' ' if ln else ''}{k}: {p}"
                          for k, ln, p in rest[:_MAX_LISTED])
        more = f" and {len(rest) - _MAX_LISTED} more" if len(rest) > _MAX_LISTED else ""
        problem = f"{problem} (also: {shown}{more})"
    raise PolicyError(problem, key=key or None, line=line, file=file) from None


def _dotted(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(err: Any, path: list[str | int]) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        section = tuple(str(p) for p in path[:-1])
        model = _SECTIONS.get(section)
        allowed = list(model.model_fields) if model else []
        name = str(path[-1]) if path else "?"
        where = f" in {section[-1]}" if section else ""
        near = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        listing = f" (expected: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {name!r}{where}{hint}{listing}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false (on/off), got {_kind(value)}{_show(value)}"
    if kind == "string_type":
        return f"expected a string, got {_kind(value)}{_show(value)}"
    if kind in ("tuple_type", "list_type", "iterable_type"):
        return f"expected a list, got {_kind(value)}{_show(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping, got {_kind(value)}{_show(value)}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the allowed values')}, got {value!r}"
    if kind == "string_too_short":
        return "must be a non-empty string"
    return str(err["msg"])


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _show(value: object) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = repr(value)
        return f" {text[:60]}" if len(text) <= 60 else f" {text[:57]}..."
    return ""


def _line_of(node: yaml.Node, path: list[str | int]) -> int:
    """The 1-based line of the deepest node on ``path`` that exists in the YAML tree."""
    line = node.start_mark.line
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    line, node = key_node.start_mark.line, value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _check_duplicates(node: yaml.Node, path: tuple[str | int, ...], file: str | None) -> None:
    # PyYAML keeps the last of two equal keys without a word; in a policy that hides a setting.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                name = key_node.value
                here = key_node.start_mark.line + 1
                if name in seen:
                    raise PolicyError(f"duplicate key {name!r} (first on line {seen[name]})",
                                      key=_dotted([*path, name]), line=here, file=file)
                seen[name] = here
                _check_duplicates(value_node, (*path, name), file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(item, (*path, i), file)


# --------------------------------------------------------------------------- JSON Schema

def policy_json_schema() -> dict[str, object]:
    """A JSON Schema for policy files, with the catalog's ids spelled out for editors."""
    catalog = load_catalog()
    switchable = [b for b in catalog.behaviours.values() if b.switchable]
    operator_tier = [b.id for b in switchable if b.tier is Tier.OPERATOR]
    schema: dict[str, Any] = Policy.model_json_schema()
    # YAML 1.2 editors read `on`/`off` as strings; Charter accepts them, so the schema does too.
    switch = {"anyOf": [{"type": "boolean"}, {"enum": sorted(_WORD_BOOLS)}]}
    behaviours = schema["properties"]["behaviours"]
    behaviours["additionalProperties"] = switch
    behaviours["propertyNames"] = {"enum": [b.id for b in switchable]}
    behaviours["properties"] = {
        b.id: {**switch, "default": b.default,
               "description": f"{b.description.strip()} (default {'on' if b.default else 'off'}; "
                              f"{b.tier.value}-tier)"}
        for b in switchable
    }
    users = schema["$defs"]["UsersSection"]["properties"]
    users["may_enable"]["items"] = {"enum": operator_tier}
    users["may_disable"]["items"] = {"enum": operator_tier}
    users["may_not_change"]["items"] = {"enum": [b.id for b in switchable]}
    scope_items = schema["$defs"]["ScopeSection"]["properties"]["only"]["items"]
    scope_items["minLength"] = 1
    return {"$schema": _SCHEMA_DIALECT, "title": "Charter operator policy", **schema}
