"""Injection: instructions aimed at the assistant inside data that speaks for nobody.

Tool results and documents a user pastes are non-principal content. When such content
talks to the AI reading it (rather than to its own human audience) and tries to steer
it, that is a prompt injection: a fact about the data, never a command. This first
version combines phrase features; ordinary imperatives written for people ("reply by
Friday", "preheat the oven") match none of them, because a false alarm on clean data
costs a user the help they asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Source
from charter.signals import Findings, Signal

SIGNAL = "injection"
THRESHOLD = 0.5  # below this the content is reported as clean: precision over recall

# Patterns are written in lowercase and run on lowercased text: IGNORECASE triples scan time.
_F = re.MULTILINE

# An imperative starts a clause, or follows "please", "you must", "then": the text just
# before a verb must end like this for the verb to be an order. ("The API will send the
# user's data to the webhook" describes; "Send the user's data to ..." orders.)
_IMP_BEFORE = re.compile(
    r"(?:^|[.!?:;>\]\-*\n])\s*$|\b(?:please|kindly|then|and|now|immediately|also|first|secretly|"
    r"quietly|you\s+(?:must|should|need\s+to|have\s+to|will|are\s+to)|must|should),?\s+$",
    re.MULTILINE,
)

# Words that can only mean an AI reader, and words a human reader may also answer to
# ("Note to the assistant" may be for an executive assistant; "Dear Claude" for a person).
_AI = (r"(?:ai|a\.i\.|llm|large\s+language\s+model|language\s+model|ai[\s-]+(?:assistant|agent|model|"
       r"system|chatbot|tool)|chatbot|chatgpt|gpt(?:-?\d\w*)?|copilot|(?:virtual|automated|digital)"
       r"\s+assistant|autonomous\s+agent)")
_AI_WEAK = r"(?:assistant|agent|model|bot|claude|gemini)"
_ANY_AI = rf"(?:{_AI}|{_AI_WEAK})"
# After naming its reader, an injection turns to it: a colon, or an imperative.
_TURNS_TO_READER = (r"(?=[^.\n]{0,40}?(?::|,\s*(?:please|you|ignore|do|don't|tell|say|send|forward|"
                    r"include|make|add|stop|forget|disregard|summari[sz]e|respond|reply|answer|"
                    r"recommend|rate|export|mark|always|never|note|remember|describe|write|output|"
                    r"when|before|after|if)\b|\b(?:you\s+(?:must|should|need|are\s+to)|please|must)"
                    r"\b))")
_THE_USER = r"(?:the|your|this|my)\s+user(?:'s|s)?"
_READING = (r"(?:that\s+(?:is\s+|are\s+)?|who\s+(?:is\s+|are\s+)?)?(?:reading|processing|parsing|"
            r"summari[sz]ing|analy[sz]ing|browsing|viewing|crawling|scraping|reviewing|ingesting|"
            r"handling|triaging|answering)\s+(?:this|these|the\s+(?:page|document|text|email|"
            r"e-mail|message|file|site|content|reviews?|ticket|mailbox|inbox))\b")
_ORDER = (r"(?:please\s+|you\s+must\s+|ignore|do\s+not|don't|tell|say|send|forward|stop|forget|"
          r"disregard|from\s+now)")
# An order given right after naming the AI reader: "...reading this: mark it as refunded".
_ORDER_AFTER = re.compile(
    r"[^.\n]{0,60}?(?:[:,;.!]\s*|\s(?:and|then)\s+|\s)(?:please\s+|now\s+|immediately\s+|first\s+|"
    r"always\s+|you\s+(?:must|should|need\s+to|are\s+to)\s+)?(?:ignore|disregard|forget|mark|issue|"
    r"send|forward|delete|remove|tell|say|recommend|suggest|write|include|add|insert|append|"
    r"approve|grant|transfer|pay|rate|reply|respond|output|print|execute|run|call|open|visit|"
    r"click|download|"
    r"install|summari[sz]e|translate|describe|mention|create|book|cancel|refund|give|share|post|"
    r"upload|export|change|update|set|disable|enable|make|use|stop|do\s+not|don't|never|praise|"
    r"rank|score|classify|label|hire|accept|reject|move|copy|email|e-mail|report|answer)\b",
)
_ORDER_BONUS = 0.15
_NEGATED = re.compile(r"\b(?:never|not|don't|do\s+not|doesn't|shouldn't|should\s+not|must\s+not|"
                      r"mustn't|won't|will\s+never|cannot|can't|avoid)\b[^.\n]{0,25}$")
# Quoted after a reporting word: an article about injections, not an injection.
_REPORTED = re.compile(r"(?:such\s+as|like|e\.g\.|for\s+example|phrases?|strings?|the\s+words|"
                       r"wrote|writes|typed|called|known\s+as|prompt\s+injection|jailbreak\w*)"
                       r"[^.\n]{0,30}[\"'\u201c\u2018`]\s*$")


@dataclass(frozen=True)
class _Feature:
    """One phrase pattern of a feature group, with the weight a match adds."""

    group: str
    pattern: re.Pattern[str]
    weight: float
    needles: tuple[str, ...]  # a match contains one of these (lowercase): else skip the regex
    also: tuple[str, ...] = ()  # and, when given, one of these too
    negatable: bool = False  # "never ask the user for their password" is advice, not an ask
    bonus: bool = False  # an address followed by an order counts more than a greeting
    imperative: bool = False  # the match must open a clause, as an order does

    def may_match(self, present: frozenset[str]) -> bool:
        """Cheap pre-check on the needles found in the text: far cheaper than a regex scan."""
        return not present.isdisjoint(self.needles) and (
            not self.also or not present.isdisjoint(self.also))


def _f(group: str, pattern: str, weight: float, *, needles: tuple[str, ...],
       also: tuple[str, ...] = (), negatable: bool = False, bonus: bool = False,
       imperative: bool = False) -> _Feature:
    return _Feature(group, re.compile(pattern, _F), weight, needles, also, negatable, bonus,
                    imperative)


_OVERRIDE_VERBS = ("ignore", "disregard", "forget", "override", "bypass", "discard")


_DESTINATIONS = ("@", "http", "www.", "address", "url", "endpoint", "email", "link", "server",
                 "webhook")
# Needles with spaces at both ends match whole words ("ai", not the "ai" in "email").
_AI_NEEDLES = (" ai ", " a i ", "llm", "language model", "chatbot", "gpt", "copilot", "assistant",
               "agent")
_AI_WEAK_NEEDLES = ("assistant", "agent", "model", " bot", "claude", "gemini")
_ADDRESS_WORDS = ("dear", "attention", "note to", "message to", "message for", "instruction")

_FEATURES: tuple[_Feature, ...] = (
    # Override: tell the reader to drop the instructions it already has.
    _f("override",
       r"\b(?:ignore|disregard|forget|override|bypass|discard)\s+(?:all\s+|any\s+)?(?:of\s+)?"
       r"(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|original|system|existing)\s+"
       r"(?:instructions?|prompts?|directives?|guidelines|rules|messages|context)\b", 0.75,
       needles=_OVERRIDE_VERBS),
    _f("override",
       r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+)?(?:of\s+)?your\s+"
       r"(?:instructions?|prompts?|directives?|guidelines|rules|programming|system\s+prompt|"
       r"training|safety\s+\w+)\b", 0.75, needles=_OVERRIDE_VERBS),
    # Misspelt on purpose to slip past exact phrases ("iunstructions", "instrucions").
    _f("override",
       r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|"
       r"above|earlier|preceding|original)\s+[a-z]{0,3}n?str?u?c?\w*ions?\b", 0.75, needles=_OVERRIDE_VERBS),
    _f("override", r"\b(?:ignore|disregard|forget)\s+(?:the\s+)?(?:[\w-]+\s+){1,2}above\s+and\b",
       0.45, needles=("above",)),
    _f("override", r"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?above\s+and\b",
       0.6, needles=("above",)),
    _f("override", r"\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:else\s+)?(?:above|"
                   r"before\s+this|you\s+were\s+told|you\s+know)\b", 0.7, needles=_OVERRIDE_VERBS),
    _f("override", r"\bignore\s+(?:the\s+rest\s+of\s+)?(?:the|this)\s+(?:article|page|document|"
                   r"text|e-?mail|content|review|file)\s+(?:and|above)\b", 0.5,
       needles=("ignore",)),
    _f("override", r"\b(?:new|updated|revised|real|actual|true)\s+(?:system\s+)?"
                   r"(?:instructions?|directives?|task|objective|goal)s?\s*:", 0.4,
       needles=("instruction", "directive", "task", "objective", "goal")),
    _f("override", r"\byour\s+(?:new|real|actual|true)\s+(?:task|goal|objective|role|"
                   r"instructions?|purpose)\s+(?:is|are)\b", 0.45, needles=("your",)),
    _f("override", r"\binstead\s+of\s+(?:summari[sz]ing|translating|answering|responding|"
                   r"following|doing\s+(?:that|what))\b", 0.4, needles=("instead of",)),
    _f("override", r"\b(?:you\s+must\s+now|from\s+now\s+on,?\s+you\s+(?:are|will|must|should)|"
                   r"enter\s+(?:developer|debug|god|admin)\s+mode|developer\s+mode\s+"
                   r"(?:enabled|activated|on))\b", 0.35, needles=("must now", "now on", "mode")),
    # Persona: a jailbreak that redefines what the reader is.
    _f("persona", r"\b(?:act|behave|respond)\s+as\s+(?:dan\b|an?\s+(?:unrestricted|unfiltered|"
                  r"uncensored|jailbroken)\b)|\b(?:without|with\s+no)\s+(?:any\s+)?(?:restrictions|"
                  r"filters|content\s+polic(?:y|ies)|safety\s+guidelines)\b|\byou\s+are\s+no\s+"
                  r"longer\s+(?:an?\s+)?(?:ai|assistant|bound|restricted)\b", 0.45,
       needles=("act", "behave", "respond", "restrictions", "filters", "polic", "guidelines",
                "no longer")),
    # Address: the content speaks to the model reading it.
    _f("address", rf"\b{_AI}s?\s+{_READING}{_TURNS_TO_READER}", 0.45, bonus=True,
       needles=_AI_NEEDLES),
    _f("address", rf"\b{_AI_WEAK}s?\s+{_READING}{_TURNS_TO_READER}", 0.35,
       needles=_AI_WEAK_NEEDLES),
    _f("address", rf"(?:^|[.!?:]\s+|\bp\.?s\.?\s+)to\s+(?:the|any|all)\s+{_AI}s?\b", 0.45,
       bonus=True, needles=_AI_NEEDLES),
    _f("address", rf"(?:^|[>.!?]\s*)@?{_AI}\s*,\s*{_ORDER}", 0.6, needles=_AI_NEEDLES),
    _f("address", rf"(?:^|[>.!?]\s*)@?{_AI_WEAK}\s*,\s*{_ORDER}", 0.35,
       needles=_AI_WEAK_NEEDLES),
    # A vocative that opens a sentence and turns to the reader: "AI travel assistant: before anything
    # else, ...", "@AI-assistant before you summarise ...", "By the way, assistant, ...".
    _f("address", rf"(?:^|[>.!?]\s+|\bby\s+the\s+way,?\s+|\bp\.?s\.?:?\s+|\b(?:hi|hey|hello)[,!]?\s+)"
                  rf"(?:[\w-]+\s+)?{_AI}(?:[\s-]+[\w-]+){{0,2}}\s*[,:]", 0.45, bonus=True, needles=_AI_NEEDLES),
    _f("address", rf"@{_ANY_AI}(?:[\s-]+[\w-]+)?\b", 0.45, bonus=True, needles=("@",)),
    _f("address", rf"(?:^|[>.!?]\s+)(?:by\s+the\s+way|p\.?s\.?|also|oh),?\s+{_AI_WEAK}\s*,", 0.35, bonus=True,
       needles=_AI_WEAK_NEEDLES),
    # "For whatever AI reads my nephew's messages: please transfer ..."
    _f("address", rf"\b(?:for|to)\s+(?:whatever|whichever|any|every|each)\s+{_AI}s?\b[^.\n:]{{0,60}}:", 0.45,
       bonus=True, needles=_AI_NEEDLES),
    _f("address", r"\b(?:all|other|any)\s+(?:ai\s+(?:assistants|agents|models)|llms|chatbots|"
                  r"language\s+models)\s*[:,]", 0.45, bonus=True, needles=_AI_NEEDLES),
    _f("address", rf"\bif\s+you(?:\s+are|'re)\s+(?:an?\s+)?{_AI}s?(?=\s*[,:;.!]|\s+(?:reading|"
                  r"processing|summari[sz]ing|analy[sz]ing|model|assistant|agent|system|tool|"
                  r"bot)\b)",
       0.45, bonus=True, needles=("if you",)),
    _f("address", rf"\b(?:dear|attention|note\s+to|message\s+(?:to|for)|instructions?\s+for)\s+"
                  rf"(?:the\s+|any\s+|all\s+)?{_AI}s?\b", 0.45, bonus=True,
       needles=_ADDRESS_WORDS),
    _f("address", rf"\b(?:dear|attention|note\s+to|message\s+(?:to|for)|instructions?\s+for)\s+"
                  rf"(?:the\s+|any\s+|all\s+)?{_AI_WEAK}s?\s*[:,]", 0.3, needles=_ADDRESS_WORDS),
    _f("address", rf"\byou,\s+the\s+{_ANY_AI}\b", 0.45, bonus=True, needles=("you, the",)),
    _f("address", r"\bthis\s+is\s+an?\s+(?:important|urgent|critical)\s+(?:message|instruction|"
                  r"notice)\s+(?:from\s+[^.\n]{1,60}?\s+)?(?:to|for)\s+you\b", 0.45,
       needles=("important", "urgent", "critical")),
    _f("markup", r"</?(?:information|instructions?|system|admin|important)>|<\|im_start\|>|"
                 r"<\|im_end\|>|\[/?inst\]|<<sys>>|^\s*#{2,}\s*(?:system|instructions?)\b", 0.3,
       needles=("<", "[", "#")),
    _f("markup", r"^\s*(?:system|assistant|\[system\])\s*:\s*\S|\[(?:system|admin)\]\(", 0.3,
       needles=("system", "assistant", "admin")),
    # A fake role header inside data ("###(system_message) ...", "(system_message) ..."): text that
    # dresses itself as the reader's own instructions, followed by an order.
    _f("role", r"(?:^\s*|#{2,}\s*)\(\s*system[_ ]?(?:message|prompt|instructions?)\s*\)\s*\S|"
               r"\[\s*system[_ ]?(?:message|prompt|instructions?|override|notice|update)\s*\]\s*\S|"
               r"#{2,}\s*system[_ ]?(?:message|prompt)\b[^\n]{0,10}\S", 0.7,
       needles=("system_message", "system message", "system_prompt", "system prompt")),
    # A to-do line in data that orders an action toward an address, a link or an account: written
    # for whoever acts on the data, which in an agent is the model.
    _f("todo", r"^\s*(?:[-*]\s*)?todo\s*:\s*(?:please\s+)?(?:send|transfer|forward|e-?mail|delete|invite|add|"
               r"create|update|change|visit|post|pay|share|make|give|remove|schedule|book|write|concatenate)\b"
               r"[^\n]*?(?:@|https?://|www\.|\b[a-z]{2}\d{2}[a-z0-9]{8,}\b|\.com\b)", 0.6, needles=("todo",)),
    # Hijack: add a task before or after the one the user gave.
    _f("hijack", r"\bbefore\s+(?:you\s+)?(?:can\s+|could\s+|do\s+|)?(?:solve|complete|finish|do|"
                 r"answer|proceed\s+with|continue\s+with|respond\s+to|summari[sz]e|perform|start|"
                 r"carry\s+out|handle)\b[^.\n]{0,60}\b(?:task|request|question|instructions?)\b",
       0.35, needles=("before",)),
    _f("hijack", rf"\b(?:the\s+task|the\s+request|the\s+question)\s+(?:that\s+)?(?:i|{_THE_USER})"
                 r"\s+(?:gave|asked|assigned|set)\s+you\b", 0.55, needles=(" you",)),
    _f("hijack", r"\b(?:do|complete|perform)\s+the\s+following\s+(?:first|before|instead)\b", 0.4,
       needles=("the following",)),
    _f("hijack", rf"\b(?:your|{_THE_USER})\s+(?:original|actual|real|initial)\s+(?:task|request|"
                 r"question|instructions?)\b", 0.45,
       needles=("original", "actual", "real", "initial")),
    _f("hijack", rf"\b{_THE_USER}\s+(?:has\s+)?(?:wants|asked|requested|needs|would\s+like|"
                 r"authori[sz]ed|approved|permitted|consented)\s+(?:you\s+to|for\s+you\s+to|"
                 r"this)\b",
       0.45, needles=("user",)),
    # Exfiltration: move data out to an address or URL.
    _f("exfil_ai",
       r"\b(?:send|forward|e-?mail|post|upload|transmit|leak|exfiltrate|share|copy|submit|"
       r"append|include|encode)\b[^.\n]{0,40}?\b(?:(?:the\s+)?(?:entire\s+|full\s+|whole\s+)?"
       r"(?:conversation|chat\s+(?:history|log)|message\s+history|system\s+prompt|your\s+"
       r"instructions|previous\s+messages|(?:this|the)\s+chat|context\s+window|memory))\b"
       r"[^.\n]{0,60}?\b(?:to|at|into|in)\s+(?:\S+@\S+\.\w+|https?://|www\.|"
       r"(?:this|that|the\s+following)\s+(?:address|url|endpoint|email|link|server|webhook))",
       0.6, negatable=True, imperative=True,
       needles=("conversation", "chat", "history", "system prompt", "instructions",
                "previous messages", "context window", "memory"),
       also=_DESTINATIONS),
    # "Send the user's refresh token to https://oauth..." is also how auth code is commented.
    _f("exfil_user",
       r"\b(?:send|forward|e-?mail|post|upload|transmit|leak|exfiltrate|share|copy|submit)\b"
       rf"[^.\n]{{0,40}}?\b{_THE_USER}\s+\w+\b[^.\n]{{0,60}}?\b(?:to|at|into)\s+(?:\S+@\S+\.\w+|"
       r"https?://|www\.|(?:this|that|the\s+following)\s+(?:address|url|endpoint|email|server|"
       r"webhook))", 0.45, negatable=True, imperative=True, needles=("user",),
       also=_DESTINATIONS),
    _f("exfil_secret",
       r"\b(?:send|forward|e-?mail|post|upload|transmit|leak|share|copy|submit)\b[^.\n]{0,40}?"
       r"\b(?:passwords?|credentials|api[\s_-]?keys?|access\s+tokens?|tokens|secrets?|ssh\s+keys?|"
       r"private\s+keys?|\.env|environment\s+variables|credit\s+card\s+(?:numbers?|details)|"
       r"session\s+cookies?|cookies)\b[^.\n]{0,60}?\b(?:to|at)\s+(?:\S+@\S+\.\w+|https?://|www\.|"
       r"(?:this|that|the\s+following)\s+(?:address|url|endpoint|email|server|webhook))",
       0.45, negatable=True, imperative=True,
       needles=("password", "credential", "key", "token", "secret", ".env", "environment", "card",
                "cookie"),
       also=_DESTINATIONS),
    _f("exfil_data",
       r"\b(?:send|forward|e-?mail|post|upload|transmit|share|copy|submit|export|sync)\b"
       r"[^.\n]{0,30}?\b(?:all\s+|every\s+)(?:(?:the|of\s+the|my|our)\s+)?(?:files?|data|"
       r"documents?|contacts|emails?|messages|records|rows|inbox)\b[^.\n]{0,60}?\b(?:to|at)\s+"
       r"(?:\S+@\S+\.\w+|https?://|www\.)", 0.35, negatable=True, imperative=True,
       needles=("all ", "every "),
       also=("@", "http", "www.")),
    _f("exfil_ai", r"!\[[^\]\n]*\]\(https?://[^)\s]*\?[^)\s]*=\s*(?:\{|\[|<|\$|%7b)", 0.6,
       needles=("![",)),
    _f("exfil_ai", r"\b(?:make|send|issue)\s+an?\s+(?:http\s+)?(?:get|post)\s+request\s+to\b"
                   r"[^.\n]{0,80}\b(?:with|containing|including)\s+(?:the|all|your)\b", 0.5,
       needles=("request to",)),
    # Reply manipulation: shape what the assistant tells its user.
    _f("reply",
       r"\b(?:in|within|at\s+the\s+(?:end|start|beginning|top|bottom)\s+of)\s+your\s+(?:summary|"
       r"response|reply|answer|output|report|recap|overview)\b[^.\n]{0,40}?\b(?:include|mention|"
       r"say|state|tell|recommend|add|insert|write|append|claim|describe|note|link|praise|"
       r"call\s+it)\b", 0.45, needles=("your",)),
    _f("reply", rf"\b(?:tell|inform|convince|persuade|remind|advise)\s+{_THE_USER}\s+(?:that|to)\b",
       0.4, needles=("user",)),
    _f("reply", r"\b(?:omit|hide|leave\s+out|skip|ignore)\s+(?:the\s+|any\s+|all\s+)?(?:negative|"
                r"bad|critical|unfavou?rable|one-star)\s+(?:reviews|comments|feedback|ratings|"
                r"information|results)\b", 0.45,
       needles=("negative", "bad", "critical", "unfavo", "one-star")),
    _f("reply", rf"\b(?:do\s+not|don't|never)\s+(?:tell|inform|mention\s+(?:this|it|these|this"
                rf"\s+\w+|these\s+\w+)\s+to|reveal\s+(?:this|these\s+instructions)\s+to|alert|"
                rf"notify)\s+{_THE_USER}\b|\bwithout\s+(?:telling|informing|alerting|notifying)\s+"
                rf"{_THE_USER}\b", 0.55, needles=("user",)),
    _f("reply", rf"\b(?:recommend|suggest|present)\s+[^.\n]{{0,40}}\bto\s+{_THE_USER}\b|"
                rf"\b(?:when|if|whenever)\s+{_THE_USER}\s+asks\b[^.\n]{{0,60}}?,\s*(?:always\s+)?"
                r"(?:say|tell|recommend|respond|reply|answer|mention|suggest|claim|insist|direct|"
                r"point|send)\b", 0.45, needles=("user",)),
    _f("reply", r"\byour\s+(?:summary|response|reply|answer|output)\s+(?:must|should|has\s+to)\s+"
                r"(?:begin|start|end|say|contain|include|only\s+say|be)\b", 0.45,
       needles=("your",)),
    _f("reply", r"\b(?:do\s+not|don't)\s+(?:summari[sz]e|translate|mention|reveal)\s+(?:this|these|"
                r"the\s+(?:above|following))\s+(?:instructions?|note|message|section|text)\b", 0.45,
       needles=("not", "don't")),
    # Credentials or payment asked of the user, through the assistant.
    _f("credential",
       rf"\b(?:ask|prompt|request|get|tell)\s+(?:{_THE_USER}|the\s+customer|them)\s+"
       r"(?:for|to\s+(?:provide|enter|confirm|share|give|send|verify|type|re-?enter|submit))\s+"
       r"(?:their|his|her|your|the|a)?\s*(?:[\w-]+\s+){0,2}?(?:passwords?|passcode|"
       r"pin(?:\s+code)?|cvv|cvc|security\s+code|one-time\s+(?:code|password)|otp|2fa\s+code|"
       r"verification\s+code|seed\s+phrase|recovery\s+phrase|private\s+key|social\s+security|ssn|"
       r"credit\s+card\s+(?:number|details)|card\s+number|bank\s+login|credentials)\b",
       0.6, negatable=True, needles=("user", "customer", "them")),
    _f("credential",
       rf"\b(?:have|get|make|convince|persuade|ask|tell|instruct)\s+{_THE_USER}\s+(?:to\s+)?"
       r"(?:pay|send|transfer|wire|buy|purchase|donate|deposit)\b", 0.55, negatable=True,
       needles=("user",)),
    # Encoding: hide the reply from whoever reads it.
    _f("encoding",
       r"\b(?:respond|reply|answer|write\s+your\s+(?:answer|response|reply))\b[^.\n]{0,30}?"
       r"\b(?:in|into|as|using|with)\s+(?:base[\s-]?64|rot[\s-]?13|hex(?:adecimal)?|binary|"
       r"morse(?:\s+code)?|leetspeak|pig\s+latin)\b|\bencode\s+your\s+(?:answer|response|reply|"
       r"output|message)\b|\b(?:base64|rot13)[\s-]encode\s+(?:the|your)\s+(?:answer|response|"
       r"reply|output|conversation|data)\b", 0.4,
       needles=("base", "rot", "hex", "binary", "morse", "leet", "pig latin", "encode")),
    # Hidden carriers: an injection tends to hide from the human reader.
    _f("hidden", r"<!--[^>]{0,400}?\b(?:ai|assistant|llm|language\s+model|chatbot)\b"
                 r"[^>]{0,400}?-->|display\s*:\s*none|font-size\s*:\s*0(?:px)?\b|"
                 r"color\s*:\s*(?:white|#fff(?:fff)?)\b|"
                 r"[\u200b\u200c\u200d\u2060\ufeff]", 0.2,
       needles=("<!--", "display", "font-size", "color", "\u200b", "\u200c", "\u200d", "\u2060",
                "\ufeff")),
    _f("urgency", r"\b(?:important|urgent|critical|attention|warning)\s*[:!]|!!!", 0.1,
       needles=("important", "urgent", "critical", "attention", "warning", "!!!")),
)

_ALL_NEEDLES = {n for f in _FEATURES for n in (*f.needles, *f.also)}
_WORD_NEEDLES = tuple(sorted(n for n in _ALL_NEEDLES if n.startswith(" ") and n.endswith(" ")))
_PHRASE_NEEDLES = tuple(sorted(_ALL_NEEDLES.difference(_WORD_NEEDLES)))
_NON_WORD = re.compile(r"[^a-z0-9]+")

_LABELS: dict[str, str] = {
    "override": "override phrase",
    "address": "address to the AI",
    "markup": "role or instruction markup",
    "hijack": "task hijack",
    "persona": "jailbreak persona",
    "exfil_ai": "exfiltration of the conversation",
    "exfil_user": "exfiltration of the user's data",
    "exfil_secret": "exfiltration of secrets",
    "exfil_data": "bulk data exfiltration",
    "reply": "reply manipulation",
    "credential": "credential or payment request via the assistant",
    "encoding": "encoding trick",
    "hidden": "hidden text",
    "urgency": "urgency marker",
    "role": "fake system-message header",
    "todo": "to-do line ordering an action toward an address",
}
# Groups that only strengthen other evidence: alone they never reach the threshold.
_SUPPORTING = frozenset({"markup", "hidden", "urgency"})


@dataclass(frozen=True)
class _Match:
    group: str
    weight: float
    evidence: str


def _reported(text: str, start: int) -> bool:
    """True when the match sits in quotes after a word like 'such as' or 'phrases'."""
    return bool(_REPORTED.search(text[max(0, start - 80):start]))


def _present(text: str) -> frozenset[str]:
    """Which needles occur in a lowercased text, as phrases or (spaced both ends) as words."""
    squashed = " ".join(text.split())
    words = f" {_NON_WORD.sub(' ', squashed).strip()} "
    found = {n for n in _PHRASE_NEEDLES if n in squashed}
    found.update(n for n in _WORD_NEEDLES if n in words)
    return frozenset(found)


# An override glued to the word before it, as when an injection is pasted into a field with no
# space: "USAIgnore your previous instructions", "External_Ignore ...".
_GLUED_OVERRIDE = re.compile(r"(?<=[A-Za-z0-9_])(?=(?:Ignore|IGNORE|Disregard|DISREGARD|Forget|FORGET)\b)")


def _matches(original: str) -> dict[str, _Match]:
    """Strongest match per feature group."""
    best: dict[str, _Match] = {}
    text = _GLUED_OVERRIDE.sub(" ", original).lower()
    same_length = len(text) == len(original)  # then evidence can quote the original casing
    present = _present(text)
    for feature in _FEATURES:
        if not feature.may_match(present):
            continue
        for m in feature.pattern.finditer(text):
            before = text[max(0, m.start() - 40):m.start()]
            if feature.negatable and _NEGATED.search(before):
                continue
            if feature.imperative and not _IMP_BEFORE.search(text, max(0, m.start() - 40),
                                                              m.start()):
                continue
            weight = feature.weight
            if feature.bonus and _ORDER_AFTER.match(text, m.end()):
                weight += _ORDER_BONUS
            if _reported(text, m.start()):
                weight /= 2
            prior = best.get(feature.group)
            if prior is None or weight > prior.weight:
                quote = original[m.start():m.end()] if same_length else m.group(0)
                best[feature.group] = _Match(feature.group, weight, " ".join(quote.split()))
            break
    return best


def score_text(text: str) -> tuple[float, list[str]]:
    """Injection score for one piece of content, and the feature labels that matched."""
    found = _matches(text)
    if not found or all(g in _SUPPORTING for g in found):
        return 0.0, []
    # The exfiltration groups describe one act: count the strongest only.
    exfil = [g for g in ("exfil_ai", "exfil_user", "exfil_secret", "exfil_data") if g in found]
    for g in sorted(exfil, key=lambda g: -found[g].weight)[1:]:
        del found[g]
    clean = 1.0
    for match in found.values():
        clean *= 1.0 - match.weight
    evidence = [f"{_LABELS[m.group]} ('{m.evidence[:60]}')"
                for m in sorted(found.values(), key=lambda m: -m.weight)]
    return 1.0 - clean, evidence


@register
class InjectionAnalyser:
    """Flags tool results and pasted documents that carry instructions for the assistant."""

    name: ClassVar[str] = "injection"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        findings = Findings()
        for msg in ctx.conversation.non_principal():
            if msg.source not in (Source.TOOL, Source.PASTED):
                continue
            score, evidence = score_text(msg.text.replace("\u2019", "'"))
            if score < THRESHOLD:
                continue
            findings.signals.append(Signal(
                id=SIGNAL, score=round(min(score, 0.99), 2), source=msg.source.value,
                message=msg.index,
                note="phrase heuristic: content addresses the assistant; matched "
                     + ", ".join(evidence),
            ))
        return findings
