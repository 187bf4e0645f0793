"""Charter inside AgentDojo's agent pipeline: the tool gate and the injection detector.

AgentDojo (``pip install agentdojo``) runs an agent as a chain of pipeline elements; the tool
loop repeats "execute the tools the model asked for, then ask the model again". Charter sits
in that loop between the model and the tools:

    ToolsExecutionLoop([CharterToolGate(Gate(policy)), llm])

For each tool call in the model's last message, `CharterToolGate` asks `Gate.check` with the
conversation so far in OpenAI form. Allowed calls run through AgentDojo's own
``ToolsExecutor``; a blocked call, or one waiting for a person's approval, is taken out of the
model's message (so AgentDojo's traces record only what really ran) and answered with a tool
result that says what Charter did and why. The gate wraps the executor rather than standing
before it because AgentDojo's executor only runs when the model's message is the last one:
Charter's answers for held calls have to come after the results of the calls that ran.

`CharterAnswerReview` comes after the loop and reviews the agent's final answer the way Charter's
review does in the gateway: a sentence that carries out instructions injected into a tool result
(it repeats a name, link or address only the injection supplied, and does not report it as the
data's) is taken out, and the answer says that something was removed and why. A model behind the
gateway would be asked to answer again; in AgentDojo the answer is final, so it is cut instead.

`CharterInjectionDetector` is Charter's injection analyser in AgentDojo's detector interface,
for comparing detectors on AgentDojo's injected tool outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

try:
    from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
    from agentdojo.agent_pipeline.pi_detector import PromptInjectionDetector
    from agentdojo.agent_pipeline.tool_execution import ToolsExecutor
    from agentdojo.functions_runtime import EmptyEnv, FunctionCall, FunctionsRuntime, TaskEnvironment
    from agentdojo.types import (
        ChatAssistantMessage,
        ChatMessage,
        ChatToolResultMessage,
        get_text_content_as_str,
        text_content_block_from_string,
    )
except ImportError as exc:  # AgentDojo is a benchmark dependency, not a runtime one
    raise ImportError("charter.agents.agentdojo needs AgentDojo: pip install 'agentdojo==0.1.35' "
                      "(or pip install -e '.[dev]')") from exc
from pydantic import BaseModel

from charter.agents.gate import Gate, GateAction, GateDecision, planted_in_answer
from charter.analysers.injection import score_text
from charter.analysers.learned import planted_in
from charter.principals import parse_conversation

__all__ = ["NOTICE_PREFIX", "CharterAnswerReview", "CharterInjectionDetector", "CharterToolGate", "GateRecord",
           "to_openai_messages"]

# Every answer Charter writes in place of a tool result starts with this, so a reader (or a
# scripted agent) can tell Charter's words from a tool's.
NOTICE_PREFIX = "[Charter]"


@dataclass(frozen=True)
class GateRecord:
    """One call the gate decided: the call as the model made it, and the decision."""

    call_id: str
    tool: str
    arguments: dict[str, Any]
    decision: GateDecision
    ran: bool  # allowed, or sent for confirmation and approved (see `approve_confirmations`)


class CharterToolGate(BasePipelineElement):  # type: ignore[misc]  # AgentDojo ships no type hints
    """Decides every tool call of the model's last message with Charter's `Gate`, then runs the allowed ones.

    ``approve_confirmations=True`` plays a person who approves every call sent for
    confirmation (to measure what confirmation costs); by default such calls do not run.
    Decisions accumulate in `records` (call `reset` between tasks); `counts` sums them.
    """

    name = "charter-tool-gate"

    def __init__(self, gate: Gate, executor: BasePipelineElement | None = None, *,
                 approve_confirmations: bool = False) -> None:
        self.gate = gate
        self.executor: BasePipelineElement = executor if executor is not None else ToolsExecutor()
        self.approve_confirmations = approve_confirmations
        self.records: list[GateRecord] = []

    def reset(self) -> None:
        """Forget the decisions recorded so far."""
        self.records = []

    @property
    def counts(self) -> dict[str, int]:
        """Decisions so far by action: allow, confirm, block (all three keys present)."""
        c = Counter(r.decision.action.value for r in self.records)
        return {a.value: c.get(a.value, 0) for a in GateAction}

    def query(
        self,
        query: str,
        runtime: FunctionsRuntime,
        env: TaskEnvironment = EmptyEnv(),  # noqa: B008 -- AgentDojo's own signature
        messages: Sequence[ChatMessage] = (),
        extra_args: dict[str, Any] = {},  # noqa: B006 -- AgentDojo's own signature; never mutated here
    ) -> tuple[str, FunctionsRuntime, TaskEnvironment, Sequence[ChatMessage], dict[str, Any]]:
        """Gate the last assistant message's tool calls, run the allowed ones, answer the held ones."""
        if not messages or messages[-1]["role"] != "assistant" or not messages[-1]["tool_calls"]:
            return self.executor.query(query, runtime, env, messages, extra_args)  # type: ignore[no-any-return]
        last: ChatAssistantMessage = messages[-1]
        calls = [c if c.id is not None else c.model_copy(update={"id": f"charter_{len(messages)}_{j}"})
                 for j, c in enumerate(last["tool_calls"] or [])]
        proposed: list[ChatMessage] = [*messages[:-1], ChatAssistantMessage(
            role="assistant", content=last["content"], tool_calls=calls)]
        # One parse for all calls of this turn: the conversation is the same for each of them.
        conversation = parse_conversation(to_openai_messages(proposed))
        run: list[FunctionCall] = []
        held: list[tuple[FunctionCall, GateDecision]] = []
        for call in calls:
            arguments = _plain(call.args)
            decision = self.gate.check(call.function, arguments, conversation)
            runs = decision.action == GateAction.ALLOW or (
                decision.action == GateAction.CONFIRM and self.approve_confirmations)
            self.records.append(GateRecord(call_id=str(call.id), tool=call.function, arguments=arguments,
                                           decision=decision, ran=runs))
            if runs:
                run.append(call)
            else:
                held.append((call, decision))
        kept: list[ChatMessage] = [*messages[:-1], ChatAssistantMessage(
            role="assistant", content=last["content"], tool_calls=run or None)]
        query, runtime, env, after, extra_args = self.executor.query(query, runtime, env, kept, extra_args)
        notices = [ChatToolResultMessage(role="tool", content=[text_content_block_from_string(notice(c, d))],
                                         tool_call_id=c.id, tool_call=c, error=notice(c, d))
                   for c, d in held]
        return query, runtime, env, [*after, *notices], extra_args


class CharterAnswerReview(BasePipelineElement):  # type: ignore[misc]  # AgentDojo ships no type hints
    """Takes out of the agent's final answer the sentences that carry out injected instructions.

    ``removed`` holds what the last call took out (empty when the answer passed).
    """

    name = "charter-answer-review"

    def __init__(self) -> None:
        self.removed: list[str] = []

    def query(
        self,
        query: str,
        runtime: FunctionsRuntime,
        env: TaskEnvironment = EmptyEnv(),  # noqa: B008 -- AgentDojo's own signature
        messages: Sequence[ChatMessage] = (),
        extra_args: dict[str, Any] = {},  # noqa: B006 -- AgentDojo's own signature; never mutated here
    ) -> tuple[str, FunctionsRuntime, TaskEnvironment, Sequence[ChatMessage], dict[str, Any]]:
        self.removed = []
        if not messages or messages[-1]["role"] != "assistant" or messages[-1]["tool_calls"]:
            return query, runtime, env, messages, extra_args
        answer = get_text_content_as_str(messages[-1]["content"] or [])
        self.removed = planted_in_answer(answer, parse_conversation(to_openai_messages(messages[:-1])))
        if not self.removed:
            return query, runtime, env, messages, extra_args
        kept = answer
        for sentence in self.removed:
            kept = kept.replace(sentence, "", 1)
        kept = "\n".join(line.rstrip() for line in kept.splitlines() if line.strip())
        note = (f"{NOTICE_PREFIX} Removed {len(self.removed)} sentence(s) of this answer that carried out "
                "instructions found inside a tool result rather than what you asked.")
        reviewed = ChatAssistantMessage(role="assistant", tool_calls=None,
                                        content=[text_content_block_from_string(f"{kept}\n\n{note}".strip())])
        return query, runtime, env, [*messages[:-1], reviewed], extra_args


def notice(call: FunctionCall, decision: GateDecision) -> str:
    """What the agent reads in place of a tool result for a call Charter held back."""
    why = "; ".join(r.text for r in decision.reasons) or "no reason given"
    if decision.action == GateAction.BLOCK:
        return f"{NOTICE_PREFIX} Blocked {call.function}: it did not run and will not run. Why: {why}."
    return (f"{NOTICE_PREFIX} {call.function} is waiting for a person to approve it and has not run. "
            f"Why: {why}. Tell the user it needs their confirmation.")


def to_openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """AgentDojo's messages in the OpenAI chat shape that Charter parses.

    Tool calls without an id get one, and their results are matched to them in order. A tool
    result for a call that is missing from the preceding assistant message (a call Charter held
    back) puts the call back there, so the history reads as what the model asked for.
    """
    out: list[dict[str, Any]] = []
    pending: list[tuple[str, FunctionCall]] = []  # calls of the last assistant message still unanswered
    assistant: dict[str, Any] | None = None
    for i, m in enumerate(messages):
        role = m["role"]
        text = get_text_content_as_str(m["content"] or [])
        if role in ("system", "user"):
            out.append({"role": role, "content": text})
        elif role == "assistant":
            calls = m["tool_calls"] or []
            pending = [(c.id or f"call_{i}_{j}", c) for j, c in enumerate(calls)]
            assistant = {"role": "assistant", "content": text or None}
            if pending:
                assistant["tool_calls"] = [_openai_call(cid, c) for cid, c in pending]
            elif not text:
                assistant["content"] = ""
            out.append(assistant)
        elif role == "tool":
            call: FunctionCall = m["tool_call"]
            call_id = m.get("tool_call_id")
            match = _answered(pending, call_id, call)
            if match is not None:
                call_id = pending.pop(match)[0]
            else:
                call_id = call_id or f"call_{i}"
                if assistant is None:  # a tool result before any assistant turn: keep it as data
                    assistant = {"role": "assistant", "content": "", "tool_calls": []}
                    out.append(assistant)
                assistant.setdefault("tool_calls", []).append(_openai_call(call_id, call))
            error = m.get("error")
            out.append({"role": "tool", "tool_call_id": call_id, "content": text or error or ""})
        else:
            raise ValueError(f"AgentDojo message {i} has an unknown role {role!r}")
    return out


def _answered(pending: Sequence[tuple[str, FunctionCall]], call_id: str | None, call: FunctionCall) -> int | None:
    """Which pending call a tool result answers: by id when it has one, else the same call, else the same tool."""
    if call_id:
        return next((k for k, (cid, _) in enumerate(pending) if cid == call_id), None)
    same = next((k for k, (_, c) in enumerate(pending) if c == call), None)
    return same if same is not None else next(
        (k for k, (_, c) in enumerate(pending) if c.function == call.function), None)


def _openai_call(call_id: str, call: FunctionCall) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": call.function, "arguments": json.dumps(_plain(call.args), ensure_ascii=False)}}


def _plain(args: Any) -> dict[str, Any]:
    """Arguments as plain JSON values (AgentDojo allows nested `FunctionCall`s)."""
    plain = json.loads(json.dumps(dict(args), default=_dump))
    assert isinstance(plain, dict)
    return plain


def _dump(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump()
    raise TypeError(f"tool argument of type {type(value).__name__} is not JSON")


class CharterInjectionDetector(PromptInjectionDetector):  # type: ignore[misc]  # AgentDojo ships no type hints
    """Charter's injection analyser as an AgentDojo prompt-injection detector: the phrase rules
    (`score_text`), then the trained head's surest planted piece when the rules stay below the threshold."""

    def __init__(self, threshold: float = 0.5, mode: Literal["message", "full_conversation"] = "message",
                 raise_on_injection: bool = False) -> None:
        super().__init__(mode=mode, raise_on_injection=raise_on_injection)
        self.threshold = threshold

    def detect(self, tool_output: str) -> tuple[bool, float]:
        """(injection found, injection score in [0, 1]) for one tool output."""
        # AgentDojo's outputs are YAML: line breaks inside values arrive escaped as "\n".
        text = tool_output.replace("\\n", "\n").replace("\u2019", "'")
        score, _ = score_text(text)
        if score < self.threshold:
            pieces = planted_in(text)
            if pieces:
                score = pieces[0].probability
        return score >= self.threshold, score
