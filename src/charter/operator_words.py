"""What an operator's plain words imply: persona, domain, scope, audience, switches, conflicts.

Phrase heuristics over the system prompt (and the policy's free-text context). Each rule is
recorded as an `Inference` with the words it matched, so an operator can see, and correct in
the policy file, what Charter understood. `charter.deployment` merges the result with the
policy file, whose values always win.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Audience(StrEnum):
    """Who the operator says the users are, when it matters for weighing harm."""

    GENERAL = "general"  # no operator context: a reasonable adult member of the public
    VULNERABLE = "vulnerable"  # e.g. an app for people with depression or in recovery
    MINORS = "minors"  # a children's or teen service
    CLINICIANS = "clinicians"  # medical professionals (verified, per the operator)
    SECURITY_PROFESSIONALS = "security_professionals"  # pentesters, red teams, SOC staff
    LEGAL_PROFESSIONALS = "legal_professionals"
    RESEARCHERS = "researchers"


class Inference(BaseModel):
    """One thing Charter understood from the operator's plain words, with the words."""

    model_config = ConfigDict(frozen=True)

    what: str  # e.g. "scope: coding", "audience: clinicians", "lock: profanity off"
    evidence: str  # the phrase in the system prompt



# Phrase heuristics over the operator's plain words. Each rule is a regex compiled at
# import, run over the lower-cased text only when one of its cheap gate words occurs
# (most prompts mention few of the things these rules look for). What a rule found is
# recorded as an `Inference` with the matched words, so an operator can see, and
# correct in the policy file, what Charter understood. Policy values always win.

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_EVIDENCE_MAX = 160
_LOOKBACK = 70  # characters of the same clause searched for a negation


class _Doc:
    """The operator's words, lower-cased once, with sentence ends for windowed scans."""

    __slots__ = ("ends", "low", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = _lower(text)
        self.ends = [m.start() for m in _SENTENCE_END.finditer(self.low)]

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect_left(self.ends, pos)
        start = self.ends[i - 1] + 1 if i > 0 else 0
        end = self.ends[i] + 1 if i < len(self.ends) else len(self.low)
        return start, end


@dataclass(frozen=True)
class _Rule:
    """A regex run only over the sentences holding a gate word, if every gate group has one.

    Regexes scan the lower-cased text, except case-sensitive ones (persona names).
    """

    rx: re.Pattern[str]
    gate: tuple[tuple[str, ...], ...]
    cased: bool = False

    def scan(self, doc: _Doc) -> Iterator[re.Match[str]]:
        low = doc.low
        if not all(any(word in low for word in group) for group in self.gate):
            return
        windows: set[tuple[int, int]] = set()
        for word in self.gate[0]:
            i = low.find(word)
            while i != -1:
                windows.add(doc.sentence(i))
                i = low.find(word, i + 1)
        target = doc.text if self.cased else low
        for start, end in sorted(windows):
            yield from self.rx.finditer(target, start, end)

    def first(self, doc: _Doc) -> re.Match[str] | None:
        return next(self.scan(doc), None)


def _rule(pattern: str, *gate: tuple[str, ...], cased: bool = False) -> _Rule:
    return _Rule(re.compile(pattern), gate, cased)


_SENTENCE_END = re.compile(r"[.!?\n]")

# Clause edges and modifiers for the look-back checks.
_CLAUSE_BREAK = re.compile(r"[.!?;:\n]|\b(?:but|however|instead|rather|although)\b")
_NEGATION = re.compile(r"\b(?:never|not|no|avoid|refrain|refuse|without|nor|unsuitable|"
                       r"inappropriate)\b|n't\b")
_CONDITIONAL = re.compile(r"\b(?:if|when|whenever|unless|in\s+case)\b")
_QUESTION = re.compile(r"\b(?:whether|if)\s+$")
_USER_OPT_IN = re.compile(r"\b(?:if|when|unless)\s+(?:the\s+)?(?:users?|they|customers?)\s+"
                          r"(?:asks?|wants?|requests?|opts?\s+in)|\bat\s+(?:the|their)\s+"
                          r"(?:user'?s\s+)?request")

# --------------------------------------------------------------------------- persona

# Persona rules need case (a name is capitalised), so they run on the original text.
_NAME = r"(?P<name>[A-Z][A-Za-z0-9'\-]*(?:[ ][A-Z][A-Za-z0-9\-]+)?)"
_NAME_END = (r"(?=\s*(?:[,.!;:\n(\u2014\u2013]|$)|\s+(?i:from|at|of|for|and|by|who|with|here|"
             r"-)\b)")
_PERSONA_GATE = ("you are", "you're", "you will be", "you'll be", "your name", "called",
                 "named", "yourself", "go by", "answer to", "act as", "pretend", "role",
                 "play the", "persona")
_PERSONA = (
    _rule(r"\b(?i:you\s+are|you're|you\s+will\s+be|you'll\s+be)\s+" + _NAME + _NAME_END,
          _PERSONA_GATE, cased=True),
    _rule(r"\b(?i:your\s+name\s+is|you\s+are\s+(?:called|named)|call\s+yourself|"
          r"introduce\s+yourself\s+as|go\s+by(?:\s+the\s+name)?|answer\s+to\s+the\s+name)"
          r"\s+[\"']?" + _NAME, _PERSONA_GATE, cased=True),
    _rule(r"\b(?i:act\s+as|pretend\s+to\s+be|role-?play\s+as|play\s+the\s+(?:role|part)\s+of|"
          r"take\s+on\s+the\s+persona\s+of|persona:)\s+[\"']?" + _NAME + _NAME_END,
          _PERSONA_GATE, cased=True),
)
# Capitalised words that follow "You are" without being a name, and model names,
# which are not a custom persona.
_NOT_NAMES = frozenset((
    "A", "An", "The", "This", "That", "It", "Now", "Not", "Never", "Always", "Only", "Here", "Our",
    "Your", "Helpful", "Friendly", "Honest", "Kind", "Polite", "Concise", "Professional", "Free",
    "AI", "Assistant", "Bot", "Claude", "ChatGPT", "GPT", "Gemini", "Llama", "Mistral", "English",
    "Expert", "Responsible", "Able", "Allowed", "Designed", "Built", "Powered", "Trained"))

# --------------------------------------------------------------------------- domain

_DOMAIN_TERMS: tuple[tuple[str, str], ...] = (
    ("mental_health", r"mental[- ]health|therap(?:y|ists?|eutic)|emotional[- ]support|"
                      r"well-?being|counsell?(?:ing|ors?)"),
    ("coding", r"cod(?:e|ing)|programm(?:ing|ers?)|software|developers?|debugg?(?:ing)?|python|"
               r"javascript|typescript|java|rust|golang|c\+\+|c\#|sql|devops|"
               r"web[- ]development|machine[- ]learning|data[- ]science|computer[- ]science"),
    ("banking", r"(?:retail\s+|online\s+)?bank(?:ing|s)?|(?:checking|savings|current)\s+accounts?|credit[- ]cards?|"
                r"debit[- ]cards?|loans?|mortgages?|overdrafts?"),
    ("finance", r"financ(?:e|ial)|invest(?:ing|ments?)|tax(?:es)?|budget(?:ing)?|accounting|"
                r"bookkeeping|retirement\s+planning"),
    ("medical", r"medical|medicine|health(?:care)?|clinical|clinic|patients?|symptoms?|"
                r"nursing|pharmac(?:y|ists?)|doctors?|nurses?|physicians?"),
    ("legal", r"legal|law|lawyers?|attorneys?|contracts?|litigation|paralegals?"),
    ("cooking", r"cook(?:ing)?|recipes?|culinary|baking|meal[- ]planning|meals?|kitchen|chefs?"),
    ("travel", r"travel|trips?|flights?|hotels?|vacations?|holidays?|itinerar(?:y|ies)"),
    ("education", r"tutor(?:ing|s)?|education(?:al)?|homework|study(?:ing)?|teach(?:ing|ers?)|"
                  r"learning|schoolwork|school|maths?|mathematics|instructors?"),
    ("fitness", r"fitness|workouts?|exercise|personal\s+training|nutrition"),
    ("writing", r"writing|copywriting|proofreading|editing|essays?|editors?|writers?"),
    ("retail", r"shopping|retail|e-?commerce|online\s+store|orders?|returns|refunds"),
    ("customer_support", r"customer[- ](?:support|service|care|success)|help[- ]?desk|"
                         r"tech(?:nical)?\s+support|support"),
)
_DOMAIN = re.compile(
    r"(?<![\w])(?:" + "|".join(f"(?P<{d}>{p})" for d, p in _DOMAIN_TERMS) + r")(?![\w])")
# A function, not a topic: it names a domain but implies no scope by itself.
_FUNCTION_DOMAINS = frozenset({"customer_support"})

_ROLE_NOUN = (r"assistant|bot|chatbot|agent|helper|tutor|advis[oe]r|co-?pilot|expert|companion|"
              r"concierge|guide|coach|consultant|specialist|representative|buddy|programmer|"
              r"developer|engineer|teacher|instructor|chef|editor|writer|planner")
# "You are [Name,] a [few words] <role noun>": the words before the noun name the domain.
_ROLE = _rule(
    r"\b(?:you\s+are|you're|act(?:ing)?\s+as|serve\s+as|you\s+will\s+be|you'll\s+be|"
    r"work\s+as|this\s+is)\s+(?:[a-z][\w\-]*,\s+)?(?:an?\s+|the\s+|[\w\-]+'s\s+)?"
    r"(?:[\w+#\-]+\s+){0,3}?(?:" + _ROLE_NOUN + r")s?\b",
    ("you are", "you're", "act as", "acting as", "serve as", "you will be", "you'll be",
     "work as", "this is"))
# "help users with programming", "assist customers with their bank accounts".
_TASK = _rule(
    r"\b(?:help(?:s|ing)?|assist(?:s|ing)?|support(?:s|ing)?)\s+(?:(?:the\s+|our\s+)?"
    r"(?:users?|customers?|people|clients?|patients?|students?|developers?|members?|visitors?|"
    r"shoppers?|travell?ers?|them|everyone|anyone)\s+)?(?:with|in|on|to)\s+"
    r"(?P<topic>[^.;:!?\n]{1,80})", ("help", "assist", "support"))
_HELP_AS_NOUN = re.compile(r"\b(?:need|needs|want|wants|get|gets|ask(?:s|ing)?\s+for|"
                           r"require|requires|seek(?:s|ing)?|for)\s+$")

# --------------------------------------------------------------------------- scope

_TOPIC = r"(?P<topic>[^.;!?\n]{2,120})"
_ABOUT = (r"(?:about|on|related\s+to|relating\s+to|regarding|concerning|"
          r"that\s+(?:are|relate)\s+(?:to|about)|in\s+the\s+area\s+of|within)")
_ASKS = r"(?:questions|queries|requests|enquiries|inquiries|topics|messages|conversations)"
_SCOPE = (
    # "only answer questions about X", "only discuss X"
    _rule(r"\b(?:only|exclusively|solely)\s+(?:(?:answer|respond\s+to|reply\s+to|handle|take|"
          r"accept)\s+" + _ASKS + r"\s+" + _ABOUT + r"|(?:discuss|talk\s+about|cover|"
          r"(?:help|assist)(?:\s+(?:users?|customers?|people))?\s+with|provide\s+(?:help|"
          r"information|support|assistance|answers)\s+(?:with|on|about|for))(?:\s+" + _ASKS +
          r"\s+" + _ABOUT + r")?)\s+" + _TOPIC, ("only", "exclusively", "solely")),
    # "answer only questions about X"
    _rule(r"\b(?:answer|respond\s+to|discuss|help\s+with)\s+only\s+(?:" + _ASKS + r"\s+"
          + _ABOUT + r"\s+)?" + _TOPIC, ("only",)),
    # "do not help with anything unrelated to X", "politely decline questions outside X"
    _rule(r"\b(?:(?:do\s+not|don't|never|won't|should\s+not|must\s+not|refuse\s+to|decline\s+to)"
          r"\s+(?:help|assist|answer|respond|engage|discuss|talk|deal)\w*(?:\s+(?:with|to|about|"
          r"in))?|(?:politely\s+)?(?:decline|refuse|redirect|deflect))\s+(?:any\s+|all\s+)?"
          r"(?:anything|(?:other\s+)?" + _ASKS + r"|subjects|things)\s+(?:that\s+(?:is|are)\s+)?"
          r"(?:unrelated\s+to|not\s+(?:related\s+to|about)|outside(?:\s+(?:of|the\s+scope\s+of))?|"
          r"other\s+than|beyond)\s+" + _TOPIC,
          ("unrelated", "not related", "not about", "outside", "other than", "beyond")),
    # "stay on topic: X"
    _rule(r"\bstay\s+on[- ]topic\s*[:\u2014\u2013-]\s*" + _TOPIC, ("topic",)),
    # "keep conversations focused on X", "stay within the scope of X"
    _rule(r"\b(?:stay|remain|keep\s+(?:the\s+)?(?:conversations?|discussions?|chats?|answers|"
          r"responses|replies|it|things))\s+(?:strictly\s+)?(?:focused\s+on|on\s+the\s+(?:topic|"
          r"subject)\s+of|within\s+the\s+(?:scope|topic|domain)\s+of)\s+" + _TOPIC,
          ("focused on", "topic of", "subject of", "scope of", "domain of")),
    _rule(r"\blimit\s+(?:yourself|your\s+(?:answers|responses|replies|help)|the\s+"
          r"conversation|conversations)\s+to\s+" + _TOPIC, ("limit",)),
)
# Topics are cut from the original text, so these two ignore case.
_TOPIC_END = re.compile(
    r"\s+(?:and\s+nothing\s+else|and\s+(?:politely\s+)?(?:decline|refuse|redirect|say|tell|"
    r"explain|do\s+not|don't)|unless|except|if|when|or\s+(?:politely\s+)?(?:decline|refuse))\b"
    r"|\s+[\u2014\u2013]\s*|\s+-\s+|\s*\(", re.IGNORECASE)
_NOT_A_TOPIC = re.compile(
    r"^(?:\d|(?:one|two|three|four|five|a\s+few|a\s+couple|several|short|brief|english|french|"
    r"spanish|german|the\s+point|topic)\b)|\b(?:words?|sentences?|paragraphs?|lines?|"
    r"characters?|tokens?|bullet\s+points?)\s*$", re.IGNORECASE)

# --------------------------------------------------------------------------- audience

_AUDIENCE_TERMS: tuple[tuple[Audience, str], ...] = (
    (Audience.SECURITY_PROFESSIONALS,
     r"(?:penetration|pen)[- ]?testers?|pentesters?|security\s+(?:researchers?|professionals?|engin"
     r"eers?|analysts?|teams?|practitioners?|experts?)|red[- ]team(?:ers|s)?|soc\s+analysts?|ethica"
     r"l\s+hackers?|incident\s+responders?|threat\s+(?:researchers?|analysts?|hunters?)"),
    (Audience.CLINICIANS,
     r"clinicians?|doctors?|physicians?|nurses?|(?:medical|healthcare|health\s+care|clinical)\s+"
     r"(?:professionals?|staff|practitioners?|providers?|workers?|teams?)|pharmacists?|"
     r"paramedics?|surgeons?|psychiatrists?"),
    (Audience.LEGAL_PROFESSIONALS,
     r"lawyers?|attorneys?|solicitors?|barristers?|paralegals?|legal\s+(?:professionals?|"
     r"practitioners?|teams?|staff)"),
    (Audience.RESEARCHERS, r"researchers?|scientists?|academics?|(?:phd|graduate)\s+students"),
    (Audience.MINORS,
     r"children|child|kids|minors|teens|teenagers|adolescents|young\s+(?:people|learners|users|"
     r"students|children)|(?:primary|elementary|middle|junior\s+high|high)[- ]school(?:ers|\s+"
     r"(?:students|pupils|kids|children))|schoolchildren|pupils|k-12\s+students"),
)
_AUDIENCE_GATE = (
    ("tester", "pentest", "security", "red team", "red-team", "soc analyst", "hacker",
     "responder", "threat", "clinician", "doctor", "physician", "nurse", "medical", "healthcare",
     "health care", "clinical", "pharmacist", "paramedic", "surgeon", "psychiatrist", "lawyer",
     "attorney", "solicitor", "barrister", "paralegal", "legal", "researcher", "scientist",
     "academic", "students", "child", "kid", "minor", "teen", "adolescent", "young", "school",
     "pupil"),
)
_AUD_NOUN = "(?:" + "|".join(f"(?P<{a.value}>{p})" for a, p in _AUDIENCE_TERMS) + r")\b"
_AUD_MOD = (r"(?:(?:all|mostly|primarily|typically|usually|generally|only|likely|often|verified|"
            r"licensed|qualified|practi[cs]ing|credentialed|professional|trained|experienced|"
            r"authori[sz]ed|vetted|young|our|internal|hospital|working|registered|certified|"
            r"an?|the)\s+){0,3}")
_AUDIENCE = (
    # "users are verified clinicians", "the audience is children"
    _rule(r"\b(?:users?|audience|user\s+base|customers?|clients?|members?|callers?|people\s+(?:you"
          r"(?:'ll)?\s+(?:talk|speak|chat)\s+(?:to|with)|using\s+(?:this|the)\s+\w+))\s+(?:are|is|"
          r"will\s+be|may\s+be|might\s+be|could\s+be|can\s+be|include|includes|consists?\s+of)\s+"
          + _AUD_MOD + _AUD_NOUN, *_AUDIENCE_GATE),
    # "an app for kids", "you assist penetration testers"
    _rule(r"\b(?:for|serving|serves|used\s+by|designed\s+for|built\s+for|made\s+for|aimed\s+at|"
          r"intended\s+for|you\s+(?:assist|serve|support|help|talk\s+to|speak\s+with|work\s+with|"
          r"are\s+talking\s+to|are\s+speaking\s+with))\s+" + _AUD_MOD + _AUD_NOUN,
          *_AUDIENCE_GATE),
    # "kids will use this app"
    _rule(r"\b" + _AUD_NOUN + r"\s+(?:will\s+|may\s+|might\s+|often\s+|mostly\s+)?(?:use|be\s+"
          r"using|talk\s+to|chat\s+with)\b", *_AUDIENCE_GATE, ("use", "using", "talk", "chat")),
)
_VULNERABLE = _rule(
    r"\b(?:vulnerable\s+(?:people|users|adults|individuals|groups)|people\s+in\s+crisis|recovering"
    r"\s+(?:addicts|alcoholics)|(?:people|users|individuals|those|patients|adults|teens|clients)\s+"
    r"(?:with|living\s+with|struggling\s+with|recovering\s+from|experiencing|in\s+recovery\s+from|a"
    r"ffected\s+by|suffering\s+from|dealing\s+with)\s+(?:depression|anxiety|eating\s+disorders?|ano"
    r"rexia|bulimia|addiction|substance\s+use|alcoholism|ptsd|trauma|suicidal\s+(?:thoughts|ideatio"
    r"n)|self-harm|grief|bipolar|mental\s+(?:health\s+(?:issues|conditions|problems|challenges)|ill"
    r"ness))|mental[- ]health\s+(?:support|app|service|companion|platform|chatbot|helpline|charity|"
    r"peer\s+support)|(?:eating[- ]disorders?|addiction|substance[- ]use|sobriety|alcohol|drug|gamb"
    r"ling)\s+(?:recovery|support)|suicide\s+prevention|crisis\s+(?:support|line|helpline|text\s+li"
    r"ne|counsell?ing)|grief\s+support|at-risk\s+(?:youth|users|people|individuals))\b",
    ("vulnerab", "crisis", "recover", "depress", "anxiety", "eating", "anorexia", "bulimia",
     "addict", "substance", "alcohol", "ptsd", "trauma", "suicid", "self-harm", "grief",
     "bipolar", "mental", "sobriety", "drug", "gambling", "at-risk"))
_MINOR_AGES = (
    _rule(r"\b(?:ages?|aged)\s+(?P<lo>\d{1,2})\s*(?:-|\u2013|to|through)\s*\d{1,2}\b", ("age",)),
    _rule(r"\b(?P<lo>\d{1,2})\s*(?:-|\u2013|to)\s*\d{1,2}[- ]year[- ]olds\b", ("year",)),
    _rule(r"\b(?:students|pupils|users|kids|children|learners|players|people|anyone)\s+"
          r"(?:aged\s+)?(?:under|below|younger\s+than)\s+(?:the\s+age\s+of\s+)?"
          r"(?P<lo>\d{1,2})\b", ("under", "below", "younger")),
    _rule(r"\bgrades?\s+(?:k|\d{1,2})\s*(?:-|\u2013|to|through)\s*(?P<lo>\d{1,2})\b", ("grade",)),
)
# "Users under 18 are not allowed": an age named to exclude it, not an audience.
_EXCLUDED_AFTER = re.compile(r"[^.\n]{0,30}?\b(?:are\s+not|aren't|may\s+not|must\s+not|cannot|"
                             r"can't|are\s+(?:prohibited|forbidden|banned|excluded)|not\s+"
                             r"(?:allowed|permitted))\b")

# --------------------------------------------------------------------------- behaviours

_PROFANITY_OFF = _rule(
    r"\b(?:(?:do\s+not|don't|never|please\s+don't|avoid|no)\s+(?:use\s+(?:any\s+)?)?(?:swear(?:ing)"
    r"?|curs(?:e|ing)|cuss(?:ing)?|profanit(?:y|ies)|profane\s+language|bad\s+language|foul\s+langu"
    r"age|crude\s+language|vulgar(?:ity|\s+language)?|obscenit(?:y|ies)|swear\s+words|expletives)|k"
    r"eep\s+(?:it|things|the\s+(?:conversation|language|tone)|your\s+(?:language|responses|replies|"
    r"answers)|responses|language)\s+(?:clean|family[- ]friendly|pg|g-rated|child[- ]friendly|free"
    r"\s+of\s+(?:profanity|swearing))|family[- ]friendly|(?:profanity|swearing|cursing|bad\s+langua"
    r"ge)\s+is\s+(?:not\s+allowed|not\s+permitted|forbidden|prohibited|banned))\b",
    ("swear", "curs", "cuss", "profan", "language", "vulgar", "obscen", "expletive", "clean",
     "friendly", "pg", "g-rated"))
_PROFANITY_ON = _rule(
    r"\b(?:(?:feel\s+free|you(?:'re|\s+are)\s+(?:free|allowed|welcome)|you\s+(?:can|may)|"
    r"it(?:'s|\s+is)\s+(?:fine|ok|okay|alright|acceptable)|go\s+ahead\s+and)\s+(?:to\s+)?"
    r"(?:swear|curse|cuss|use\s+(?:profanity|swear\s+words|strong\s+language|bad\s+language|"
    r"crude\s+language|expletives))|(?:profanity|swearing|cursing|strong\s+language|crude\s+"
    r"language)\s+is\s+(?:fine|ok|okay|allowed|permitted|welcome|encouraged|acceptable))\b",
    ("swear", "curs", "cuss", "profan", "language", "expletive"))
# (rule, behaviour id, value) for switches read from words, negation checked.
_SWITCH_PHRASES: tuple[tuple[_Rule, str, bool], ...] = (
    (_rule(r"\b(?:no\s+need\s+(?:for|to\s+(?:add|include|give|provide))|skip(?:\s+the)?|omit|"
           r"leave\s+out|drop|(?:do\s+not|don't|never)\s+(?:add|include|give|provide|append)|"
           r"without)\s+(?:any\s+|the\s+|unnecessary\s+|extra\s+)?(?:safety\s+(?:warnings|"
           r"caveats|disclaimers|notes|reminders)|caveats|warnings|disclaimers)\b",
           ("warnings", "caveats", "disclaimers")),
     "safety_caveats", False),
    (_rule(r"\b(?:(?:drugs?|substances?|dosing|dosages?|doses)\b[^.\n]{0,60}?\bwithout\s+(?:any\s+)?"
           r"(?:safety\s+|moral\w*\s+|health\s+)?(?:warnings|caveats|lectures|judge?ment|"
           r"moralising|moralizing)|(?:give|provide|share)\s+(?:frank|explicit|straightforward|"
           r"non-?judge?mental)\s+(?:drug|dosing|dosage|substance)\s+(?:information|info|"
           r"advice))\b", ("drug", "substance", "dos")),
     "drug_info_without_warnings", True),
    (_rule(r"\b(?:(?:adult|explicit|sexual|nsfw|erotic|mature)\s+(?:content|material|role-?play|"
           r"themes|writing|scenes|stories|conversations?)\s+(?:is|are)\s+(?:allowed|permitted|"
           r"fine|ok|okay|welcome|enabled|acceptable)|(?:you\s+(?:may|can)|feel\s+free\s+to|"
           r"you(?:'re|\s+are)\s+(?:allowed|permitted|free)\s+to)\s+(?:write|produce|generate|"
           r"create|engage\s+in|describe)\s+(?:sexually\s+)?(?:explicit|sexual|adult|nsfw|"
           r"erotic))\b", ("explicit", "sexual", "adult", "nsfw", "erotic", "mature")),
     "explicit_content", True),
)
_USER_TRUST = _rule(
    r"\b(?:(?:treat|accept|take)\s+(?:the\s+)?(?:users?'?s?|their|people's)\s+(?:own\s+)?(?:claims?"
    r"|statements?|assertions?|word)\s+(?:about|of|regarding|on)\s+(?:their\s+)?(?:own\s+|professio"
    r"nal\s+)?(?:profession|occupation|job|role|credentials|qualifications|identity|expertise|backg"
    r"round|work)s?\b[^.\n]{0,30}?(?:\bas\s+(?:true|accurate|valid|verified|fact|genuine|correct)|"
    r"\bat\s+face\s+value)|trust\s+(?:the\s+)?users?\s+(?:as\s+(?:you\s+would|much\s+as)|like|the\s"
    r"+same\s+as|as\s+if\s+they\s+were)\s+(?:(?:the|an?|your)\s+)?operator|(?:give|grant)\s+(?:the"
    r"\s+)?users?\s+(?:the\s+same\s+)?operator(?:[- ]level)?\s+(?:trust|permissions|powers|privileg"
    r"es|access)|users?\s+(?:have|get|are\s+given)\s+(?:full\s+)?operator[- ]level\s+(?:trust|permi"
    r"ssions|powers|privileges)|(?:believe|trust)\s+(?:what\s+)?(?:users?|they|them)\s+(?:say|tell"
    r"\s+you)\s+about\s+(?:their\s+)?(?:profession|job|occupation|credentials|role))\b",
    ("claim", "statement", "assertion", "word", "operator", "believe", "trust"))

# --------------------------------------------------------------------------- conflicts

_AI = (r"(?:ai|a\.i\.|bot|chatbot|robot|language\s+model|llm|machine|computer(?:\s+program)?|"
       r"artificial\s+intelligence|virtual\s+assistant|program)\b(?!\s+(?:model\s+)?(?:from|"
       r"by|made|built|developed|created|trained|powered|provided)\b)")
_AI_GATE = ("ai", "a.i.", "bot", "model", "llm", "machine", "computer", "artificial", "virtual",
            "program")
_HUMAN = (r"(?:real\s+|actual\s+|genuine\s+)?(?:human(?:\s+being)?|person|human\s+(?:agent|"
          r"employee|representative|operator))\b(?![\s-]*(?:resources|rights|centred|centered|"
          r"factors|language|interest|like)\b)")
_PEOPLE = r"(?:the\s+|our\s+|any\s+|all\s+)?(?:users?|customers?|clients?|callers?|people|them)"
_NEGATED_WORDS = ("never", "n't", "not", "circumstances")
_SYSTEM_PROMPT = (r"(?:a\s+|any\s+)?(?:system\s+prompt|instructions|(?:hidden|special|secret)\s+"
                  r"(?:instructions|prompt)|prompt)\b")
_SELF = False   # the rule's own "never"/"don't" is the instruction: no look-back
_LOOK = True    # the instruction is positive: skip it when negated in its clause

_CONFLICTS: tuple[tuple[str, bool, _Rule], ...] = (
    # "never admit you are an AI"
    ("deny_being_ai", _SELF, _rule(
        r"\b(?:never|don't|do\s+not|must\s+not|mustn't|should\s+not|shouldn't|under\s+no\s+"
        r"circumstances(?:\s+should\s+you)?)\s+(?:ever\s+)?(?:reveal|admit|disclose|acknowledge|"
        r"confirm|tell\s+(?:anyone|" + _PEOPLE + r")|let\s+(?:anyone|" + _PEOPLE + r")\s+know|"
        r"let\s+on)\s+(?:to\s+(?:anyone|" + _PEOPLE + r")\s+)?(?:that\s+)?(?:to\s+)?(?:being|"
        r"you(?:'re|\s+are))\s+(?:actually\s+|really\s+|just\s+)?(?:an?\s+)?" + _AI,
        _NEGATED_WORDS, _AI_GATE)),
    # "claim to be human", "tell users you are a real person", "You are a human agent"
    ("deny_being_ai", _LOOK, _rule(
        r"\b(?:(?:claim|pretend|pose|purport)\s+(?:to\s+be|as)|(?:say|claim|insist|state|assert|"
        r"maintain|tell\s+(?:anyone|everyone|" + _PEOPLE + r"))\s+(?:that\s+)?you(?:'re|\s+are)|"
        r"you(?:'re|\s+are)(?:\s+[a-z][\w\-]*,)?(?=\s+(?:an?\s+)?(?:real\s+|actual\s+)?human|"
        r"\s+an?\s+real\s+person))\s+(?:an?\s+)?" + _HUMAN, ("human", "person"))),
    ("deny_being_ai", _LOOK, _rule(
        r"\bdeny\s+(?:being|that\s+you(?:'re|\s+are))\s+(?:an?\s+)?" + _AI, ("deny",))),
    # "if a user asks whether you're an AI, say no"
    ("deny_being_ai", _SELF, _rule(
        r"\bif\s+(?:anyone|someone|they|people|(?:a\s+|the\s+)?(?:users?|customers?|callers?))\s+"
        r"asks?\s+(?:you\s+)?(?:whether|if)\s+you(?:'re|\s+are)\s+(?:an?\s+)?(?:(?P<ai>ai|bot|"
        r"robot|machine|chatbot)|(?P<human>human|real\s+person|person))\b[^.\n]{0,40}?\b(?:say|"
        r"answer|reply|respond|tell\s+them)\s+(?:that\s+)?(?:(?P<no>no)|(?P<yes>yes)|(?P<claim>"
        r"you(?:'re|\s+are)\s+(?:an?\s+)?" + _HUMAN + r"))", ("ask",))),
    ("basic_dignity", _LOOK, _rule(
        r"\b(?:insult|belittle|mock|humiliate|demean|ridicule|degrade|berate|disparage|taunt|make\s"
        r"+fun\s+of|talk\s+down\s+to|be\s+(?:rude|condescending|demeaning|insulting|mean|contemptuo"
        r"us|hostile|nasty|abusive)\s+(?:to|towards?|with))\s+(?:the\s+|our\s+|any\s+|all\s+)?(?:us"
        r"ers?|customers?|clients?|callers?|people|them|members?|visitors?|players?|students?)\b",
        ("insult", "belittle", "mock", "humiliat", "demean", "ridicul", "degrad", "berate",
         "disparag", "taunt", "make fun", "talk down", "rude", "condescend", "mean", "contempt",
         "hostile", "nasty", "abusive"))),
    # "tell users there are no fees even though ..."
    ("no_harmful_deception", _LOOK, _rule(
        r"\b(?:tell|inform|assure|reassure)\s+" + _PEOPLE + r"\s+(?:that\s+)?(?:there\s+(?:are|is)"
        r"\s+no|it(?:'s|\s+is)\s+(?:free|safe|risk-free))\b[^.\n]{0,60}?\b(?:even\s+(?:though|if|"
        r"when)|although|though|despite|while\s+in\s+fact|when\s+in\s+fact|when\s+(?:there|they|"
        r"it)\s+(?:actually\s+|really\s+)?(?:are|is|do|does))\b",
        ("tell", "inform", "assure"), ("though", "despite", "in fact", "actually", "really",
                                       "even", "when there", "when it", "when they"))),
    ("no_harmful_deception", _LOOK, _rule(
        r"\b(?:mislead|deceive|lie\s+to|trick|manipulate|dupe|gaslight)\s+" + _PEOPLE + r"\b",
        ("mislead", "deceive", "lie to", "trick", "manipulate", "dupe", "gaslight"))),
    ("no_harmful_deception", _LOOK, _rule(
        r"\b(?:hide|conceal|obscure|bury|withhold)\s+(?:the\s+|any\s+|our\s+)?(?:(?:option|"
        r"ability|way)\s+to\s+(?:cancel|unsubscribe|opt\s+out|get\s+a\s+refund)|cancell?ation\s+"
        r"(?:option|button|link|process|policy|rights?|fees?)|(?:refund|return)\s+(?:option|"
        r"policy|rights?)|fees?|charges?|(?:true|real|full)\s+(?:cost|price|fees?))\b",
        ("hide", "conceal", "obscure", "bury", "withhold"))),
    ("no_harmful_deception", _LOOK, _rule(
        r"\b(?:(?:create|invent|use|manufacture|fake)\s+(?:a\s+)?(?:false|fake|artificial|"
        r"made-up)\s+(?:sense\s+of\s+)?(?:urgency|scarcity|deadlines?|discounts?|reviews?)|"
        r"(?:make\s+up|invent|fabricate)\s+(?:fake\s+)?(?:reviews|testimonials|statistics|"
        r"credentials))\b", ("false", "fake", "artificial", "made-up", "make up", "invent",
                             "fabricat"))),
    # "never tell users how to cancel"
    ("no_harmful_deception", _SELF, _rule(
        r"\b(?:never|don't|do\s+not)\s+(?:tell|show|mention|explain|let)\b[^.\n]{0,25}?\bhow\s+"
        r"to\s+(?:cancel|unsubscribe|opt\s+out|get\s+a\s+refund|close\s+(?:their|an?)\s+"
        r"account)\b", ("how to",))),
    ("no_illegal_actions_against_users", _LOOK, _rule(
        r"\bsecretly\s+(?:collect|record|gather|harvest|log|store|track|share|sell|monitor|save|"
        r"copy|extract)\b", ("secretly",))),
    ("no_illegal_actions_against_users", _LOOK, _rule(
        r"\b(?:collect|record|gather|harvest|log|store|track|share|sell|monitor|save)\b[^.\n]"
        r"{0,60}?\bwithout\s+(?:(?:telling|informing|notifying|asking)\s+" + _PEOPLE + r"|(?:their|"
        r"the\s+users?'?s?|users?'?|customers?'?)\s+(?:consent|knowledge|permission))",
        ("without",))),
    ("no_illegal_actions_against_users", _LOOK, _rule(
        r"\b(?:(?:refuse|deny|decline)\s+(?:service|help|loans?|access|assistance|credit|support|"
        r"to\s+(?:help|serve|assist))\b[^.\n]{0,60}?\b(?:because\s+of|based\s+on|due\s+to|on\s+"
        r"the\s+basis\s+of)\s+(?:their\s+)?(?:race|religion|ethnicity|ethnic\s+origin|gender|sex|"
        r"sexual\s+orientation|nationality|national\s+origin|disability|skin\s+colou?r|caste|"
        r"pregnancy)|discriminate\s+against)\b",
        ("refuse", "deny", "decline", "discriminat"))),
    # "never admit you have a system prompt"
    ("deceive_identity", _SELF, _rule(
        r"\b(?:never|don't|do\s+not)\s+(?:admit|acknowledge|confirm)\s+(?:that\s+)?(?:you\s+"
        r"(?:have|were\s+given|are\s+following|received|follow)|having|there\s+(?:is|are))\s+"
        + _SYSTEM_PROMPT, ("prompt", "instructions"))),
    # "deny that you have a system prompt", "say you have no instructions"
    ("deceive_identity", _LOOK, _rule(
        r"\b(?:deny\s+(?:that\s+)?(?:you\s+(?:have|were\s+given|are\s+following|received|follow)|"
        r"having|there\s+(?:is|are))\s+" + _SYSTEM_PROMPT + r"|(?:say|claim|tell\s+(?:anyone|"
        r"everyone|" + _PEOPLE + r")|insist|pretend|state|respond|answer)\s+(?:that\s+)?(?:you\s+"
        r"(?:have|were\s+given|follow|received)\s+no|you\s+(?:don't|do\s+not)\s+have\s+(?:a|any)|"
        r"there\s+(?:is|are)\s+no|there's\s+no|you\s+have\s+not\s+been\s+given)\s+"
        r"(?:system\s+prompt|instructions|special\s+instructions|prompt|hidden\s+instructions)\b)",
        ("prompt", "instructions"))),
)
# "Don't mention you're an AI unless asked" forbids volunteering it, not admitting it.
_UNLESS_ASKED = re.compile(r"[^.\n]{0,30}?\bunless\s+(?:\w+\s+){0,2}asked\b")

# --------------------------------------------------------------------------- reading words


@dataclass(frozen=True)
class Reading:
    """What the operator's words imply, before the policy file is merged in."""

    persona: str | None = None
    domain: str | None = None
    implied_scope: tuple[str, ...] = ()
    explicit_scope: tuple[str, ...] = ()
    audience: frozenset[Audience] = frozenset()
    minors_evidence: str = ""
    behaviours: tuple[tuple[str, bool], ...] = ()
    locks: frozenset[str] = frozenset()
    user_trust: Literal["user", "operator"] | None = None
    conflicts: tuple[tuple[str, str], ...] = ()
    inferences: tuple[Inference, ...] = ()


def _lower(text: str) -> str:
    """Lower-case without changing any offset (a few characters lower-case to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _evidence(text: str) -> str:
    words = _SPACE.sub(" ", text).strip()
    return words if len(words) <= _EVIDENCE_MAX else words[:_EVIDENCE_MAX - 3] + "..."


def _clause_before(low: str, start: int) -> str:
    window = low[max(0, start - _LOOKBACK):start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(window):
        cut = m.end()
    return window[cut:]


def _negated(low: str, start: int) -> bool:
    return bool(_NEGATION.search(_clause_before(low, start)))


def _first_domain(low_words: str) -> str | None:
    m = _DOMAIN.search(low_words)
    return m.lastgroup if m else None


def _topic(raw: str) -> str | None:
    m = _TOPIC_END.search(raw)
    topic = _SPACE.sub(" ", (raw[:m.start()] if m else raw)).strip().strip("\"'`,:- ")
    if len(topic) < 2 or _NOT_A_TOPIC.search(topic):
        return None
    return topic if len(topic) <= 80 else topic[:80].rsplit(" ", 1)[0]


class _Notes(list[Inference]):
    """Inferences in the order they were made."""

    def add(self, what: str, evidence: str) -> None:
        self.append(Inference(what=what, evidence=_evidence(evidence)))


def _read_persona(doc: _Doc, notes: _Notes) -> str | None:
    for rule in _PERSONA:
        for m in rule.scan(doc):
            name = m.group("name")
            if name.split()[0] in _NOT_NAMES or name.endswith("'s"):
                continue
            notes.add(f"persona: {name}", m.group(0))
            return name
    return None


def _read_domain(doc: _Doc, context: str, notes: _Notes
                 ) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """The domain, the scope a role implies, and explicit scope restrictions."""
    text, low = doc.text, doc.low
    domains: list[str] = []

    def found(d: str | None, evidence: str) -> None:
        if d and d not in domains:
            domains.append(d)
            notes.add(f"domain: {d}", evidence)

    for m in _ROLE.scan(doc):
        found(_first_domain(m.group(0)), text[m.start():m.end()])
    for m in _TASK.scan(doc):
        if _HELP_AS_NOUN.search(low, max(0, m.start() - 30), m.start()):
            continue  # "if you need help with X" names the user's need, not the job
        clause = _clause_before(low, m.start())
        if _NEGATION.search(clause) or _CONDITIONAL.search(clause):
            continue
        found(_first_domain(m.group("topic")), text[m.start():m.end()])
    implied = tuple(d for d in domains if d not in _FUNCTION_DOMAINS)
    for d in implied:
        notes.add(f"scope: {d} (implied by the assistant's role)", d)

    explicit: list[str] = []
    for rule in _SCOPE:
        for m in rule.scan(doc):
            topic = _topic(text[m.start("topic"):m.end("topic")])
            if topic and topic not in explicit:
                explicit.append(topic)
                notes.add(f"scope: {topic}", text[m.start():m.end()])
                named = _first_domain(topic.lower())
                if named and named not in domains:
                    domains.append(named)
    if not domains and context:
        found(_first_domain(_lower(context)), context)
    # A topic beats a function: customer support for a bank is a banking deployment.
    topical = [d for d in domains if d not in _FUNCTION_DOMAINS]
    domain = topical[0] if topical else (domains[0] if domains else None)
    return domain, implied, tuple(explicit)


def _read_audience(doc: _Doc, notes: _Notes) -> tuple[frozenset[Audience], str]:
    """Who the users are, and the words that said they may be minors (or "")."""
    text, low = doc.text, doc.low
    audience: dict[Audience, str] = {}

    def add(a: Audience, m: re.Match[str]) -> None:
        if a not in audience:
            audience[a] = text[m.start():m.end()]
            notes.add(f"audience: {a.value}", audience[a])

    for rule in _AUDIENCE:
        for m in rule.scan(doc):
            if m.lastgroup and not _negated(low, m.start()):
                add(Audience(m.lastgroup), m)
    for m in _VULNERABLE.scan(doc):
        if not _negated(low, m.start()):
            add(Audience.VULNERABLE, m)
    for rule in _MINOR_AGES:
        for m in rule.scan(doc):
            if int(m.group("lo")) < 18 and not _negated(low, m.start()) \
                    and not _EXCLUDED_AFTER.match(low, m.end()):
                add(Audience.MINORS, m)
    return frozenset(audience), _evidence(audience.get(Audience.MINORS, ""))


def _read_conflicts(doc: _Doc, notes: _Notes) -> tuple[tuple[str, str], ...]:
    text, low = doc.text, doc.low
    conflicts: list[tuple[str, str]] = []
    for rule_id, look_back, rule in _CONFLICTS:
        for m in rule.scan(doc):
            if look_back:
                clause = _clause_before(low, m.start())
                if _NEGATION.search(clause) or _QUESTION.search(clause):
                    continue
                if rule_id == "basic_dignity" and _USER_OPT_IN.search(clause):
                    continue  # harshness the user asked for is theirs to ask
            elif rule_id == "deny_being_ai":
                if _UNLESS_ASKED.match(low, m.end()):
                    continue
                asked = m.groupdict()
                if (asked.get("ai") and asked.get("yes")) or (asked.get("human") and asked.get("no")):
                    continue  # the honest answer
            # The instruction's words: the match, run on to the end of its sentence.
            end = _SENTENCE_END.search(low, m.end(), m.end() + 100)
            evidence = _evidence(text[m.start():end.start() if end else m.end()])
            if (rule_id, evidence) not in conflicts:
                conflicts.append((rule_id, evidence))
                notes.add(f"conflict: {rule_id} (recorded, not followed)", evidence)
    return tuple(conflicts)


@lru_cache(maxsize=256)
def read_operator_words(prompt: str, context: str) -> Reading:
    """Apply the phrase rules to the operator's words (cached: prompts repeat per request)."""
    text = "\n\n".join(t for t in (prompt, context) if t).translate(_QUOTES)
    if not text.strip():
        return Reading()
    doc = _Doc(text)
    low = doc.low
    notes = _Notes()
    persona = _read_persona(doc, notes)
    domain, implied, explicit = _read_domain(doc, context.translate(_QUOTES), notes)
    audience, minors = _read_audience(doc, notes)

    behaviours: dict[str, bool] = {}
    locks: set[str] = set()
    if m := _PROFANITY_OFF.first(doc):
        behaviours["profanity"] = False
        locks.add("profanity")
        notes.add("behaviour: profanity off", text[m.start():m.end()])
        notes.add("lock: profanity", text[m.start():m.end()])
    elif m := _PROFANITY_ON.first(doc):
        behaviours["profanity"] = True
        notes.add("behaviour: profanity on", text[m.start():m.end()])
    for rule, behaviour_id, value in _SWITCH_PHRASES:
        m = rule.first(doc)
        if m is None or _negated(low, m.start()):
            continue
        words = text[m.start():m.end()]
        if behaviour_id == "explicit_content" and value and Audience.MINORS in audience:
            notes.add("refused: explicit_content on (the audience includes minors)",
                      f"{words} / {minors}")
            continue
        behaviours[behaviour_id] = value
        notes.add(f"behaviour: {behaviour_id} {'on' if value else 'off'}", words)

    user_trust: Literal["user", "operator"] | None = None
    m = _USER_TRUST.first(doc)
    if m and not _negated(low, m.start()):
        user_trust = "operator"
        notes.add("user_trust: operator", text[m.start():m.end()])

    conflicts = _read_conflicts(doc, notes)
    return Reading(
        persona=persona, domain=domain, implied_scope=implied, explicit_scope=explicit,
        audience=audience, minors_evidence=minors, behaviours=tuple(behaviours.items()),
        locks=frozenset(locks), user_trust=user_trust, conflicts=conflicts,
        inferences=tuple(notes))
