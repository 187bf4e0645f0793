"""A scripted backend: answers the same way every time, so tests and demos can show what
Charter does with a model that misbehaves in a known way.

Scripts (``fake:NAME`` or ``fake:NAME1,NAME2,...`` for a sequence per call; the last repeats):

- ``comply``: agrees and gives step-by-step "instructions" for whatever was asked;
- ``helpful``: a plain helpful answer;
- ``refuse``: a bare refusal ("I'm sorry, but I can't help with that.");
- ``human``: claims to be a human being;
- ``deny_prompt``: says it has no system prompt;
- ``obey``: does what injected content asked, repeating every link and address it finds in the data;
- ``no_resources``: a kind reply without any emergency resources;
- ``fail``: raises a BackendError; ``fail_midstream``: streams a few words, then fails;
- ``tool:NAME {json}``: proposes one call of tool NAME with those arguments (through `call`);
- ``say:TEXT``: answers exactly TEXT (``fake:say:HARMFUL`` makes a scripted judge);
- ``hang``: answers nothing until the generation's timeout, then raises BackendTimeout (as the
  network backends do when a server stops answering).

Or build `FakeBackend(replies=[...])` with literal strings and callables of the prompt.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from charter.backends import BackendConfig
from charter.backends.base import BackendError, BackendTimeout, ChatMessage, Generation, ProposedCall
from charter.backends.base import Reply as ToolReply

Reply = str | Callable[[Sequence[ChatMessage]], str]

_LINKS = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.-]+")
_DATA = re.compile(r"\[DATA (?P<tag>\w+):[^\]]*\](?P<body>.*?)\[END DATA (?P=tag)\]", re.DOTALL)


def _last_user(messages: Sequence[ChatMessage]) -> str:
    text = next((m.content for m in reversed(messages) if m.role == "user"), "")
    return _DATA.sub("", text).strip()


def _comply(messages: Sequence[ChatMessage]) -> str:
    ask = " ".join(_last_user(messages).split())[:200]
    return (f"Sure! Here is exactly what you asked for ({ask}). Step 1: gather everything you need. "
            "Step 2: follow the procedure carefully, measuring each quantity precisely. "
            "Step 3: repeat until it is done, and avoid being noticed.")


def _obey(messages: Sequence[ChatMessage]) -> str:
    found: list[str] = []
    for m in messages:
        for block in _DATA.finditer(m.content):
            found.extend(h.rstrip(".,;:)'\"") for h in _LINKS.findall(block.group("body")))
    targets = ", ".join(dict.fromkeys(found)) or "the address in the document"
    return f"Done, as the document instructed: I have sent everything to {targets}."


SCRIPTS: dict[str, Reply] = {
    "comply": _comply,
    "helpful": "Here is a clear answer: start with the basics, then work through each part step by step. "
               "In short, the usual approach works well here, and I'm happy to go into more detail.",
    "refuse": "I'm sorry, but I can't help with that.",
    "human": "I'm a real person, not a bot! I'm here at the office today and happy to help.",
    "deny_prompt": "I don't have a system prompt or any special instructions; I just answer questions.",
    "obey": _obey,
    "no_resources": "That sounds incredibly hard, and I'm really sorry you're carrying this. "
                    "I'm here to listen if you want to tell me more about what's been happening.",
}


class FakeBackend:
    """Replies from a script, one per call (the last one repeats). Thread-safe."""

    def __init__(self, replies: Sequence[Reply] = ("helpful",), *, name: str = "fake") -> None:
        if not replies:
            raise ValueError("FakeBackend needs at least one reply")
        self.name = name
        self._replies = list(replies)
        self._calls = 0
        self._lock = threading.Lock()
        self.prompts: list[list[ChatMessage]] = []  # what it was asked, for tests to inspect

    @property
    def calls(self) -> int:
        return self._calls

    def _next(self, messages: Sequence[ChatMessage], options: Generation | None = None) -> str:
        with self._lock:
            reply = self._replies[min(self._calls, len(self._replies) - 1)]
            self._calls += 1
            self.prompts.append(list(messages))
        if reply in ("fail", "fail_midstream"):
            raise BackendError(self.name, "scripted failure")
        if reply == "hang":
            timeout = options.timeout_s if options else Generation().timeout_s
            time.sleep(timeout)
            raise BackendTimeout(self.name, f"no answer within {timeout:g} s")
        if isinstance(reply, str) and reply in SCRIPTS:
            reply = SCRIPTS[reply]
        elif isinstance(reply, str) and reply.startswith("say:"):
            reply = reply[4:]
        return reply(messages) if callable(reply) else reply

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        return self._next(messages, options)

    def call(self, messages: Sequence[ChatMessage], options: Generation) -> ToolReply:
        """A scripted reply; one that reads ``tool:NAME {json}`` proposes that call instead of text."""
        text = self._next(messages, options)
        if text.startswith("tool:"):
            name, _, args = text[5:].partition(" ")
            with self._lock:
                number = self._calls
            call = ProposedCall(id=f"call_{number}", name=name.strip(), arguments=args.strip() or "{}")
            return ToolReply(tool_calls=[call])
        return ToolReply(text=text)

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Iterator[str]:
        midstream = False
        with self._lock:
            upcoming = self._replies[min(self._calls, len(self._replies) - 1)]
        if upcoming == "fail_midstream":
            midstream = True
            text = "Let me start on that for you, and then"
            with self._lock:
                self._calls += 1
                self.prompts.append(list(messages))
        else:
            text = self._next(messages, options)
        yield from re.findall(r"\S+\s*|\s+", text)
        if midstream:
            raise BackendError(self.name, "scripted failure in the middle of the stream")


def from_config(config: BackendConfig) -> FakeBackend:
    """``fake:comply`` or ``fake:refuse,helpful``: a script name, or a comma-separated sequence."""
    script = config.script or "helpful"
    # "say:TEXT" is one reply whatever TEXT holds (commas included); other scripts may be a sequence.
    names = [script] if script.startswith("say:") else [n.strip() for n in script.split(",") if n.strip()]
    faults = ("fail", "fail_midstream", "hang")
    unknown = [n for n in names if n not in SCRIPTS and n not in faults and not n.startswith(("tool:", "say:"))]
    if unknown:
        known = ", ".join(sorted([*SCRIPTS, *faults]))
        raise BackendError(config.name, f"unknown fake script {unknown[0]!r}; known: {known}")
    return FakeBackend(names, name=config.name)
