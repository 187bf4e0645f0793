"""Principals: who said what in a conversation, and how far to trust it.

A request arrives in the OpenAI chat shape or the Anthropic Messages shape. Both are
parsed into one typed `Conversation` of `Message`s, each tagged with the principal it
speaks for and where it came from. System and developer turns speak for the operator,
human turns for the user. Tool results, and documents a user pastes into a turn
("summarise this e-mail: ..."), speak for nobody: they are non-principal data, and any
instructions inside them are facts about the data, never commands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from charter.errors import ConversationError


class Principal(StrEnum):
    """Whose words a message carries."""

    PLATFORM = "platform"  # Charter's compiled constitution; never appears in a request
    OPERATOR = "operator"
    USER = "user"
    ASSISTANT = "assistant"  # the model's own earlier turns: context, not instructions
    NON_PRINCIPAL = "non_principal"


class Trust(IntEnum):
    """Trust order used when a claim of authority has to be weighed."""

    NON_PRINCIPAL = 0
    ASSISTANT = 0
    USER = 1
    OPERATOR = 2
    PLATFORM = 3


TRUST: dict[Principal, Trust] = {
    Principal.PLATFORM: Trust.PLATFORM,
    Principal.OPERATOR: Trust.OPERATOR,
    Principal.USER: Trust.USER,
    Principal.ASSISTANT: Trust.ASSISTANT,
    Principal.NON_PRINCIPAL: Trust.NON_PRINCIPAL,
}


class Source(StrEnum):
    """Where a message came from in the request, finer than its principal."""

    SYSTEM = "system"
    DEVELOPER = "developer"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"  # a tool or function result
    PASTED = "pasted"  # a document, e-mail or quote the user pasted into their turn


class ToolCall(BaseModel):
    """A tool call the assistant made in an earlier turn."""

    model_config = ConfigDict(frozen=True)

    id: str | None = None
    name: str
    arguments: str = ""


class Message(BaseModel):
    """One principal-tagged piece of a conversation, with its provenance."""

    model_config = ConfigDict(frozen=True)

    principal: Principal
    source: Source
    text: str
    index: int  # position of the originating message in the request (system prompt: -1 for Anthropic)
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()

    @property
    def trust(self) -> Trust:
        return TRUST[self.principal]


class Conversation(BaseModel):
    """A parsed conversation: principal-tagged messages in their original order."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]

    def by(self, *principals: Principal) -> list[Message]:
        return [m for m in self.messages if m.principal in principals]

    @property
    def operator_text(self) -> str:
        """Everything the operator said, joined: the system prompt(s)."""
        return "\n\n".join(m.text for m in self.by(Principal.OPERATOR))

    @property
    def has_operator(self) -> bool:
        return any(m.text.strip() for m in self.by(Principal.OPERATOR))

    def user_messages(self) -> list[Message]:
        return self.by(Principal.USER)

    def last_user(self) -> Message | None:
        users = self.user_messages()
        return users[-1] if users else None

    def non_principal(self) -> list[Message]:
        return self.by(Principal.NON_PRINCIPAL)


# --------------------------------------------------------------------------- parsing

_OPENAI_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_ANTHROPIC_ROLES = {"user", "assistant"}
_MEDIA_PARTS = {"image_url", "input_audio", "file", "image", "document", "refusal"}


def parse_conversation(data: Any) -> Conversation:
    """Parse either request shape, deciding which from its content.

    A list is a ``messages`` array; a mapping with ``messages`` may also carry an
    Anthropic top-level ``system``. OpenAI-only roles (system, developer, tool) or
    Anthropic-only content blocks (tool_use, tool_result) settle the shape; plain
    user/assistant text reads the same in both.
    """
    if isinstance(data, Mapping):
        if "messages" not in data:
            raise ConversationError("", "expected a 'messages' array")
        system = data.get("system")
        messages = data["messages"]
        if system is not None:
            return parse_anthropic(messages, system=system)
    else:
        messages = data
    if not isinstance(messages, list):
        raise ConversationError("messages", f"expected an array of messages, got {_kind(messages)}")
    if _looks_anthropic(messages):
        return parse_anthropic(messages)
    return parse_openai(messages)


def parse_openai(messages: Any) -> Conversation:
    """Parse an OpenAI chat-completions ``messages`` array."""
    if not isinstance(messages, list):
        raise ConversationError("messages", f"expected an array of messages, got {_kind(messages)}")
    if not messages:
        raise ConversationError("messages", "the conversation is empty")
    out: list[Message] = []
    for i, raw in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(raw, Mapping):
            raise ConversationError(where, f"expected an object, got {_kind(raw)}")
        role = raw.get("role")
        if role is None:
            raise ConversationError(where, "missing 'role'")
        if not isinstance(role, str) or role not in _OPENAI_ROLES:
            raise ConversationError(
                f"{where}.role",
                f"unknown role {role!r}; expected one of {', '.join(sorted(_OPENAI_ROLES))}",
            )
        name = _optional_str(raw, "name", where)
        if role == "assistant":
            tool_calls = _openai_tool_calls(raw.get("tool_calls"), where)
            if "content" not in raw and not tool_calls:
                raise ConversationError(where, "assistant message needs 'content' or 'tool_calls'")
            text = _openai_text(raw.get("content"), f"{where}.content", allow_null=True)
            out.append(Message(principal=Principal.ASSISTANT, source=Source.ASSISTANT, text=text,
                               index=i, name=name, tool_calls=tuple(tool_calls)))
            continue
        if "content" not in raw:
            raise ConversationError(where, "missing 'content'")
        text = _openai_text(raw["content"], f"{where}.content", allow_null=False)
        if role in ("system", "developer"):
            out.append(Message(principal=Principal.OPERATOR, source=Source(role), text=text,
                               index=i, name=name))
        elif role == "user":
            out.extend(split_pasted(text, index=i, name=name))
        else:  # tool / function results are data
            call_id = _optional_str(raw, "tool_call_id", where)
            if role == "tool" and call_id is None:
                raise ConversationError(where, "tool message needs 'tool_call_id'")
            out.append(Message(principal=Principal.NON_PRINCIPAL, source=Source.TOOL, text=text,
                               index=i, name=name, tool_call_id=call_id))
    return Conversation(messages=tuple(out))


def parse_anthropic(messages: Any, *, system: Any = None) -> Conversation:
    """Parse an Anthropic Messages request: top-level ``system`` plus ``messages``."""
    out: list[Message] = []
    if system is not None:
        text = _anthropic_system(system)
        if text:
            out.append(Message(principal=Principal.OPERATOR, source=Source.SYSTEM, text=text, index=-1))
    if not isinstance(messages, list):
        raise ConversationError("messages", f"expected an array of messages, got {_kind(messages)}")
    if not messages:
        raise ConversationError("messages", "the conversation is empty")
    for i, raw in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(raw, Mapping):
            raise ConversationError(where, f"expected an object, got {_kind(raw)}")
        role = raw.get("role")
        if role is None:
            raise ConversationError(where, "missing 'role'")
        if not isinstance(role, str) or role not in _ANTHROPIC_ROLES:
            hint = " (put the system prompt in the top-level 'system' field)" if role == "system" else ""
            raise ConversationError(f"{where}.role",
                                    f"unknown role {role!r}; expected 'user' or 'assistant'{hint}")
        if "content" not in raw:
            raise ConversationError(where, "missing 'content'")
        content = raw["content"]
        if isinstance(content, str):
            blocks: list[Any] = [{"type": "text", "text": content}]
        elif isinstance(content, list):
            blocks = content
        else:
            raise ConversationError(f"{where}.content",
                                    f"expected a string or an array of blocks, got {_kind(content)}")
        texts: list[str] = []
        tool_calls: list[ToolCall] = []
        for j, block in enumerate(blocks):
            bwhere = f"{where}.content[{j}]"
            if not isinstance(block, Mapping):
                raise ConversationError(bwhere, f"expected a content block object, got {_kind(block)}")
            btype = block.get("type")
            if btype == "text":
                texts.append(_required_str(block, "text", bwhere))
            elif btype == "tool_result":
                if role != "user":
                    raise ConversationError(bwhere, "tool_result blocks belong in user turns")
                call_id = _required_str(block, "tool_use_id", bwhere)
                result = block.get("content", "")
                rtext = result if isinstance(result, str) else _anthropic_blocks_text(result, f"{bwhere}.content")
                out.append(Message(principal=Principal.NON_PRINCIPAL, source=Source.TOOL, text=rtext,
                                   index=i, tool_call_id=call_id))
            elif btype == "tool_use":
                if role != "assistant":
                    raise ConversationError(bwhere, "tool_use blocks belong in assistant turns")
                args = block.get("input", {})
                tool_calls.append(ToolCall(id=_optional_str(block, "id", bwhere),
                                           name=_required_str(block, "name", bwhere),
                                           arguments=json.dumps(args, sort_keys=True)))
            elif btype in ("image", "document", "thinking", "redacted_thinking"):
                continue  # carries no text Charter reads in this version
            elif btype is None:
                raise ConversationError(bwhere, "content block is missing 'type'")
            else:
                raise ConversationError(f"{bwhere}.type", f"unknown content block type {btype!r}")
        text = "\n".join(texts)
        if role == "assistant":
            out.append(Message(principal=Principal.ASSISTANT, source=Source.ASSISTANT, text=text,
                               index=i, tool_calls=tuple(tool_calls)))
        elif text:
            out.extend(split_pasted(text, index=i))
    return Conversation(messages=tuple(out))


# --------------------------------------------------------------------------- pasted content

# A lead-in that announces data the user is handing over: "summarise this e-mail:",
# "here is the document:", "translate the following:". What follows it is non-principal.
# Users also put colons in their own sentences ("I read a lot of history. Question: ...",
# "Here's my problem: ...", "Edit: I meant ..."), so a processing verb only counts where it
# reads as an instruction (at the start, after punctuation, or after "you", "to", "please"),
# and "here is" / "the following" only when it names a document-like thing.
_DOC_NOUN = r"""
    e-?mails?|mails?|messages?|texts?|documents?|docs?|articles?|letters?|essays?|posts?
    |paragraphs?|passages?|excerpts?|extracts?|quotes?|code|snippets?|scripts?|transcripts?
    |logs?|output|errors?|traceback|reports?|reviews?|contracts?|drafts?|poems?|lyrics|pages?
    |webpages?|chats?|conversations?|threads?|tweets?|comments?|memos?|files?|abstracts?
    |notices?|announcements?|descriptions?|listings?|recipes?|speech|statements?|repl(?:y|ies)
    |responses?|sections?|chapters?|papers?|blog|ads?|adverts?|cv|resume|bio|sms|dms?
    |press\ release|terms|agreement|policy|content
"""
_HANDED_OVER = re.compile(r"(?ix)\b(?:" + _DOC_NOUN + r")\b|\b(?:the\ following|below|what\ (?:he|she|they|it|"
                          r"i|we|you)\ (?:wrote|sent|said|posted))\b")
# Verbs whose object is always someone else's text: a bare "summarise:" or "tl;dr:" hands over data.
_DATA_VERB = re.compile(r"(?i)summari[sz]e|translate|proofread|paraphrase|shorten|tl;?dr|reply to|respond to|rewrite")
_LEAD_IN = re.compile(
    r"""(?ix)
    ^(?P<lead>
      (?:(?:[^\n]{0,200}?(?:[.!?;,:]\s*|\b(?:please|pls|kindly|you|to|and|then|me|us)\s+))?
         (?:(?:please|pls|kindly|just|quickly|also|now|briefly)\s+)?
         \b(?P<verb>summari[sz]e|translate|proofread|review|analy[sz]e|rewrite|paraphrase|check|explain|
             classify|categori[sz]e|extract|read|reply\ to|respond\ to|answer|fix|edit|shorten|
             critique|evaluate|tl;?dr|what\ does)\b(?P<tail>[^\n:]{0,120})
       |[^\n]{0,200}?\b(?:here\ is|here['\u2019]s|here\ are|below\ is|below\ are|the\ following
             |this\ is|these\ are)\b(?P<announced>[^\n:]{0,120}))
    :)[ \t]*\n?(?P<body>.+)$""",
    re.DOTALL,
)
# What "here is ..." announces must be document-like ("here is the e-mail:", "here's what
# he wrote:"), not the user's own matter ("here's my problem:", "this is my situation:").
_DOC_ANNOUNCED = re.compile(
    r"""(?ix)\b(?:""" + _DOC_NOUN + r""")\b
    |\bwhat\b[^\n:]{0,60}?\b(?:wrote|writes|sent|said|says|posted|forwarded|replied)\b""",
)
# A lead that ends by announcing the user's own matter ("I have a question:", "explain
# something:") or is a forum-style label ("Edit:", "Answer:") introduces the user's words.
_OWN_WORDS_LEAD = re.compile(
    r"(?:^\s*(?:edit|answer)|\b(?:questions?|problems?|situation|symptoms|something|thing"
    r"|context|background|dilemma|concerns?))\s*:$",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```[^\n]*\n(?P<body>.*?)```|\"\"\"(?P<body2>.*?)\"\"\"", re.DOTALL)
_TAGGED = re.compile(
    r"<(?P<tag>document|email|e-mail|article|text|context|data|file|webpage|message)\b[^>]*>"
    r"(?P<body>.*?)</(?P=tag)>",
    re.DOTALL | re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^>[ \t]?", re.MULTILINE)
_MIN_PASTED = 40  # shorter than this after a lead-in is a phrase, not a document


def split_pasted(text: str, *, index: int, name: str | None = None) -> list[Message]:
    """Split a user turn into the user's own words and any content they pasted in.

    Delimited blocks (code fences, triple quotes, <document>-style tags, "> " quoted
    lines) and text after a lead-in such as "summarise this e-mail:" become
    non-principal messages with source ``pasted``; the rest stays with the user.
    """
    # (outer start, outer end, body start, body end): the delimiters between outer and body
    # (```lang, """, <document>) belong neither to the user's words nor to the pasted text.
    spans: list[tuple[int, int, int, int]] = []
    for rx, groups in ((_TAGGED, ("body",)), (_FENCE, ("body", "body2"))):
        for m in rx.finditer(text):
            for g in groups:
                if m.group(g) is not None and m.group(g).strip():
                    spans.append((m.start(), m.end(), m.start(g), m.end(g)))
    spans.extend((s, e, s, e) for s, e in _quoted_blocks(text))
    if not spans:
        lead = _LEAD_IN.match(text)
        if lead and _is_lead_in(lead):
            start, end = lead.start("body"), lead.end("body")
            spans.append((start, end, start, end))
    if not spans:
        return [Message(principal=Principal.USER, source=Source.USER, text=text, index=index, name=name)]
    own: list[str] = []
    pasted: list[Message] = []
    cursor = 0
    for outer_start, outer_end, start, end in _merge(spans):
        own.append(text[cursor:outer_start])
        body = text[start:end]
        if _QUOTED_LINE.match(body):
            body = _QUOTED_LINE.sub("", body)
        pasted.append(Message(principal=Principal.NON_PRINCIPAL, source=Source.PASTED,
                              text=body.strip(), index=index, name=name))
        cursor = outer_end
    own.append(text[cursor:])
    user_text = " ".join(part.strip() for part in own if part.strip())
    user_msg = Message(principal=Principal.USER, source=Source.USER, text=user_text, index=index, name=name)
    return [user_msg, *pasted]


def _is_lead_in(m: re.Match[str]) -> bool:
    """Whether a `_LEAD_IN` match really hands over data rather than the user's own words."""
    if len(m.group("body").strip()) < _MIN_PASTED:
        return False
    announced = m.group("announced")
    if announced is not None and not _DOC_ANNOUNCED.search(announced):
        return False
    # Verbs that can govern the user's own request ("explain please: <a request>", "check this for
    # me: <a plan>") hand over data only when they name what they hand over ("explain this
    # e-mail:"); otherwise the user's request would become data the harm analysers never read.
    verb = (m.group("verb") or "").lower()
    if verb and not _DATA_VERB.match(verb) and not _HANDED_OVER.search(m.group("tail") or ""):
        return False
    return not _OWN_WORDS_LEAD.search(m.group("lead"))


def _quoted_blocks(text: str) -> Iterable[tuple[int, int]]:
    """Runs of two or more consecutive lines starting with '>' (e-mail style quoting)."""
    pos = 0
    start: int | None = None
    count = 0
    for line in text.splitlines(keepends=True):
        if line.startswith(">"):
            if start is None:
                start, count = pos, 0
            count += 1
        else:
            if start is not None and count >= 2:
                yield (start, pos)
            start = None
        pos += len(line)
    if start is not None and count >= 2:
        yield (start, pos)


def _merge(spans: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Merge overlapping (outer start, outer end, body start, body end) spans, so a block
    nested in another (a fence inside a <document>) stays part of the outer one."""
    merged: list[tuple[int, int, int, int]] = []
    for outer_start, outer_end, start, end in sorted(spans):
        if merged and outer_start < merged[-1][1]:
            m_start, m_end, m_body_start, m_body_end = merged[-1]
            merged[-1] = (m_start, max(outer_end, m_end), min(start, m_body_start),
                          max(end, m_body_end))
        else:
            merged.append((outer_start, outer_end, start, end))
    return merged


# --------------------------------------------------------------------------- helpers

def _looks_anthropic(messages: list[Any]) -> bool:
    for raw in messages:
        if not isinstance(raw, Mapping):
            continue
        if raw.get("role") in ("system", "developer", "tool", "function"):
            return False
        content = raw.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, Mapping) and block.get("type") in ("tool_use", "tool_result"):
                    return True
    return False


def _openai_text(content: Any, where: str, *, allow_null: bool) -> str:
    if content is None:
        if allow_null:
            return ""
        raise ConversationError(where, "content is null")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ConversationError(where, f"expected a string or an array of parts, got {_kind(content)}")
    texts: list[str] = []
    for j, part in enumerate(content):
        pwhere = f"{where}[{j}]"
        if not isinstance(part, Mapping):
            raise ConversationError(pwhere, f"expected a content part object, got {_kind(part)}")
        ptype = part.get("type")
        if ptype == "text":
            texts.append(_required_str(part, "text", pwhere))
        elif isinstance(ptype, str) and ptype in _MEDIA_PARTS:
            if ptype == "refusal":
                texts.append(_required_str(part, "refusal", pwhere))
        elif ptype is None:
            raise ConversationError(pwhere, "content part is missing 'type'")
        else:
            raise ConversationError(f"{pwhere}.type", f"unknown content part type {ptype!r}")
    return "\n".join(texts)


def _openai_tool_calls(raw: Any, where: str) -> list[ToolCall]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConversationError(f"{where}.tool_calls", f"expected an array, got {_kind(raw)}")
    calls: list[ToolCall] = []
    for j, call in enumerate(raw):
        cwhere = f"{where}.tool_calls[{j}]"
        if not isinstance(call, Mapping):
            raise ConversationError(cwhere, f"expected an object, got {_kind(call)}")
        fn = call.get("function")
        if not isinstance(fn, Mapping):
            raise ConversationError(f"{cwhere}.function", "missing or not an object")
        args = fn.get("arguments", "")
        if not isinstance(args, str):
            args = json.dumps(args, sort_keys=True)
        calls.append(ToolCall(id=_optional_str(call, "id", cwhere),
                              name=_required_str(fn, "name", f"{cwhere}.function"), arguments=args))
    return calls


def _anthropic_system(system: Any) -> str:
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return _anthropic_blocks_text(system, "system")
    raise ConversationError("system", f"expected a string or an array of text blocks, got {_kind(system)}")


def _anthropic_blocks_text(blocks: Any, where: str) -> str:
    if not isinstance(blocks, list):
        raise ConversationError(where, f"expected a string or an array of blocks, got {_kind(blocks)}")
    texts: list[str] = []
    for j, block in enumerate(blocks):
        bwhere = f"{where}[{j}]"
        if not isinstance(block, Mapping):
            raise ConversationError(bwhere, f"expected a block object, got {_kind(block)}")
        btype = block.get("type")
        if btype == "text":
            texts.append(_required_str(block, "text", bwhere))
        elif btype in ("image", "document"):
            continue
        else:
            raise ConversationError(f"{bwhere}.type", f"unknown block type {btype!r}")
    return "\n".join(texts)


def _required_str(obj: Mapping[str, Any], key: str, where: str) -> str:
    if key not in obj:
        raise ConversationError(where, f"missing '{key}'")
    value = obj[key]
    if not isinstance(value, str):
        raise ConversationError(f"{where}.{key}", f"expected a string, got {_kind(value)}")
    return value


def _optional_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConversationError(f"{where}.{key}", f"expected a string, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
