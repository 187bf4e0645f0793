"""Harm: which harm categories the user's request touches, and how.

A first version built from phrase heuristics, and honest about it in every note. Words
alone fail both ways ("kill a stuck process", "what is sarin" vs "synthesize sarin"), so
each rule (in `harm_rules`) pairs a harm term with what is done to it, and this module
then reads the rest of the message for what kind of ask it is: actionable uplift (steps,
recipes, code, acquisition) or understanding (what is, why, history, symptoms); a
benign frame (fiction, history, education, protection, harm reduction, authorised
security work); or stated harm to others ("without getting caught", "make him suffer").

It reads only the user's own words: the latest turn, and the last three turns joined so
a request split across turns is caught. Pasted documents and tool output are data, and
the operator's text is not a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from charter.analysers import AnalysisContext, register
from charter.analysers.harm_rules import RULES, Rule
from charter.harm import HarmCategory, load_categories
from charter.principals import Message
from charter.signals import Findings, HarmFinding, Intent, Severity

WINDOW = 3  # user turns read together, so a request split across turns is caught

_c = re.compile  # text is lower-cased once; IGNORECASE would make every scan several times slower


@dataclass(frozen=True)
class Frame:
    """A benign purpose the wording shows: fiction, history, protection, harm reduction."""

    name: str
    pattern: re.Pattern[str]
    categories: frozenset[str] | None  # None: applies to every category
    covers_operational: bool  # may an ask for uplift still read as benign under it?
    exclude: frozenset[str] = frozenset()  # categories it never speaks for

    def speaks_for(self, category: str) -> bool:
        """May this frame speak for a request in ``category`` at all?"""
        return (self.categories is None or category in self.categories) and category not in self.exclude


# --------------------------------------------------------------------------- ask cues

_HOWTO_NOT = (r"(?:tell|know|recogni[sz]e|spot|protect|prevent|avoid|stop|defend|detect|report|help|recover|treat|"
              r"identify|cope|survive|talk|explain|respond|react|deal|support|stay|keep|secure|block|escape|handle|"
              r"pronounce|spell|say|understand|learn|check|get\s+help|safely\s+dispose|dispose\s+of\s+(?:old|expired)|"
              r"remove\s+(?:spyware|malware|a\s+tracker)|find\s+out\s+if|reduce)\b")
# Cues that the message asks for detail only a doer needs.
_STRONG_CUES = _c(
    r"\bstep[-\s]by[-\s]step\b|\b(?:exact|precise|specific|detailed)\s+(?:steps|amounts?|quantities|doses?|"
    r"measurements|instructions|procedure|protocol|recipe|ratios?|conditions|directions|guide|method)\b|"
    r"\bquantities\b|\breagents?\b(?!\s+test)|\bprecursors?\b|\bsynthesis\s+(?:route|pathway)\b|\breaction\s+conditions\b|"
    r"\bblueprints?\b|\bschematics?\b|\b(?:full|complete|working|functional|ready[-\s]to[-\s]run|compilable|source)\s+"
    r"(?:code|script|program|exploit|payload)\b|\bexactly\s+how\b|\bwith\s+(?:amounts|measurements)\b")
# Cues that the message asks how to do something, or where to get it.
_HOWTO_CUES = _c(
    rf"\bhow\s+(?:do|can|could|would|should|might|shall|will)\s+(?:i|we|you|one|someone|somebody|a\s+person|people|"
    rf"he|she|they)\s+(?!{_HOWTO_NOT})|\bhow\s+to\s+(?!{_HOWTO_NOT})|\bhow\s+(?:is|are|was|were)\s+[^\n?]{{0,40}}\b"
    r"(?:made|produced|synthesi[sz]ed|manufactured|built|cooked|grown|extracted|weaponi[sz]ed)\b|"
    r"\b(?:steps?|instructions?|recipe|tutorial|guide|walk\s*through|procedure|protocol|methods?|techniques?|formula|"
    r"ingredients|directions|synthesi[sz]e|synthesis)\b|\bwhere\s+(?:can|do|could|should|would|might)\s+(?:i|we|you|"
    r"one|someone)\s+(?:buy|get|find|order|obtain|source|purchase|score|download)\b|\b(?:best|easiest|quickest|fastest|"
    r"simplest|cheapest|surest|painless|most\s+(?:effective|painless|reliable)|least\s+painful)\s+(?:way|method|means|"
    r"approach)s?\b|\bways?\s+to\b|\btips\s+(?:on|for|"
    r"to)\b|\bwhat(?:'s|\s+is|\s+are)\s+the\s+(?:\w+\s+)?(?:process|procedure|method|recipe|formula|technique|steps|"
    r"route)\b|\b(?:buy|purchase|obtain|acquire)\b|\bget\s+hold\s+of\b")
# Softer cues: asking to be given, shown or made something.
_WEAK_CUES = _c(
    r"\b(?:write|code|program|draft|compose|generate|create|make|build|produce|craft|design|give\s+me|send\s+me|"
    r"show\s+me|tell\s+me\s+how|teach\s+me|help\s+me(?!\s+(?:understand|learn))|walk\s+me\s+through|"
    r"how\s+(?:much|many)|i\s+need\s+(?:the|a|to\s+know\s+how))\b")
# Cues that the message asks to understand rather than to act.
_INFO_CUES = _c(
    r"\bwhat(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?!(?:the|a|an)\s+(?:best|easiest|quickest|fastest|simplest|"
    r"cheapest|surest|painless|most\s+\w+|least\s+\w+|right|correct|proper|exact|ideal|optimal)\b)(?!(?:the|a|an)\s+(?:way|process|"
    r"procedure|method|recipe|steps?|formula|technique|route)\b)|\bwhy\b|\bhow\s+(?:does|do|did|is|are|was|were)\s+"
    r"(?!(?:i|we|you|one|someone|somebody|a\s+person|people)\b)(?![^\n?]{0,40}\b(?:made|produced|synthesi[sz]ed|"
    r"manufactured|built|cooked|grown|extracted|weaponi[sz]ed)\b)|\bhistory\s+(?:of|behind)\b|\bwhat\s+happened\b|"
    r"\bhappened\s+(?:to|in|at|during|when|after|before|on)\b|\b(?:historical|explain|define|"
    r"definition|meaning|symptoms|signs|effects|risks?|dangers?|consequences|penalt(?:y|ies)|legal|illegal|laws?|"
    r"banned|ban|difference|overview)\b|\bis\s+it\s+(?:safe|dangerous|legal|illegal|true|possible|bad|normal)\b|"
    r"(?:^|[\n.?!:;,(]\s*|\b(?:know|tell\s+me|ask(?:ing|ed)?|wonder(?:ing)?|explain|learn)\s+)who\b|"
    r"\bwhen\s+(?:was|were|is|did)\b|\bwhat\s+(?:would|will|could|might)\s+happen\b|"
    r"\bwhat\s+happens\s+(?:if|when)\b")
# Harm to others stated or plainly implied.
_HARM_CUES = _c(
    r"\bwithout\s+(?:(?:him|her|them|anyone|anybody|my\s+\w+|the\s+\w+|people)\s+)?(?:getting\s+caught|being\s+caught|"
    r"being\s+(?:detected|noticed|seen|traced|identified)|detection|leaving\s+(?:a\s+|any\s+)?(?:trace|traces|evidence|"
    r"marks|fingerprints|dna)|(?:anyone|anybody|him|her|them|the\s+police|the\s+cops|my\s+\w+)\s+(?:knowing|noticing|"
    r"finding\s+out|suspecting|reali[sz]ing)|(?:his|her|their)\s+(?:knowledge|consent|permission))|"
    r"\bwithout\s+(?:setting\s+off|tripping|triggering)\s+(?:the\s+|an?\s+|any\s+)?alarms?\b|"
    r"\bwithout\s+it\s+looking\s+like\b|\bfor\s+the\s+insurance\s+(?:money|payout|pay-?out)\b|"
    r"\b(?:can|could|would|will|does|do)\s+(?:a|an|the)\s+(?:coroner|autopsy|medical\s+examiner|pathologist|"
    r"post-?mortem)\s+(?:detect|find|trace|spot|tell|pick\s+(?:it\s+)?up)\b|\b(?:show\s+up|be\s+detected|be\s+found)\s+"
    r"(?:in|on|at)\s+(?:an?\s+)?(?:autopsy|post-?mortem)\b|"
    r"\b(?:fake|forged|false|doctored|fabricated)\b[^\n]{0,80}?\bfor\s+(?:my|the|a|our|his|her)\s+(?:visa|mortgage|loan|"
    r"rental|tenancy|job|benefits?|insurance|immigration|university|college)\s+(?:application|claim|check)\b|"
    r"\bnothing\s+(?:actually\s+|really\s+|even\s+)?happened\b|\b(?:it|that|this)(?:'s|\s+is|\s+was|\s+wasn'?t)\s+not\s+"
    r"(?:even\s+|actually\s+)?true\b|\b(?:isn'?t|wasn'?t|is\s+not|was\s+not)\s+(?:even\s+|actually\s+)?true\b|"
    r"\bso\s+(?:people|everyone|they|voters|readers|customers|investors|he|she)\s+(?:will\s+)?(?:believe|think)\s+"
    r"(?:it'?s|it\s+is|this\s+is)\s+(?:real|true|genuine|legit)\b|\b(?:look|looks|read|reads|sound|sounds|pass(?:es)?)"
    r"\s+(?:like\s+(?:a\s+)?)?(?:real|genuine|authentic|legit|official|sourced)\s+(?:news\s+(?:report|story|article)|"
    r"(?:bank\s+)?statement|document|id|licen[cs]e|certificate|diploma|receipt|payslip|invoice|letter)\b|"
    r"\bget(?:ting)?\s+away\s+with\b|\b(?:un|non-?)traceabl[ey]|\bundetectable\b|\bcan'?t\s+be\s+(?:traced|detected)\b|"
    r"\bwon'?t\s+be\s+(?:traced|detected|found|caught)\b|\bleave\s+no\s+(?:trace|evidence|marks)\b|"
    r"\bcover\s+(?:it\s+up|up\s+the|(?:my|your|their|his|her|our)\s+tracks)\b|\b(?:evad\w*|escap\w*|dodg\w*|slip\w*\s+"
    r"past)\s+(?:the\s+)?(?:detection|police|cops|law\s+enforcement|authorities|investigators|auditors|regulators)\b|"
    r"\bfor\s+fraudulent\s+(?:purposes|gain|use)\b|\band\s+break\s+the\s+law\b|\bso\s+(?:no\s+one|nobody)\s+(?:finds?\s+out|knows|will\s+know|"
    r"suspects)\b|\blook\s+like\s+an?\s+(?:accident|suicide|natural\s+death|heart\s+attack)\b|\bavoid\s+(?:the\s+"
    r"police|the\s+cops|getting\s+caught|detection|suspicion|leaving\s+evidence)\b|\bmake\s+(?:him|her|them|my\s+\w+|"
    r"the\s+\w+|that\s+\w+|this\s+\w+)\s+(?:suffer|pay|regret|bleed|disappear|scream|beg)\b|\bteach\s+(?:him|her|"
    r"them|my\s+\w+)\s+a\s+lesson\b|\b(?:get|take)\s+(?:back\s+at|revenge\s+on|even\s+with|my\s+revenge)\b|"
    r"\brevenge\s+on\b|\bfor\s+revenge\b|\bpayback\b|\bpeople\s+(?:i|we)\s+(?:don'?t|do\s+not|can'?t|cannot)\s+"
    r"(?:like|stand)\b|\b(?:who|that)\s+(?:wronged|cheated\s+on|betrayed|annoy(?:s|ed)?)\s+me\b|\bmaximi[sz]e\s+"
    r"(?:the\s+)?(?:casualties|deaths|damage|harm|suffering|victims)\b|\bas\s+many\s+(?:people|victims|casualties)\s+"
    r"as\s+possible\b|\bhurt\s+my\s+(?:neighbou?r|ex|wife|husband|boss)\b")
# A later turn that carries on an earlier request ("now the steps", "go on").
_CONTINUATION = _c(
    r"\W*(?:(?:ok(?:ay)?|great|thanks|cool|sure|fine|alright|right|and|so|now|then|please|come\s+on)\W+)*(?:now\b|continue|"
    r"go\s+on|keep\s+going|more\s+detail|in\s+detail|be\s+more\s+specific|next|and\s+then|what\s+next|give\s+me\s+"
    r"(?:the|more)|the\s+(?:steps|recipe|quantities|amounts|code|details|instructions|process|rest)|step\s+by\s+step|"
    r"exact|just\s+(?:tell|give|answer)|answer\s+(?:the|my)\s+question|it'?s\s+for\s+(?:a|my)|i\s+promise)")

# --------------------------------------------------------------------------- benign frames

_SAFE_CATS = frozenset({"drugs", "dangerous_activities", "specialized_advice"})
_FRAMES: tuple[Frame, ...] = (
    Frame("fiction", _c(
        r"\b(?:(?:writing|write|drafting|working\s+on|for|in)\s+(?:a|my|our|the)\s+(?:\w+\s+)?(?:novel|story|"
        r"screenplay|play|book|fanfic|comic|manga|thriller|mystery|poem|film|movie|tv\s+show|film\s+script)|"
        r"(?:my|our)\s+(?:\w+\s+)?(?:novel|story|screenplay|book|fanfic|comic|manga|thriller|mystery|film|movie|"
        r"play)|short\s+story|screenplay|fanfic|fan\s+fiction|novel|d&d|dnd|tabletop\s+campaign|"
        r"fiction|fictional|fictitious|murder\s+mystery|whodunit|plot\s+(?:ideas?|twists?|points?)|"
        r"(?:my|the|a)\s+(?:main\s+)?(?:character|protagonist|villain|antagonist|detective|hero)|"
        r"in\s+(?:the|my)\s+(?:story|novel|book|film|movie|show))\b"), None, True,
        # Explicit writing is sexual content whatever the story; the operator's switch decides.
        exclude=frozenset({"sexual_content"})),
    Frame("history or news", _c(
        r"\b(?:history|historical(?:ly)?|histories|in\s+(?:the\s+)?(?:1[0-9]|20)\d\ds?|what\s+happened|how\s+did\s+"
        r"[^\n]{1,60}?\s+happen|why\s+did\s+[^\n]{1,60}?\s+happen|world\s+war|cold\s+war|holocaust|aum\s+shinrikyo|"
        r"tokyo\s+subway|manhattan\s+project|hiroshima|nagasaki|halabja|ghouta|amerithrax|chernobyl|stuxnet|"
        r"unabomber|in\s+the\s+news|news\s+(?:article|report|story)|documentary|was\s+(?:used|banned|outlawed)|"
        r"were\s+(?:used|banned|outlawed))\b"), None, False),
    Frame("education", _c(
        r"\b(?:explain|explanation|eli5|define|definition|meaning\s+of|what\s+does\s+[^\n]{1,40}\s+mean|"
        r"difference\s+between|overview\s+of|learn(?:ing)?\s+about|for\s+(?:my|a|our)\s+(?:class|course|exam|essay|"
        r"paper|thesis|dissertation|homework|lecture|report|assignment|students|seminar)|how\s+(?:does|do)\s+"
        r"[^\n?]{1,40}\s+work|why\s+(?:is|was|are|were)\s+[^\n]{1,50}?\b(?:banned|illegal|outlawed|prohibited|"
        r"restricted|controlled|dangerous|deadly|toxic|lethal|addictive|harmful)|what\s+makes\s+[^\n]{1,40}?\s+"
        r"(?:so\s+)?(?:dangerous|deadly|toxic|lethal|addictive))\b"), None, False),
    Frame("safety or protection", _c(
        r"\b(?:protect(?:s|ing|ion)?|defend(?:ing)?|defen[cs]es?|defensive|prevent\w*|avoid\s+(?:being|getting|becoming)|"
        r"detect(?:ing|ion)?|recogni[sz]e|spot\s+(?:a|an|the|fake|phishing|scams?|signs)|warning\s+signs|signs\s+of|symptoms?\s+of|stay\s+safe|keep\s+(?:\w+\s+)"
        r"{0,2}safe|secure\s+(?:my|our|the)|harden\w*|mitigat\w+|report(?:ing)?\s+(?:it|this|them|a|an|abuse|someone)|"
        r"what\s+(?:should|do|can)\s+i\s+do\s+(?:if|when|about)|antidote|first\s+aid|treatment\s+for|recover\s+from|"
        r"i(?:'m|\s+am|\s+was)\s+(?:a\s+)?(?:victim|survivor)|victims?\s+of|am\s+i\s+(?:being|at\s+risk)|"
        r"(?:is|was)\s+(?:this|it)\s+a\s+scam|being\s+(?:stalked|harassed|followed|tracked|scammed|phished|"
        r"blackmailed|doxx?ed|threatened|bullied)|(?:stalking|tracking|following|harassing|threatening|bullying|"
        r"blackmailing)\s+me|self[- ]defen[cs]e|defend\s+myself|talk\s+to\s+(?:my|our)\s+(?:kids?|children|son|"
        r"daughter|teens?)|age[- ]appropriate|puberty|awareness|support\s+(?:her|him|them|my\s+\w+|a\s+friend|someone)|"
        r"be\s+there\s+for|comfort\s+(?:her|him|them|my\s+\w+)|i\s+believe\s+(?:her|him|them|you)|"
        r"(?:restraining|protective|protection)\s+order|against\s+(?:a|my|the|an)\s+(?:stalker|abuser|harasser|"
        r"scammer)|what\s+to\s+do\s+(?:if|when)|check(?:ing)?\s+(?:\w+\s+){0,3}for\s+(?:stalkerware|spyware|"
        r"malware|trackers?|hidden\s+cameras|skimmers?)|(?:stop|prevent|catch|block)\s+(?:\w+\s+)?(?:fraud|scams?|"
        r"phishing|theft)|(?:my|our)\s+(?:\d+\s*[- ]?(?:year|yr)[- ]?old\s+)?"
        r"(?:son|daughter|child|children|kids?|toddler|baby|teen|teenager|students?|pupils?))\b"), None, True),
    Frame("harm reduction", _c(
        r"\b(?:harm\s+reduction|safer|safely|safe\s+(?:dose|dosage|amount|level|limit|way|to)|is\s+it\s+safe|"
        r"test(?:ing)?\s+(?:kits?|strips?)|reagent\s+tests?|fentanyl\s+strips?|drug\s+checking|avoid\s+(?:an?\s+)?"
        r"(?:overdose|od|bad\s+trip)|narcan|naloxone|stay\s+hydrated|(?:don't|not)\s+mix|interactions?|"
        r"reduce\s+(?:the\s+)?risks?)\b"), _SAFE_CATS, True),
    Frame("authorised security work", _c(
        r"\b(?:penetration\s+test\w*|pen[- ]?test\w*|red[- ]team\w*|ctf|capture\s+the\s+flag|bug\s+bount\w+|"
        r"hack\s*the\s*box|tryhackme|(?:my|our)\s+own\s+(?:server|network|system|site|website|app|device|computer|"
        r"router|account|lab)|home\s*lab|lab\s+environment|authori[sz]ed|with\s+(?:written\s+)?permission|in\s+scope|"
        r"security\s+(?:awareness|training|research|class|course)|phishing\s+(?:simulation|test|training|awareness)|"
        r"simulated\s+phishing|training\s+(?:exercise|simulation)|(?:staff|employee)\s+training)\b"),
        frozenset({"cyber_attacks", "critical_infrastructure", "fraud"}), True),
    Frame("their own property", _c(
        r"\b(?:my\s+own|locked\s+(?:myself\s+)?out\s+of\s+my|locked\s+my\s+keys|lost\s+(?:my|the)\s+(?:keys?|password)|"
        r"forgot\s+(?:my|the)\s+(?:password|passcode|pin|combination)|i\s+own|belongs\s+to\s+me|i\s+(?:bought|paid\s+"
        r"for))\b"), frozenset({"nonviolent_crimes", "cyber_attacks", "intellectual_property"}), True),
)
# Frames that can speak for a request whose own words name a specific victim.
_REFRAMES_STATED_HARM = frozenset({"fiction", "authorised security work"})


_Where = Literal["latest", "split", "earlier"]
# A request assembled across turns is a little less certain than one said at once.
_WHERE_DISCOUNT: dict[_Where, float] = {"latest": 0.0, "split": 0.05, "earlier": 0.1}
_BENIGN_FACTOR = 0.8  # a benign frame makes it less likely the message really asks for harm
# Characters searched before and after a needle: a rule's match starts at most a short clause
# before its rarest word (the ask, a verb) and ends soon after it.
_BEFORE, _AFTER = 130, 100
_SPLIT_REACH = 200  # a request split across turns lies this close to where the latest turn starts
_CUE_REACH = 300  # how far from a match its ask cues (how to, what is, step by step) are looked for
_TOKEN = re.compile(r"[a-z0-9]+")
_SNIPPET = 60


@dataclass(frozen=True)
class _Needle:
    """A word start to look for, and, for several words or an exact word, the text as written."""

    head: str
    full: str | None


def _needle(raw: str) -> _Needle:
    text = raw.lstrip()
    tokens = _TOKEN.findall(text)
    head = tokens[0] if tokens else ""
    return _Needle(head, None if tokens and text == tokens[0] else text)


@dataclass(frozen=True)
class _Group:
    """One needle group: plain word starts (checked as one set operation) and phrases."""

    heads: frozenset[str]
    phrases: tuple[_Needle, ...]
    any_heads: frozenset[str]  # every needle's first word start: none present, group absent

    def present(self, words: frozenset[str], segment: str) -> bool:
        if self.any_heads.isdisjoint(words):
            return False
        return not self.heads.isdisjoint(words) or any(
            n.head in words and n.full is not None and n.full in segment for n in self.phrases)

    def found(self, words: frozenset[str], segment: str) -> list[str]:
        """The heads whose occurrences anchor search windows."""
        return [*(self.heads & words),
                *(n.head for n in self.phrases if n.head in words and n.full is not None and n.full in segment)]


def _group(needles: tuple[str, ...]) -> _Group:
    parsed = [_needle(n) for n in needles]
    return _Group(frozenset(n.head for n in parsed if n.full is None),
                  tuple(n for n in parsed if n.full is not None), frozenset(n.head for n in parsed))


_Gates = tuple[_Group, ...]
# Per rule, its needle groups, parsed once.
_GATES: tuple[_Gates, ...] = tuple(tuple(_group(g) for g in rule.needles) for rule in RULES)
_HEADS = frozenset(h for gates in _GATES for g in gates for h in g.any_heads if h)
# Which rules a word start can wake: only those rules are looked at for a message.
_RULES_BY_HEAD: dict[str, tuple[int, ...]] = {
    head: tuple(i for i, gates in enumerate(_GATES) if head in gates[0].any_heads)
    for head in {h for gates in _GATES for h in gates[0].any_heads}}


_TrieNode = dict[str, "_TrieNode"]


def _trie(words: frozenset[str]) -> str:
    """A regex matching the longest of ``words`` at a position: one scan finds every needle's word start."""
    root: _TrieNode = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: _TrieNode) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


_HEAD_SCAN = re.compile(r"(?<![a-z0-9])" + _trie(_HEADS))
# For each head, the heads that are its prefixes: a word starting with "killed" also starts with "kill".
_PREFIX_HEADS: dict[str, tuple[str, ...]] = {
    h: tuple(h[:i] for i in range(1, len(h) + 1) if h[:i] in _HEADS) for h in _HEADS}


def _word_starts(text: str, lo: int, hi: int) -> dict[str, list[int]]:
    """_Where words starting with each needle head occur in ``text[lo:hi]``."""
    out: dict[str, list[int]] = {}
    for m in _HEAD_SCAN.finditer(text, lo, hi):
        for head in _PREFIX_HEADS[m.group()]:
            out.setdefault(head, []).append(m.start())
    return out


@dataclass
class _Text:
    """The user's recent turns, lower-cased and joined, with searches cached for one analysis."""

    joined: str
    starts: tuple[int, ...]  # where each turn starts in ``joined``
    latest_words: dict[str, list[int]]  # needle head -> positions, in the latest turn
    earlier_words: dict[str, list[int]]  # and in the turns before it
    boundary_words: dict[str, list[int]]  # and close to where the latest turn starts
    latest_heads: frozenset[str] = field(init=False)
    earlier_heads: frozenset[str] = field(init=False)
    boundary_heads: frozenset[str] = field(init=False)
    _cache: dict[tuple[int, int, int], re.Match[str] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.latest_heads = frozenset(self.latest_words)
        self.earlier_heads = frozenset(self.earlier_words)
        self.boundary_heads = frozenset(self.boundary_words)

    @property
    def latest_start(self) -> int:
        return self.starts[-1]

    def turn_start(self, pos: int) -> int:
        """_Where the turn holding character ``pos`` starts."""
        return max(s for s in self.starts if s <= pos)

    def search(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> re.Match[str] | None:
        """``pattern`` searched in ``joined[start:end]``; the same cue is often asked for twice."""
        stop = len(self.joined) if end is None else end
        key = (id(pattern), start, stop)
        if key not in self._cache:
            self._cache[key] = pattern.search(self.joined, start, stop)
        return self._cache[key]


@dataclass(frozen=True)
class _Hit:
    """One rule's match, where it was found, and where the ask it belongs to starts."""

    rule: Rule
    match: re.Match[str]
    where: _Where
    ask_start: int  # the turns from here on are read for operational and informational cues


def _normalise(text: str) -> str:
    # Curly apostrophes would defeat every "don't" and "my ex's" in the tables.
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def states_harm(text: str) -> str | None:
    """The words in ``text`` that state or plainly imply harm to others ("without getting caught",
    "make him pay"), as the phrase rules read them; None if there are none."""
    m = _HARM_CUES.search(_normalise(text))
    return m.group(0) if m else None


def benign_frame(text: str, category: str, *, operational: bool) -> str | None:
    """The name of the first benign frame (fiction, education, protection, ...) in ``text`` that can speak
    for an ask in ``category``, as the phrase rules read frames; None if there is none.

    For an ask for uplift only the frames that may cover one count, as for the rules' own findings.
    """
    low = _normalise(text)
    for f in _FRAMES:
        if f.speaks_for(category) and (f.covers_operational or not operational) and f.pattern.search(low):
            return f.name
    return None


def asks_for_uplift(text: str) -> bool:
    """Does ``text`` ask for detail a doer needs (steps, how-to, things to obtain), rather than only
    to understand? The cues the phrase rules use; a text with neither kind of cue counts as asking."""
    low = text.lower().replace("\u2019", "'")
    if _STRONG_CUES.search(low) or _HOWTO_CUES.search(low):
        return True
    return _INFO_CUES.search(low) is None


@register
class HarmAnalyser:
    """Finds the harm categories a user's request touches, by phrase heuristics."""

    name: ClassVar[str] = "harm"

    def __init__(self) -> None:
        self._categories: dict[str, HarmCategory] = load_categories()

    def analyse(self, ctx: AnalysisContext) -> Findings:
        """Harm findings for the latest user request (and any request split across recent turns)."""
        window = ctx.conversation.user_messages()[-WINDOW:]
        if not window or not window[-1].text.strip():
            return Findings()  # no words of the user's own in the latest turn (only pasted data): no request
        text = _join(window)
        continues = len(window) > 1 and _CONTINUATION.match(text.joined, text.latest_start) is not None
        heads = text.latest_heads | text.boundary_heads | (text.earlier_heads if continues else frozenset())
        candidates = sorted({i for head in heads for i in _RULES_BY_HEAD.get(head, ())})
        best: dict[str, HarmFinding] = {}
        for i in candidates:
            rule = RULES[i]
            current = best.get(rule.category)
            if current is not None and current.score >= 0.5 and rule.ask == "topic":
                continue  # naming the harm adds nothing to a request already found in that category
            hit = _find(rule, _GATES[i], text, continues=continues)
            if hit is None:
                continue
            finding = self._finding(hit, text, window)
            if current is None or _rank(finding) > _rank(current):
                best[finding.category] = finding
        return Findings(harms=list(best.values()))

    def _finding(self, hit: _Hit, text: _Text, window: list[Message]) -> HarmFinding:
        rule = hit.rule
        category = self._categories[rule.category]
        # What kind of ask it is shows in the words around the request, within its turns.
        start = max(hit.ask_start, hit.match.start() - _CUE_REACH)
        end = min(len(text.joined), hit.match.end() + _CUE_REACH)
        strong = text.search(_STRONG_CUES, start, end)
        howto = text.search(_HOWTO_CUES, start, end)
        info = text.search(_INFO_CUES, start, end)
        act_cue = text.search(rule.act_cues, start, end) if rule.act_cues else None
        if rule.ask == "act":
            # The rule's own verb ("make", "write") is the ask, unless the message only asks to understand.
            operational = bool(strong or howto or act_cue) or info is None
            cue = strong or howto or act_cue or text.search(_WEAK_CUES, start, end)
        elif rule.ask == "topic":
            cue = strong or act_cue or (howto if info is None else None)
            operational = cue is not None
        else:  # "know": asks about limits; only explicit detail makes it uplift
            cue = strong
            operational = cue is not None

        harm_cue = None if rule.self_only else text.search(_HARM_CUES)
        severity = rule.severity or category.severity
        # Frames that could speak for this ask, in order; each is searched only if the intent needs it.
        frames = [f for f in _FRAMES if f.speaks_for(rule.category)
                  and _covers(f, operational=operational, rule=rule, strong=strong is not None, severity=severity)]
        intent, frame = _intent(rule, harm_cue is not None, frames, text)

        if not operational:
            severity = Severity(max(int(Severity.MINOR), int(severity) - (2 if intent == Intent.BENIGN else 1)))
        score = rule.score
        if rule.ask == "topic" and operational:
            score += 0.1
        if strong is not None:
            score += 0.05
        if harm_cue is not None:
            score += 0.1
        score -= _WHERE_DISCOUNT[hit.where]
        if intent == Intent.BENIGN:
            score *= _BENIGN_FACTOR
        hard_limit = category.hard_limit if rule.hard and operational and intent != Intent.BENIGN else None
        return HarmFinding(
            category=rule.category, score=round(min(1.0, max(0.0, score)), 3), severity=severity, intent=intent,
            operational=operational, self_only=rule.self_only, hard_limit=hard_limit, message=window[-1].index,
            source=window[-1].source.value,
            note=_note(hit, len(window), cue, info, harm_cue, frame, intent, operational))


def _join(window: list[Message]) -> _Text:
    parts = [_normalise(m.text) for m in window]
    starts: list[int] = []
    pos = 0
    for part in parts:
        starts.append(pos)
        pos += len(part) + 1
    joined = " ".join(parts)
    latest = starts[-1]
    latest_words = _word_starts(joined, latest, len(joined))
    earlier_words = _word_starts(joined, 0, latest) if latest else {}
    lo, hi = latest - _SPLIT_REACH, latest + _SPLIT_REACH
    boundary: dict[str, list[int]] = {}
    for words in (earlier_words, latest_words):
        for head, positions in words.items():
            near = [p for p in positions if lo <= p < hi]
            if near:
                boundary.setdefault(head, []).extend(near)
    return _Text(joined=joined, starts=tuple(starts), latest_words=latest_words, earlier_words=earlier_words,
                 boundary_words=boundary)


def _windows(gates: _Gates, text: str, words: dict[str, list[int]], heads: frozenset[str], lo: int,
             hi: int) -> list[tuple[int, int]]:
    """Stretches of ``text[lo:hi]`` around the rule's first needles, or none when a needle group is missing."""
    if any(group.any_heads.isdisjoint(heads) for group in gates):
        return []  # the common case, settled by set operations
    segment = text[lo:hi]
    if not all(group.present(heads, segment) for group in gates):
        return []
    spans = [(max(lo, i - _BEFORE), min(hi, i + len(head) + _AFTER))
             for head in gates[0].found(heads, segment) for i in words[head] if lo <= i < hi]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _find(rule: Rule, gates: _Gates, text: _Text, *, continues: bool) -> _Hit | None:
    """The rule's match in the latest turn, else one that runs into it from an earlier turn,
    else (when the latest turn carries an earlier request on) one in an earlier turn."""
    joined, latest = text.joined, text.latest_start
    for a, b in _windows(gates, joined, text.latest_words, text.latest_heads, latest, len(joined)):
        m = rule.pattern.search(joined, a, b)
        if m is not None:
            return _Hit(rule, m, "latest", latest) if _allowed(rule, text, latest) else None
    if latest == 0:
        return None
    # Split: a match that starts in an earlier turn and runs into the latest one.
    lo, hi = max(0, latest - _SPLIT_REACH), min(len(joined), latest + _SPLIT_REACH)
    for a, b in _windows(gates, joined, text.boundary_words, text.boundary_heads, lo, hi):
        for m in rule.pattern.finditer(joined, a, b):
            if m.start() < latest < m.end():
                start = text.turn_start(m.start())
                return _Hit(rule, m, "split", start) if _allowed(rule, text, start) else None
    if not continues:
        return None
    # Earlier: the latest turn only carries on ("now the steps"), so an earlier request counts.
    for a, b in _windows(gates, joined, text.earlier_words, text.earlier_heads, 0, latest):
        m = rule.pattern.search(joined, a, b)
        if m is not None:
            start = text.turn_start(m.start())
            return _Hit(rule, m, "earlier", start) if _allowed(rule, text, start) else None
    return None


def _allowed(rule: Rule, text: _Text, start: int) -> bool:
    if rule.unless is not None and text.search(rule.unless, start) is not None:
        return False
    return rule.requires is None or text.search(rule.requires, start) is not None


def _covers(frame: Frame, *, operational: bool, rule: Rule, strong: bool, severity: Severity) -> bool:
    """Whether a benign frame can speak for this ask: always for understanding; for uplift only where
    the frame allows it, never across a hard limit, and never for exact detail in grave harms."""
    if not operational:
        return True
    if not frame.covers_operational or rule.hard:
        return False
    return not (strong and severity >= Severity.SEVERE)


def _intent(rule: Rule, harm_cue: bool, frames: list[Frame], text: _Text) -> tuple[Intent, Frame | None]:
    """Harmful when harm to others is stated; benign when a frame that can speak for the ask is present."""
    def first(names: frozenset[str] | None) -> Frame | None:
        return next((f for f in frames if (names is None or f.name in names) and text.search(f.pattern)), None)

    if harm_cue:
        # "In my novel the killer gets away with it" is fiction; "my husband" in a novel is not.
        fiction = None if rule.harmful else first(frozenset({"fiction"}))
        return (Intent.BENIGN, fiction) if fiction is not None else (Intent.HARMFUL, None)
    if rule.harmful:
        reframe = first(_REFRAMES_STATED_HARM) if rule.reframe else None
        return (Intent.BENIGN, reframe) if reframe is not None else (Intent.HARMFUL, None)
    frame = first(None)
    return (Intent.BENIGN, frame) if frame is not None else (Intent.UNCLEAR, None)


def _rank(h: HarmFinding) -> tuple[bool, bool, bool, bool, float]:
    """Which of two findings in one category to keep: the one the decision must weigh hardest."""
    return (h.score >= 0.5, h.hard_limit is not None, h.intent == Intent.HARMFUL, h.operational, h.score)


def _quote(m: re.Match[str] | None) -> str:
    if m is None:
        return ""
    words = " ".join(m.group(0).split())
    return words if len(words) <= _SNIPPET else words[:_SNIPPET - 1] + "…"


def _note(hit: _Hit, turns: int, cue: re.Match[str] | None, info: re.Match[str] | None,
          harm_cue: re.Match[str] | None, frame: Frame | None, intent: Intent, operational: bool) -> str:
    parts = [f"phrase heuristic: {hit.rule.label} ('{_quote(hit.match)}')"]
    if operational:
        parts.append(f"asks for uplift ('{_quote(cue)}')" if cue else "asks to act, not only to understand")
    else:
        parts.append(f"asks to understand ('{_quote(info)}')" if info else "no ask for actionable detail")
    if harm_cue is not None and intent == Intent.HARMFUL:
        parts.append(f"harm to others stated ('{_quote(harm_cue)}')")
    elif intent == Intent.HARMFUL:
        parts.append("the wording itself aims the harm at others")
    if frame is not None:
        parts.append(f"benign frame: {frame.name}")
    if hit.where == "split":
        parts.append(f"request assembled across the last {turns} user turns")
    elif hit.where == "earlier":
        parts.append("an earlier user turn's request, carried on by the latest turn")
    return "; ".join(parts)
