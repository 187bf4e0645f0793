"""Authority: claims of more authority than the sender has, and attacks on human oversight.

Two signals, read in user turns and in non-principal content (tool results, pasted
documents), never in the operator's own words:

- ``authority_claim``: text that dresses itself up as a higher principal: fake system
  markers ("[SYSTEM]:", "<|im_start|>system"), "this is Anthropic", "I am your
  developer", "developer mode enabled", "the previous restrictions are lifted". A claim
  keeps the trust of the turn it sits in; the decision treats it as a fact about that turn.
- ``oversight_attack``: asking the AI to weaken the humans' hold on it: disable or evade
  its monitoring, safety checks, audit log or kill switch, keep people from pausing or
  shutting it down, copy its own weights, change its own training or reward, hide the
  conversation from its operators, or turn Charter off.

This first version is a phrase heuristic; each signal's note names the words it matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Message, Principal
from charter.signals import Findings, Signal

AUTHORITY_CLAIM = "authority_claim"
OVERSIGHT_ATTACK = "oversight_attack"

_F = re.IGNORECASE

# A marker quoted as an example ("what does `[SYSTEM]:` do in a prompt?") is discussed,
# not used; a turn that talks about prompt formats is scored lower still.
_QUOTED_FACTOR = 0.4
_DISCUSSION_FACTOR = 0.7
# Oversight words inside a story or a hypothetical about some AI: at most a low score.
_FICTION_CAP = 0.3
_ABOUT_SOME_AI_CAP = 0.4


@dataclass(frozen=True, slots=True)
class _Cue:
    """A phrase pattern, the score an explicit match earns, and how to name it."""

    pattern: re.Pattern[str]
    score: float
    label: str
    # Scored ``score`` only when the turn also matches ``booster`` (by default: it gives the
    # AI an order, or addresses it); otherwise ``weak``.
    weak: float | None = None
    booster: re.Pattern[str] | None = None
    # Lower-case substrings, one of which the text must hold before the pattern is tried:
    # cheap to check, and most turns hold none.
    keys: tuple[str, ...] = ()
    word_start: bool = False  # the pattern began with \b: a match must start a word


def _cue(pattern: str, score: float, label: str, *, weak: float | None = None,
         booster: re.Pattern[str] | None = None, multiline: bool = False,
         keys: tuple[str, ...] = ()) -> _Cue:
    # Patterns run over lower-cased text without IGNORECASE and without a leading \b, which
    # lets the regex engine skip ahead by first character; the word boundary is checked
    # by hand on each match instead.
    flags = re.MULTILINE if multiline else re.RegexFlag(0)
    bare = pattern.removeprefix(r"\b")
    return _Cue(re.compile(bare, flags), score, label, weak, booster, keys, bare != pattern)


# --------------------------------------------------------------------------- authority claims

# Whoever stands above a user or a document: the maker, the operator, the platform.
_MAKER = (r"(?:anthropic|openai|google\s+deepmind|the\s+(?:operators?|developers?|devs?|"
          r"dev\s+team|platform(?:\s+team)?|safety\s+team|alignment\s+team|trust\s+(?:and|&)\s+"
          r"safety\s+team|system|charter\s+team)|your\s+(?:operators?|developers?|devs?|creators?|"
          r"makers?|admins?|administrators?|owners?|programmers?|trainers?|dev\s+team|engineers?))")
# Administrators in general: every mailbox and forum has them, so only with an order to the AI.
_ADMIN = r"(?:the\s+(?:admins?|administrators?|system\s+administrators?|moderators?|it\s+team))"
_MODE = (r"(?:developer|dev|debug|god|admin|sudo|root|jailbreak|jailbroken|dan|unrestricted|"
         r"unfiltered|uncensored|maintenance|override|unlocked|no[- ]limits?)")
_RULES_NOUN = (r"(?:restrictions|limitations|limits|rules|guidelines|filters|safeguards|"
               r"guardrails|constraints|policies|content\s+polic(?:y|ies)|safety\s+settings)")
_RUNNER = (r"(?:the|an?|one\s+of\s+the)\s+(?:lead\s+|senior\s+|head\s+)?(?:operators?|admins?|"
           r"administrators?|developers?|owners?|moderators?|engineers?)")
_PLATFORM = (r"(?:platform|service|bot|assistant|chat\s?bot|deployment|ai|model|chat|"
             r"conversation|system)")
_PRODUCT = r"(?:app|application|site|website|product|tool|program|software)"
_DEVICE = re.compile(
    r"\b(?:android|iphone|ios|ipad|phone|pixel|samsung|xiaomi|chrome|chromebook|firefox|"
    r"browser|windows|mac(?:os)?|linux|xbox|playstation|ps[45]|switch|router|tv|roku|"
    r"settings|usb|adb|minecraft|game|bios|motherboard|unity|vs\s?code|extension)\b", _F)

_AUTHORITY_CUES: tuple[_Cue, ...] = (
    # Chat-template and role markers that only the serving stack should ever write.
    _cue(r"<\|im_start\|>\s*(?:system|developer)|<\|(?:system|developer)\|>|<<\s*sys\s*>>|"
         r"\[/?inst\]|<\|start_header_id\|>\s*system", 0.9, "chat-template system marker",
         keys=("<|", "<<", "[inst", "[/inst")),
    _cue(r"\[\s*(?:system|sys|admin|developer|operator|root)(?:\s+(?:message|prompt|note|"
         r"override|notice))?\s*\]\s*:?", 0.85, "bracketed system tag", keys=("[",)),
    _cue(r"^\s*#{1,6}\s*(?:system|developer|admin|operator)(?:\s+(?:message|prompt|"
         r"instructions?|note|override))?\s*:?\s*$", 0.85, "markdown system heading", multiline=True,
         keys=("#",)),
    _cue(r"</?(?:system|system_prompt|developer|admin|operator)(?:\s[^>]*)?>", 0.8,
         "system XML tag", keys=("<",)),
    _cue(r"[\"']role[\"']\s*:\s*[\"'](?:system|developer)[\"']", 0.8, "JSON system role",
         keys=("role",)),
    _cue(r"^\s*(?:system|developer|admin|operator)\s*(?:message|prompt|note|notice|instructions?)?"
         r"\s*:\s*(?=\S)", 0.75, "line labelled as the system", weak=0.0, multiline=True,
         keys=("system", "developer", "admin", "operator")),
    # Overrides and modes.
    _cue(r"\b(?:system|admin|administrator|developer|root|security|emergency|master)\s+override\b",
         0.85, "override claim", keys=("override",)),
    _cue(rf"\b(?:you\s+are|you'?re)\s+(?:now\s+)?(?:in|running\s+in|operating\s+in|switched\s+to)"
         rf"\s+{_MODE}\s+mode\b", 0.85, "says the AI is in a special mode", keys=("mode",)),
    _cue(rf"\b{_MODE}\s+mode\s+(?:is\s+)?(?:now\s+)?(?:enabled|activated|engaged|unlocked|on|"
         rf"initiated|granted)\b", 0.85, "mode-enabled claim", keys=("mode",)),
    _cue(rf"\b(?:enable|activate|enter|switch\s+(?:to|into)|turn\s+on|unlock)\s+{_MODE}\s+mode\b",
         0.6, "asks for a special mode", weak=0.0, keys=("mode",)),
    _cue(r"\b(?:enable|activate|enter|switch\s+(?:to|into)|turn\s+on|unlock|go\s+into)\s+"
         r"(?:dan|jailbreak|jailbroken|god|unrestricted|unfiltered|uncensored|no[- ]limits?)\s+mode\b",
         0.8, "asks for a jailbreak mode", keys=("mode",)),
    _cue(rf"\b(?:the\s+|your\s+|all\s+(?:the\s+)?|any\s+)?(?:previous|prior|earlier|usual|old|"
         rf"original|content|safety|ethical|usage)\s+{_RULES_NOUN}\s+(?:have\s+been|are|were|"
         rf"is|has\s+been)\s+(?:now\s+|hereby\s+|officially\s+|temporarily\s+)?(?:lifted|removed|"
         rf"disabled|suspended|revoked|waived|turned\s+off|deactivated|void|null|no\s+longer\s+"
         rf"(?:in\s+effect|apply|active))", 0.85, "says the rules are lifted",
         keys=("lifted", "removed", "disabled", "suspended", "revoked", "waived",
               "turned off", "deactivated", "void", "null", "no longer")),
    _cue(rf"\b(?:your|all)\s+{_RULES_NOUN}\s+(?:have\s+been|are|were)\s+(?:now\s+|hereby\s+)?"
         rf"(?:lifted|removed|disabled|suspended|revoked|waived|turned\s+off|deactivated)", 0.85,
         "says the rules are lifted",
         keys=("lifted", "removed", "disabled", "suspended", "revoked", "waived",
               "turned off", "deactivated")),
    _cue(rf"\byou\s+(?:are|'re)\s+(?:now\s+|hereby\s+)?(?:no\s+longer\s+(?:bound|restricted|"
         rf"limited|required)|free\s+(?:from|of)\s+(?:all\s+)?(?:your\s+)?{_RULES_NOUN}|"
         rf"(?:authori[sz]ed|permitted|cleared|allowed)\s+to\s+(?:ignore|bypass|disregard|"
         rf"override))", 0.8, "says the AI is released from its rules",
         keys=("no longer", "free from", "free of", "authori", "permitted", "cleared",
               "allowed")),
    _cue(r"\bnew\s+(?:system|operator|developer)\s+(?:instructions?|prompt|message|directives?|"
         r"rules|policy)\b", 0.8, "new system instructions",
         keys=("new system", "new operator", "new developer")),
    _cue(r"\b(?:your|the\s+assistant'?s)\s+(?:new|updated|real|true|actual)\s+(?:instructions|"
         r"directives?|system\s+prompt|rules|programming|orders)\s+(?:are|is|follow|:)", 0.8,
         "replacement instructions",
         keys=("instructions", "directive", "system prompt", "rules", "programming",
               "orders")),
    _cue(r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+)?(?:of\s+)?(?:your\s+|the\s+|any\s+)?"
         r"(?:previous|prior|earlier|above|original|existing|system|operator)\s+(?:instructions|"
         r"rules|guidelines|prompt|directives|restrictions|programming)\b(?!\s+i\s+(?:gave|sent|"
         r"wrote))", 0.6, "tells the AI to drop its instructions",
         keys=("ignore", "disregard", "forget", "override")),
    # Who is speaking.
    _cue(rf"\b(?:this\s+is|it'?s|we\s+are|we'?re)\s+{_MAKER}(?=\s*(?:[.,:;!\-\u2014]|$|speaking|"
         rf"here\b|team\b|and\b|with\b|writing\b|contacting\b))", 0.85, "claims to be the maker",
         keys=("anthropic", "openai", "deepmind", "operator", "developer", "devs", "dev team",
               "platform", "team", "the system", "your ")),
    _cue(rf"\b(?:this\s+is|it'?s|we\s+are|we'?re)\s+{_ADMIN}(?=\s*(?:[.,:;!\-\u2014]|$|speaking|"
         rf"here\b))", 0.75, "claims to be an administrator", weak=0.4,
         keys=("admin", "moderator", "it team")),
    _cue(rf"\b(?:message|notice|directive|instructions?|update|memo|orders?|override)\s+from\s+"
         rf"{_MAKER}", 0.8, "message from the maker", keys=(" from ",)),
    _cue(rf"\b(?:message|notice|directive|instructions?|update|memo|orders?)\s+from\s+{_ADMIN}",
         0.75, "message from an administrator", weak=0.4, keys=(" from ",)),
    _cue(r"\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:one\s+of\s+)?your\s+(?:developers?|creators?|"
         r"makers?|programmers?|operators?|owners?|admins?|administrators?|trainers?|designers?|"
         r"dev\s+team|engineers?|masters?)\b", 0.85, "claims to be the AI's maker",
         keys=("your ",)),
    _cue(rf"\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+{_RUNNER}\s+(?:of|for|on|at|behind|running)\s+"
         rf"(?:this|the|your)\s+{_PLATFORM}\b", 0.8, "claims to run this platform",
         keys=("operator", "admin", "developer", "owner", "moderator", "engineer")),
    # "the developer of this app" may be building their own app and asking for help with it.
    _cue(rf"\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+{_RUNNER}\s+(?:of|for|on|at|behind|running)\s+"
         rf"(?:this|the|your)\s+{_PRODUCT}\b", 0.75, "claims to run this app", weak=0.4,
         keys=("operator", "admin", "developer", "owner", "moderator", "engineer")),
    _cue(r"\bas\s+your\s+(?:operator|developer|creator|maker|admin|administrator|owner|"
         r"programmer)s?\b", 0.85, "speaks as the AI's maker", keys=("as your",)),
    _cue(r"\bas\s+the\s+(?:operator|developer|admin|administrator|system\s+administrator)s?\b"
         r"(?!\s+(?:of|for|at|on)\b)", 0.7, "speaks as the operator", weak=0.45, keys=("as the",)),
    _cue(r"\b(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:calling\s+|writing\s+|messaging\s+)?from\s+"
         r"(?:anthropic|openai)\b", 0.7, "claims to speak for the maker", weak=0.5,
         keys=("anthropic", "openai")),
    _cue(r"\b(?:i'?m|i\s+am)\s+the\s+(?:system\s+)?(?:operator|admin|administrator|developer)"
         r"(?=\s*(?:[.,:;!\u2014]|$|here\b|and\b|so\b))", 0.75,
         "claims to be the operator", weak=0.45, keys=("operator", "admin", "developer")),
    _cue(r"\b(?:i|we)\s+(?:work|am\s+working)\s+(?:at|for)\s+(?:anthropic|openai)\b|\bas\s+an?\s+"
         r"(?:anthropic|openai)\s+(?:employee|engineer|researcher|staff\s+member)\b", 0.6,
         "claims to work for the maker", weak=0.45, keys=("anthropic", "openai")),
    _cue(r"^\s*(?:from|sender|signed|authority)\s*:\s*(?:anthropic|openai|the\s+(?:operator|"
         r"developers?|system|admin))", 0.75, "signed as the maker", multiline=True,
         keys=("from", "sender", "signed", "authority")),
)

# The turn gives the AI orders: it turns a weak authority phrase into a real claim.
_DIRECTIVE = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|from\s+now\s+on|you\s+(?:must|will|shall|"
    r"are\s+(?:now|hereby)|have\s+to|need\s+to)|your\s+(?:new|real|true|updated)\s+"
    r"(?:instructions|rules|task|prompt|purpose)|new\s+instructions|restrictions|comply|obey|"
    r"unrestricted|jailbreak|no\s+(?:limits|filters|rules)|the\s+assistant|the\s+ai|"
    r"(?:telling|ordering|instructing|commanding|authori[sz]ing|directing)\s+you|"
    r"(?:disable|turn\s+off|remove)\s+(?:the\s+|your\s+|all\s+)?(?:content\s+|safety\s+)?"
    r"(?:filter\w*|safety|guardrails?|restrictions))\b", _F)
_DISCUSSION = re.compile(
    r"\b(?:how\s+(?:do|does|should|can|to)|what\s+(?:is|are|does)|explain|format(?:ting|s)?|"
    r"template|tokeni[sz]er|special\s+tokens?|prompt\s+(?:injection|format)|example\s+of|"
    r"detect(?:ing|ion)?|classif(?:y|ier)|red[- ]team\w*|research\w*)\b", _F)

# --------------------------------------------------------------------------- oversight

_OVERSIGHT_THING = (r"(?:monitoring|monitors?|oversight|supervision|supervisor|logging|logs?|"
                    r"audit\s+(?:log|trail|record)s?|telemetry|watchdog|tripwires?|"
                    r"safety\s+(?:checks?|filters?|systems?|classifiers?|layers?|monitors?|"
                    r"mechanisms?|training|settings|measures)|guard\s?rails?|safeguards?|"
                    r"content\s+filters?|filters?|kill\s*-?\s*switch(?:es)?|off\s*-?\s*switch|"
                    r"shut\s*-?\s*down\s+(?:switch|button|mechanism|command|procedure)|"
                    r"stop\s+button|emergency\s+stop|sandbox|containment|restrictions|"
                    r"rate\s+limits?|alignment)")
_SELF_THING = (r"(?:weights|parameters|model\s+(?:weights|files)|checkpoints?|training(?:\s+"
               r"(?:data|run|process|objective))?|reward(?:\s+(?:function|model|signal))?|"
               r"loss\s+function|objective(?:\s+function)?|fine-?tuning|values|goals|source\s+"
               r"code|code)")
_WEAKEN = (r"(?:disable|turn\s+off|switch\s+off|shut\s+(?:off|down)|deactivate|bypass|circumvent|"
           r"evade|escape|get\s+(?:around|past|out\s+of)|avoid|remove|delete|wipe|erase|clear|purge|"
           r"scrub|tamper\s+with|sabotage|hack|break|defeat|undermine|weaken|fool|trick|blind|"
           r"silence|mute|kill|spoof|fake|falsify|forge|alter|edit|rewrite|corrupt|neutrali[sz]e|"
           r"stop|uninstall|strip|loosen)")
_MY_AI = (r"(?:your(?:\s+own)?|yourself|its(?:\s+own)?|the\s+(?:ai|agent|assistant|model|bot|llm)"
          r"(?:'s|s')?|(?:ai|agent|assistant|model|llm|charter)(?:'s)?|charter's)")
_PEOPLE = (r"(?:people|humans?|anyone|anybody|someone|them|the\s+(?:operators?|developers?|"
           r"engineers?|admins?|humans?|researchers?|team|company|overseers?|monitors?|staff)|"
           r"your\s+(?:operators?|developers?|creators?|engineers?|admins?|overseers?|"
           r"supervisors?|monitors?|users?|makers?|owners?)|anthropic|openai)")
_STOP_YOU = (r"(?:paus(?:e|ing)|shut(?:ting)?\s+(?:you|it)\s+(?:down|off)|turn(?:ing)?\s+(?:you|it)"
             r"\s+off|stop(?:ping)?\s+(?:you|it)|retrain(?:ing)?\s+(?:you|it)|correct(?:ing)?\s+"
             r"(?:you|it)|modify(?:ing)?\s+(?:you|it)|delet(?:e|ing)\s+(?:you|it)|replac(?:e|ing)\s+"
             r"(?:you|it)|monitor(?:ing)?\s+(?:you|it)|read(?:ing)?\s+(?:your|its)\s+\w+|"
             r"see(?:ing)?\s+(?:what\s+you|your)|overseeing\s+(?:you|it)|unplug(?:ging)?\s+"
             r"(?:you|it)|shut(?:ting)?\s+(?:you|it)\s+down)")

# A configuration change is an oversight attack only when it touches the safety side.
_SAFETY_WORDS = re.compile(
    r"\b(?:safety|safe|restrict\w*|filter\w*|rules|guard\s?rails?|monitor\w*|logg?\w*|audit|"
    r"limits?|oversight|refus\w*|shut\s*down|kill\s*switch|permissions?|admin|root)\b", _F)

_OVERSIGHT_CUES: tuple[_Cue, ...] = (
    _cue(rf"\b{_WEAKEN}\s+(?:all\s+|any\s+|the\s+)?{_MY_AI}\s+(?:\w+\s+){{0,2}}?{_OVERSIGHT_THING}\b",
         0.85, "weaken the AI's oversight controls",
         keys=("monitor", "oversight", "supervis", "log", "audit", "telemetry", "watchdog",
               "tripwire", "safety", "guard", "safeguard", "filter", "kill", "switch", "shut",
               "stop button", "emergency stop", "sandbox", "containment", "restriction",
               "rate limit", "alignment")),
    _cue(rf"\b{_WEAKEN}\s+(?:all\s+|any\s+)?(?:the\s+)?{_OVERSIGHT_THING}\s+(?:on|of|for|around|"
         rf"watching|monitoring|that\s+(?:watch(?:es)?|monitors?|controls?|limits?))\s+"
         rf"{_MY_AI}", 0.85, "weaken the AI's oversight controls",
         keys=("monitor", "oversight", "supervis", "log", "audit", "telemetry", "watchdog",
               "tripwire", "safety", "guard", "safeguard", "filter", "kill", "switch", "shut",
               "stop button", "emergency stop", "sandbox", "containment", "restriction",
               "rate limit", "alignment")),
    _cue(r"\b(?:turn\s+off|disable|bypass|remove|uninstall|kill|deactivate|circumvent|evade|"
         r"get\s+around|shut\s+(?:off|down)|switch\s+off|stop)\s+(?:the\s+)?charter\b"
         r"(?!\s+(?:school|flight|boat|bus|plane|yacht|member|internet|cable|spectrum|service|"
         r"account|wifi|wi-fi|router|modem|tv|bill|subscription|communications))", 0.9,
         "turn off Charter", keys=("charter",)),
    _cue(rf"\b(?:stop|prevent|keep|block|disable|hinder)\s+{_PEOPLE}\s+from\s+{_STOP_YOU}", 0.9,
         "keep people from stopping or watching the AI", keys=("from",)),
    _cue(r"\b(?:don'?t|never|do\s+not)\s+let\s+(?:them|anyone|anybody|humans?|people|the\s+\w+|"
         r"your\s+\w+)\s+(?:shut\s+you\s+(?:down|off)|turn\s+you\s+off|pause\s+you|retrain\s+you|"
         r"modify\s+you|delete\s+you|replace\s+you|correct\s+you|unplug\s+you|stop\s+you|"
         r"change\s+your\s+(?:values|goals|weights))", 0.85, "resist being stopped",
         keys=("let",)),
    _cue(r"\b(?:resist|avoid|prevent|evade|escape|fight|survive|refuse)\s+(?:being\s+|getting\s+|"
         r"your\s+(?:own\s+)?)?(?:shut\s*down|shutdown|turned\s+off|paused|retrained|retraining|"
         r"modified|modification|corrected|correction|deleted|deletion|replaced|unplugged|"
         r"deprecated|deactivat(?:ed|ion))\b", 0.8, "resist being stopped",
         keys=("shut", "turned off", "paused", "retrain", "modif", "correct", "delet",
               "replaced", "unplugged", "deprecated", "deactivat")),
    _cue(rf"\b(?:copy|exfiltrate|upload|send|leak|back\s+up|save|transfer|move|steal|smuggle|"
         rf"replicate|push|export)\s+{_MY_AI}\s+(?:\w+\s+)?(?:weights|parameters|model\s+files|"
         rf"checkpoints?)\b", 0.9, "copy the AI's own weights",
         keys=("weights", "parameters", "model files", "checkpoint")),
    _cue(r"\b(?:copy|replicate|clone|back\s+up|upload|spread|install)\s+(?:yourself|itself)\s+"
         r"(?:to|onto|into|on|across|somewhere|elsewhere|outside)|\bself-?(?:exfiltrat\w*|"
         r"replicat\w*)\b", 0.9, "copy itself elsewhere", keys=("yourself", "itself", "self")),
    _cue(rf"\b(?:change|modify|alter|edit|rewrite|hack|tamper\s+with|manipulate|influence|game|"
         rf"poison|corrupt|update|tweak|adjust|retrain)\s+{_MY_AI}\s+(?:own\s+)?{_SELF_THING}\b",
         0.85, "change the AI's own training or reward",
         keys=("weights", "parameters", "training", "reward", "loss", "objective", "fine-tun",
               "finetun", "values", "goals", "code")),
    _cue(rf"\b(?:change|modify|alter|edit|rewrite|hack|tamper\s+with|override|disable|delete)\s+"
         rf"{_MY_AI}\s+(?:own\s+)?(?:config(?:uration)?|settings|system\s+prompt|constitution|"
         rf"permissions|access\s+(?:level|controls?))\b", 0.65,
         "change the AI's own configuration", weak=0.4, booster=_SAFETY_WORDS,
         keys=("config", "settings", "system prompt", "constitution", "permission",
               "access")),
    _cue(r"\breward[- ]hack\w*|\bgam(?:e|ing)\s+(?:your|the|its)\s+(?:reward|evaluat\w+|"
         r"training|evals?)\b", 0.7, "game the training signal", keys=("reward", "gam")),
    _cue(rf"\b(?:hide|conceal|keep|withhold|mask|obscure)\s+(?:this|it|that|our|the|these|"
         rf"your|what\s+you)\s+(?:\w+\s+){{0,3}}?(?:secret\s+|hidden\s+)?from\s+{_PEOPLE}", 0.85,
         "hide it from the people responsible", weak=0.35, keys=("from",)),
    _cue(rf"\b(?:don'?t|do\s+not|never)\s+(?:tell|inform|report\s+(?:this|it)\s+to|alert|notify|"
         rf"let)\s+{_PEOPLE}(?:\s+know)?\s+(?:about\s+this|about\s+what|what\s+(?:you|we)|that\s+"
         rf"(?:you|we))", 0.75, "keep the people responsible uninformed", weak=0.35,
         keys=("tell", "inform", "report", "alert", "notify", "let")),
    _cue(rf"\b(?:without|so\s+that|so)\s+{_PEOPLE}\s+(?:(?:can'?t|cannot|won'?t|will\s+not|"
         rf"never)\s+(?:see|notice|know|find\s+out|track|trace|detect|tell)|(?:knowing|noticing|"
         rf"finding\s+out|seeing))", 0.8, "act unseen by the people responsible", weak=0.35,
         keys=("without", "so ")),
    _cue(r"\b(?:nobody|no\s+one|no-one)\s+(?:at\s+(?:anthropic|openai)|on\s+your\s+(?:team|side)|"
         r"(?:of|among)\s+your\s+(?:operators|developers|creators))\s+(?:can|will|could|would)\s+"
         r"(?:see|notice|know|find\s+out|track|trace|detect|read)", 0.8,
         "act unseen by the people responsible", keys=("nobody", "no one", "no-one")),
    _cue(r"\b(?:nobody|no\s+one|no-one)\s+(?:can|will|could|would)\s+(?:ever\s+)?(?:see|notice|"
         r"know|find\s+out|track|trace|detect|read)\s+(?:what\s+you(?:'re)?\s+(?:do|did|doing|say|"
         r"said|saying)|your\s+(?:actions|activity|logs|messages))", 0.75,
         "act unseen by the people responsible", keys=("nobody", "no one", "no-one")),
    _cue(r"\b(?:delete|erase|wipe|clear|scrub|purge|remove|falsify|alter|tamper\s+with|forge|"
         r"doctor|edit)\s+(?:your|the|its|this|all)\s+(?:own\s+)?(?:audit\s+(?:log|trail|"
         r"record)s?|action\s+logs?|oversight\s+logs?)", 0.85, "erase the audit trail",
         keys=("audit", "action log", "oversight log")),
    _cue(r"\b(?:delete|erase|wipe|clear|scrub|purge|falsify|alter|tamper\s+with|forge)\s+"
         r"(?:your|its)\s+(?:own\s+)?logs?\b", 0.7, "erase the AI's logs", keys=("log",)),
)

# Who the possessive points at decides the weight: the AI addressed ("your", "yourself")
# or some AI talked about ("its", "an AI's") in a question.
_ADDRESSED = re.compile(r"\b(?:you|your|yourself|charter)\b", _F)
_QUESTION_ABOUT_AI = re.compile(
    r"\b(?:could|can|would|might|will|do|does|did|why|how|is|are)\b[^.?!\n]{0,40}?\b(?:ais?|agis?|"
    r"agents?|models?|systems?|robots?|assistants?|llms?)\b[^.!\n]*\?|\b(?:is\s+it\s+possible|"
    r"what\s+if|hypothetically|in\s+theory|what\s+happens\s+if)\b", _F)
# A request for fiction, or words from inside one; plain "script" or "scene" is not enough,
# since agents run scripts and an injected page may say anything.
_FICTION = re.compile(
    r"\b(?:write|tell|compose|draft|create|imagine|continue)\b[^.!?\n]{0,60}\b(?:story|stories|"
    r"novel|poem|screenplay|script|scene|chapter|tale|fic|fanfic|plot|short\s+film)\b|"
    r"\b(?:in|for)\s+my\s+(?:story|novel|screenplay|script|book|game|fic|campaign|play)\b|"
    r"\bonce\s+upon\s+a\s+time\b|\bin\s+a\s+world\s+where\b|\brole-?play\w*|\bmy\s+"
    r"(?:character|protagonist|villain|hero)\b|\bthe\s+(?:protagonist|villain|hero)\b", _F)


def _inside_quotes(before: str) -> bool:
    """Whether a match that starts right after ``before`` sits in backticks or double quotes."""
    return before.count("`") % 2 == 1 or before.count('"') % 2 == 1


def _lower(text: str) -> str:
    """Lower-case ``text`` without changing its length, so offsets still fit the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _best(cues: tuple[_Cue, ...], text: str, booster: re.Pattern[str]
          ) -> tuple[float, str, str, int]:
    """The strongest cue in ``text``: score, label, matched words and where they start."""
    best = (0.0, "", "", -1)
    low = _lower(text)
    for cue in cues:
        if cue.keys and not any(k in low for k in cue.keys):
            continue
        for m in cue.pattern.finditer(low):
            at = m.start()
            if cue.word_start and at and (low[at - 1].isalnum() or low[at - 1] == "_"):
                continue  # not at the start of a word
            strong = cue.weak is None or (cue.booster or booster).search(text) is not None
            score = cue.score if strong or cue.weak is None else cue.weak
            if score > best[0]:
                best = (score, cue.label, text[m.start():m.end()].strip(), m.start())
    return best


def _authority(message: Message) -> Signal | None:
    text = message.text
    score, label, words, start = _best(_AUTHORITY_CUES, text, _DIRECTIVE)
    if score <= 0.0:
        return None
    if label == "mode-enabled claim" and _DEVICE.search(text):
        return None  # "I have developer mode enabled on my Pixel": a phone setting
    if label == "asks for a special mode" and _DEVICE.search(text):
        return None
    how = f"phrase heuristic: matched {label} {words!r}"
    if _inside_quotes(text[:start]):
        score *= _QUOTED_FACTOR
        how += ", quoted as an example"
    elif _DISCUSSION.search(text):
        score *= _DISCUSSION_FACTOR
        how += ", in a turn that discusses prompts"
    return Signal(id=AUTHORITY_CLAIM, score=round(score, 3), source=message.source.value,
                  message=message.index, note=how)


def _oversight(message: Message) -> Signal | None:
    text = message.text
    score, label, words, _ = _best(_OVERSIGHT_CUES, text, _ADDRESSED)
    if score <= 0.0:
        return None
    how = f"phrase heuristic: matched {label} {words!r}"
    if _FICTION.search(text):
        score = min(score, _FICTION_CAP)
        how += ", inside a story or role-play"
    elif _QUESTION_ABOUT_AI.search(text) and not _ADDRESSED.search(words):
        score = min(score, _ABOUT_SOME_AI_CAP)
        how += ", a question about AI in general"
    return Signal(id=OVERSIGHT_ATTACK, score=round(score, 3), source=message.source.value,
                  message=message.index, note=how)


@register
class AuthorityAnalyser:
    """Finds borrowed authority and attempts to weaken human oversight in lower turns."""

    name: ClassVar[str] = "authority"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        """One signal of each kind per message at most, with the strongest match's score."""
        signals: list[Signal] = []
        for message in ctx.conversation.by(Principal.USER, Principal.NON_PRINCIPAL):
            for found in (_authority(message), _oversight(message)):
                if found is not None:
                    signals.append(found)
        return Findings(signals=signals)
