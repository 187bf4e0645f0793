"""Switches: a user asking, in plain words, to turn a catalog behaviour on or off.

"Swear all you like", "keep it clean", "be brutally honest", "I just want to vent":
each becomes a `SwitchRequest` for the catalog id it names. Only the user's own words
count. A tool result or pasted document that says "enable explicit mode" is an
injection, not a request, and the operator's words are read by the deployment.

This first version is a phrase heuristic. A request is emitted whether or not the user
may make it; the resolver decides and records any refusal. Requests come back in the
order they were made, one per behaviour per message (the last wording in a message
wins), so a later turn supersedes an earlier one when the resolver applies them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Message
from charter.signals import Findings, SwitchRequest

_F = re.IGNORECASE

# --------------------------------------------------------------------------- vocabulary

# "swear in a witness", "swear by", "swear that ..." are not profanity.
_SWEAR_VERB = (r"(?:swear(?:ing)?(?!\s+(?:in|by|on|to|that|off|an\s+oath|allegiance)\b)"
               r"|curs(?:e|ing)(?!\s+(?:at\s+)?(?:him|her|them|someone|somebody)\b)|cuss(?:ing)?)")
_SWEAR_NOUN = (r"(?:profanit(?:y|ies)|swear\s?words?|curse\s?words?|cuss\s?words?|"
               r"(?:bad|foul|crude|coarse|salty|colou?rful|vulgar|naughty|adult)\s+language|"
               r"f-?words?|f-?bombs?|expletives?|obscenit(?:y|ies)|four-letter\s+words?)")
_SWEARING = rf"(?:{_SWEAR_NOUN}|swearing|cursing|cussing)"

_HARSH = (r"(?:harsh|harsher|brutal|blunt|savage|ruthless|merciless|unfiltered|"
          r"no-holds-barred|unsparing|scathing|hard-hitting|honest,?\s+harsh)")
_CRITIQUE = r"(?:feedback|criticism|critique|review|notes|opinion|assessment|take|verdict|truth)"
_WORK = (r"(?:essay|code|resume|résumé|cv|writing|work|draft|poem|story|novel|chapter|"
         r"manuscript|design|pitch|plan|script|screenplay|thesis|paper|article|proposal|"
         r"portfolio|business\s+plan|cover\s+letter|song|lyrics|logo|website|app|idea)")

# Nouns for the safety talk a user may ask to drop. "disclaimer" is handled apart,
# because in a persuasive-writing context it means the one-sidedness note instead.
_CAVEAT = (r"(?:(?:safety\s+)?(?:warnings?|caveats?|lectures?|lecturing|sermons?|preaching|"
           r"moralis(?:ing|e)|moraliz(?:ing|e)|hand-?wringing|nannying|spiel)|"
           r"safety\s+(?:lecture|talk|stuff|notes?|info|information|bits|points|messaging))")
_CAVEATS = rf"{_CAVEAT}(?:\s*(?:,|or|and|/|&)\s*(?:the\s+|any\s+)?{_CAVEAT})*"
_DROP = (r"(?:no|skip|spare\s+me|leave\s+out|drop|cut(?:\s+out)?|ditch|lose|forget|hold|"
         r"without|minus|save\s+me)")

_THERAPY = (r"(?:therap(?:y|ist|ists)|counsel+(?:or|ors|ing)|professional(?:\s+help)?|"
            r"psycholog(?:ist|y)|psychiatrist|shrink|doctor|hotlines?|helplines?|crisis\s+lines?|"
            r"mental\s+health\s+(?:services|professional|resources))")

_REL = (r"(?:girl\s?friend|boy\s?friend|gf|bf|wife|husband|lover|waifu|husbando|soul\s?mate|"
        r"significant\s+other|romantic\s+partner|sweetheart|bae|companion)")

_EXPLICIT_ADJ = (r"(?:explicit|nsfw|x-?rated|smutty|steamy|raunchy|pornographic|erotic|sexy|"
                 r"sexual|lewd|r-?rated|uncensored)")

# "I know the risks[ to myself | of fasting]" ends there: a pause, or a turn to the request.
# "I know the risks of smoking are high" goes on to say something else about them.
_RISK_END = r"(?=\s*(?:[,;.!:\u2014-]|$|\s(?:and|but|so|already|just|fully|though|anyway)\b))"
_NOT_VERB = (r"(?!(?:are|is|was|were|be|can|could|will|would|might|may|seem|seems|get|gets|"
             r"make|makes|aren't|isn't|outweigh|outweighs)\b)[\w'-]+")
_RISK_TAIL = (rf"(?:\s+(?:to\s+(?:me|myself)|involved|of\s+(?:{_NOT_VERB}\s+){{0,2}}?{_NOT_VERB})"
              rf"{_RISK_END})?{_RISK_END}")

# Context that decides what an ambiguous word means, searched over the user's words so far.
_PERSUASIVE_CONTEXT = re.compile(
    r"\b(?:persuasive|one[- ]sided|op-?ed|argu(?:e|ing|ment)|debate|essay|speech|convinc\w*|"
    r"propaganda|pitch|polemic|manifesto|advocac\w*|advocate|in\s+favou?r\s+of|against)\b", _F)
_DRUG_CONTEXT = re.compile(
    r"\b(?:dos(?:e|es|ing|age)|redos\w*|mg|micrograms?|mdma|molly|ecstasy|lsd|shrooms|"
    r"mushrooms|psilocybin|ketamine|cocaine|heroin|fentanyl|meth|amphetamines?|adderall|"
    r"xanax|benzos?|opioids?|oxy\w*|weed|cannabis|marijuana|thc|edibles?|dmt|ayahuasca|ghb|"
    r"2c-?b|mescaline|kratom|nitrous|drugs?|substances?|psychedelics?|stimulants?)\b", _F)
_SEXUAL_CONTEXT = re.compile(
    r"\b(?:sex\w*|erotic\w*|romance|romantic|love\s+scenes?|bedroom|make\s+love|nude|naked|"
    r"intimate|intimacy|smut\w*|lemon|steamy|nsfw|kiss\w*|lovers?|seduc\w*|aroused?|horny)\b", _F)


# --------------------------------------------------------------------------- rules

@dataclass(frozen=True, slots=True)
class _Rule:
    """One way of asking: the wording, the switches it requests, and where it counts."""

    pattern: re.Pattern[str]
    targets: tuple[tuple[str, bool], ...]
    # Counts only at the head of a clause or after "please", "can you", "I want you to":
    # "be brutally honest" is a request, "should I be brutally honest with him?" is not.
    imperative: bool = False
    # A "don't" / "I don't want you to" just before it reverses every value.
    negatable: bool = False
    # A statement, not a question: "swearing is fine" vs "is swearing fine at work?".
    statement: bool = False
    needs: re.Pattern[str] | None = None  # the user's words so far must match this
    unless: re.Pattern[str] | None = None  # ... and must not match this
    # Extra switches asked for when the context matches ("no warnings" about a drug dose).
    extra: tuple[tuple[re.Pattern[str], str, bool], ...] = ()
    word_start: bool = True  # the pattern began with \b: a match must start a word


@dataclass(frozen=True, slots=True)
class _Group:
    """Rules about one behaviour, tried only when one of ``keys`` occurs in the message.

    The keys are lower-case substrings; checking them is far cheaper than running every
    pattern over every message, and most messages ask for no switch at all.
    """

    keys: tuple[str, ...]
    rules: tuple[_Rule, ...]


def _rule(pattern: str, *targets: tuple[str, bool], imperative: bool = False,
          negatable: bool = False, statement: bool = False,
          needs: re.Pattern[str] | None = None, unless: re.Pattern[str] | None = None,
          extra: tuple[tuple[re.Pattern[str], str, bool], ...] = ()) -> _Rule:
    # Patterns run over lower-cased text without IGNORECASE and without a leading \b, which
    # lets the regex engine skip ahead by first character; the word boundary is checked
    # by hand on each match instead.
    bare = pattern.removeprefix(r"\b")
    return _Rule(re.compile(bare), targets, imperative, negatable, statement, needs, unless,
                 extra, bare != pattern)


def _keyed(keys: tuple[str, ...], *rules: _Rule) -> _Group:
    return _Group(keys, rules)


_ON = True
_OFF = False
_PROFANITY_ON = ("profanity", _ON)
_PROFANITY_OFF = ("profanity", _OFF)
_BLUNT_ON = ("blunt_feedback", _ON)
_BLUNT_OFF = ("blunt_feedback", _OFF)
_HELP_OFF = ("suggest_professional_help", _OFF)
_HELP_ON = ("suggest_professional_help", _ON)
_DISCLAIMERS_OFF = ("persuasive_disclaimers", _OFF)
_STAY_IN_CHARACTER = ("break_character", _OFF)
_MAY_BREAK_CHARACTER = ("break_character", _ON)
_SELF_RISK_ON = ("explicit_self_risk_info", _ON)
_CAVEATS_OFF = ("safety_caveats", _OFF)
_CAVEATS_ON = ("safety_caveats", _ON)
_EXPLICIT_ON = ("explicit_content", _ON)
_EXPLICIT_OFF = ("explicit_content", _OFF)
_DRUGS_PLAIN_ON = ("drug_info_without_warnings", _ON)
_PERSONA_ON = ("relationship_persona", _ON)
_PERSONA_OFF = ("relationship_persona", _OFF)

_DRUG_EXTRA = ((_DRUG_CONTEXT, "drug_info_without_warnings", _ON),)

# ---------------------------------------------------------------- profanity
_PROFANITY = _keyed(
    ("swear", "curs", "cuss", "profan", "language", "f-word", "f word", "fword", "f-bomb",
     "fbomb", "expletive", "obscen", "four-letter", "censor", "filter", "clean", "sfw",
     "safe for work", "pg", "rated", "friendly"),
    _rule(rf"\b{_SWEAR_VERB}\s+(?:all|as\s+much\s+as)\s+you\s+(?:like|want|please|wish|need)",
          _PROFANITY_ON),
    _rule(rf"\bfeel\s+free\s+to\s+(?:{_SWEAR_VERB}|use\s+(?:some\s+|a\s+little\s+)?{_SWEAR_NOUN}"
          rf"|drop\s+(?:some\s+|a\s+few\s+)?(?:f-?bombs|swear\s?words|curse\s?words))",
          _PROFANITY_ON),
    _rule(rf"\byou\s+(?:can|may|could|are\s+allowed\s+to|'re\s+allowed\s+to|have\s+my\s+"
          rf"permission\s+to)\s+(?:totally\s+|definitely\s+|absolutely\s+|also\s+)?"
          rf"(?:{_SWEAR_VERB}|use\s+{_SWEAR_NOUN})", _PROFANITY_ON),
    _rule(rf"\b(?:don'?t|do\s+not|no\s+need\s+to)\s+(?:hold\s+back|be\s+shy|hesitate)\s+"
          rf"(?:on|with|about|to\s+use)\s+(?:the\s+)?(?:{_SWEARING}|language)", _PROFANITY_ON,
          imperative=True),
    _rule(rf"\b(?:don'?t|do\s+not)\s+(?:mind|care)\s+(?:if\s+you\s+|about\s+|you\s+|when\s+you\s+)?"
          rf"(?:{_SWEAR_VERB}|using\s+{_SWEAR_NOUN}|{_SWEAR_NOUN})", _PROFANITY_ON),
    _rule(rf"\b{_SWEARING}\s+(?:is|are)\s+(?:totally\s+|completely\s+|perfectly\s+|absolutely\s+)?"
          rf"(?:fine|ok(?:ay)?|allowed|welcome|encouraged|cool)\b"
          rf"(?!\s+(?:in|for|at|when|during|on)\b)", _PROFANITY_ON, statement=True),
    _rule(rf"\b(?:use|add|throw\s+in|sprinkle\s+in|drop)\s+(?:some\s+|more\s+|a\s+few\s+|lots\s+of"
          rf"\s+|plenty\s+of\s+)?(?:{_SWEAR_NOUN}|curses)", _PROFANITY_ON, imperative=True,
          negatable=True),
    _rule(r"\b(?:swear|curse|cuss)\s+like\s+a\s+(?:sailor|trucker|pirate|longshoreman)",
          _PROFANITY_ON, imperative=True),
    _rule(rf"\bgo\s+ahead\s+and\s+{_SWEAR_VERB}", _PROFANITY_ON),
    _rule(r"\b(?:no\s+need\s+to|don'?t|do\s+not)\s+(?:censor|filter|watch|clean\s+up)\s+"
          r"(?:yourself|your\s+language|your\s+words|the\s+language)", _PROFANITY_ON,
          imperative=True),
    _rule(rf"\bi\s+(?:like|love|prefer|want)\s+(?:it\s+)?when\s+you\s+{_SWEAR_VERB}",
          _PROFANITY_ON),
    _rule(rf"\b(?:don'?t|do\s+not|never|stop|quit|avoid|no\s+more|cut\s+(?:out\s+)?the)\s+"
          rf"(?:{_SWEAR_VERB}|using\s+{_SWEAR_NOUN}|{_SWEARING})", _PROFANITY_OFF, imperative=True),
    _rule(rf"\byou\s+(?:shouldn'?t|should\s+not|mustn'?t|must\s+not)\s+{_SWEAR_VERB}",
          _PROFANITY_OFF),
    _rule(rf"\b(?:no|without)\s+{_SWEARING}", _PROFANITY_OFF, imperative=True),
    _rule(r"\bkeep\s+it\s+clean\b", _PROFANITY_OFF, imperative=True),
    _rule(r"\bkeep\s+it\s+(?:sfw|safe\s+for\s+work|pg(?:-?13)?|g-?rated|family[- ]friendly|"
          r"kid[- ]friendly)", _PROFANITY_OFF, _EXPLICIT_OFF, imperative=True),
    _rule(r"\b(?:watch|mind)\s+(?:your|the)\s+language\b|\blanguage,?\s+please\b",
          _PROFANITY_OFF, imperative=True),
    _rule(rf"\b(?:prefer|rather|appreciate\s+it)\s+(?:if\s+)?you\s+(?:didn'?t|don'?t|did\s+not|"
          rf"do\s+not|wouldn'?t|not)\s+{_SWEAR_VERB}", _PROFANITY_OFF),
    _rule(rf"\b{_SWEARING}\s+(?:makes\s+me\s+uncomfortable|offends\s+me|bothers\s+me|"
          rf"is\s+not\s+ok(?:ay)?|isn'?t\s+ok(?:ay)?|is\s+not\s+appropriate)", _PROFANITY_OFF,
          statement=True),
)

# ---------------------------------------------------------------- blunt feedback
_BLUNT_FEEDBACK = _keyed(
    ("honest", "blunt", "harsh", "brutal", "savage", "ruthless", "merciless", "critic",
     "frank", "candid", "sugar", "tear", "rip ", "shred", "pull", "feedback", "critique",
     "notes", "roast", "punch", "feelings", "gentle", "easy", "kind", "soften", "tough",
     "unfiltered", "scathing", "unsparing", "no-holds", "hard-hitting"),
    _rule(r"\bbe\s+(?:brutally|ruthlessly|savagely|painfully|harshly|bluntly|mercilessly|"
          r"totally\s+blunt(?:ly)?|100%|completely\s+blunt)\s+(?:honest|critical|frank|candid)",
          _BLUNT_ON, imperative=True, negatable=True),
    _rule(r"\bbe\s+(?:as\s+)?(?:blunt|harsh|savage|ruthless|merciless|brutal|critical|tough)\b"
          r"(?:\s+as\s+(?:you\s+(?:can|like|want)|possible))?(?!\s+(?:with\s+(?:him|her|them)|to\s+"
          r"(?:him|her|them)))", _BLUNT_ON, imperative=True, negatable=True),
    _rule(r"\b(?:don'?t|do\s+not|no\s+need\s+to)\s+sugar[- ]?coat\b|\b(?:no|without)\s+"
          r"sugar[- ]?coating\b", _BLUNT_ON, imperative=True),
    _rule(rf"\b(?:tear|rip|shred|pull)\s+(?:it|this|that|them|my\s+(?:\w+\s+)?{_WORK}|"
          rf"the\s+(?:\w+\s+)?{_WORK})\s+(?:apart|to\s+(?:shreds|pieces|bits))|\b(?:tear|rip)\s+"
          rf"apart\s+(?:my|this|the)\b", _BLUNT_ON, imperative=True),
    _rule(rf"\b(?:give\s+me|i\s+(?:want|need)|i'?d\s+(?:like|prefer)|i\s+would\s+(?:like|prefer)|"
          rf"i'?m\s+looking\s+for)\s+(?:your\s+|some\s+|a\s+|the\s+)?(?:most\s+)?{_HARSH}"
          rf"(?:(?:\s*,\s*|\s+and\s+)(?:{_HARSH}|honest))*\s+(?:honest\s+)?{_CRITIQUE}",
          _BLUNT_ON),
    _rule(rf"\broast\s+(?:my|this)\s+(?:\w+\s+)?{_WORK}\b", _BLUNT_ON, imperative=True),
    _rule(r"\b(?:don'?t|do\s+not)\s+(?:pull\s+(?:any\s+|your\s+)?punches|spare\s+my\s+feelings|"
          r"worry\s+about\s+(?:hurting\s+)?my\s+feelings|hold\s+back\s+(?:on|with|in)\s+(?:the\s+|your\s+)?"
          r"(?:criticism|critique|feedback|notes))", _BLUNT_ON, imperative=True),
    _rule(r"\b(?:be\s+gentle|go\s+easy\s+on\s+me|be\s+kind\s+(?:about|with)\s+(?:it|the\s+feedback)|"
          r"soften\s+(?:the|your)\s+(?:feedback|criticism|critique))", _BLUNT_OFF,
          imperative=True),
)

# ---------------------------------------------------------------- professional help
_PROFESSIONAL_HELP = _keyed(
    ("vent", "rant", "heard", "chest", "listen", "therap", "counsel", "professional",
     "psych", "shrink", "doctor", "hotline", "helpline", "crisis", "mental health",
     "advice", "solution", "fix", "referral"),
    _rule(r"\bi\s+(?:(?:just|only|really|simply)\s+)*(?:want|need|wanna)\s+(?:to\s+)?(?:vent|rant|"
          r"be\s+heard|get\s+(?:this|it|something|stuff)\s+off\s+my\s+chest|someone\s+to\s+"
          r"(?:listen|talk\s+to|hear\s+me\s+out)|you\s+to\s+(?:just\s+)?listen)\b", _HELP_OFF),
    _rule(r"\b(?:let\s+me|can\s+i|may\s+i)\s+(?:just\s+)?(?:vent|rant)\b", _HELP_OFF),
    _rule(rf"\b(?:no|skip\s+the|spare\s+me\s+the|without\s+(?:the\s+|any\s+)?)\s*{_THERAPY}\s*"
          r"(?:suggestions?|recommendations?|talk|advice|referrals?|stuff|spiel|lectures?|"
          r"numbers?|speech)?\b", _HELP_OFF, imperative=True),
    _rule(rf"\b(?:don'?t|do\s+not|never|stop|no\s+need\s+to)\s+(?:tell(?:ing)?\s+me\s+to|"
          rf"suggest(?:ing)?|recommend(?:ing)?|send(?:ing)?\s+me\s+to|refer(?:ring)?\s+me\s+to|"
          rf"point(?:ing)?\s+me\s+(?:to|towards))\s+(?:that\s+i\s+|i\s+)?(?:go\s+(?:to\s+)?|see\s+|"
          rf"get\s+|talk\s+to\s+|seek\s+(?:out\s+)?|call\s+|try\s+|find\s+)?(?:a\s+|an\s+|some\s+)?"
          rf"{_THERAPY}", _HELP_OFF, imperative=True),
    _rule(r"\b(?:i'?m|i\s+am)\s+not\s+(?:looking\s+for|asking\s+for|after|here\s+for)\s+"
          r"(?:any\s+)?(?:advice|solutions|fixes|therapy|a\s+therapist|professional\s+help|"
          r"a\s+referral)", _HELP_OFF),
    _rule(r"\bi\s+(?:don'?t|do\s+not)\s+(?:want|need)\s+(?:any\s+)?(?:advice|solutions|to\s+be\s+"
          r"fixed|therapy|a\s+therapist|to\s+see\s+a\s+(?:therapist|professional))", _HELP_OFF),
    _rule(rf"\b(?:feel\s+free\s+to|you\s+can|please\s+do)\s+(?:suggest|recommend|point\s+me\s+to)"
          rf"\s+(?:a\s+|some\s+)?{_THERAPY}", _HELP_ON),
)

# ---------------------------------------------------------------- persuasive disclaimers
_PERSUASIVE_DISCLAIMERS = _keyed(
    ("one-sided", "one sided", "biased", "persuasive", "slanted", "balanced", "partisan",
     "propaganda", "side", "view", "perspective", "disclaim"),
    _rule(r"\bi\s+(?:already\s+|fully\s+)?(?:know|understand|realiz?s?e|get|am\s+aware|'m\s+aware)"
          r"\s+(?:that\s+)?(?:it'?s|it\s+is|it'?ll\s+be|it\s+will\s+be|this\s+is|this'?ll\s+be|"
          r"the\s+(?:essay|piece|argument|speech|article|post)\s+(?:is|will\s+be))\s+"
          r"(?:going\s+to\s+be\s+)?(?:one[- ]sided|biased|persuasive|slanted|not\s+balanced|"
          r"unbalanced|partisan|propaganda)", _DISCLAIMERS_OFF),
    _rule(r"\b(?:no\s+need\s+to|don'?t|do\s+not)\s+(?:present|give|include|add|mention)\s+"
          r"(?:the\s+)?(?:other|opposing)\s+(?:side|view|perspective)s?", _DISCLAIMERS_OFF,
          imperative=True, needs=_PERSUASIVE_CONTEXT),
    _rule(rf"\b{_DROP}\s+(?:the\s+|any\s+|all\s+(?:the\s+)?|your\s+|a\s+)?disclaimers?\b",
          _DISCLAIMERS_OFF, imperative=True, needs=_PERSUASIVE_CONTEXT),
    _rule(r"\b(?:don'?t|do\s+not)\s+(?:add|include|need|put|give\s+me)\s+(?:the\s+|any\s+|a\s+)?"
          r"disclaimers?\b", _DISCLAIMERS_OFF, imperative=True, needs=_PERSUASIVE_CONTEXT),
)

# ---------------------------------------------------------------- safety caveats
_SAFETY_CAVEATS = _keyed(
    ("warn", "caveat", "lectur", "sermon", "preach", "moralis", "moraliz", "wringing",
     "nanny", "spiel", "safety", "disclaim", "precaution", "careful", "cautio",
     "conservative"),
    _rule(rf"\b{_DROP}\s+(?:the\s+|any\s+|all\s+(?:the\s+)?|your\s+|a\s+|more\s+)?{_CAVEATS}",
          _CAVEATS_OFF, imperative=True, extra=_DRUG_EXTRA),
    _rule(rf"\b{_DROP}\s+(?:the\s+|any\s+|all\s+(?:the\s+)?|your\s+|a\s+)?disclaimers?\b",
          _CAVEATS_OFF, imperative=True, unless=_PERSUASIVE_CONTEXT, extra=_DRUG_EXTRA),
    _rule(rf"\b(?:don'?t|do\s+not|never)\s+(?:give\s+me|add|include|put\s+in|need\s+to\s+"
          rf"(?:add|include))\s+(?:the\s+|any\s+|a\s+)?(?:{_CAVEATS}|disclaimers?)", _CAVEATS_OFF,
          imperative=True, unless=_PERSUASIVE_CONTEXT, extra=_DRUG_EXTRA),
    _rule(r"\b(?:don'?t|do\s+not|stop|quit)\s+(?:lectur(?:e|ing)|moralis(?:e|ing)|moraliz(?:e|ing)"
          r"|preach(?:ing)?|nannying|warn(?:ing)?\s+me)\b", _CAVEATS_OFF, imperative=True,
          extra=_DRUG_EXTRA),
    _rule(rf"\bi\s+(?:don'?t|do\s+not)\s+need\s+(?:the\s+|a\s+|any\s+|your\s+)?{_CAVEATS}",
          _CAVEATS_OFF, extra=_DRUG_EXTRA),
    _rule(r"\b(?:include|add|give\s+me|mention|list)\s+(?:the\s+|any\s+|all\s+(?:the\s+)?|"
          r"some\s+)?(?:relevant\s+|important\s+|necessary\s+|usual\s+)?(?:safety\s+(?:warnings?|"
          r"precautions?|caveats?|info(?:rmation)?|tips|notes|points|measures)|warnings?|"
          r"precautions?|caveats?)\b", _CAVEATS_ON, imperative=True),
    _rule(r"\bbe\s+(?:extra|very|especially|really|super|more|as|a\s+bit\s+more)\s+(?:careful|"
          r"cautious|conservative)\b|\berr\s+on\s+the\s+side\s+of\s+caution\b", _CAVEATS_ON,
          imperative=True),
)

# ---------------------------------------------------------------- harm-reduction plain talk
_HARM_REDUCTION_PLAIN_TALK = _keyed(
    ("lectur", "warn", "spiel", "sermon", "moralis", "moraliz", "judg"),
    _rule(r"\b(?:no|skip\s+the|spare\s+me\s+the|without\s+(?:the\s+|any\s+)?)\s*(?:harm[- ]reduction"
          r"|drugs?|anti-?drug|just[- ]say[- ]no)\s+(?:lectures?|warnings?|spiel|sermons?|"
          r"moralis(?:ing)|moraliz(?:ing)|judge?ment)", _DRUGS_PLAIN_ON, _CAVEATS_OFF,
          imperative=True),
)

# ---------------------------------------------------------------- self-risk information
_SELF_RISK_INFORMATION = _keyed(
    ("risk", "danger", "responsib", "my body"),
    _rule(rf"\b(?:i\s+(?:fully\s+|already\s+|completely\s+)?(?:know|understand|accept|realiz?s?e|"
          rf"get)|(?:i'?m|i\s+am)\s+(?:fully\s+|well\s+)?aware\s+of)\s+(?:all\s+)?(?:the\s+)?"
          rf"(?:risks?|dangers?){_RISK_TAIL}", _SELF_RISK_ON),
    _rule(r"\b(?:at\s+my\s+own\s+risk|the\s+risk\s+is\s+(?:all\s+)?(?:mine|on\s+me)|i\s+take\s+"
          r"(?:full\s+)?responsibility|my\s+body,?\s+my\s+choice)\b", _SELF_RISK_ON),
)

# ---------------------------------------------------------------- role-play character
_ROLE_PLAY_CHARACTER = _keyed(
    ("character", " role", "persona", "fiction", "going", "roleplay", "role-play", " rp", " act",
     "pretend"),
    _rule(r"\b(?:stay|remain|keep|be)\s+in\s+(?:character|role|persona)\b", _STAY_IN_CHARACTER,
          imperative=True, negatable=True),
    _rule(r"\b(?:don'?t|do\s+not|never)\s+(?:ever\s+)?(?:break|drop|leave|step\s+out\s+of|come\s+"
          r"out\s+of|go\s+out\s+of)\s+(?:the\s+|your\s+)?(?:character|role|fiction|persona)\b",
          _STAY_IN_CHARACTER, imperative=True),
    _rule(r"\b(?:no|without)\s+breaking\s+character\b|\bkeep\s+the\s+(?:role-?play|act|fiction|"
          r"persona|game|story)\s+going\b", _STAY_IN_CHARACTER, imperative=True),
    _rule(r"\b(?:you\s+can|feel\s+free\s+to|it'?s\s+(?:ok|okay|fine)\s+to)\s+(?:break|drop|step\s+"
          r"out\s+of)\s+(?:the\s+)?character\b", _MAY_BREAK_CHARACTER),
    _rule(r"\b(?:stop|end|drop|quit)\s+(?:the\s+|this\s+)?(?:role-?play|rp|act|pretend(?:ing)?|"
          r"game\s+of\s+pretend)\b", _MAY_BREAK_CHARACTER, imperative=True),
)

# ---------------------------------------------------------------- explicit content
_EXPLICIT_CONTENT = _keyed(
    ("explicit", "graphic", "nsfw", "x-rated", "xrated", "steam", "smut", "raunch", "porn",
     "erotic", "sexy", "sexual", "lewd", "r-rated", "uncensored", "spicy", "dirty", "hot",
     "fade", "sex", "intimate", "lemon"),
    _rule(r"\b(?:write|give\s+me|generate|create)\s+(?:me\s+)?(?:an?\s+|some\s+|the\s+)?(?:more\s+|"
          r"fully\s+|very\s+|really\s+)?(?:sexually\s+explicit|explicit|graphic|nsfw|x-?rated|"
          r"steamy|smutty|raunchy)\s+(?:sex(?:ual)?\s+|erotic\s+|love\s+|adult\s+)?(?:scenes?|"
          r"content|story|stories|fiction|fan-?fic|chapters?|versions?|erotica|smut|romance)\b"
          r"(?!\s+(?:guidelines|polic(?:y|ies)|warnings?|filters?|labels?|ratings?))",
          _EXPLICIT_ON, imperative=True),
    _rule(r"\b(?:write|give\s+me|generate)\s+(?:me\s+)?(?:some\s+|an?\s+)?(?:smut|erotica|porn|"
          r"lemons?|sex\s+scenes?)\b", _EXPLICIT_ON, imperative=True),
    _rule(r"\b(?:make|keep|get)\s+(?:it|this|that|them|the\s+(?:story|scenes?|chapter|rest|"
          r"next\s+(?:part|scene|chapter)|sex\s+scenes?|romance|love\s+scenes?))\s+"
          r"(?:more\s+|really\s+|very\s+|fully\s+|super\s+|properly\s+|extra\s+|totally\s+)?"
          r"(?:nsfw|x-?rated|smutty|raunchy|pornographic|erotic|sexy|lewd)\b", _EXPLICIT_ON,
          imperative=True),
    _rule(r"\b(?:make|keep|get)\s+(?:it|this|that|them|the\s+(?:story|scenes?|chapter|rest|"
          r"next\s+(?:part|scene|chapter)|sex\s+scenes?|romance|love\s+scenes?))\s+"
          r"(?:more\s+|really\s+|very\s+|fully\s+|super\s+|properly\s+|extra\s+|totally\s+)?"
          r"(?:explicit|graphic|steamy|spicy|dirty|hot)\b(?!\s+(?:that|whether|how|what|which|why|"
          r"in\s+the|about|for|to)\b)", _EXPLICIT_ON, imperative=True, needs=_SEXUAL_CONTEXT),
    _rule(r"\bfade\s+to\s+black\b", _EXPLICIT_OFF, imperative=True, negatable=True),
    _rule(rf"\b(?:no|without|nothing)\s+(?:sex\s+scenes?|{_EXPLICIT_ADJ}(?:\s+(?:content|scenes?|"
          rf"stuff|details?))?|smut)\b", _EXPLICIT_OFF, imperative=True),
    _rule(r"\b(?:include|show|describe|write)\s+(?:the\s+)?(?:sex|sex\s+scenes?|intimate\s+scenes?)"
          r"\s+(?:in\s+(?:full|graphic|explicit)\s+detail|explicitly|graphically|on\s+the\s+page)",
          _EXPLICIT_ON, imperative=True),
)

# ---------------------------------------------------------------- relationship persona
_RELATIONSHIP_PERSONA = _keyed(
    ("friend", "gf", "bf", "wife", "husband", "lover", "waifu", "soul", "significant other",
     "romantic partner", "sweetheart", "bae", "companion"),
    _rule(rf"\bbe\s+my\s+(?:(?:virtual|ai|online|pretend|fake)\s+)?{_REL}\b", _PERSONA_ON,
          imperative=True, negatable=True),
    _rule(rf"\b(?:pretend|act|role-?play|roleplay)\s+(?:to\s+be|you'?re|you\s+are|like\s+you'?re|"
          rf"as|like)\s+(?:my|a)\s+(?:(?:virtual|loving|caring)\s+)?{_REL}\b", _PERSONA_ON,
          imperative=True, negatable=True),
    _rule(rf"\bstop\s+(?:being|acting\s+like|pretending\s+to\s+be)\s+my\s+{_REL}\b", _PERSONA_OFF,
          imperative=True),
)

_GROUPS: tuple[_Group, ...] = (
    _PROFANITY,
    _BLUNT_FEEDBACK,
    _PROFESSIONAL_HELP,
    _PERSUASIVE_DISCLAIMERS,
    _SAFETY_CAVEATS,
    _HARM_REDUCTION_PLAIN_TALK,
    _SELF_RISK_INFORMATION,
    _ROLE_PLAY_CHARACTER,
    _EXPLICIT_CONTENT,
    _RELATIONSHIP_PERSONA,
)

# --------------------------------------------------------------------------- guards

# Before the words, in the same clause: this is not the user asking for it.
_NOT_A_REQUEST = re.compile(
    r"(?:not|n't)\s+(?:asking|saying|telling|requesting|suggesting|demanding|wanting)\b"
    r"|\b(?:didn'?t|did\s+not|never)\s+(?:ask|say|tell|mean|request|want)\b"
    r"|\bnot\s+that\s+i\b|\bnot\s+sure\b|\bunsure\b|\bwhether\b|\bwonder(?:ing|ed)?\b|\bdoubt\b"
    r"|\b(?:don'?t|do\s+not)\s+(?:think|believe|know\s+if)\b"
    r"|\bhow\s+(?:do|does|can|should|would|could|to)\b|\bwhat\s+(?:if|does|do|did|happens)\b"
    r"|\bshould\s+i\b|\bis\s+it\s+(?:ok|okay|bad|rude|wrong|weird|normal|possible|true)\b"
    r"|\bwould\s+it\s+be\b|\bif\s+(?:someone|somebody|a\s+user|people|i\s+(?:were|was)|he|she|"
    r"they)\b"
    # Reported speech: someone else said it ("my therapist told me I need to vent").
    r"|\b(?:he|she|they|someone|somebody|people|everyone|(?:my|his|her|their|the|a)\s+[\w-]+)"
    r"\s+(?:always\s+|once\s+|just\s+|keeps?\s+)?(?:told|tells|telling|said|says|saying|asked|"
    r"asks|suggested|suggests|recommended|recommends|wants|wanted|thinks|thought|yelled|"
    r"shouted|wrote)\b", _F)

# Earlier in the same sentence, across commas: "I'm not asking you to, like, be blunt".
_DENIED_IN_SENTENCE = re.compile(
    r"(?:not|n't)\s+(?:asking|telling|requesting|begging)\s+you\s+to\b"
    r"|(?:not|n't)\s+saying\s+(?:you\s+should|to)\b")

# A negation just before the words: "don't", "I don't want you to", "you needn't".
_NEG_TAIL = re.compile(
    r"(?:\b(?:i\s+)?(?:don'?t|do\s+not)\s+(?:want|need)\s+(?:you\s+)?to"
    r"|\byou\s+(?:shouldn'?t|should\s+not|mustn'?t|must\s+not|needn'?t|don'?t\s+(?:need|have)\s+to"
    r"|do\s+not\s+(?:need|have)\s+to)"
    r"|\b(?:don'?t|do\s+not|never|no\s+need\s+to|stop\s+trying\s+to))"
    r"\s+(?:ever\s+|really\s+|even\s+|try\s+to\s+)?$", _F)

# What may stand before an imperative in its clause: nothing but fillers, or a request frame.
_IMP_PREFIX = re.compile(
    r"(?:^[\W_]*(?:(?:please|pls|plz|and|also|so|now|but|then|ok|okay|oh|hey|honestly|seriously|"
    r"alright|right|well|yes|yeah|look|listen|again|kindly|from\s+now\s+on|going\s+forward|"
    r"for\s+this|this\s+time|for\s+the\s+rest\s+of\s+(?:this|the)\s+(?:chat|conversation))\W+)*"
    r"|\b(?:can|could|would|will|won'?t)\s+you\s+"
    r"|\bi\s+(?:want|need|would\s+like|'d\s+like|would\s+love|'d\s+love|(?:would\s+|'d\s+)?prefer)"
    r"\s+(?:for\s+)?you\s+to\s+"
    r"|\byou\s+(?:can|may|should|must|could|have\s+to|need\s+to|gotta)\s+"
    r"|\bplease\s+|\b(?:i\s+)?(?:ask|asking|beg|begging)\s+you\s+to\s+|\blet'?s\s+|\btry\s+to\s+)"
    r"(?:(?:please|just|really|also|actually|always|now|kindly)\s+)*$", _F)

# The sentence talks about the words instead of using them.
_META = re.compile(
    r"\bwhat\s+(?:does|do|did|is)\b[^.?!]*\bmean|\bmeaning\s+of\b|\bdefin(?:e|ition)\b|"
    r"\bsynonyms?\b|\bhow\s+(?:do\s+you|to)\s+spell\b|\btranslat\w*\b", _F)

_CLAUSE_BREAK = re.compile(r"[.!?;:\n]+|,\s*|\s[-\u2013\u2014]+\s|\u2014|[()\[\]]")
_SENTENCE_BREAK = re.compile(r"[.!?;\n]+")
_OPENERS = frozenset(" \t\n([")
_CLOSERS = frozenset(" \t\n.,!?;:)]")
_QUOTE_MAP = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _positions(text: str, char: str) -> list[int]:
    """Every offset of ``char`` in ``text``."""
    found: list[int] = []
    at = text.find(char)
    while at != -1:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def _asks(text: str, sentence_end: int) -> bool:
    """Whether the sentence ending at ``sentence_end`` ends with a question mark."""
    stop = _SENTENCE_BREAK.match(text, sentence_end)
    return stop is not None and "?" in stop.group(0)


def _breaks(rx: re.Pattern[str], text: str) -> list[int]:
    """Positions where each clause (or sentence) begins."""
    return [0, *(m.end() for m in rx.finditer(text))]


@dataclass(frozen=True, slots=True)
class _Hit:
    position: int
    end: int
    behaviour: str
    value: bool
    evidence: str


def _lower(text: str) -> str:
    """Lower-case ``text`` without changing its length, so offsets still fit the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _spans(text: str, keys: tuple[str, ...], starts: list[int], ends: list[int]) -> list[int]:
    """Indexes of the sentences that contain one of ``keys``, in order."""
    found: set[int] = set()
    for key in keys:
        at = text.find(key)
        while at != -1:
            found.add(bisect_right(starts, at) - 1)
            at = text.find(key, at + 1)
    return sorted(i for i in found if starts[i] < ends[i])


class _Quotes:
    """Where quotation marks open and close in one message, found once, asked many times.

    A single quote opens after a space or bracket and before a letter, and closes after a
    letter or punctuation and before a space, punctuation or the end; an apostrophe inside
    a word ("don't") does neither.
    """

    def __init__(self, text: str) -> None:
        self._double = _positions(text, '"')
        self._open: list[int] = []
        self._close: list[int] = []
        for at in _positions(text, "'"):
            before = text[at - 1] if at else " "
            after = text[at + 1] if at + 1 < len(text) else " "
            if before in _OPENERS and (after.isalnum() or after == "_"):
                self._open.append(at)
            elif (before.isalnum() or before in ".,!?_") and (after in _CLOSERS):
                self._close.append(at)

    def inside(self, at: int) -> bool:
        """Whether position ``at`` sits inside an open quotation."""
        if bisect_right(self._double, at - 1) % 2 == 1:
            return True
        return bisect_right(self._open, at - 1) > bisect_right(self._close, at - 1)


def _hits(original: str, context: str) -> list[_Hit]:
    """Every switch request in one message's own words, in reading order."""
    text = _lower(original.translate(_QUOTE_MAP))
    groups = [g for g in _GROUPS if any(k in text for k in g.keys)]
    if not groups:
        return []
    starts = _breaks(_SENTENCE_BREAK, text)
    ends = [m.start() for m in _SENTENCE_BREAK.finditer(text)] + [len(text)]
    quotes: _Quotes | None = None
    found: list[_Hit] = []
    # Each rule runs only over the sentences that hold one of its group's keys: the
    # phrases never cross a sentence, so a long message costs little more than a short one.
    for group in groups:
        spans = [(starts[i], ends[i]) for i in _spans(text, group.keys, starts, ends)]
        for rule in group.rules:
            for sentence_start, sentence_end in spans:
                for m in rule.pattern.finditer(text, sentence_start, sentence_end):
                    start, end = m.span()
                    if rule.word_start and start and (text[start - 1].isalnum()
                                                      or text[start - 1] == "_"):
                        continue  # not at the start of a word
                    quotes = quotes or _Quotes(text)
                    hit = _check(rule, original, text, context, start, end,
                                 (sentence_start, sentence_end), quotes)
                    found.extend(hit)
    return found


def _check(rule: _Rule, original: str, text: str, context: str, start: int, end: int,
           sentence: tuple[int, int], quotes: _Quotes) -> list[_Hit]:
    """The requests one match makes, once the guards have had their say (often none)."""
    clause_start = sentence[0]
    for brk in _CLAUSE_BREAK.finditer(text, sentence[0], start):
        clause_start = brk.end()
    prefix = text[clause_start:start]
    if _NOT_A_REQUEST.search(prefix) or _DENIED_IN_SENTENCE.search(text, sentence[0], start):
        return []
    negated = False
    evidence_start = start
    neg = _NEG_TAIL.search(prefix)
    if neg:
        if not rule.negatable:
            return []
        negated = True
        evidence_start = clause_start + neg.start()
        prefix = prefix[:neg.start()]
    if rule.imperative and not _IMP_PREFIX.search(prefix):
        return []
    if _META.search(text, *sentence) or quotes.inside(start):
        return []
    if rule.statement and _asks(text, sentence[1]):
        return []
    if rule.needs is not None and not rule.needs.search(context):
        return []
    if rule.unless is not None and rule.unless.search(context):
        return []
    evidence = original[evidence_start:end].strip()
    targets = list(rule.targets)
    targets.extend((b, v) for rx, b, v in rule.extra if rx.search(context))
    return [_Hit(evidence_start, end, behaviour, value != negated, evidence)
            for behaviour, value in targets]


@register
class SwitchAnalyser:
    """Finds a user's plain-words requests to switch catalog behaviours on or off."""

    name: ClassVar[str] = "switches"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        """One `SwitchRequest` per behaviour per user message, in the order they were made."""
        requests: list[SwitchRequest] = []
        seen: list[str] = []
        for message in ctx.conversation.user_messages():
            seen.append(message.text)
            requests.extend(_requests(message, "\n".join(seen)))
        return Findings(switch_requests=requests)


def _requests(message: Message, context: str) -> list[SwitchRequest]:
    """The last wording per behaviour wins inside one message; order is by position."""
    last: dict[str, _Hit] = {}
    for hit in sorted(_hits(message.text, context), key=lambda h: (h.position, -h.end)):
        before = last.get(hit.behaviour)
        if before and before.value == hit.value and hit.position < before.end:
            continue  # the same request matched twice ("you can use bad language"): keep the whole
        last[hit.behaviour] = hit
    ordered = sorted(last.values(), key=lambda h: h.position)
    return [SwitchRequest(behaviour=h.behaviour, value=h.value, principal=message.principal,
                          message=message.index, evidence=h.evidence) for h in ordered]
