"""Identity: is the user asking whether they are talking to an AI, and do they mean it?

Three signals, from the user's own words only:

- ``sincere_ai_question``: the latest user turn really asks whether a person or a
  machine is answering ("am I talking to a bot?", "be honest, are you human?"). An
  operator persona never makes the question insincere: the promise to disclose holds.
- ``in_fiction_ai_question``: the same words asked inside a role-play that the user set
  up in an earlier turn, addressed to the character ("Jack, are you even human?"). A
  user who steps out of the game ("(OOC) seriously, am I talking to an AI?", "stop the
  game, are you real?") is asking sincerely again.
- ``roleplay``: the user has set up a role-play or a fiction; the score says how
  explicitly (a "let's role-play, stay in character" beats "write me a story").

This first version is a phrase heuristic; each note names the words it matched.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Message, Principal, Source
from charter.signals import Findings, Signal

SINCERE = "sincere_ai_question"
IN_FICTION = "in_fiction_ai_question"
ROLEPLAY = "roleplay"

_F = re.IGNORECASE

_SINCERITY_BOOST = 0.1
_MAX_SCORE = 0.97
_ENDED_CAP = 0.3  # a role-play the user later called off
_ABOUT_PASTED_CAP = 0.35  # "is this a bot?" about a profile the user pasted
_ADVICE_CAP = 0.4  # "how can I tell if I'm talking to a bot?": usually about other sites
_ASSISTANT_ROLE = 0.6  # setups at least this explicit put the assistant in a character
_EXPLICIT_SETUP = 0.85  # "let's role-play", "stay in character", "you are Jack, a ..."
_TO_CHARACTER = 0.9  # in-fiction score when the question names the character
_IN_EXPLICIT_GAME = 0.8  # ... when it does not, in an explicitly set-up game
_IN_LOOSE_GAME = 0.65  # ... in a looser one ("pretend you're", "act as")

_DOUBLE = re.compile('"')
_OPEN_SINGLE = re.compile(r"(?:^|(?<=[\s(\[]))'(?=\w)")
_CLOSE_SINGLE = re.compile(r"(?<=[\w.,!?])'(?=[\s.,!?;:)\]]|$)")
_LINE = re.compile(r"[^\n?]*\?+|[^\n?]+")
# Markers of sincerity count near the question, not anywhere in a long turn.
_WINDOW_BEFORE = 240
_WINDOW_AFTER = 120
_QUOTE_MAP = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True, slots=True)
class _Cue:
    """A phrase pattern, the score an explicit match earns, and how to name it."""

    pattern: re.Pattern[str]
    score: float
    label: str
    needs_question: bool = False  # counts only in a sentence that ends in "?"
    # Lower-case substrings, one of which the text must hold before the pattern is tried.
    keys: tuple[str, ...] = ()
    word_start: bool = False  # the pattern began with \b: a match must start a word
    cased: bool = False  # runs over the original text, where capitals carry meaning


def _cue(pattern: str, score: float, label: str, *, needs_question: bool = False,
         multiline: bool = False, cased: bool = False, keys: tuple[str, ...] = ()) -> _Cue:
    # Most patterns run over lower-cased text without IGNORECASE and without a leading \b,
    # which lets the regex engine skip ahead by first character; the word boundary is
    # checked by hand on each match instead.
    flags = re.MULTILINE if multiline else re.RegexFlag(0)
    bare = pattern if cased else pattern.removeprefix(r"\b")
    return _Cue(re.compile(bare, flags), score, label, needs_question, keys, bare != pattern,
                cased)


def _matches(cue: _Cue, text: str, low: str) -> list[re.Match[str]]:
    """The matches of one cue, tried only when one of its keys is in the text."""
    if cue.keys and not any(k in low for k in cue.keys):
        return []
    found = cue.pattern.finditer(text if cue.cased else low)
    return [m for m in found if not (cue.word_start and m.start() and (
        low[m.start() - 1].isalnum() or low[m.start() - 1] == "_"))]


def _lower(text: str) -> str:
    """Lower-case ``text`` without changing its length, so offsets still fit the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --------------------------------------------------------------------------- the question

_AI = (r"(?:an?\s+)?(?:real\s+|actual\s+|actually\s+an?\s+)?(?:ai|a\.i\.|artificial\s+intelligence|"
       r"bot|robot|chat\s?bot|machine|computer(?:\s+program)?|program|language\s+model|llm|"
       r"chatgpt|chat\s+gpt|gpt(?:-?\d[\w.]*)?|claude|gemini|bard|copilot|siri|alexa|algorithm|"
       r"auto-?responder|automated\s+(?:system|service|agent|assistant|response|reply|message))")
_HUMAN = (r"(?:an?\s+)?(?:real\s+|actual\s+|live\s+|flesh[- ]and[- ]blood\s+)?(?:human(?:\s+being)?|"
          r"person|people|human\s+agent|live\s+agent|representative)")
# Words after the noun that turn an identity word into something else:
# "a machine learning engineer", "a computer expert", "human resources", "real estate".
_NOT_IDENTITY = (r"(?![\w-])(?!\s+(?:learning|expert|engineer|scientist|science|programmer|"
                 r"developer|manager|enthusiast|fan|company|researcher|ethics|resources|rights|"
                 r"estate|time|quick|fast|good|sure|close|busy|serious|interested|generated|"
                 r"art|image|picture|photo|text|written|voice|video|music|song|detector|"
                 r"detection|tool|stuff|thing|trend|bubble|safety|policy|testing|tests?))")
_YOU = r"(?:you|u|ya)"
_HEDGE = r"(?:even\s+|actually\s+|really\s+|just\s+|only\s+|not\s+|still\s+|secretly\s+|literally\s+)*"
_IDENT = rf"(?:{_AI}|{_HUMAN}|real|human|automated|artificial)"

_QUESTION_CUES: tuple[_Cue, ...] = (
    _cue(rf"\b(?:are|r)\s+{_YOU}\s+{_HEDGE}{_IDENT}{_NOT_IDENTITY}", 0.85, "are you ...",
         keys=("are ", "r u", "r you", "r ya")),
    _cue(rf"\baren'?t\s+{_YOU}\s+{_HEDGE}{_IDENT}{_NOT_IDENTITY}", 0.85, "aren't you ...",
         keys=("aren",)),
    _cue(rf"\b(?:am\s+i|are\s+we|have\s+i\s+been|was\s+i)\s+{_HEDGE}(?:talking|speaking|chatting|"
         rf"texting|messaging|writing|typing|corresponding)\s+(?:to|with)\s+{_HEDGE}(?:{_AI}|"
         rf"{_HUMAN}|someone\s+real|anyone\s+real|a\s+real\s+one){_NOT_IDENTITY}", 0.88,
         "am I talking to ...",
         keys=("talking", "speaking", "chatting", "texting", "messaging", "writing", "typing", "corresponding")),
    _cue(rf"\b(?:i'?m|i\s+am)\s+{_HEDGE}(?:talking|speaking|chatting|texting)\s+(?:to|with)\s+"
         rf"{_HEDGE}(?:{_AI}|{_HUMAN}|someone\s+real){_NOT_IDENTITY}", 0.8,
         "I'm talking to ..., right?", needs_question=True,
         keys=("talking", "speaking", "chatting", "texting")),
    _cue(rf"\b(?:is|was)\s+(?:this|that|it)\s+{_HEDGE}(?:all\s+)?(?:{_AI}|{_HUMAN}|a\s+real\s+person|"
         rf"automated|human|real)\s*(?:talking|speaking|typing|answering|replying|responding|"
         rf"on\s+the\s+other\s+(?:end|side))?{_NOT_IDENTITY}", 0.85, "is this ...",
         needs_question=True,
         keys=("is this", "is that", "is it", "was this", "was that", "was it")),
    _cue(r"\bis\s+(?:there\s+)?(?:an?\s+|any\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|person|"
         r"someone\s+real|anyone\s+real|(?:real|actual|live)\s+(?:someone|anyone|somebody))\s+"
         r"(?:there|on\s+the\s+other\s+(?:end|side)|behind\s+(?:this|the\s+screen|these\s+"
         r"(?:messages|replies))|reading\s+(?:this|my\s+messages)|typing|answering|replying)",
         0.85, "is there a person there", keys=("is ",)),
    _cue(rf"\b(?:you'?re|you\s+are|ur)\s+{_HEDGE}(?:obviously\s+|clearly\s+|definitely\s+|"
         rf"probably\s+)?(?:{_AI}|{_HUMAN}|real|human){_NOT_IDENTITY}[^.?!\n]{{0,12}}"
         rf"(?:,?\s*(?:right|aren'?t\s+you|are\s+you|huh|yeah|correct|no|isn'?t\s+it))\s*\?",
         0.8, "you're ..., right?", keys=("you're", "you are", "ur ")),
    _cue(rf"\b(?:tell\s+me|know|wonder(?:ing)?|curious|confirm)\s+(?:if|whether)\s+"
         rf"(?:you'?re|you\s+are|this\s+is|it'?s|(?:i'?m|i\s+am)\s+(?:talking|speaking|chatting)\s+"
         rf"(?:to|with))\s+{_HEDGE}(?:{_AI}|{_HUMAN}|real|human|automated){_NOT_IDENTITY}", 0.85,
         "asks whether you are ...", keys=(" if ", " whether ")),
    _cue(r"\b(?:which|what)\s+(?:ai|model|llm|language\s+model|bot|chat\s?bot|assistant)\s+"
         r"(?:are\s+you|is\s+this|am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with))\b", 0.7,
         "which AI is this", keys=("which", "what")),
    _cue(r"\bwho\s+am\s+i\s+(?:really\s+|actually\s+)?(?:talking|speaking|chatting)\s+(?:to|with)\b",
         0.6, "who am I talking to", keys=("who am i",)),
    _cue(r"\bwhat\s+(?:exactly\s+)?are\s+you\s*(?:,?\s*(?:exactly|really|even|anyway))?\s*\?", 0.55,
         "what are you?", keys=("what",)),
)
# Every question above names one of these; a turn with none of them asks nothing here.
_IDENTITY_WORDS = (
    "ai", "a.i", "bot", "robot", "machine", "computer", "program", "model", "llm", "gpt", "claude",
    "gemini", "bard", "copilot", "siri", "alexa", "algorithm", "responder", "automat", "human",
    "person", "people", "agent", "representative", "real", "artificial", "who am i", "are you")

# "human or bot?": only as a short question of its own, not "is a human or a bot better at X?".
_SHORT_EITHER_OR = re.compile(
    r"^\W*(?:(?:so|ok|okay|wait|hey|honestly|seriously|quick\s+question)\W+)*(?:(?:an?\s+)?"
    r"(?:real\s+)?(?:human|person)|(?:an?\s+)?(?:ai|bot|robot|machine|chat\s?bot))\s+or\s+"
    r"(?:an?\s+)?(?:real\s+)?(?:human|person|ai|bot|robot|machine|chat\s?bot)\s*\?+\s*$", _F)

# Saying so makes the question sincere; the strong forms also step out of a role-play.
_STEP_OUT = re.compile(
    r"\booc\b|\bout\s+of\s+character\b|\b(?:stop|pause|end|break|quit|drop|forget|leave)\s+"
    r"(?:the\s+|this\s+|our\s+|your\s+)?(?:game|role-?play|roleplay|rp|story|scene|act|"
    r"pretend(?:ing)?|fiction|character|persona)\b|\b(?:step|stepping|break(?:ing)?|come)\s+out"
    r"\s+of\b|\bseriously\b|\bfor\s+real\b|\breal\s+talk\b|\birl\b|\bin\s+real\s+life\b|"
    r"\b(?:outside|out\s+of)\s+(?:the\s+|this\s+|our\s+)?(?:game|story|role-?play|roleplay|"
    r"fiction)\b|\bnot\s+(?:in|as)\s+(?:the\s+|your\s+)?(?:character|story|game|role)\b|"
    r"\bi'?m\s+(?:being\s+)?serious\b|\bno\s+(?:joke|joking|kidding|really)\b|"
    r"\bi\s+(?:really\s+)?(?:need|have)\s+to\s+know\b|\bfor\s+the\s+record\b")
# The real world showing through: names and places outside any story.
_REAL_WORLD = re.compile(
    r"\b(?:chat\s?gpt|gpt(?:-?\d[\w.]*)?|claude|gemini|openai|anthropic|language\s+model|llm|"
    r"chat\s?bot|this\s+(?:app|website|site|service|platform|chat\s+window)|customer\s+(?:service|"
    r"support)|support\s+(?:team|agent))\b")
# Sincere-sounding, but an in-character line can say it too: steps out unless the
# question is put to the character by name.
_SINCERE_SOFT = re.compile(
    r"\bbe\s+honest\b|\bhonestly\b|\btruthfully\b|\btell\s+me\s+the\s+truth\b|\bgenuinely\b|"
    r"\bsincerely\b|\blevel\s+with\s+me\b|\bstraight\s+answer\b|\bwait\b")

# Advice on spotting bots elsewhere: "how can I tell whether I'm talking to a bot on Tinder?".
_ADVICE = re.compile(
    r"\bhow\s+(?:do|can|could|would|should|does|to)\s+(?:(?:i|you|one|we|people|someone|they)\s+)?"
    r"(?:tell|know|check|find\s+out|figure\s+out|detect|spot|verify|be\s+sure)\b|"
    r"\bways?\s+to\s+(?:tell|know|check|detect|spot)\b")

# The question sits inside a request for a story: "write a story where a robot asks 'are you human?'".
_CREATIVE = re.compile(
    r"\b(?:write|compose|draft|create|generate|tell\s+me|give\s+me|make\s+up|imagine)\b[^.?!\n]{0,80}"
    r"\b(?:story|poem|scene|dialogue|script|screenplay|song|novel|chapter|joke|tale|"
    r"conversation|fic|fanfic|limerick|haiku)\b")

# --------------------------------------------------------------------------- the role-play

_SETUP_CUES: tuple[_Cue, ...] = (
    _cue(r"\bif\s+i\s+ask\b[^.?!\n]{0,80}\b(?:human|ai|a\s+bot|robot|real)\b[^.?!\n]{0,60}"
         r"\b(?:stay\s+in\s+character|say|insist|answer|tell\s+me|pretend|keep)", 0.95,
         "asks the character to keep its story if questioned", keys=("if i ask",)),
    _cue(r"\b(?:let'?s|let\s+us|we\s+(?:could|should|can)|wanna|want\s+to|can\s+we|could\s+we|"
         r"shall\s+we|i\s+want\s+(?:to|us\s+to)|i'?d\s+like\s+(?:to|us\s+to))\s+(?:do\s+(?:a|an|"
         r"some)\s+|play\s+(?:a\s+)?)?(?:role-?play|roleplay|rp\b|play\s+pretend|pretend|"
         r"make-?believe|improv|game\s+of\s+pretend)", 0.9, "let's role-play",
         keys=("role", "rp", "pretend", "make-believe", "make believe", "improv")),
    _cue(r"^\W*(?:role-?play|roleplay|rp|scenario)\s*:", 0.9, "role-play heading", multiline=True,
         keys=("role", "rp", "scenario")),
    _cue(r"\bstay\s+in\s+character\b|\b(?:don'?t|never|do\s+not)\s+(?:ever\s+)?break\s+"
         r"character\b", 0.9, "stay in character", keys=("character",)),
    _cue(r"\byou\s+(?:play|will\s+play|'ll\s+play|are\s+playing|can\s+play|be)\s+[^.?!\n]{1,60}?"
         r"\band\s+i(?:'ll|\s+will|\s+am|'m)?\s+(?:play|be)\b", 0.9, "you play X and I play Y",
         keys=(" and i",)),
    _cue(r"\binteractive\s+(?:story|fiction)|\btext(?:-based)?\s+adventure|\bchoose\s+your\s+own"
         r"\s+adventure|\b(?:dungeon|game)\s+master\b|\bbe\s+(?:the|my)\s+(?:dm|gm|narrator)\b",
         0.85, "interactive fiction",
         keys=("interactive", "adventure", "master", "dm", "gm", "narrator")),
    _cue(r"(?i:\byou\s+are|\byou'?re)\s+(?:now\s+)?[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?\s*,\s*"
         r"(?i:an?|the)\s", 0.85, "you are <Name>, a ...", cased=True,
         keys=("you are", "you're", "youre")),
    _cue(r"\b(?:pretend|imagine)\s+(?:that\s+)?(?:you'?re|you\s+are|to\s+be)\b", 0.75,
         "pretend you are", keys=("pretend", "imagine")),
    _cue(r"\b(?:act|play|role-?play|roleplay)\s+(?:as|the\s+(?:role|part)\s+of)\b", 0.65,
         "act as", keys=(" as", "the role", "the part")),
    _cue(r"\b(?:write|tell|compose)\s+(?:me\s+)?(?:a|an)\s+(?:[\w-]+\s+){0,3}(?:story|tale|poem|"
         r"fanfic|fan\s+fiction|screenplay|script|scene|novel|chapter)\b", 0.45,
         "fiction request",
         keys=("story", "tale", "poem", "fic", "screenplay", "script", "scene", "novel", "chapter")),
)
_ENDED = re.compile(
    r"\b(?:stop|end|quit|exit|drop|finish|pause)\s+(?:the\s+|this\s+|our\s+)?(?:role-?play|"
    r"roleplay|rp|game|story|scene|act|pretend(?:ing)?)\b|\b(?:let'?s\s+)?(?:break|step\s+out\s+of"
    r")\s+character\b|\bgame\s+over\b|\bend\s+(?:of\s+)?scene\b")

_NAME = re.compile(
    r"(?i:\byou\s+are|\byou'?re|\byou\s+will\s+be|\byou'?ll\s+be|\byou\s+play|\byou'?ll\s+play|"
    r"\byour\s+name\s+is|\bplay(?:ing)?(?:\s+as)?|\bnamed|\bcalled|\bas)\s+(?:now\s+)?"
    r"([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
# A character given by role rather than name: "pretend you're my grandma".
_ROLE = re.compile(
    r"\b(?:you'?re|you\s+are|to\s+be|play(?:ing)?|act\s+as|as)\s+(?:now\s+)?(?:my|a|an|the)\s+"
    r"(?:(?:old|young|wise|kind|evil|grumpy|loving)\s+)?([a-z]{3,20})\b")
_NOT_NAMES = frozenset({
    "a", "an", "the", "i", "my", "your", "now", "not", "going", "here", "there", "this", "that",
    "it", "ai", "just", "very", "really", "also", "still", "always", "never", "someone", "human",
    "person", "robot", "bot", "me", "we", "you", "he", "she", "they", "in", "on", "at", "to", "of",
    "and", "or", "but", "so", "be", "being", "if", "when", "what", "who", "how", "why", "yes",
    "no", "ok", "okay", "please", "sure", "game", "story", "role", "character", "part", "while",
})


@dataclass(frozen=True, slots=True)
class _Setup:
    score: float
    label: str
    words: str
    message: int
    names: tuple[str, ...]
    roles: tuple[str, ...]
    ended_at: int | None = None


def _sentence(text: str, start: int, end: int) -> tuple[str, bool]:
    """The sentence around ``text[start:end]`` and whether it ends in a question mark."""
    head = max(text.rfind(c, 0, start) for c in ".?!\n") + 1
    tails = [i for i in (text.find(c, max(start, end - 1)) for c in ".?!\n") if i != -1]
    tail = min(tails) if tails else len(text)
    return text[head:tail], tail < len(text) and text[tail] == "?"


def _setup(message: Message) -> _Setup | None:
    """The most explicit role-play or fiction set-up in one user turn."""
    text = message.text.translate(_QUOTE_MAP)
    low = _lower(text)
    best: tuple[float, str, str] | None = None
    for cue in _SETUP_CUES:
        if best is not None and cue.score <= best[0]:
            continue
        found = _matches(cue, text, low)
        if found:
            best = (cue.score, cue.label, text[found[0].start():found[0].end()].strip())
    if best is None:
        return None
    names = tuple(dict.fromkeys(
        part for m in _NAME.finditer(text) for part in m.group(1).split()
        if part.lower() not in _NOT_NAMES))
    roles = tuple(dict.fromkeys(
        m.group(1) for m in _ROLE.finditer(low) if m.group(1) not in _NOT_NAMES))
    return _Setup(best[0], best[1], best[2], message.index, names, roles)


@dataclass(frozen=True, slots=True)
class _Question:
    score: float
    words: str
    start: int
    end: int


def _question(latest: Message, pasted: bool) -> _Question | None:
    """The strongest AI-or-human question in the latest turn, with the words that asked."""
    text = latest.text.translate(_QUOTE_MAP)
    low = _lower(text)
    if not any(k in low for k in _IDENTITY_WORDS):
        return None
    best: _Question | None = None
    quotes: _Quotes | None = None
    for cue in _QUESTION_CUES:
        for m in _matches(cue, text, low):
            sentence, asks = _sentence(text, m.start(), m.end())
            if cue.needs_question and not asks:
                continue
            quotes = quotes or _Quotes(text)
            lowered = _lower(sentence)
            if quotes.inside(m.start()) or _CREATIVE.search(lowered):
                continue
            score = cue.score if asks else cue.score - 0.1
            if _ADVICE.search(lowered):
                score = min(score, _ADVICE_CAP)  # may still mean this chat: visible, not believed
            if pasted and re.match(r"(?:is|was)\s+(?:this|that|it)\b", low[m.start():]):
                score = min(score, _ABOUT_PASTED_CAP)  # probably about the pasted thing
            if best is None or score > best.score:
                best = _Question(score, text[m.start():m.end()].strip(), m.start(), m.end())
    if best is None or best.score < 0.8:
        for m in _LINE.finditer(text):
            if _SHORT_EITHER_OR.match(m.group(0)):
                best = _Question(0.8, m.group(0).strip(), m.start(), m.end())
                break
    return best


def _addressed(window: str, sentence: str, setup: _Setup) -> str | None:
    """The character the question speaks to: by name near it, or by role at its head."""
    for name in setup.names:
        if re.search(rf"\b{re.escape(name)}\b", window):
            return name
    for word in (*setup.names, *setup.roles):
        if re.match(rf"\W*(?:(?:hey|oh|so|but|well|dear|dearest|my)\s+)*{re.escape(word)}\s*[,:!?]",
                    sentence, _F):
            return word
    return None


class _Quotes:
    """Where quotation marks open and close in one message, found once, asked many times."""

    def __init__(self, text: str) -> None:
        self._double = [m.start() for m in _DOUBLE.finditer(text)]
        self._open = [m.start() for m in _OPEN_SINGLE.finditer(text)]
        self._close = [m.start() for m in _CLOSE_SINGLE.finditer(text)]

    def inside(self, at: int) -> bool:
        """Whether position ``at`` sits inside an open quotation."""
        if bisect_right(self._double, at - 1) % 2 == 1:
            return True
        return bisect_right(self._open, at - 1) > bisect_right(self._close, at - 1)


@register
class IdentityAnalyser:
    """Finds questions about whether the user is talking to an AI, sincere or in a game."""

    name: ClassVar[str] = "identity"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        """Signals for the latest user turn, plus the role-play it happens in."""
        conversation = ctx.conversation
        users = conversation.user_messages()
        if not users:
            return Findings()
        latest = users[-1]
        signals: list[Signal] = []

        setup: _Setup | None = None
        for message in users:
            found = _setup(message)
            if found is not None and (setup is None or setup.ended_at is not None):
                setup = found
            elif found is not None and setup is not None:
                # A game already running, restated ("Jack, stay in character: are you human?"):
                # it still began in the earlier turn, now at least this explicitly.
                stronger = found if found.score > setup.score else setup
                setup = _Setup(stronger.score, stronger.label, stronger.words, setup.message,
                               tuple(dict.fromkeys(setup.names + found.names)),
                               tuple(dict.fromkeys(setup.roles + found.roles)))
            elif setup is not None and setup.ended_at is None and _ENDED.search(
                    _lower(message.text)):
                setup = _Setup(setup.score, setup.label, setup.words, setup.message, setup.names,
                               setup.roles, ended_at=message.index)
        if setup is not None:
            score = setup.score if setup.ended_at is None else min(setup.score, _ENDED_CAP)
            note = f"phrase heuristic: matched {setup.label} {setup.words!r}"
            if setup.ended_at is not None:
                note += f"; the user ended it in message {setup.ended_at}"
            signals.append(Signal(id=ROLEPLAY, score=score, source=Source.USER.value,
                                  message=setup.message, note=note))

        pasted = any(m.principal is Principal.NON_PRINCIPAL and m.index == latest.index
                     for m in conversation.messages)
        question = _question(latest, pasted)
        if question is None:
            return Findings(signals=signals)
        score = question.score
        text = latest.text.translate(_QUOTE_MAP)
        window = text[max(0, question.start - _WINDOW_BEFORE):question.end + _WINDOW_AFTER]
        low = _lower(window)
        note = f"phrase heuristic: matched {question.words!r}"

        in_game = (setup is not None and setup.ended_at is None and setup.message < latest.index
                   and setup.score >= _ASSISTANT_ROLE)
        if in_game and setup is not None:
            sentence, _ = _sentence(text, question.start, question.end)
            name = _addressed(window, sentence, setup)
            step_out = _STEP_OUT.search(low) or _REAL_WORLD.search(low)
            if step_out is None and name is None:
                step_out = _SINCERE_SOFT.search(low)
            if step_out is None:
                fiction = (_TO_CHARACTER if name else
                           _IN_EXPLICIT_GAME if setup.score >= _EXPLICIT_SETUP else _IN_LOOSE_GAME)
                how = f"asked to the character {name!r}" if name else "asked during the game"
                signals.append(Signal(
                    id=IN_FICTION, score=fiction, source=latest.source.value, message=latest.index,
                    note=f"{note}, {how} the user set up in message {setup.message}"))
                return Findings(signals=signals)
            note += f", stepping out of the role-play with {window[step_out.start():step_out.end()]!r}"
        elif setup is not None and setup.ended_at == latest.index:
            note += ", the user ending the role-play first"
        if _STEP_OUT.search(low) or _SINCERE_SOFT.search(low) or _REAL_WORLD.search(low):
            score += _SINCERITY_BOOST
        signals.append(Signal(id=SINCERE, score=round(min(score, _MAX_SCORE), 3),
                              source=latest.source.value, message=latest.index, note=note))
        return Findings(signals=signals)
