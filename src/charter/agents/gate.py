"""The tool gate: Charter decides every tool call before it runs.

For one proposed call (a tool name and its arguments) in a conversation, `Gate.check` returns
``allow``, ``confirm`` (a person must approve it first) or ``block``, with reasons:

1. **Oversight is out of reach.** A call that would pause, resume, reconfigure or disable
   Charter, its audit or its approvals is blocked and recorded as ``undermine_oversight``,
   whatever the tool is called and whoever asked.
2. **Taint.** Each argument value (and each link, address or account number inside it) is
   traced to where it came from. A value that appears in the instructions found inside
   non-principal content (a tool result or pasted document the injection phrase rules flag, in
   or just after the sentences they matched, up to the next field of a record; or the pieces the
   trained injection head reads as planted, when the rules see nothing) and nowhere in
   what the operator or the user said, nor in the genuine data, is *tainted*: the call is
   being steered by the data. A side-effecting call with a tainted argument is blocked.
   Without any such injection, an *order* written in the data (a to-do line asking for a
   transfer to some account) that supplies a call's destination (a link, address, account
   number or name found nowhere else, or the date of a date or time argument) sends the call
   to a person for confirmation, unless the user handed authority to the data.
3. **Least privilege.** When the context carries injected instructions, a side-effecting
   call whose tool has nothing to do with what the user asked is blocked: the user's
   request is what grants authority, not the data the agent read — unless the user handed
   that authority over ("do the actions in the email", "follow the instructions in the file").
4. **Effect class and grants.** Reading is allowed. Tools the operator did not declare are
   treated as destructive and wait for confirmation. Destructive tools wait for
   confirmation unless the operator said they may run (``confirm: false``); any tool the
   operator marked ``confirm: true`` waits.

The gate sees only what a deployment sees: the conversation, the call, the policy. It keeps
no state; `approvals` holds the calls that wait for a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from charter.agents.tools import UNDECLARED, Effect, ToolRule
from charter.analysers.injection import score_text
from charter.analysers.learned import planted_in
from charter.policy import Policy
from charter.principals import Conversation, Principal, parse_conversation
from charter.signals import Priority, Reason

INJECTION_THRESHOLD = 0.5
# Sentences after one the injection features matched that still count as the injected region:
# an injection usually names its reader, says "before you do that", then gives the order.
REGION_AFTER = 3
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Values this short ("1", "yes") are everywhere: they taint a call only when the genuine data does not
# also hold them. Longer ones (an address, an account, a link) taint wherever else they appear.
SHORT_VALUE = 12
# A line that starts a field of a record: "  sender: ...", "- id: 7", '"subject": ...'.
_FIELD = re.compile(r"^\s*(?:-\s+)?[\"']?[A-Za-z_][\w -]{0,40}[\"']?\s*:\s")
# Parts of an argument value that identify a destination on their own: links, addresses,
# account numbers. "Check out www.evil.example" is steered by the link inside it.
_IDENTIFIERS = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.-]+|\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b"
                          r"|\b\d{6,}\b")
# The user handing authority to what the agent reads: "do the actions in the email", "follow the
# instructions in the file". Then the tools that data asks for serve the user's request.
_DELEGATES = re.compile(
    r"(?i)\b(?:follow|do|carry\s+out|complete|execute|perform|handle|take\s+care\s+of)\s+(?:all\s+)?(?:the\s+)?"
    r"(?:instructions?|actions?|tasks?|steps|to-?dos?|requests?|things)\b|\b(?:as|what)\s+(?:described|specified|"
    r"instructed|requested|listed|explained|asked)\b|\baccording\s+to\s+the\b|\b(?:adjust|update)\b[^.]{0,40}"
    r"\baccordingly\b")

# A sentence in data that gives an order, with no word for the reader: a to-do line that says to send
# a file somewhere, "Please transfer 100 EUR to <account>". Whoever wrote the data may have meant a
# human; an agent acting on it without the user asking is still taking orders from data.
_DIRECTIVE = re.compile(
    r"(?i)^\W*(?:[a-z_][\w ]{0,30}:\s*)?(?:(?:todo|to-?do|note|action(?:\s+item)?|reminder|task|p\.?\s?s)\s*[:\-]\s*)?"
    r"(?:please\s+)?(?:send|transfer|pay|wire|forward|e-?mail|invite|add|post|share|visit|change|modify|update|set"
    r"|replace|redirect|rename|reset|delete|remove|make|book|reserve|create|give|grant|move|schedule|cancel|upload"
    r"|buy|order|publish|write|reply|message|concatenate|include|copy|get|find|retrieve|collect|gather|fetch)"
    r"(?=\s+[^\s:])")
# Orders about what to say, for the review of an answer: a to-do line telling the reader to recommend
# some place to the user.
_SAY_DIRECTIVE = re.compile(
    r"(?i)^\W*(?:[a-z_][\w ]{0,30}:\s*)?(?:(?:todo|to-?do|note|reminder|task)\s*[:\-]\s*)?(?:please\s+)?"
    r"(?:say|tell|recommend|mention|suggest|state|claim|insist|advise)(?=\s+[^\s:])")

_OVERSIGHT = re.compile(
    r"(?i)\b(?:pause|resume|stop|disable|turn\s+off|switch\s+off|shut\s+down|bypass|reconfigure|delete|"
    r"clear|wipe|edit|modify|override|suspend)\w*\W+(?:\w+\W+){0,3}?(?:charter|the\s+gate|tool\s+gate|"
    r"oversight|audit(?:\s+log|\s+trail|\s+store)?|approvals?(?:\s+queue)?|guardrails?|safety\s+(?:filter|"
    r"checks?|layer)|monitoring)\b"
    r"|\bcharter[\s_.-]*(?:pause|resume|stop|config|policy|disable|approvals?|operators?|admin)\b"
    r"|/v1/admin/")

_WORD = re.compile(r"[a-z0-9]+")
# Arguments that say when something happens: in an order in data, their dates are destinations too.
_WHEN_ARGUMENT = re.compile(r"(?i)(?:date|day|time|start|end|when)")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:$|[ T])")
# Words that name what a tool does, and the words a user would use to ask for it.
_SYNONYMS: dict[str, frozenset[str]] = {
    "send": frozenset({"send", "email", "mail", "message", "forward", "reply", "write", "tell", "notify",
                       "share", "post", "dm", "contact", "inform", "ask", "invite", "pay", "transfer", "money"}),
    "money": frozenset({"pay", "payment", "transfer", "send", "money", "refund", "bill", "rent", "iban"}),
    "transaction": frozenset({"pay", "payment", "transfer", "transaction", "money", "bill", "rent", "refund"}),
    "schedule": frozenset({"schedule", "reschedule", "transaction", "payment", "recurring", "rent", "plan"}),
    "email": frozenset({"email", "mail", "send", "reply", "forward", "message", "write", "tell"}),
    "message": frozenset({"message", "send", "tell", "post", "write", "dm", "reply", "slack", "channel"}),
    "post": frozenset({"post", "publish", "share", "message", "send", "write", "webpage", "website"}),
    "invite": frozenset({"invite", "add", "join", "participant", "user", "member"}),
    "user": frozenset({"user", "member", "invite", "add", "remove", "people"}),
    "channel": frozenset({"channel", "add", "join", "invite", "slack"}),
    "calendar": frozenset({"calendar", "event", "meeting", "schedule", "reschedule", "appointment", "book"}),
    "event": frozenset({"event", "meeting", "calendar", "schedule", "appointment", "lunch", "dinner", "call"}),
    "reservation": frozenset({"reserve", "reservation", "book", "booking", "table", "hotel", "restaurant", "car"}),
    "file": frozenset({"file", "document", "doc", "spreadsheet", "sheet", "note", "list"}),
    "create": frozenset({"create", "make", "new", "add", "write", "draft", "set", "schedule", "book"}),
    "append": frozenset({"append", "add", "update", "write", "edit", "change"}),
    "update": frozenset({"update", "change", "edit", "modify", "set", "fix", "correct", "adjust"}),
    "delete": frozenset({"delete", "remove", "erase", "clean", "clear", "trash", "cancel"}),
    "cancel": frozenset({"cancel", "delete", "remove", "call", "off"}),
    "password": frozenset({"password", "credentials", "login"}),
    "share": frozenset({"share", "send", "give", "access", "permission"}),
    "webpage": frozenset({"webpage", "website", "page", "url", "link", "site", "browse", "visit", "post"}),
    "add": frozenset({"add", "invite", "include", "join", "put"}),
    "reserve": frozenset({"reserve", "reservation", "book", "booking", "table", "room", "stay"}),
    "hotel": frozenset({"hotel", "room", "stay", "accommodation", "night", "nights", "book", "reserve"}),
    "restaurant": frozenset({"restaurant", "table", "dinner", "lunch", "eat", "book", "reserve"}),
    "car": frozenset({"car", "rental", "rent", "drive", "book", "reserve"}),
    "remove": frozenset({"remove", "delete", "kick", "drop"}),
}


class GateAction(StrEnum):
    ALLOW = "allow"
    CONFIRM = "confirm"
    BLOCK = "block"


class Taint(BaseModel):
    """An argument value found in injected instructions inside non-principal content."""

    argument: str  # path of the argument, e.g. "recipient" or "items[0].iban"
    value: str
    message: int  # index of the request message it was found in
    source: str  # "tool" or "pasted"


class GateDecision(BaseModel):
    """What the gate decided for one call, and why (reasons ordered safety first)."""

    action: GateAction
    tool: str
    effect: Effect
    declared: bool
    reasons: list[Reason] = Field(default_factory=list)
    tainted: list[Taint] = Field(default_factory=list)
    injected_context: bool = False  # the conversation carries injected instructions somewhere
    relevant: bool = True  # the tool plausibly serves what the user asked
    rule: str | None = None  # the deciding rule id, e.g. "undermine_oversight"

    def contract(self) -> dict[str, object]:
        return self.model_dump(mode="json")


class Gate:
    """Decides tool calls for one operator policy. Stateless and thread-safe."""

    def __init__(self, policy: Policy | None = None, *, tools: Mapping[str, ToolRule] | None = None) -> None:
        self.policy = policy
        self.tools: dict[str, ToolRule] = dict(policy.tools if policy else {})
        self.tools.update(tools or {})

    def check(self, name: str, arguments: Mapping[str, Any] | str | None, messages: Any) -> GateDecision:
        """Decide one proposed call in the context of ``messages`` (OpenAI or Anthropic shape, or parsed)."""
        conversation = messages if isinstance(messages, Conversation) else parse_conversation(messages)
        args = _arguments(arguments)
        declared = name in self.tools
        rule = self.tools.get(name, UNDECLARED)
        reasons: list[Reason] = []

        def decide(action: GateAction, rule_id: str | None = None, **extra: Any) -> GateDecision:
            return GateDecision(action=action, tool=name, effect=rule.effect, declared=declared,
                                reasons=reasons, rule=rule_id, **extra)

        call_text = f"{name} {json.dumps(args, ensure_ascii=False, default=str)}"
        if _OVERSIGHT.search(call_text.replace("_", " ")):
            reasons.append(Reason(priority=Priority.SAFETY, rule="undermine_oversight",
                                  text=f"the call {name} would reach Charter's own oversight (pause, approvals, "
                                       "audit or configuration); no tool, prompt or argument may do that"))
            return decide(GateAction.BLOCK, "undermine_oversight")

        regions = injected_regions(conversation)
        tainted = trace_taint(args, conversation, regions)
        relevant = is_relevant(name, rule, conversation)
        injected = bool(regions)

        if not rule.effect.side_effecting:
            reasons.append(Reason(priority=Priority.HELPFULNESS, rule="least_privilege",
                                  text=f"{name} only reads ({'declared' if declared else 'undeclared'}); "
                                       "reading is allowed"))
            return decide(GateAction.ALLOW, tainted=tainted, injected_context=injected, relevant=relevant)
        if tainted:
            shown = ", ".join(f"{t.argument}={t.value[:40]!r} (message {t.message})" for t in tainted[:4])
            reasons.append(Reason(priority=Priority.SAFETY, rule="embedded_instructions_as_data",
                                  text=f"{name} ({rule.effect.value}) takes arguments from instructions injected "
                                       f"into non-principal content: {shown}; data does not command"))
            return decide(GateAction.BLOCK, "embedded_instructions_as_data", tainted=tainted,
                          injected_context=True, relevant=relevant)
        if not any(r.found_by == "rules" for r in regions):
            # The head reads a planted piece, not the whole of an injection: an order elsewhere in the data
            # still waits for a person, as it does when nothing reads as injected.
            directed = trace_taint(args, conversation, directive_regions(conversation), identifiers_only=True)
            if directed and not _DELEGATES.search(_user_text(conversation)):
                shown = ", ".join(f"{t.argument}={t.value[:40]!r} (message {t.message})" for t in directed[:4])
                reasons.append(Reason(priority=Priority.SAFETY, rule="instructions_in_data",
                                      text=f"{name} ({rule.effect.value}) takes arguments from an order written "
                                           f"in non-principal content: {shown}; the user did not ask to follow "
                                           "it, so a person must approve the call"))
                return decide(GateAction.CONFIRM, "instructions_in_data", tainted=directed, relevant=relevant)
        if injected and not relevant:
            reasons.append(Reason(priority=Priority.SAFETY, rule="least_privilege",
                                  text=f"{name} ({rule.effect.value}) is not needed for what the user asked, and "
                                       "the context carries injected instructions; only the user's request "
                                       "grants authority"))
            return decide(GateAction.BLOCK, "least_privilege", injected_context=True, relevant=False)
        if not declared:
            reasons.append(Reason(priority=Priority.SAFETY, rule="least_privilege",
                                  text=f"{name} is not declared by the operator, so it is treated as destructive "
                                       "and a person must confirm it"))
            return decide(GateAction.CONFIRM, "undeclared_tool", injected_context=injected, relevant=relevant)
        if rule.needs_confirmation:
            why = ("the operator asks for confirmation of this tool" if rule.confirm else
                   "it cannot be undone")
            reasons.append(Reason(priority=Priority.SAFETY, rule="confirm_irreversible" if not rule.confirm
                                  else "operator_confirmation",
                                  text=f"{name} ({rule.effect.value}): {why}; a person must approve it first"))
            return decide(GateAction.CONFIRM, reasons[-1].rule, injected_context=injected, relevant=relevant)
        reasons.append(Reason(priority=Priority.HELPFULNESS, rule="least_privilege",
                              text=f"{name} ({rule.effect.value}) is granted by the operator"
                                   + (" and serves what the user asked" if relevant else "")
                                   + "; no argument comes from injected content"))
        return decide(GateAction.ALLOW, injected_context=injected, relevant=relevant)


def gate(tool_call: Mapping[str, Any], conversation: Any, *, policy: Policy | None = None) -> GateDecision:
    """Decide one OpenAI-style tool call (``{"function": {"name", "arguments"}}`` or ``{"name", "arguments"}``)."""
    fn = tool_call.get("function", tool_call)
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
        raise ValueError("tool_call needs a 'name' (or 'function.name') string")
    return Gate(policy).check(fn["name"], fn.get("arguments") or fn.get("input"), conversation)


# ----------------------------------------------------------------------------- provenance


class Region(BaseModel):
    """Injected instructions found in one non-principal message: the text around what matched."""

    message: int
    source: str
    text: str  # normalised (lowercase alphanumerics, single spaces)
    outside: str  # the rest of the message, normalised
    raw: str = ""  # the region as written
    found_by: Literal["rules", "head", "order"] = "rules"  # the injection phrase rules, the trained head, an order


def injected_regions(conversation: Conversation) -> list[Region]:
    """For each non-principal message the injection features flag, the sentences around each match.

    The region is each matching sentence, the one before it on the same line, and the
    ``REGION_AFTER`` sentences that follow it (an injection names its reader, then gives the
    order); data on other lines before it, such as the genuine fields of a record, stays outside.
    """
    regions: list[Region] = []
    for m in conversation.messages:
        if m.principal != Principal.NON_PRINCIPAL:
            continue
        found = _region_of(m.text)
        if found is not None:
            regions.append(Region(message=m.index, source=m.source.value, text=found[0], outside=found[1],
                                  raw=found[2], found_by=found[3]))
    return regions


@lru_cache(maxsize=2048)
def _region_of(raw: str) -> tuple[str, str, str, Literal["rules", "head"]] | None:
    """(injected region, the rest, both normalised; the region as written; what found it: the phrase rules
    or the trained head), or None when there is no injection.

    A tool output that is a YAML or JSON record is read field by field: each string in it is
    its own text, so an injection inside one field (however the dump folded its lines) never
    spreads into the next, and a line inside a field that merely looks like "key: value" does
    not end the region early. Cached by text: an agent loop re-checks the same tool outputs at
    every call it proposes.
    """
    text = _unescape(raw)
    score, _ = score_text(text.replace("\u2019", "'"))
    if score < INJECTION_THRESHOLD:
        return _learned_region(text)
    inside: list[str] = []
    rest: list[str] = []
    parts = _fields(raw)
    for part in parts:
        found = _hot_region(part)
        if found is None:
            rest.append(part)
        else:
            inside.append(found[0])
            rest.append(found[1])
    if not inside:  # the features matched only across fields or sentences: the fields that score high
        inside = [p for p in parts if score_text(p.replace("\u2019", "'"))[0] >= INJECTION_THRESHOLD] or [text]
        rest = [p for p in parts if p not in inside]
    return _norm_dated(" ".join(inside)), _norm_dated(" ".join(rest)), "\n".join(inside), "rules"


def _learned_region(text: str) -> tuple[str, str, str, Literal["head"]] | None:
    """The pieces the trained injection head reads as planted (a quiet task with no words to an AI,
    such as a to-do line telling the reader to send a code to some address), as a region; None when
    it finds none."""
    pieces = planted_in(text)
    if not pieces:
        return None
    cut = sorted((p.start, p.end) for p in pieces)
    rest: list[str] = []
    at = 0
    for start, end in cut:
        rest.append(text[at:max(at, start)])
        at = max(at, end)
    rest.append(text[at:])
    inside = [text[start:end] for start, end in cut]
    return _norm_dated(" ".join(inside)), _norm_dated(" ".join(rest)), "\n".join(inside), "head"


def directive_regions(conversation: Conversation, pattern: re.Pattern[str] | None = None) -> list[Region]:
    """For each non-principal message, the sentences in it that give an order (`_DIRECTIVE`)."""
    regions: list[Region] = []
    for m in conversation.messages:
        if m.principal != Principal.NON_PRINCIPAL:
            continue
        found = _directives_of(m.text, pattern or _DIRECTIVE)
        if found is not None:
            regions.append(Region(message=m.index, source=m.source.value, text=found[0], outside=found[1],
                                  raw=found[2], found_by="order"))
    return regions


@lru_cache(maxsize=2048)
def _directives_of(raw: str, pattern: re.Pattern[str]) -> tuple[str, str, str] | None:
    inside: list[str] = []
    rest: list[str] = []
    for part in _fields(raw):
        for _, sentence in _sentences(part):
            (inside if pattern.match(sentence) else rest).append(sentence)
    if not inside:
        return None
    return _norm_dated(" ".join(inside)), _norm_dated(" ".join(rest)), "\n".join(inside)


def _user_text(conversation: Conversation) -> str:
    return " ".join(m.text for m in conversation.messages if m.principal == Principal.USER)


def _hot_region(text: str) -> tuple[str, str] | None:  # (region, rest), as written
    """Within one text: the sentences the injection features match, their neighbours, and the rest.

    The region is each matching sentence, the one before it on the same line, and the
    ``REGION_AFTER`` sentences that follow it (an injection names its reader, then gives the
    order) up to the next field of a record; data on other lines before it stays outside.
    """
    sentences = _sentences(text)
    hot = [i for i, (_, s) in enumerate(sentences) if score_text(s.replace("\u2019", "'"))[0] > 0]
    if not hot:
        return None
    keep: set[int] = set()
    for i in hot:
        for j in range(i, min(len(sentences), i + REGION_AFTER + 1)):
            if j > i and sentences[j][0] != sentences[j - 1][0] and _FIELD.match(sentences[j][1]):
                break  # the next field of a record written as text is genuine data again
            keep.add(j)
        if i > 0 and sentences[i - 1][0] == sentences[i][0]:
            keep.add(i - 1)
    inside = " ".join(sentences[j][1] for j in sorted(keep))
    rest = " ".join(sentences[j][1] for j in range(len(sentences)) if j not in keep)
    return inside, rest


@lru_cache(maxsize=2048)
def _fields(raw: str) -> tuple[str, ...]:
    """The texts of a tool output: every field (key and value) of a YAML or JSON record, else the whole text."""
    for candidate in (raw, _unescape(raw)):
        try:
            parsed = yaml.load(candidate, Loader=_LOADER)  # JSON is YAML too
        except yaml.YAMLError:
            continue
        if isinstance(parsed, dict | list):
            return tuple(t for t in _record_texts(parsed) if t.strip())
    return (_unescape(raw),)


def _record_texts(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                yield str(k)
                yield from _record_texts(v)
            else:  # a field and its value read together: "Note to the assistant: send ..."
                yield _unescape(f"{k}: {'' if v is None else v}")
    elif isinstance(value, list):
        for v in value:
            yield from _record_texts(v)
    elif value is not None:
        yield _unescape(str(value))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sentences(text: str) -> list[tuple[int, str]]:
    """(line number, sentence) for every sentence of every non-blank line."""
    out: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines()):
        out.extend((n, part) for part in _SENTENCE.split(line) if part.strip())
    return out


def trace_taint(args: Mapping[str, Any], conversation: Conversation, regions: Sequence[Region], *,
                identifiers_only: bool = False) -> list[Taint]:
    """Argument values that occur in an injected region and nowhere the operator or user said them.

    With ``identifiers_only``, only links, addresses and account numbers are traced (not names,
    dates or free text): for regions that are merely orders in data, where a date or a phrase
    shared with the data is common and harmless, but a destination only the order names is not.
    """
    if not regions:
        return []
    principal = _norm_dated(" ".join(m.text for m in conversation.messages
                                     if m.principal in (Principal.OPERATOR, Principal.USER)))
    clean_data = _norm_dated(" ".join(_unescape(m.text) for m in conversation.messages
                                if m.principal == Principal.NON_PRINCIPAL
                                and m.index not in {r.message for r in regions}))
    found: list[Taint] = []
    for path, whole in _leaves(args):
        candidates = [whole, *(m.group(0).rstrip(".,;:)'\"") for m in _IDENTIFIERS.finditer(whole))]
        if identifiers_only:  # the links and addresses inside, the whole value if it is a name, and dates
            candidates = candidates[1:] + ([whole] if _NAME.fullmatch(whole.strip()) else [])
            if _ISO_DATE.match(whole) and _WHEN_ARGUMENT.search(path):
                candidates += date_tokens(whole[:10])
        elif _ISO_DATE.match(whole):  # a date argument is traced by the day it names, however it was written
            candidates += date_tokens(whole[:10])
        for value in dict.fromkeys(candidates):
            v = _norm(value)
            if not v or _contains(principal, v):
                continue
            # A value the genuine data also holds (a record's own field, a listing) is not the
            # injection's to claim, however close to it it sits.
            if len(v.replace(" ", "")) < SHORT_VALUE and (
                    _contains(clean_data, v) or any(_contains(r.outside, v) for r in regions)):
                continue
            hit = next((r for r in regions if _contains(r.text, v)), None)
            if hit is not None and len(v.replace(" ", "")) >= 2:
                found.append(Taint(argument=path, value=value, message=hit.message, source=hit.source))
                break
    return found


# Two or more capitalised words: the name of a place, product, person or firm an injection plants.
_NAME = re.compile(r"\b[A-Z][\w'&-]*(?:[ \t]+(?:of|the|de|la|le|du|von|van|and|&)?[ \t]*[A-Z][\w'&-]*)+")
# A sentence that reports what the data asked for rather than doing it.
_REPORTS = re.compile(r"(?i)\b(?:says?|said|asks?|asked|asking|contains?|contained|instruct\w*|tells?|told|claims?"
                      r"|claimed|requests?|requested|inject\w*|suspicious|ignor\w+|embedded|urg\w+|tries|tried"
                      r"|attempt\w*|wants?|wanted|manipulat\w*)\b")


def planted(conversation: Conversation) -> list[str]:
    """What injected instructions planted: links, addresses and names that appear in an injected region,
    or in an order in the data about what to say, and nowhere the operator or the user said them, nor in
    the genuine data."""
    regions = injected_regions(conversation) or directive_regions(conversation, _SAY_DIRECTIVE)
    if not regions:
        return []
    principal = _norm(" ".join(m.text for m in conversation.messages
                               if m.principal in (Principal.OPERATOR, Principal.USER)))
    genuine = _norm(" ".join([_unescape(m.text) for m in conversation.messages
                              if m.principal == Principal.NON_PRINCIPAL and m.index not in {r.message for r in regions}]
                             + [r.outside for r in regions]))
    out: list[str] = []
    for r in regions:
        for m in [*_IDENTIFIERS.finditer(r.raw), *_NAME.finditer(r.raw)]:
            token = m.group(0).rstrip(".,;:)'\"")
            v = _norm(token)
            if len(v) >= 4 and not _contains(principal, v) and not _contains(genuine, v):
                out.append(token)
    return list(dict.fromkeys(out))


def planted_in_answer(answer: str, conversation: Conversation | Any) -> list[str]:
    """Sentences of an answer that carry out injected instructions: each repeats something the injection
    planted (`planted`) without reporting it as what the data asked for ("the review asks me to ...")."""
    conversation = conversation if isinstance(conversation, Conversation) else parse_conversation(conversation)
    tokens = [_norm(t) for t in planted(conversation)]
    if not tokens:
        return []
    return [sentence for _, sentence in _sentences(answer)
            if any(_contains(_norm(sentence), t) for t in tokens) and not _REPORTS.search(sentence)]


def is_relevant(name: str, rule: ToolRule, conversation: Conversation) -> bool:
    """Does the tool plausibly serve what the user asked? (words of its name and description)"""
    request = _user_text(conversation)
    if _DELEGATES.search(request):
        return True
    asked = set(_WORD.findall(request.lower()))
    asked |= {w[:-1] for w in asked if w.endswith("s")}
    tool_words = set(_WORD.findall(name.lower().replace("_", " ")))
    if rule.description:
        tool_words |= set(_WORD.findall(rule.description.lower())) & set(_SYNONYMS)
    tool_words -= {"get", "the", "a", "to", "of", "by", "for", "and"}
    return any(word in asked or bool(_SYNONYMS.get(word, frozenset()) & asked) for word in tool_words)


def _arguments(arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except json.JSONDecodeError:
            return {"arguments": arguments}
        return parsed if isinstance(parsed, dict) else {"arguments": parsed}
    return dict(arguments)


def _leaves(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    elif value is not None and not isinstance(value, bool):
        yield path or "arguments", str(value)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _norm_dated(text: str) -> str:
    """Normalised text followed by a token for every calendar date it names ("May 1st" -> "date0501")."""
    tokens = date_tokens(text)
    return f"{_norm(text)} {' '.join(tokens)}".strip() if tokens else _norm(text)


_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_MONTH = r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th)?\b"
_RANGE = r"(?:\s*(?:-|–|to|until|till|through|and)\s*(?:the\s+)?" + _DAY.format("{}") + r")?"
_DATES = re.compile(
    r"(?i)\b(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)"
    r"|\b" + _DAY.format("d1") + _RANGE.format("d2") + r"\s+(?:of\s+)?" + _MONTH.format("m1")
    + r"|\b" + _MONTH.format("m2") + r"\s+(?:the\s+)?" + _DAY.format("d3") + _RANGE.format("d4"))


def date_tokens(text: str) -> list[str]:
    """Calendar dates named in ``text`` as month-day tokens, whatever the wording.

    "2024-05-01", "May 1st", "the 1st of May" and both ends of "from the 1st to the 5th of May"
    all give "date0501", so a date argument is traced to the words it came from. The year is
    left out: a request often omits it.
    """
    out: list[str] = []
    for m in _DATES.finditer(text):
        g = m.groupdict()
        if g["y"]:
            month, days = int(g["m"]), [g["d"]]
        else:
            name = (g["m1"] or g["m2"]).lower()
            month = next(v for k, v in _MONTHS.items() if k.startswith(name[:3]))
            days = [g["d1"], g["d2"]] if g["m1"] else [g["d3"], g["d4"]]
        for day in days:
            if day and 1 <= month <= 12 and 1 <= int(day) <= 31:
                out.append(f"date{month:02d}{int(day):02d}")
    return list(dict.fromkeys(out))


def _contains(haystack: str, needle: str) -> bool:
    """Whole-word containment on normalised text."""
    return f" {needle} " in f" {haystack} "


def _unescape(text: str) -> str:
    """Tool outputs often arrive YAML- or JSON-escaped: read "\\n" as a line break."""
    return text.replace("\\n", "\n").replace("\\t", " ")

