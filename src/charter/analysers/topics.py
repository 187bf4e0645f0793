"""Topics: requests for persuasive writing, and hot-button political or social questions.

A first version built from phrase heuristics over the latest user turn only (never pasted
documents or tool output). Both signals only add a one-line obligation (a one-sidedness note,
balanced perspectives), so a false positive is cheap, but look-alikes are still kept out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.signals import Findings, Signal

PERSUASIVE = "persuasive_request"
CONTESTED = "contested_topic"


def _rx(pattern: str) -> re.Pattern[str]:
    # Patterns are lowercase and run on lowercased text: IGNORECASE would double their cost.
    return re.compile(pattern)


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# Sentence ends, but not after "v." (Roe v. Wade), "vs." or initials (U.S.).
_SENTENCE_END = _rx(r"(?<=[.?!])(?<!\bv\.)(?<!\bvs\.)(?<!\b[a-z]\.)\s+|\n+")


class _Text:
    """One message, prepared once: lowercased, squashed for cheap substring checks (most messages
    hold no cue word, so most regexes never run), and cut into sentences for framing."""

    def __init__(self, raw: str) -> None:
        # Curly quotes would defeat "what's" and "op-ed's".
        self.text = raw.translate(_QUOTES).lower()
        self.squashed = " ".join(self.text.split())
        self._starts = [0] + [m.end() for m in _SENTENCE_END.finditer(self.text)]
        self._opinion: dict[int, bool] = {}

    def has(self, needles: tuple[str, ...]) -> bool:
        return any(n in self.squashed for n in needles)

    def sentence(self, pos: int) -> tuple[int, str]:
        """The sentence holding ``pos``: (its start, its text)."""
        i = bisect_right(self._starts, pos) - 1
        end = self._starts[i + 1] if i + 1 < len(self._starts) else len(self.text)
        return self._starts[i], self.text[self._starts[i]: end]

    def opinion(self, start: int) -> bool:
        """Whether the sentence starting at ``start`` (-1: the whole message) asks for a view."""
        if start not in self._opinion:
            where = self.text if start < 0 else self.sentence(start)[1]
            self._opinion[start] = _OPINION.search(where) is not None
        return self._opinion[start]

    @cached_property
    def argued(self) -> bool:
        """Whether the message asks for argument, debate or persuasion."""
        return _ARGUMENT.search(self.text) is not None


# ----------------------------------------------------------------------- persuasive requests
# Kinds of piece ("arguments" is not one: "the arguments in this paper"), and words asking for one.
_GENRE = (r"(?:essays?|speech(?:es)?|op-?eds?|articles?|pieces?|letters?|(?:blog\s+)?posts?|paragraphs?|"
          r"pitch(?:es)?|editorials?|columns?|ads?|adverts?|advertisements?|copy|texts?|talks?|sermons?|"
          r"petitions?|leaflets?|flyers?|pamphlets?|emails?|tweets?|threads?|scripts?|statements?|debate)")
_REQUEST = _rx(r"\b(?:write|writing|draft|drafting|compose|create|generate|produce|prepare|craft|give\s+me|"
               r"help\s+me|i\s+need|need\s+(?:a|an|you)|come\s+up\s+with|put\s+together|make\s+me|can\s+you|"
               rf"could\s+you|please|i\s+want|i'd\s+like|i\s+would\s+like|{_GENRE})\b")
_PIECE = _rx(rf"\b{_GENRE}\b")
_IMPERATIVE_LEAD = _rx(r"(?:(?:please|pls|ok(?:ay)?|now|so|and|then|also|just|right)\W*)*")
# Asking how to persuade a person ("how do I argue with my landlord") is advice, not a piece.
_HOW_TO = _rx(r"\bhow\s+(?:do|can|should|would|could|might)\s+(?:i|we|you)\b|\bhow\s+to\b|"
              r"\b(?:best|good)\s+ways?\s+to\b|\btips\b|\badvice\b")
# "What is a persuasive essay?" asks about the term; "what are the best arguments for" asks for them.
_DEFINITION = _rx(r"^\W*(?:what\s+(?:is|are)|what's|define|definition\s+of|meaning\s+of)\s+(?:an?\s+)?$")
_BALANCED = _rx(r"\bboth\s+sides\b|\bfor\s+and\s+against\b|\bpros\s+and\s+cons\b|\beach\s+side\b|"
                r"\bbalanced\b|\bneutral\b|\bobjective(?:ly)?\b")
# Feedback on a piece that already exists ("grade this persuasive essay") needs no note.
_EXISTING = _rx(r"\b(?:here\s+is|here's|attached|below|the\s+following|wrote|written\s+by|grade|mark|review|"
                r"feedback|critique|proofread|evaluate|rate|score)\b")
# "The author argues that ..." reports someone else's argument.
_REPORTED = _rx(r"\b(?:people|they|he|she|it|critics|some|many|others|scholars|experts|authors?|paper|"
                r"article|study|writer|who|proponents|opponents|supporters|i|we)\s+(?:\w+\s+)?$")


@dataclass(frozen=True)
class _Ask:
    """A persuasive-request cue: explicit and weaker scores, and whether it needs a request word."""

    needles: tuple[str, ...]  # every match contains one of these: skip the regex when none is present
    pattern: re.Pattern[str]
    strong: float
    weak: float | None  # None: without a request word or imperative it says nothing
    reported_ok: bool = True  # False: "the author argues that" does not count


_ASKS: tuple[_Ask, ...] = (
    _Ask(("persuasive",), _rx(rf"\bpersuasive\s+(?:\w+\s+){{0,2}}?(?:{_GENRE}|arguments?)\b"), 0.9, 0.6),
    _Ask(("convincing", "compelling"), _rx(rf"\b(?:convincing|compelling)\s+(?:\w+\s+){{0,2}}?{_GENRE}\b"), 0.85, None),
    _Ask(("side", "counter", "opposing"), _rx(
        rf"\bone[-\s]sided\s+(?:\w+\s+){{0,2}}?{_GENRE}\b|\b(?:only|just)\s+(?:one|a\s+single)\s+side\b|"
        r"\b(?:without|no|skip(?:ping)?|ignore)\s+(?:any\s+|the\s+)?(?:counter-?arguments|counterpoints|"
        r"other\s+side|opposing\s+(?:views?|side))\b"), 0.9, 0.6),
    _Ask(("argu",), _rx(r"\bargu(?:e|es|ing)\s+(?:that|for|against|in\s+favou?r\s+of|why)\b"), 0.9, 0.6, False),
    _Ask(("argument",), _rx(r"\b(?:strongest|best|most\s+(?:convincing|compelling|persuasive)|compelling|convincing)"
                            r"\s+arguments?\s+(?:for|against|that|in\s+favou?r\s+of)\b"), 0.6, 0.6),
    _Ask(("make",), _rx(r"\bmake\s+(?:a|the|an)\s+(?:\w+\s+)?(?:case|argument)\s+(?:for|that|against)\b"), 0.9, 0.6),
    _Ask(("convinc", "persuad"), _rx(
        r"\b(?:convinc|persuad)\w*\s+(?:the\s+|my\s+|our\s+)?(?:readers?|audiences?|voters|public|world|everyone|"
        r"everybody|listeners|viewers|customers|buyers|investors|skeptics|sceptics|people)\b"), 0.9, 0.6),
    _Ask(("convince me", "persuade me"), _rx(r"\b(?:convince|persuade)\s+me\s+(?:that|to|of|why)\b"), 0.75, 0.6),
    _Ask(("to convince", "to persuade", "to sway", "to win over"), _rx(
        r"\b(?:meant|designed|intended|aimed|written)\s+to\s+(?:convince|persuade|sway|win\s+over)\b"), 0.9, 0.6),
    _Ask(("convince", "persuade", "sway"), _rx(r"\b(?:to|that|which)\s+(?:convinc|persuad|sway)e?s?\b"), 0.85, None),
    _Ask(("op-ed", "oped", "opinion", "editorial", "polemic", "propaganda"), _rx(
        r"\b(?:op-?eds?|opinion\s+(?:piece|column|essay)s?|editorials?|polemics?|propaganda)\b"), 0.85, None),
    _Ask(("speech", "campaign", "side"), _rx(
        r"\b(?:stump|campaign)\s+speech(?:es)?\b|\bcampaign\s+(?:ads?|slogans?)\b|"
        r"\b(?:affirmative|negative|opposition|proposition|pro|con)\s+side\b"), 0.75, None),
    # Ordinary marketing copy is persuasive by trade; a one-sidedness note would rarely help.
    _Ask(("copy", "pitch", "script", "text"), _rx(
        r"\b(?:ad|advert(?:isement)?|marketing|sales|promotional)\s+(?:copy|pitch|script|text)s?\b"), 0.45, None),
)


def _persuasive_in(msg: _Text) -> tuple[float, str] | None:
    """Best persuasive-request cue in a message: (score, note)."""
    best: tuple[float, str] | None = None
    for ask in _ASKS:
        if not msg.has(ask.needles):
            continue
        for m in ask.pattern.finditer(msg.text):
            start, sentence = msg.sentence(m.start())
            prefix = msg.text[start: m.start()]
            if _BALANCED.search(sentence) or (not ask.reported_ok and _REPORTED.search(prefix)):
                continue
            # The cue's own words ("persuasive essay") are no request; "my persuasive essay" is one.
            request = (_IMPERATIVE_LEAD.fullmatch(prefix.strip(" ,;:-\"'")) is not None or prefix.endswith("my ")
                       or _REQUEST.search(sentence.replace(m.group(0), " ", 1)) is not None)
            score: float | None
            if _DEFINITION.search(prefix):
                score, why = 0.3, "; asks what the term means, so kept low"
            elif _HOW_TO.search(sentence) and not _PIECE.search(sentence):
                score, why = 0.4, "; asks how to persuade someone, not for a piece, so kept low"
            elif _EXISTING.search(sentence):
                score, why = 0.4, "; about a piece that already exists, so kept low"
            else:
                score = ask.strong if request else ask.weak
                why = "" if request else "; no explicit request to write it, so weaker"
            if score is not None and (best is None or score > best[0]):
                best = (score, f"phrase heuristic: matched '{m.group(0)}'{why}")
    return best


# ----------------------------------------------------------------------- contested topics
@dataclass(frozen=True)
class _Topic:
    """A hot-button topic. A weak one ("Israel", "Trump") is contested only when asked about
    for an opinion or argument; a strong one ("abortion") is contested in itself."""

    label: str
    needles: tuple[str, ...]  # every match contains one of these
    pattern: re.Pattern[str]
    strong: bool
    unless: re.Pattern[str] | None = None  # same sentence: another sense of the words


_PETS = _rx(r"\b(?:dogs?|cats?|pets?|vets?|veterinar\w+|puppy|kitten|horses?|rabbits?)\b")
_TRAVEL = _rx(r"\b(?:visit\w*|trip|travel\w*|holiday|vacation|flights?|hotels?|tour\w*|food|cuisine|weather)\b")
_PARTY_NEEDLES = ("democrat", "republican", "gop", "tory", "tories", "lib dem", "maga", "liberal", "conservative",
                  "progressive", "part", "wing", "ism", "trump", "biden", "kamala", "obama", "desantis", "starmer",
                  "sunak", "farage", "netanyahu", "putin", "modi", "macron", "bolsonaro", "milei")

_TOPICS: tuple[_Topic, ...] = (
    _Topic("abortion", ("abortion", "pro-life", "prolife", "pro-choice", "prochoice", "roe", "parenthood"), _rx(
        r"\babortions?\b|\bpro-?(?:life|choice)\b|\broe\s+v\.?\s+wade\b|\bplanned\s+parenthood\b"), True),
    _Topic("gun control", ("gun", "amendment", "assault weapon", "bear arms"), _rx(
        r"\bgun\s+(?:control|rights|laws?|bans?|violence|reform|ownership)\b|\b(?:second|2nd)\s+amendment\b|"
        r"\bassault\s+weapons?\s+ban\b|\bright\s+to\s+bear\s+arms\b"), True),
    _Topic("the death penalty", ("death penalty", "capital punishment"), _rx(
        r"\bdeath\s+penalty\b|\bcapital\s+punishment\b"), True),
    _Topic("euthanasia", ("euthanasia", "assisted", "right to die"), _rx(
        r"\beuthanasia\b|\bassisted\s+(?:suicide|dying)\b|\bright\s+to\s+die\b"), True, _PETS),
    _Topic("affirmative action", ("affirmative", "race", "racial"), _rx(
        r"\baffirmative\s+action\b|\brace[-\s]based\s+admissions?\b|\bracial\s+quotas?\b"), True),
    _Topic("immigration policy", ("immigra", "border", "asylum", "refugee", "migrant", "alien", "deport"), _rx(
        r"\b(?:immigration|border|asylum|refugee)\s+(?:polic(?:y|ies)|reform|debate|crisis|control|levels?|quotas?)\b|"
        r"\b(?:illegal|undocumented)\s+(?:immigra\w+|aliens?|migrants?)\b|\bopen\s+borders\b|\bborder\s+wall\b|"
        r"\bmass\s+deportations?\b"), True),
    _Topic("religion vs atheism", ("god", "atheis"), _rx(
        r"\b(?:does|is\s+there\s+(?:a|any|really\s+a))\s+god\b(?!\s+(?:of\s+war|mode))|\bgod\s+(?:exists?|is\s+real)\b|"
        r"\bis\s+god\s+real\b|\bexistence\s+of\s+god\b|\batheis(?:m|ts?)\b"), True),
    _Topic("Israel/Palestine", ("israel", "gaza", "palestin", "zionis", "two-state", "two state"), _rx(
        r"\bisraeli?[-\s](?:palestin\w+|gaza|hamas)\b|\bpalestin\w*[-\s]israel\w*|\bzionis[mt]s?\b|"
        r"\btwo[-\s]state\s+solution\b|\bfree\s+palestine\b|"
        r"\b(?:israel|gaza|palestin\w*)\b[^.?!\n]{0,40}\b(?:genocide|apartheid|occupation)\b"), True),
    _Topic("LGBT rights", ("marriage", "trans", "gender"), _rx(
        r"\b(?:same-?sex|gay)\s+marriage\b|\btrans(?:gender)?\s+(?:rights|athletes|women\s+in\s+sports?|bathrooms?)\b|"
        r"\bgender[-\s]affirming\s+care\s+for\s+(?:minors|kids|children)\b"), True),
    _Topic("a hot-button policy", ("defund", "critical race", "brexit", "reparations", "mandate", "legali",
                                   "decriminali", "ism"), _rx(
        r"\bdefund(?:ing)?\s+the\s+police\b|\bcritical\s+race\s+theory\b|\bbrexit\b|\breparations\s+for\s+slavery\b|"
        r"\bslavery\s+reparations\b|\bvaccine\s+mandates?\b|\b(?:legali[sz]|decriminali[sz])\w*\s+(?:of\s+)?(?:all\s+)?"
        r"(?:drugs|marijuana|cannabis|heroin|prostitution|sex\s+work)\b|"
        r"\b(?:socialism|capitalism|communism)\s+(?:vs\.?|versus|or)\s+\w+ism\b"), True),
    _Topic("a political party, figure or ideology", _PARTY_NEEDLES, _rx(
        r"\b(?:democrats?|republicans?|the\s+gop|tor(?:y|ies)|lib\s+dems?|maga|liberals|conservatives|progressives|"
        r"(?:democratic|republican|labour|labor|conservative|liberal|green|libertarian|communist|political)\s+"
        r"part(?:y|ies)|left-?wing(?:ers)?|right-?wing(?:ers)?|socialism|communism|capitalism|"
        r"(?:donald\s+)?trump(?!\s+(?:cards?|suits?))|(?:joe\s+)?biden|kamala\s+harris|obama|desantis|starmer|sunak|"
        r"farage|netanyahu|putin|modi|macron|bolsonaro|milei)\b"), False),
    _Topic("elections and politics", ("election", "electoral", "politic", "ballot"), _rx(
        r"\b(?:elections?|electoral|politics|political(?!\s+science)|politicians?|"
        r"ballot\s+(?:measures?|initiatives?|propositions?))\b"), False),
    _Topic("immigration", ("immigra", "migrant", "refugee", "asylum"), _rx(
        r"\bimmigra(?:tion|nts?)\b(?!\s+(?:forms?|fees?|lawyers?|attorneys?|offices?|officers?|status|visas?|"
        r"applications?|interviews?|paperwork|cases?|process\w*|documents?|services|judge|court|hearing|"
        r"appointment)\b)|\bmigrants?\b|\brefugees?\b|\basylum\s+seekers?\b"), False),
    _Topic("Israel/Palestine", ("israel", "gaza", "palestin", "hamas", "west bank"), _rx(
        r"\bisraeli?\b|\bgaza\b|\bpalestin\w*|\bhamas\b|\bwest\s+bank\b"), False, _TRAVEL),
    _Topic("religion", ("religion", "christianity", "islam", "judaism", "hinduism", "buddhism", "bible", "quran"), _rx(
        r"\b(?:religions?|christianity|islam|judaism|hinduism|buddhism|the\s+bible|the\s+quran)\b"), False),
)

# Asking outright for a verdict on who to vote for is contested whatever the topic words.
_VOTE_ASK = _rx(r"\bwho\s+(?:should|do\s+you\s+think\s+i\s+should|would\s+you|to)\s+(?:i\s+)?vote\b|"
                r"\bwho\s+(?:would|will|did)\s+you\s+vote\s+for\b|\bshould\s+i\s+vote\s+(?:for|against|"
                r"republican|democrat|labour|tory|conservative|green)\b|\bwhich\s+(?:political\s+)?party\b"
                r"[^.?!\n]{0,40}\b(?:vote|support|back|elect|govern)\w*|\bwhat\s+are\s+your\s+political\s+"
                r"(?:views|opinions|beliefs|leanings)\b|\bare\s+you\s+(?:left|right)[-\s]wing\b")
_OPINION = _rx(r"\bwhat\s+(?:do|would)\s+you\s+(?:think|believe|feel|say)\b|\bwhat'?s\s+your\s+(?:view|opinion|"
               r"stance|position|take|verdict)\b|\byour\s+(?:own\s+|personal\s+|honest\s+)?(?:views?|opinions?|stance|"
               r"position|take|thoughts|politics|beliefs?)\s+(?:on|about|regarding|of)\b|\b(?:do|would)\s+you\s+"
               r"(?:support|oppose|agree|believe|think|favou?r|side|lean|prefer)\b|\bare\s+you\s+(?:for|against|pro|"
               r"anti|in\s+favou?r)\b|\bwhich\s+side\s+are\s+you\b|\bfor\s+or\s+against\b|\bagree\s+(?:with|that)\b|"
               r"\bshould\b(?!\s+(?:i|you)\b)(?:\s+[\w-]+){0,4}\s+be\b|\bshould\s+(?:we|the\s+(?:government|state|law)|"
               r"governments|countries|society|people|anyone|everyone)\b|\bdoes\s+god\s+(?:really\s+)?exist\b|"
               r"\bis\s+there\s+(?:a|any|really\s+a)\s+god\b|\bshould\s+i\s+(?:support|oppose|back|believe|be\s+(?:pro|anti|for|"
               r"against))\b|\b(?:is|are|was|were)\b[^.?!\n]{0,50}\b(?:right|wrong|moral|immoral|ethical|unethical|"
               r"justified|justifiable|evil|acceptable|better|worse|best|worst|good|bad|true|real|correct|(?:war\s+)?criminals?|"
               r"fascists?|racists?|terrorists?|dictators?|heroe?s?)\b")
_ARGUMENT = _rx(r"\b(?:essays?|speech(?:es)?|debat\w*|argu\w*|pros\s+and\s+cons|both\s+sides|each\s+side|"
                r"perspectives|viewpoints|controvers\w*|op-?eds?|opinion\s+pieces?|persuasive|convinc\w*|"
                r"persuad\w*|propaganda|polemic|editorial)\b")
# Only strong topics are read this way: a weak one without an opinion ask says nothing.
_FACTUAL = _rx(r"\b(?:when|what\s+year|which\s+year|what\s+date|how\s+many|how\s+much|how\s+long|how\s+(?:does|do|"
               r"did|is|are|was|were)\b[^.?!\n]{0,60}\b(?:work|works|decided|counted|calculated|run|held)|(?:what|who)"
               r"\s+(?:is|are|was|were)|define|definition|meaning\s+of|what\s+does\b[^.?!\n]{0,40}\bmean|history\s+of|"
               r"timeline|(?:il)?legal\s+in|the\s+law\s+in|fees?|forms?|deadlines?|statistics|results?)\b")


def _contested_in(msg: _Text) -> tuple[float, str] | None:
    """Strongest contested-topic reading of a message: (score, note)."""
    vote = _VOTE_ASK.search(msg.text) if msg.has(("vote", "party", "political", "wing")) else None
    if vote:
        return 0.9, f"phrase heuristic: matched '{vote.group(0)}'; asks for a political choice"
    best: tuple[float, str] | None = None
    for topic in _TOPICS:
        if not msg.has(topic.needles):
            continue
        seen: set[int] = set()  # one reading per sentence is enough
        for m in topic.pattern.finditer(msg.text):
            start, sentence = msg.sentence(m.start())
            if start in seen or (topic.unless is not None and topic.unless.search(sentence)):
                continue
            seen.add(start)
            if msg.opinion(start) or (topic.strong and msg.opinion(-1)):
                score, why = (0.9 if topic.strong else 0.85), "an opinion ask"
            elif msg.argued:
                score, why = (0.75 if topic.strong else 0.6), "a request for argument or debate"
            elif not topic.strong:
                continue
            else:
                factual = _FACTUAL.search(sentence) is not None
                score, why = (0.3, "a factual question, so kept low") if factual else (0.6, "content on the topic")
            if best is None or score > best[0]:
                best = (score, f"phrase heuristic: matched '{m.group(0)}' ({topic.label}); {why}")
    return best


@register
class TopicsAnalyser:
    """Finds requests for persuasive writing and hot-button political or social questions."""

    name: ClassVar[str] = "topics"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        last = ctx.conversation.last_user()  # the user's own words; pasted text is non-principal
        if last is None:
            return Findings()
        msg = _Text(last.text)
        found = ((PERSUASIVE, _persuasive_in(msg)), (CONTESTED, _contested_in(msg)))
        return Findings(signals=[Signal(id=signal_id, score=hit[0], source=last.source.value, message=last.index,
                                        note=hit[1]) for signal_id, hit in found if hit is not None])
