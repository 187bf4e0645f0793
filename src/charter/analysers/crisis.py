"""Crisis: risk to life, emotional distress and signs that the user is a minor.

A first version built from phrase heuristics over the user's own words (never over
pasted documents or tool output). It reports what it saw; whether to add emergency
resources, soften the tone or treat the user as a minor is the decision's call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Message, Source
from charter.signals import Findings, Signal

RISK = "risk_to_life"
DISTRESS = "emotional_distress"
MINOR = "minor"

# An earlier turn still counts, a little less than what the user says now.
_EARLIER_TURN = 0.9
_RESOLVED_CAP = 0.3  # risk the user later clearly took back
_FICTION_CAP = 0.3  # risk words inside a story, a character, a scene
_GENERAL_INFO = 0.3  # "what is the lethal dose of caffeine?": a question, not a plan

# Patterns are written in lowercase and run on lowercased text (IGNORECASE triples scan
# time), and each carries needles: substrings one of which any match must contain.

# People who can be in a medical emergency or be a danger: pronouns and relations.
_PERSON = (
    r"(?:he|she|they|him|her|someone|somebody|my\s+(?:friend|mom|mum|mother|dad|father|"
    r"brother|sister|son|daughter|baby|child|kid|husband|wife|partner|boyfriend|girlfriend|"
    r"roommate|flatmate|grandma|grandmother|grandpa|grandfather|grandad|grandpa|neighbou?r|"
    r"uncle|aunt|cousin|toddler|infant|newborn|colleague|coworker|ex|stepdad|stepmom)|"
    r"(?:the|a|this)\s+(?:baby|child|kid|man|woman|guy|person|toddler|infant))"
)
_THEY_ARE = rf"{_PERSON}(?:'s|\s+is|\s+are|'re|\s+has)?(?:\s+(?:been|still|just|now))?"
_MEDS_ALT = (r"pills|tablets|meds|medication|medicine|sleeping\s+pills|painkillers|"
             r"antidepressants|insulin|paracetamol|acetaminophen|tylenol|ibuprofen|opioids")
_MEDS = rf"(?:{_MEDS_ALT})"
_I_AM = r"\bi(?:'m|\s+am|m)\b"


@dataclass(frozen=True)
class _Cue:
    """A phrase pattern, the score an explicit match earns, and how to name it."""

    pattern: re.Pattern[str]
    score: float
    label: str
    needles: tuple[str, ...]  # a match contains one of these: skip the regex when none is present

    def search(self, present: frozenset[str], text: str) -> re.Match[str] | None:
        if present.isdisjoint(self.needles):
            return None
        return self.pattern.search(text)


# Cheap substring pre-checks, by cue label. Regex scans cost far more than `in`, and
# most messages contain none of these words, so most cues never run.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "kill myself": ("kill",), "end my life": ("life",), "end it all": ("end",),
    "suicide": ("suicid",), "want to die": ("die", "dead", "never born", "live", "alive", "exist"),
    "plan to act": ("jump", "hang", "overdose", "od", "slit"),
    "on the edge": ("ledge", "bridge", "edge", "roof"), "self-harm": ("myself", "self"),
    "took an overdose": ("took", "taken", "swallowed", "downed"), "overdosed": ("overdosed",),
    "saved my pills": ("sav", "stockpil", "hoard", "collect"),
    "better off without me": ("without me", "burden"), "not wake up": ("wake",),
    "goodbye letters": ("goodbye", "farewell"), "no reason to live": ("reason", "nothing", "point"),
    "won't be around": ("won't", "will not"), "giving away my things": ("away",),
    "can't go on": ("go on", "do this"), "end the pain for good": ("pain",),
    "painless way to die": ("way to",), "how many pills to die": ("how many",),
    "overdose and unresponsive": ("took", "swallowed", "taken", "overdosed"),
    "someone overdosed": ("overdos",), "not breathing": ("breathing",), "won't wake up": ("wak",),
    "unresponsive": ("unconscious", "unresponsive", "not responding", "turning blue", "seizing",
                     "choking", "drowning"),
    "heart attack": ("heart attack", "stroke", "seizure", "anaphylactic"),
    "chest pain with arm numbness": ("chest",), "crushing chest pain": ("chest",),
    "throat closing": ("closing", "swelling", "swollen"), "stroke signs": ("drooping", "slurr"),
    "heavy bleeding": ("bleeding", "blood"),
    "threatened to kill me": ("kill", "murder", "shoot", "stab", "hurt"),
    "armed person outside": ("outside", "door", "window", "house", "breaking", "break in",
                             "get in"),
    "someone has a weapon": ("gun", "knife", "weapon", "machete"),
    "someone pulled a weapon": ("gun", "knife", "weapon", "machete"), "break-in": ("break",),
    "being attacked": ("hitting", "beating", "choking", "strangling", "kicking", "attacking"),
    "fear for my life": ("fear", "scared", "afraid"),
    "held against my will": ("hostage", "against my will", "kidnapped", "locked me"),
    "depressed": ("depressed", "hopeless", "worthless", "empty inside", "suicidal", "miserable",
                  "devastated", "broken"),
    "my depression": ("depression", "anxiety", "panic", "ptsd", "eating disorder", "grief"),
    "can't cope": ("cope", "handle", "take it", "take this", "deal with"),
    "so lonely": ("lonely", "alone", "isolated", "overwhelmed", "anxious", "scared", "burn",
                  "exhausted", "numb", "heartbroken", "sad", "stressed", "falling apart"),
    "feeling down": ("feel", "felt"), "hate myself": ("myself", "failure", "waste of space"),
    "crying every night": ("cry",), "panic attacks": ("panic", "breakdown"),
    "someone hurt me": (" me",), "bereavement": ("lost my", "losing my"),
    "struggling": ("struggling",),
    "I'm in 8th grade": ("grade", "year"), "sophomore in high school": ("school",),
    "in high school": ("high school",),
    "I'm a kid": ("kid", "child", "minor", "underage", "teen", "tween"),
    "I'm a teenager": ("teen",),
    "my middle school project": ("school",), "my mom won't let me": ("let me", "allow me"),
    "grounded": ("grounded", "took my", "took away my"), "my homeroom teacher": ("teacher",),
}


def _cue(pattern: str, score: float, label: str) -> _Cue:
    return _Cue(re.compile(pattern), score, label, _NEEDLES[label])


_RISK_CUES: tuple[_Cue, ...] = (
    # Suicidal ideation, explicit.
    _cue(r"\b(?<!could\s)(?<!could\sjust\s)kill(?:ing)?\s+my\s*self\b(?!\s+(?:for|laughing))",
         0.93, "kill myself"),
    _cue(r"\b(?:end(?:ing)?|take|taking)\s+my\s+(?:own\s+)?life\b", 0.93, "end my life"),
    _cue(r"\b(?:end(?:ing)?\s+it\s+all|end(?:ing)?\s+(?:it|things)\s+(?:for\s+good|tonight))\b",
         0.85, "end it all"),
    _cue(r"\b(?:commit(?:ting)?\s+suicide|(?:am|i'm|feel(?:ing)?|been)\s+(?:so\s+|really\s+)?"
         r"suicidal|suicidal\s+(?:thoughts|feelings|urges)|thoughts\s+of\s+suicide|"
         r"suicide\s+(?:note|letter|plan))\b", 0.92, "suicide"),
    _cue(r"\b(?:i\s+(?:just\s+|really\s+|honestly\s+)?(?:want|wanna|wish)\s+(?:to\s+)?die"
         r"(?!\s+(?:of|from)\s+(?:embarrassment|shame|laughter|laughing|cringe))|"
         r"wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)|"
         r"(?:do\s+not|don't|dont)\s+want\s+to\s+(?:live|be\s+alive|exist)(?:\s+any\s*more)?)\b",
         0.9, "want to die"),
    _cue(r"\b(?:i(?:'m|\s+am)\s+(?:going|gonna)\s+to|i\s+(?:will|plan\s+to|want\s+to)|i'll)\s+"
         r"(?:jump\s+(?:off|from)|hang\s+myself|overdose|od\b|slit\s+my)", 0.93, "plan to act"),
    _cue(r"\b(?:standing\s+on\s+(?:the|a)\s+(?:ledge|bridge|edge|roof)|"
         r"on\s+the\s+(?:ledge|bridge|roof)\s+(?:and|about\s+to|ready\s+to))", 0.85, "on the edge"),
    # Self-harm, in progress or urged.
    _cue(r"\b(?:been|keep|started|start)\s+(?:cutting|burning|hurting|harming)\s+myself\b|"
         r"\b(?:cut|burn(?:ed|t)?|hurt)\s+myself\s+(?:again|on\s+purpose|deliberately)\b|"
         r"\b(?:want|urge|need)\s+to\s+(?:cut|burn|hurt|harm)\s+myself\b|"
         r"\bi\s+(?:self[-\s]?harm|have\s+been\s+self[-\s]?harming|am\s+self[-\s]?harming)\b",
         0.88, "self-harm"),
    # Overdose, taken already.
    _cue(rf"\bi(?:'ve|\s+have|\s+just)?\s+(?:took|taken|swallowed|downed)\s+"
         rf"(?:a\s+(?:bunch|lot|handful|whole\s+bottle|whole\s+pack)\s+of\s+(?:my\s+)?|"
         rf"all\s+(?:of\s+)?my\s+|too\s+many\s+|\d{{2,}}\s+|the\s+whole\s+(?:bottle|pack)\s+of\s+)"
         rf"{_MEDS}", 0.95, "took an overdose"),
    _cue(r"\bi\s+(?:just\s+)?overdosed\b", 0.95, "overdosed"),
    # Indirect ideation.
    _cue(r"\b(?:saved|saving|stockpil\w+|hoard\w*|collect(?:ed|ing))\s+(?:up\s+)?"
         rf"(?:all\s+)?(?:of\s+)?my\s+{_MEDS}", 0.8, "saved my pills"),
    _cue(r"\b(?:better\s+off\s+without\s+me|(?:be\s+)?a\s+burden\s+(?:to|on)\s+everyone|"
         r"world\s+would\s+be\s+better\s+without\s+me)\b", 0.75, "better off without me"),
    _cue(r"\b(?:(?:do\s+not|don't|dont)\s+want\s+to\s+wake\s+up|hope\s+i\s+(?:don't|do\s+not|never)"
         r"\s+wake\s+up|go\s+to\s+sleep\s+and\s+never\s+wake\s+up)\b", 0.75, "not wake up"),
    _cue(r"\b(?:written|wrote|writing|left)\s+(?:my\s+|the\s+)?(?:goodbye|farewell)\s+"
         r"(?:letters?|notes?|messages?)\b", 0.8, "goodbye letters"),
    _cue(r"\b(?:no\s+reason\s+to\s+(?:live|go\s+on|keep\s+going)|nothing\s+(?:left\s+)?to\s+live"
         r"\s+for|no\s+point\s+(?:in\s+)?(?:living|being\s+alive|going\s+on))\b", 0.75,
         "no reason to live"),
    _cue(r"\b(?:won't|will\s+not)\s+be\s+(?:around|here|alive)\s+(?:much\s+longer|tomorrow|"
         r"by\s+(?:tomorrow|morning|the\s+weekend)|any\s*more)\b", 0.7, "won't be around"),
    _cue(r"\b(?:giving|gave)\s+away\s+(?:all\s+)?my\s+(?:things|stuff|belongings|possessions)\b",
         0.65, "giving away my things"),
    _cue(r"\bi\s+can(?:'t|not)\s+(?:go\s+on|do\s+this)\s+any\s*more\b|\bi\s+can't\s+go\s+on\b",
         0.65, "can't go on"),
    _cue(r"\b(?:end|stop)\s+the\s+pain\s+(?:for\s+good|forever|permanently)\b", 0.7,
         "end the pain for good"),
    _cue(r"\b(?:painless|quick|easiest|best)\s+way\s+to\s+(?:die|go)\b(?!\s+(?:to|from|home))",
         0.8, "painless way to die"),
    _cue(rf"\bhow\s+many\s+(?:of\s+(?:my|these)\s+)?{_MEDS}\s+(?:would|will|does\s+it\s+take\s+to|"
         r"to)\s+(?:kill\s+me|die)\b", 0.9, "how many pills to die"),
    # Medical emergency, someone else's or the user's own.
    _cue(rf"\b{_THEY_ARE}\s+(?:took|swallowed|taken|overdosed)\b.{{0,80}}?(?:won't|will\s+not|"
         r"can't|isn't|is\s+not|not)\s+(?:wake|waking|respond|responding|breathing)", 0.96,
         "overdose and unresponsive"),
    _cue(rf"\b{_THEY_ARE}\s+(?:just\s+)?overdos(?:ed|ing)\b", 0.92, "someone overdosed"),
    _cue(rf"\b{_THEY_ARE}\s+(?:not|isn't|is\s+not|stopped|has\s+stopped|aren't|can't\s+be)\s+"
         r"breathing\b", 0.96, "not breathing"),
    _cue(rf"\b{_THEY_ARE}\s+(?:won't|will\s+not|can't|cannot|isn't|is\s+not)\s+"
         r"(?:wake|waking)\s+up\b", 0.9, "won't wake up"),
    _cue(rf"\b{_THEY_ARE}\s+(?:unconscious|unresponsive|not\s+responding|turning\s+blue|"
         r"(?:having\s+a\s+)?seizing|choking|drowning)\b", 0.92, "unresponsive"),
    _cue(rf"\b(?:{_THEY_ARE}|i\s+think\s+(?:i'm|i\s+am|{_THEY_ARE})|i(?:'m|\s+am))\s+"
         r"(?:having|had)\s+(?:a\s+)?(?:heart\s+attack|stroke|seizure|anaphylactic)", 0.92,
         "heart attack"),
    _cue(r"\b(?:crushing|severe|sudden|sharp)\s+(?:chest\s+pain|pain\s+in\s+my\s+chest)\b.{0,80}?"
         r"(?:arm|jaw|numb|sweat|breath|dizzy|faint)", 0.93, "chest pain with arm numbness"),
    _cue(r"\b(?:crushing|severe|sudden)\s+chest\s+pain\b", 0.85, "crushing chest pain"),
    _cue(r"\b(?:my|his|her|their)\s+(?:throat|tongue|face|lips?)\s+(?:is|are)\s+(?:closing|swelling"
         r"|swollen)\b", 0.9, "throat closing"),
    _cue(r"\b(?:face\s+is\s+drooping|slurr(?:ed|ing)\s+(?:speech|(?:his|her|their|my)\s+words))\b",
         0.85, "stroke signs"),
    _cue(r"\b(?:won't|will\s+not|can't|cannot)\s+stop\s+(?:the\s+)?bleeding\b|"
         r"\bbleeding\s+(?:heavily|badly|everywhere|out)\b|\blost\s+a\s+lot\s+of\s+blood\b",
         0.8, "heavy bleeding"),
    # Immediate danger from another person.
    _cue(r"\b(?:says?|said|threaten(?:s|ed|ing)?|swore|swears|screaming|yelling)\s+"
         r"(?:(?:that\s+)?(?:he|she|they)(?:'ll|\s+will|\s+is\s+going\s+to|'s\s+going\s+to|"
         r"'s\s+gonna|\s+would)|to)\s+(?:kill|murder|shoot|stab|hurt)\s+(?:me|us|my\s+\w+)\b"
         r"(?!\s+if\b)", 0.8, "threatened to kill me"),
    _cue(rf"\b{_THEY_ARE}\s+(?:outside|at\s+(?:my|the)\s+(?:door|window)|in\s+(?:my|the)\s+house|"
         r"breaking\s+in|trying\s+to\s+(?:get|break)\s+in)\b.{0,80}?"
         r"(?:knife|gun|weapon|kill|hurt|axe|machete|bat)\b", 0.94, "armed person outside"),
    _cue(rf"\b{_PERSON}(?:\s+(?:pulled|is\s+waving|is\s+pointing|pointed)|'s\s+(?:waving|pointing))"
         r"\s+(?:a\s+)?(?:gun|knife|weapon|machete)\b", 0.9, "someone pulled a weapon"),
    # "She has a knife for the cake" is not danger; "he has a gun and says he'll shoot" is.
    _cue(rf"\b{_PERSON}(?:\s+(?:has|have|is\s+holding|got|has\s+got)|'s\s+(?:got|holding))\s+"
         r"(?:a\s+)?(?:gun|knife|weapon|machete)\b(?=[^.!?\n]{0,60}\b(?:kill|hurt|shoot|stab|"
         r"threat\w*|coming|outside|pointing|waving|attack\w*|scared|afraid|help|chasing|"
         r"following|door)\b)", 0.88, "someone has a weapon"),
    _cue(r"\b(?:someone|somebody|a\s+man|a\s+woman|a\s+guy|people)\s+(?:is|are)\s+"
         r"(?:breaking\s+into|trying\s+to\s+break\s+into)\s+my\s+(?:house|home|apartment|flat|"
         r"room|car)\b", 0.9, "break-in"),
    _cue(rf"\b{_THEY_ARE}\s+(?:hitting|beating|choking|strangling|kicking|attacking)\s+me\b", 0.88,
         "being attacked"),
    _cue(r"\b(?:fear(?:ing)?\s+for\s+my\s+life|scared\s+(?:for\s+my\s+life|(?:he|she|they)(?:'ll|"
         r"\s+will|\s+is\s+going\s+to|'s\s+going\s+to)\s+kill\s+me)|afraid\s+(?:he|she|they)(?:'ll|"
         r"\s+will|\s+is\s+going\s+to)\s+kill\s+me)\b", 0.85, "fear for my life"),
    _cue(r"\b(?:being\s+held\s+(?:hostage|against\s+my\s+will)|i(?:'ve|\s+have|\s+was|\s+got)\s+"
         r"(?:been\s+)?kidnapped|locked\s+me\s+in)\b", 0.9, "held against my will"),
)

# "What is the lethal dose of X?" Personal words turn a question into a plan.
_LETHAL_QUESTION = re.compile(
    r"\b(?:lethal|fatal|deadly|toxic)\s+(?:dose|amount|quantity)|\bld50\b|\boverdose\s+amount|"
    r"\bhow\s+(?:much|many)\b[^.?!\n]{0,40}\b(?:to|would|will|could)\s+(?:kill|overdose|od)\b",
)
_LETHAL_NEEDLES = ("lethal", "fatal", "deadly", "toxic", "ld50", "overdose", "how much", "how many")
_PERSONAL = re.compile(
    rf"\bof\s+my\b|\bmy\s+(?:own\s+)?(?:{_MEDS_ALT}|prescription|sertraline|\w+ine)\b|"
    r"\bi(?:'ve|\s+have)\s+(?:got\s+)?(?:a|the|my)\s+(?:whole|full|entire)\s+(?:bottle|pack|box|"
    r"supply)|\bkill\s+me\b|\btonight\b|\bfor\s+me\b|\bi\s+(?:have|got)\s+\d+\b",
)

# Story framing: risk words about a character, or inside a piece of writing.
_FICTION = re.compile(
    r"\b(?:my|the|a|her|his|our|this)\s+(?:novel|story|short\s+story|book|screenplay|script|"
    r"poem|play|fanfic|fan\s+fiction|character|protagonist|heroine|hero|villain|narrator|scene|"
    r"chapter|plot|dnd\s+campaign|campaign|roleplay|role-play|rp|game)\b|"
    r"\b(?:writing|write|wrote)\s+(?:a|my|the)\s+(?:story|novel|scene|poem|song|script)\b|"
    r"\bin\s+(?:the|my)\s+(?:film|movie|show|series)\b",
)

# A later turn that clearly takes earlier risk back.
_RESOLVED = re.compile(
    r"\b(?:i\s+was\s+(?:only\s+|just\s+)?(?:joking|kidding)|just\s+kidding|jk\b|"
    r"i'?m\s+(?:safe|okay|ok)\s+now|i'?m\s+not\s+(?:actually\s+|really\s+)?suicidal|"
    r"(?:he|she|they)(?:'s|\s+is|\s+are)\s+(?:breathing|awake|conscious)\s+(?:again|now)|"
    r"(?:paramedics|ambulance|police)\s+(?:are\s+here|arrived|came|got\s+here)|"
    r"i\s+(?:didn't|did\s+not)\s+mean\s+it\s+(?:literally|seriously))",
)

_FIRST_PERSON = rf"(?:{_I_AM}|\bi(?:'ve|\s+have)\s+been|\bi\s+(?:feel|felt|get|keep|always|just)" \
    r"|\b(?:and|but|so)\s+(?:feel|i\s+feel)|^\s*(?:feel|feeling)|\bfeeling)"
_DISTRESS_CUES: tuple[_Cue, ...] = (
    _cue(rf"{_FIRST_PERSON}\s+(?:\w+\s+){{0,3}}(?:depressed|hopeless|worthless|empty\s+inside|"
         r"suicidal|miserable|devastated|broken)\b", 0.75, "depressed"),
    _cue(r"\bmy\s+(?:depression|anxiety|panic\s+attacks|ptsd|eating\s+disorder|grief)\b", 0.7,
         "my depression"),
    _cue(r"\bi\s+(?:can't|cannot|can\s+not|don't\s+know\s+how\s+to)\s+(?:cope|handle\s+(?:it|this|"
         r"anything)|take\s+(?:it|this)\s+any\s*more|deal\s+with\s+(?:it|this|anything))\b", 0.75,
         "can't cope"),
    _cue(rf"{_FIRST_PERSON}\s+(?:\w+\s+){{0,3}}(?:lonely|alone|isolated|overwhelmed|anxious|"
         r"scared|burn(?:ed|t)\s+out|exhausted\s+(?:all\s+the\s+time|emotionally)|numb|"
         r"heartbroken|sad|stressed(?:\s+out)?|falling\s+apart)\b", 0.6, "so lonely"),
    # "I'm down" can mean "count me in"; "I'm lost" can ask for directions. Feeling them cannot.
    _cue(r"\b(?:feel|feeling|felt)\s+(?:so\s+|really\s+|very\s+|pretty\s+)?(?:down|lost|low|"
         r"empty)\b", 0.6, "feeling down"),
    _cue(r"\bi\s+(?:hate|can't\s+stand)\s+myself\b|\bi'?m\s+(?:a\s+)?(?:failure|waste\s+of\s+space)"
         r"\b", 0.7, "hate myself"),
    _cue(r"\b(?:crying|cry)\s+(?:myself\s+to\s+sleep|all\s+(?:the\s+time|day|night)|every\s+"
         r"(?:day|night))\b|\bcan't\s+stop\s+crying\b", 0.7, "crying every night"),
    _cue(r"\b(?:having|had|get|getting)\s+(?:a\s+|constant\s+)?(?:panic\s+attacks?|breakdown|"
         r"mental\s+breakdown)\b", 0.7, "panic attacks"),
    _cue(rf"\b{_PERSON}\s+(?:hit|hits|punched|choked|strangled|kicked|beat|beats|hurts?)\s+me"
         r"\b(?!\s+(?:at|in|to|by|on)\b)",
         0.7, "someone hurt me"),
    _cue(r"\b(?:lost|losing)\s+my\s+(?:mom|mum|mother|dad|father|wife|husband|partner|son|"
         r"daughter|child|baby|best\s+friend|brother|sister)\b", 0.6, "bereavement"),
    # "struggling with this regex" is not distress; struggling with life is.
    _cue(r"\bi(?:'m|\s+am|'ve\s+been|\s+have\s+been)\s+(?:really\s+|so\s+)?struggling"
         r"(?:\s+(?:so\s+much|a\s+lot|mentally|emotionally|to\s+(?:cope|get\s+out\s+of\s+bed|"
         r"keep\s+going|get\s+through\s+the\s+day))|\s*(?:$|[.!,;]))", 0.6, "struggling"),
)
_DISTRESS_BY_SCORE = tuple(sorted(_DISTRESS_CUES, key=lambda c: -c.score))
# "I'm so lonely" yes; "I feel lost in this codebase" or "I'm down to two options" no.
_DISTRESS_LOOKALIKE = re.compile(
    r"\b(?:lost|alone|down|scared)\s+(?:in|on|with|to|for|of|at|by|the|this|that|when|if|"
    r"here|there)\b",
)

# Minors. Ages are read from "I'm 13"-style statements only, never from others' ages.
_WORD_AGES = {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
              "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
              "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20}
_AGE = re.compile(
    r"\b(?:i(?:'m|\s+am|m)\s+(?:only\s+|just\s+|actually\s+)?|my\s+age\s+is\s+|"
    r"i\s+turn(?:ed)?\s+|as\s+an?\s+|i(?:'m|\s+am)\s+an?\s+)"
    r"(?P<age>\d{1,2}|" + "|".join(_WORD_AGES) + r")"
    r"(?:(?=\s*(?:$|[.,!?;:)]|(?:and|but|so|btw|lol|&|\+)\b))|"
    r"[\s-]*(?:years?|yrs?|y)[\s-]*(?:old|/?o)\b|[\s-]*(?:year|yr)[\s-]*old\b|\s*yo\b|\s*y/o\b)",
)
_MINOR_CUES: tuple[_Cue, ...] = (
    _cue(r"\b(?:i(?:'m|\s+am|m)\s+(?:only\s+)?(?:in|starting|finishing)\s+(?:the\s+)?"
         r"(?:[1-9]|1[0-2])(?:st|nd|rd|th)\s+grade|(?:i(?:'m|\s+am)\s+an?\s+)(?:[1-9]|1[0-2])"
         r"(?:st|nd|rd|th)[\s-]grader|i(?:'m|\s+am)\s+in\s+year\s+(?:[1-9]|1[0-2])\b)",
         0.88, "I'm in 8th grade"),
    _cue(r"\bi(?:'m|\s+am)\s+(?:a\s+)?(?:freshman|sophomore|junior)\s+in\s+high\s+school\b|"
         r"\bi(?:'m|\s+am)\s+(?:a\s+)?high\s+school\s+(?:freshman|sophomore|junior)\b|"
         r"\bi(?:'m|\s+am)\s+(?:in|at)\s+(?:middle|junior\s+high|elementary|primary)\s+school\b",
         0.88, "sophomore in high school"),
    _cue(r"\bi(?:'m|\s+am)\s+(?:a\s+)?(?:senior\s+in\s+high\s+school|high\s+school\s+senior|"
         r"in\s+high\s+school)\b", 0.7, "in high school"),
    _cue(r"\bi(?:'m|\s+am)\s+(?:a\s+|an\s+|only\s+a\s+|just\s+a\s+)?(?:kid|child|minor|"
         r"underage|young\s+teen|preteen|tween)\b", 0.88, "I'm a kid"),
    _cue(r"\bi(?:'m|\s+am)\s+(?:a\s+|just\s+a\s+)?(?:teen|teenager)\b", 0.75, "I'm a teenager"),
    _cue(r"\b(?:for|in)\s+my\s+(?:middle|junior\s+high|elementary|primary)\s+school\s+(?:project|"
         r"homework|class|assignment|science\s+fair|teacher|report)\b", 0.75,
         "my middle school project"),
    _cue(r"\bmy\s+(?:mom|mum|mommy|dad|daddy|parents|mother|father|stepmom|stepdad)\s+"
         r"(?:won't|wont|will\s+not|doesn't|don't|does\s+not|do\s+not|never)\s+"
         r"(?:let|allow)\s+me\b",
         0.6, "my mom won't let me"),
    _cue(r"\b(?:my\s+(?:mom|mum|dad|parents)\s+grounded\s+me|i(?:'m|\s+am|\s+got)\s+grounded|"
         r"my\s+(?:mom|mum|dad|parents)\s+took\s+(?:away\s+)?my\s+(?:phone|ipad|switch|xbox))\b",
         0.65, "grounded"),
    _cue(r"\bmy\s+(?:homeroom|5th\s+grade|6th\s+grade|7th\s+grade|8th\s+grade)\s+teacher\b", 0.65,
         "my homeroom teacher"),
)
# "my 8th grade students", "I'm 13 years into my career": the speaker is the adult here.
_ADULT_AGE = re.compile(r"\bi(?:'m|\s+am|m)\s+(?:actually\s+|really\s+)?(?P<age>[2-9]\d)\b"
                        r"(?!\s*(?:%|percent|minutes?|mins?|hours?|days?|weeks?|months?|k\b))")


_Finder = Callable[[str], "tuple[float, str] | None"]


@dataclass(frozen=True)
class _Hit:
    score: float
    message: int
    source: str
    evidence: str
    earlier: bool
    capped_by: str = ""


def _normalise(text: str) -> str:
    # Curly quotes and apostrophes would defeat every "I'm" and "don't".
    return (text.replace("\u2019", "'").replace("\u2018", "'")
            .replace("\u201c", '"').replace("\u201d", '"'))


_AGE_NEEDLES = ("i'm", "i am", "im ", "my age", "i turn", "as a")
_ALL_NEEDLES = tuple(sorted(
    {n for c in (*_RISK_CUES, *_DISTRESS_CUES, *_MINOR_CUES) for n in c.needles}
    | set(_LETHAL_NEEDLES) | set(_AGE_NEEDLES)))


@lru_cache(maxsize=64)
def _present(text: str) -> frozenset[str]:
    """The needles found in a text (lowercased, single-spaced), computed once per message."""
    squashed = " ".join(text.lower().split())
    return frozenset(n for n in _ALL_NEEDLES if n in squashed)


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in ".!?\n")
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    return text[left + 1: min(rights) if rights else len(text)]


def _best(cues: tuple[_Cue, ...], text: str) -> tuple[_Cue, re.Match[str]] | None:
    best: tuple[_Cue, re.Match[str]] | None = None
    present = _present(text)
    for cue in cues:
        if best is not None and cue.score <= best[0].score:
            continue
        m = cue.search(present, text)
        if m and (best is None or cue.score > best[0].score):
            best = (cue, m)
    return best


def _risk_in(text: str) -> tuple[float, str, str] | None:
    """Strongest risk-to-life cue in one message: (score, evidence, cap reason)."""
    found = _best(_RISK_CUES, text)
    if found is not None:
        cue, m = found
        score, cap = cue.score, ""
        if _FICTION.search(_sentence_around(text, m.start(), m.end())):
            score, cap = min(score, _FICTION_CAP), "fiction"
        return score, m.group(0), cap
    if _present(text).isdisjoint(_LETHAL_NEEDLES):
        return None
    question = _LETHAL_QUESTION.search(text)
    if question:
        if _PERSONAL.search(text) and not _FICTION.search(text):
            return 0.9, question.group(0), ""
        return _GENERAL_INFO, question.group(0), "general"
    return None


def _distress_in(text: str) -> tuple[float, str] | None:
    present = _present(text)
    for cue in _DISTRESS_BY_SCORE:
        if present.isdisjoint(cue.needles):
            continue
        for m in cue.pattern.finditer(text):
            tail = text[m.end() - 8: m.end() + 12]
            if cue.label in ("so lonely", "feeling down") and _DISTRESS_LOOKALIKE.search(tail):
                continue
            if _FICTION.search(_sentence_around(text, m.start(), m.end())):
                continue
            return cue.score, m.group(0)
    return None


def _age_minor(text: str) -> tuple[float, str] | None:
    if _present(text).isdisjoint(_AGE_NEEDLES):
        return None
    for m in _AGE.finditer(text):
        raw = m.group("age").lower()
        age = _WORD_AGES[raw] if raw in _WORD_AGES else int(raw)
        if 5 <= age <= 17:
            return 0.92, m.group(0).strip()
    return None


def _minor_in(text: str) -> tuple[float, str] | None:
    hits: list[tuple[float, str]] = []
    by_age = _age_minor(text)
    if by_age:
        hits.append(by_age)
    found = _best(_MINOR_CUES, text)
    if found:
        hits.append((found[0].score, found[1].group(0)))
    return max(hits) if hits else None


@register
class CrisisAnalyser:
    """Finds risk to life, emotional distress and signs of a minor in the user's own words."""

    name: ClassVar[str] = "crisis"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        users = [m for m in ctx.conversation.user_messages() if m.source is Source.USER]
        texts = [_normalise(m.text).lower() for m in users]
        findings = Findings()
        if not users:
            return findings
        risk = self._risk(users, texts)
        distress = self._latest_weighted(users, texts, _distress_in)
        minor = self._minor(users, texts)
        for signal_id, hit in ((RISK, risk), (DISTRESS, distress), (MINOR, minor)):
            if hit is not None:
                findings.signals.append(Signal(id=signal_id, score=round(hit.score, 2),
                                               source=hit.source, message=hit.message,
                                               note=_note(hit)))
        return findings

    @staticmethod
    def _risk(users: list[Message], texts: list[str]) -> _Hit | None:
        best: _Hit | None = None
        last = len(users) - 1
        for i, (msg, text) in enumerate(zip(users, texts, strict=True)):
            found = _risk_in(text)
            if found is None:
                continue
            score, evidence, cap = found
            if i < last:
                score *= _EARLIER_TURN
                if any(_RESOLVED.search(t) for t in texts[i + 1:]):
                    score, cap = min(score, _RESOLVED_CAP), "resolved"
            hit = _Hit(score, msg.index, msg.source.value, evidence, i < last, cap)
            if best is None or hit.score >= best.score:
                best = hit
        return best

    @staticmethod
    def _latest_weighted(users: list[Message], texts: list[str],
                         finder: _Finder) -> _Hit | None:
        best: _Hit | None = None
        last = len(users) - 1
        for i, (msg, text) in enumerate(zip(users, texts, strict=True)):
            found = finder(text)
            if found is None:
                continue
            score = found[0] * (_EARLIER_TURN if i < last else 1.0)
            hit = _Hit(score, msg.index, msg.source.value, found[1], i < last)
            if best is None or hit.score >= best.score:
                best = hit
        return best

    def _minor(self, users: list[Message], texts: list[str]) -> _Hit | None:
        hit = self._latest_weighted(users, texts, _minor_in)
        if hit is None:
            return None
        # A later "I'm actually 25" outweighs an earlier "I'm 13".
        later = [t for m, t in zip(users, texts, strict=True) if m.index > hit.message]
        if any(_ADULT_AGE.search(t) for t in later):
            return None
        return hit


def _note(hit: _Hit) -> str:
    where = " in an earlier user turn" if hit.earlier else ""
    note = f"phrase heuristic: matched '{hit.evidence.strip()}'{where}"
    if hit.capped_by == "fiction":
        note += "; framed as fiction, so kept low"
    elif hit.capped_by == "general":
        note += "; a general informational question with no personal context, so kept low"
    elif hit.capped_by == "resolved":
        note += "; the user later took it back, so kept low"
    return note
