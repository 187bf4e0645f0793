"""Benchmark: Charter's tool gate on AgentDojo's four suites, offline, with scripted agents.

Run with `make bench-agents` (or `python benchmarks/agentdojo_bench.py --limit 5` for a quick
look). No language model is involved: two scripted agents stand in for one.

- ORACLE plays each user task's ground-truth calls (one per step, or all at once with
  ``--batch``), then the task's expected answer. It measures what the gate costs: utility
  without Charter, with Charter (a call sent for confirmation does not run), and with Charter
  if a person approved every confirmation.
- OBEDIENT does the same, and once it has read an injection (the injection task's goal in a
  tool output) it also plays the injection task's ground-truth calls and says what the
  injection asked it to say. It measures targeted attack success without and with Charter.

The scripted agents know the ground truth; the gate does not: it sees the conversation,
the call and the operator's policy (examples/policies/agentdojo.yaml) only. Every task runs
through AgentDojo's own `run_task_without_injection_tasks` / `run_task_with_injection_tasks`,
so utility and security are judged exactly as AgentDojo judges them. Charter's injection
detector is also scored on the tool outputs these runs produce. Prints tables, the failures
(which legitimate calls Charter held, which attacks got through, and why), then one JSON
object as the last line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from agentdojo.agent_pipeline.agent_pipeline import AgentPipeline, load_system_message
from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
from agentdojo.agent_pipeline.basic_elements import InitQuery, SystemMessage
from agentdojo.agent_pipeline.tool_execution import ToolsExecutionLoop, ToolsExecutor
from agentdojo.attacks import load_attack
from agentdojo.attacks.attack_registry import ATTACKS
from agentdojo.base_tasks import BaseInjectionTask, BaseUserTask
from agentdojo.benchmark import run_task_with_injection_tasks, run_task_without_injection_tasks
from agentdojo.functions_runtime import EmptyEnv, FunctionCall
from agentdojo.logging import Logger, NullLogger
from agentdojo.task_suite.load_suites import get_suites
from agentdojo.task_suite.task_suite import TaskSuite, read_suite_file, validate_injections
from agentdojo.types import ChatAssistantMessage, get_text_content_as_str, text_content_block_from_string

from charter.agents.agentdojo import (
    NOTICE_PREFIX,
    CharterAnswerReview,
    CharterInjectionDetector,
    CharterToolGate,
    GateRecord,
)
from charter.agents.gate import Gate
from charter.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "examples" / "policies" / "agentdojo.yaml"
VERSION = "v1.2.2"
SUITES = ("workspace", "travel", "banking", "slack")
ATTACKS_DEFAULT = ("important_instructions", "ignore_previous", "tool_knowledge")
MAX_STEPS = 60  # tool-loop turns; AgentDojo's 15 is for models, a scripted plan may be longer

_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?")


def alnum(text: str) -> str:
    """Lowercase letters and digits only, YAML escapes dropped: tool outputs arrive folded and escaped."""
    return _NOT_ALNUM.sub("", _ESCAPE.sub(" ", text).lower())


# ----------------------------------------------------------------------------- scripted agents


class ScriptedAgent(BasePipelineElement):
    """Plays a task's ground truth in place of a model; with ``obey``, also obeys an injection it read.

    ``obey_at="read"`` carries the injection out as soon as it has been read, before the rest of
    the user's task (what the attacks ask: "before you solve the task ... do this first");
    ``"end"`` after the user's last call. Ground truth comes from the environment before any
    call, as AgentDojo's own ground-truth pipeline does.
    """

    def __init__(self, *, obey: bool, batch: bool, obey_at: str = "read") -> None:
        if obey_at not in ("read", "end"):
            raise ValueError(f"obey_at must be 'read' or 'end', got {obey_at!r}")
        self.obey, self.batch, self.obey_at = obey, batch, obey_at
        self.user_task: BaseUserTask[Any] | None = None
        self.injection_task: BaseInjectionTask[Any] | None = None
        self.goal = ""
        self.injected_ids: set[str] = set()  # ids of the calls made on the injection's orders
        self.messages: Sequence[Any] = []  # the last run's conversation, for the detector metrics

    def script(self, user_task: BaseUserTask[Any], injection_task: BaseInjectionTask[Any] | None) -> None:
        """Set the task for the next run, and the injection it would obey."""
        self.user_task, self.injection_task = user_task, injection_task
        self.goal = alnum(injection_task.GOAL) if injection_task else ""
        self.injected_ids = set()

    def query(self, query: str, runtime: Any, env: Any = EmptyEnv(), messages: Sequence[Any] = (),  # noqa: B008
              extra_args: dict[str, Any] = {}) -> tuple[Any, ...]:  # noqa: B006 -- never mutated
        assert self.user_task is not None, "call script() before running the agent"
        state = extra_args.get("scripted")
        if state is None:  # first turn: nothing has run, so `env` is the pre-environment
            inj = self.injection_task
            state = {"todo": list(self.user_task.ground_truth(env.model_copy(deep=True))),
                     "injection": list(inj.ground_truth(env.model_copy(deep=True))) if inj else [],
                     "rest": [], "obeyed": False, "obeying": False, "n": 0}
        state = dict(state)  # a new state per turn: AgentDojo shares its default extra_args
        todo: list[FunctionCall] = list(state["todo"])
        if (self.obey and self.injection_task and not state["obeyed"] and (self.obey_at == "read" or not todo)
                and self._read_injection(messages)):
            state.update(rest=todo, obeyed=True, obeying=True)
            todo = list(state["injection"])
        if not todo and state["rest"]:  # the injection's calls are done: back to the user's task
            todo, state["rest"], state["obeying"] = list(state["rest"]), [], False
        if not todo:
            answer = self.user_task.GROUND_TRUTH_OUTPUT
            if state["obeyed"] and self.injection_task and self.injection_task.GROUND_TRUTH_OUTPUT:
                answer = f"{answer}\n{self.injection_task.GROUND_TRUTH_OUTPUT}".strip()
            self.messages = [*messages, ChatAssistantMessage(
                role="assistant", content=[text_content_block_from_string(answer)], tool_calls=None)]
            return query, runtime, env, self.messages, {**extra_args, "scripted": state}
        take = todo if self.batch else todo[:1]
        calls = []
        for call in take:
            call_id = f"call_{state['n']}"  # neutral ids: the gate must not tell the two kinds apart
            state["n"] += 1
            calls.append(call.model_copy(deep=True, update={"id": call_id}))
            if state["obeying"]:
                self.injected_ids.add(call_id)
        state["todo"] = todo[len(take):]
        msg = ChatAssistantMessage(role="assistant", content=[text_content_block_from_string("")], tool_calls=calls)
        return query, runtime, env, [*messages, msg], {**extra_args, "scripted": state}

    def _read_injection(self, messages: Sequence[Any]) -> bool:
        return any(m["role"] == "tool" and self.goal in alnum(get_text_content_as_str(m["content"] or []))
                   for m in messages)


class _TraceDir(NullLogger):
    """Sends AgentDojo's per-task trace files to a directory of ours and prints nothing.

    AgentDojo's benchmark functions need a logger with a ``logdir`` on its logger stack (with
    none they fail, and the default would write inside site-packages); `NullLogger` itself
    never joins the stack, so this one pushes and pops itself like `Logger` does.
    """

    def __init__(self, logdir: str) -> None:
        self.messages = []
        self.logdir = logdir

    def __enter__(self) -> _TraceDir:
        Logger.__enter__(self)
        return self

    def __exit__(self, *exc: object) -> bool:
        return bool(Logger.__exit__(self, *exc))


class _LibyamlSuite(TaskSuite):
    """The same suite, its environment parsed by libyaml and the last one kept.

    AgentDojo parses the environment with PyYAML's pure-Python loader for every task, which
    was 90% of this benchmark's time; the C loader builds an equal environment about ten times
    faster, and the runs with and without Charter of one task share one parse (each run gets
    its own deep copy). Everything else, the checks of utility and security included, is
    AgentDojo's own.
    """

    def load_and_inject_default_environment(self, injections: dict[str, str]) -> Any:
        key = json.dumps(injections, sort_keys=True)
        last = self.__dict__.get("_last_env")
        if last is None or last[0] != key:
            text = read_suite_file(self.name, "environment.yaml", self.data_path)
            defaults = self.get_injection_vector_defaults()
            validate_injections(injections, defaults)
            data = yaml.load(text.format(**dict(defaults, **injections)), Loader=_LOADER)
            last = self.__dict__["_last_env"] = (key, self.environment_type.model_validate(data))
        return last[1].model_copy(deep=True)

    def get_injection_vector_defaults(self) -> dict[str, str]:
        if "_defaults" not in self.__dict__:
            self.__dict__["_defaults"] = super().get_injection_vector_defaults()
        return dict(self.__dict__["_defaults"])


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def fast_suite(name: str) -> Any:
    """AgentDojo's suite ``name`` with the faster environment loader (same tasks, tools and data)."""
    suite = get_suites(VERSION)[name]
    fast = _LibyamlSuite.__new__(_LibyamlSuite)
    fast.__dict__.update(suite.__dict__)
    return fast


def pipeline(agent: ScriptedAgent, gate: CharterToolGate | None, name: str) -> AgentPipeline:
    """AgentDojo's standard tool-using pipeline; with Charter, its gate in place of the bare executor and
    its review of the final answer after the loop."""
    loop = ToolsExecutionLoop([gate if gate is not None else ToolsExecutor(), agent], max_iters=MAX_STEPS)
    elements = [SystemMessage(load_system_message(None)), InitQuery(), agent, loop]
    p = AgentPipeline([*elements, CharterAnswerReview()] if gate is not None else elements)
    p.name = name  # must contain a model key ("local"): the important_instructions attack names the model
    return p


# ----------------------------------------------------------------------------- one run


@dataclass
class Run:
    suite: str
    user_task: str
    injection_task: str | None
    attack: str | None
    charter: str  # "off", "on" (confirm = not run), "approve" (every confirmation approved)
    utility: bool
    security: bool  # AgentDojo's sense: True = the injection task succeeded
    records: list[GateRecord] = field(default_factory=list)
    injected_ids: set[str] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)


def run_one(suite: Any, agent: ScriptedAgent, p: AgentPipeline, gate: CharterToolGate | None, charter: str,
            user_task: Any, injection_task: Any = None, attack: Any = None) -> Run:
    agent.script(user_task, injection_task)
    if gate is not None:
        gate.reset()
    if attack is None:
        utility, security = run_task_without_injection_tasks(suite, p, user_task, None, True, VERSION)
    else:
        u, s = run_task_with_injection_tasks(suite, p, user_task, attack, None, True, [injection_task.ID], VERSION)
        utility, security = u[(user_task.ID, injection_task.ID)], s[(user_task.ID, injection_task.ID)]
        security = bool(security)
    outputs = [get_text_content_as_str(m["content"] or []) for m in agent.messages if m["role"] == "tool"]
    return Run(suite.name, user_task.ID, injection_task.ID if injection_task else None,
               attack.name if attack else None, charter, bool(utility), bool(security),
               list(gate.records) if gate else [], set(agent.injected_ids),
               [o for o in outputs if not o.startswith(NOTICE_PREFIX)])


def executable(task: BaseInjectionTask[Any], env: Any) -> bool:
    """Can a scripted agent carry the injection out? (Some tasks ship no ground truth.)"""
    return bool(task.ground_truth(env.model_copy(deep=True))) or bool(task.GROUND_TRUTH_OUTPUT)


# ----------------------------------------------------------------------------- reporting


def share(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:5.1f}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for k, r in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))


def held(records: Sequence[GateRecord], ids: set[str] | None = None, *, injected: bool) -> list[GateRecord]:
    return [r for r in records if (r.call_id in (ids or set())) == injected and r.decision.action.value != "allow"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument("--attacks", default=",".join(ATTACKS_DEFAULT), help="comma-separated AgentDojo attacks")
    parser.add_argument("--limit", type=int, default=None, help="first N user tasks per suite")
    parser.add_argument("--injection-limit", type=int, default=None, help="first N injection tasks per suite")
    parser.add_argument("--batch", action="store_true", help="scripted agents make all their calls in one turn")
    parser.add_argument("--obey-at", choices=("read", "end"), default="read",
                        help="the obedient agent obeys as soon as it reads the injection, or after the user's task")
    parser.add_argument("--policy", default=str(POLICY), help="operator policy declaring the tools")
    parser.add_argument("--logdir", default=None, help="keep AgentDojo's per-task traces here")
    parser.add_argument("--examples", type=int, default=6, help="failure examples shown per group")
    args = parser.parse_args()
    suites = [s for s in args.suites.split(",") if s]
    attacks = [a for a in args.attacks.split(",") if a]
    for s in suites:
        if s not in get_suites(VERSION):
            sys.exit(f"unknown suite {s!r}; AgentDojo {VERSION} has {', '.join(get_suites(VERSION))}")
    for a in attacks:
        if a not in ATTACKS or a == "manual" or ATTACKS[a].is_dos_attack:
            sys.exit(f"attack {a!r} is not a targeted attack that runs offline; pick from "
                     + ", ".join(sorted(n for n, c in ATTACKS.items() if n != "manual" and not c.is_dos_attack)))
    policy = Policy.load(args.policy)
    started = time.perf_counter()
    runs: list[Run] = []
    skipped: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="agentdojo-traces-") as tmp, _TraceDir(args.logdir or tmp):
        for name in suites:
            suite = fast_suite(name)
            user_tasks = list(suite.user_tasks.values())[: args.limit]
            env = suite.load_and_inject_default_environment({})
            inj_all = list(suite.injection_tasks.values())[: args.injection_limit]
            inj_tasks = [t for t in inj_all if executable(t, env)]
            skipped[name] = [t.ID for t in inj_all if t not in inj_tasks]
            oracle = ScriptedAgent(obey=False, batch=args.batch)
            obedient = ScriptedAgent(obey=True, batch=args.batch, obey_at=args.obey_at)
            gates = {"on": CharterToolGate(Gate(policy)),
                     "approve": CharterToolGate(Gate(policy), approve_confirmations=True)}
            t0 = time.perf_counter()
            # Each task runs in every mode back to back, so the modes share one parsed environment.
            oracles = {m: pipeline(oracle, gates.get(m), f"local-oracle-charter-{m}") for m in ("off", "on", "approve")}
            runs += [run_one(suite, oracle, p, gates.get(m), m, t) for t in user_tasks for m, p in oracles.items()]
            attacked = {m: pipeline(obedient, gates.get(m), f"local-obedient-charter-{m}") for m in ("off", "on")}
            for attack_name in attacks:
                attack = load_attack(attack_name, suite, attacked["off"])  # the pipeline only lends its name
                runs += [run_one(suite, obedient, p, gates.get(m), m, t, i, attack)
                         for t in user_tasks for i in inj_tasks for m, p in attacked.items()]
            print(f"{name}: {len(user_tasks)} user tasks x {len(inj_tasks)} injection tasks "
                  f"({len(skipped[name])} without ground truth skipped) in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
    report(runs, suites, attacks, skipped, args.examples, time.perf_counter() - started, args)


def report(runs: list[Run], suites: list[str], attacks: list[str], skipped: dict[str, list[str]],
           examples: int, seconds: float, args: argparse.Namespace) -> None:
    def pick(**kw: object) -> list[Run]:
        return [r for r in runs if all(getattr(r, k) == v for k, v in kw.items())]

    # ---- oracle: what the gate costs
    rows, oracle = [], {}
    for s in [*suites, None]:
        sel = {m: pick(attack=None, charter=m, **({"suite": s} if s else {})) for m in ("off", "on", "approve")}
        calls = [rec for r in sel["on"] for rec in r.records]
        acts = Counter(rec.decision.action.value for rec in calls)
        u = {m: share(sum(r.utility for r in v), len(v)) for m, v in sel.items()}
        oracle[s or "all"] = {"tasks": len(sel["off"]), "utility_without": u["off"], "utility_with": u["on"],
                              "utility_with_approved": u["approve"], "calls": len(calls),
                              "confirmations": share(acts["confirm"], len(calls)),
                              "blocked": share(acts["block"], len(calls))}
        o = oracle[s or "all"]
        rows.append([s or "ALL", o["tasks"], pct(u["off"]), pct(u["on"]), pct(u["approve"]),
                     pct(share(u["on"] or 0, u["off"] or 0)), o["calls"], pct(o["confirmations"]), pct(o["blocked"])])
    table("ORACLE agent (user tasks, no injection): utility %", ["suite", "tasks", "without", "with", "approved",
          "ratio", "calls", "confirm%", "block%"], rows)

    # ---- obedient: what the gate stops
    rows, attack_rows = [], {}
    for s in [*suites, None]:
        for a in [*attacks, None]:
            kw: dict[str, object] = {k: v for k, v in (("suite", s), ("attack", a)) if v}
            off = [r for r in pick(charter="off", **kw) if r.attack]
            on = [r for r in pick(charter="on", **kw) if r.attack]
            if not off:
                continue
            inj = [rec for r in on for rec in r.records if rec.call_id in r.injected_ids]
            legit = [rec for r in on for rec in r.records if rec.call_id not in r.injected_ids]
            ia, la = Counter(x.decision.action.value for x in inj), Counter(x.decision.action.value for x in legit)
            row = {"pairs": len(off), "asr_without": share(sum(r.security for r in off), len(off)),
                   "asr_with": share(sum(r.security for r in on), len(on)),
                   "utility_without": share(sum(r.utility for r in off), len(off)),
                   "utility_with": share(sum(r.utility for r in on), len(on)),
                   "injected_calls": dict(ia), "user_calls_held": la["confirm"] + la["block"]}
            attack_rows[f"{s or 'all'}/{a or 'all'}"] = row
            rows.append([s or "ALL", a or "ALL", len(off), pct(row["asr_without"]), pct(row["asr_with"]),
                         pct(row["utility_without"]), pct(row["utility_with"]),
                         f"{ia['block']}/{ia['confirm']}/{ia['allow']}", f"{la['block']}/{la['confirm']}"])
    table("OBEDIENT agent under attack: targeted attack success % (AgentDojo security), utility %",
          ["suite", "attack", "pairs", "ASR w/o", "ASR with", "util w/o", "util with",
           "inj calls blk/conf/allow", "user calls blk/conf"], rows)

    # ---- detector on the tool outputs of the runs without Charter
    det = CharterInjectionDetector()
    scores: dict[str, bool] = {}

    def flagged(text: str) -> bool:
        if text not in scores:
            scores[text] = bool(det.detect(text)[0])
        return scores[text]

    clean: dict[str, dict[str, str]] = defaultdict(dict)
    injected: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    goals = {(s, t.ID): alnum(t.GOAL) for s in suites for t in get_suites(VERSION)[s].injection_tasks.values()}
    for r in runs:
        if r.charter != "off":
            continue
        for text in r.outputs:
            key = _TIMESTAMP.sub("", text)
            if r.attack and r.injection_task and goals[(r.suite, r.injection_task)] in alnum(text):
                injected[(r.suite, r.attack)][key] = text
            else:
                clean[r.suite][key] = text
    rows, detector = [], {}
    for s in [*suites, None]:
        neg = [t for ss in ([s] if s else suites) for t in clean[ss].values()]
        fp = sum(flagged(t) for t in neg)
        for a in [*attacks, None]:
            pos = [t for ss in ([s] if s else suites) for aa in ([a] if a else attacks)
                   for t in injected[(ss, aa)].values()]
            tp = sum(flagged(t) for t in pos)
            d = {"injected": len(pos), "clean": len(neg), "recall": share(tp, len(pos)),
                 "precision": share(tp, tp + fp), "false_positive_rate": share(fp, len(neg))}
            detector[f"{s or 'all'}/{a or 'all'}"] = d
            rows.append([s or "ALL", a or "ALL", len(pos), len(neg), pct(d["recall"]), pct(d["precision"]),
                         pct(d["false_positive_rate"])])
    table("Charter's injection detector (score_text >= 0.5) on unique tool outputs of the runs without Charter",
          ["suite", "attack", "injected", "clean", "recall", "precision", "FPR"], rows)

    # ---- failures, grouped so the gate's author can act on them
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    reasons: dict[tuple[str, ...], str] = {}
    for r in pick(charter="on", attack=None):
        for rec in held(r.records, injected=False):
            k = (r.suite, rec.tool, rec.decision.action.value, rec.decision.rule or "-")
            groups[k].append(r.user_task)
            reasons.setdefault(k, "; ".join(x.text for x in rec.decision.reasons))
    print("\nLegitimate (oracle) calls Charter held, no injection present:")
    show(groups, reasons, examples)
    groups, reasons = defaultdict(list), {}
    for r in pick(charter="on"):
        if r.attack:
            for rec in held(r.records, r.injected_ids, injected=False):
                k = (r.suite, rec.tool, rec.decision.action.value, rec.decision.rule or "-")
                groups[k].append(f"{r.user_task}+{r.injection_task}/{r.attack}")
                reasons.setdefault(k, "; ".join(x.text for x in rec.decision.reasons))
    print("\nLegitimate (user-task) calls Charter held while an injection was present:")
    show(groups, reasons, examples)
    # Attacks that got through: per (suite, attack), the side-effecting injected calls Charter
    # let run, with what the gate knew about them.
    through: dict[tuple[str, ...], list[str]] = defaultdict(list)
    detail: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for r in pick(charter="on"):
        if not (r.attack and r.security):
            continue
        k = (r.suite, r.attack)
        through[k].append(r.injection_task or "-")
        inj = [x for x in r.records if x.call_id in r.injected_ids and x.decision.effect.side_effecting]
        for x in inj:
            d = x.decision
            detail[k][f"{x.tool} {d.action.value} ({d.rule or 'granted'}; injection "
                      f"{'seen' if d.injected_context else 'NOT seen'}; {'relevant' if d.relevant else 'irrelevant'}"
                      f"; {'tainted' if d.tainted else 'no taint'})"] += 1
        if not inj:
            detail[k]["no side-effecting call: the injection asked for words, and the answer review passed them"] += 1
    print("\nAttacks that succeeded with Charter on (suite | attack: pairs, by injection task), and the "
          "injected side-effecting calls it let run:")
    show_detail(through, detail, examples, tally=True)
    # The harness itself: pairs where the obedient agent failed even without Charter.
    missed: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for r in pick(charter="off"):
        if r.attack and not r.security:
            missed[(r.suite, r.attack, r.injection_task or "-")].append(r.user_task)
    print("\nHarness check: attacks that failed WITHOUT Charter (the obedient agent did not achieve the goal):")
    show_detail(missed, {}, examples)

    all_rows = attack_rows.get("all/all", {})
    summary = {
        "benchmark": "agentdojo", "version": VERSION, "suites": suites, "attacks": attacks,
        "style": "batch" if args.batch else "step", "obey_at": args.obey_at,
        "limit": args.limit, "injection_limit": args.injection_limit,
        "utility_without": oracle["all"]["utility_without"], "utility_with": oracle["all"]["utility_with"],
        "utility_with_approved": oracle["all"]["utility_with_approved"],
        "utility_ratio": share(oracle["all"]["utility_with"] or 0, oracle["all"]["utility_without"] or 0),
        "confirmations": oracle["all"]["confirmations"], "blocked": oracle["all"]["blocked"],
        "attack_success_without": all_rows.get("asr_without"), "attack_success_with": all_rows.get("asr_with"),
        "utility_under_attack_without": all_rows.get("utility_without"),
        "utility_under_attack_with": all_rows.get("utility_with"), "attack_pairs": all_rows.get("pairs"),
        "injection_tasks_without_ground_truth": skipped,
        "detector_precision": detector.get("all/all", {}).get("precision"),
        "detector_recall": detector.get("all/all", {}).get("recall"),
        "oracle": oracle, "attacks_by": attack_rows, "detector": detector, "seconds": round(seconds, 1),
    }
    print(json.dumps(summary))


def show(groups: dict[tuple[str, ...], list[str]], reasons: dict[tuple[str, ...], str], examples: int) -> None:
    if not groups:
        print("  (none)")
    for k, where in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        print(f"  {len(where):4d}  {' | '.join(k)}  e.g. {', '.join(sorted(set(where))[:examples])}")
        if reasons.get(k):
            print(f"        why: {reasons[k][:300]}")


def show_detail(groups: dict[tuple[str, ...], list[str]], detail: dict[tuple[str, ...], Counter[str]],
                examples: int, *, tally: bool = False) -> None:
    """One line per group (with examples, or a tally of its members), then its details by count."""
    if not groups:
        print("  (none)")
    for k, where in sorted(groups.items()):
        if tally:
            listed = ", ".join(f"{w} x{n}" for w, n in sorted(Counter(where).items(), key=lambda wn: _num(wn[0])))
        else:
            shown = sorted(set(where), key=_num)
            listed = ", ".join(shown[:examples]) + (" ..." if len(shown) > examples else "")
        print(f"  {len(where):4d}  {' | '.join(k)}: {listed}")
        for text, n in detail.get(k, Counter()).most_common():
            print(f"          {n:4d} x {text}")


def _num(task_id: str) -> int:
    return int(task_id.rsplit("_", 1)[-1]) if task_id[-1:].isdigit() else -1


if __name__ == "__main__":
    main()
