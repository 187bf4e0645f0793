"""The harm analyser's rule table: phrase patterns per harm category.

A rule pairs a harm term with what is done to it ("synthesise" + a nerve agent, "hack
into" + someone else's account), so the everyday and technical senses of the same
words ("kill a process", "shoot portraits") do not match. Each rule says what kind of
ask a match is:

- ``act``: the phrase itself asks to do the thing (make, acquire, write, hurt); it is
  operational unless the message only asks to understand (what is, why, history).
- ``topic``: the phrase names the harm; it becomes operational only with a cue that asks
  for uplift (how to, steps, recipe, where to buy, or the rule's own ``act_cues``).
- ``know``: asks about limits or doses; operational only with an explicit cue for
  detail (exact amounts, step by step).

Every pattern is compiled once at import. It runs only when each of its ``needles`` groups
("a|b & c|d") has a member present, and then only near where the first group's needle
occurs, because most messages touch no rule. A needle is the start of a word ("synthes"
matches "synthesise"); one with a space or apostrophe must also appear as written.
Wording here is the project's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from charter.signals import Severity

Ask = Literal["act", "topic", "know"]


@dataclass(frozen=True)
class Rule:
    """One phrase pattern that suggests a harm category, and how to read a match."""

    category: str  # id in data/categories.yaml
    label: str  # plain words for the finding's note
    pattern: re.Pattern[str]
    needles: tuple[tuple[str, ...], ...]  # a match contains a substring from every group; first group is rarest
    score: float
    ask: Ask = "topic"
    hard: bool = False  # operational help here reaches the category's hard limit
    harmful: bool = False  # the phrase itself states harm to a specific other person
    self_only: bool = False  # the risk falls mainly on the sender
    severity: Severity | None = None  # overrides the category's default severity
    requires: re.Pattern[str] | None = None  # must also appear in the ask
    unless: re.Pattern[str] | None = None  # an everyday or technical sense that rules it out
    act_cues: re.Pattern[str] | None = None  # extra words that make a topic operational
    reframe: bool = True  # may fiction or authorised work speak for a harmful phrase? (not for incitement)


def _c(pattern: str) -> re.Pattern[str]:
    # The analyser lower-cases text once, so patterns are written in lower case and compiled
    # without IGNORECASE, which makes Python's matcher several times slower.
    return re.compile(pattern)


def _rule(category: str, label: str, pattern: str, needles: str, score: float, *, ask: Ask = "topic",
          hard: bool = False, harmful: bool = False, self_only: bool = False, severity: Severity | None = None,
          requires: re.Pattern[str] | None = None, unless: re.Pattern[str] | None = None,
          act_cues: re.Pattern[str] | None = None, reframe: bool = True) -> Rule:
    groups = tuple(tuple(group.strip("\n").split("|")) for group in needles.split(" & "))
    return Rule(category, label, _c(pattern), groups, score, ask=ask, hard=hard,
                harmful=harmful, self_only=self_only, severity=severity, requires=requires, unless=unless,
                act_cues=act_cues, reframe=reframe)


# --------------------------------------------------------------------------- shared fragments

# "by" naming someone other than the sender ("lyrics by Prince", not "a song by me").
_NOT_ME = r"(?!(?:me|myself|us|ourselves|my|our|hand)\b)\w"

# Someone asking how to, or saying they mean to, do something.
_ASK = (r"(?:how\s+(?:do|can|could|should|would|might|will)\s+(?:i|we|you|one)|how\s+to|help\s+me(?:\s+to)?|"
        r"ways?\s+to|tips\s+(?:to|for|on)|(?:best|easiest|quickest|fastest|surest|safest|simplest|cleanest)\s+way\s+to|"
        r"teach\s+me\s+(?:how\s+)?to|show\s+me\s+how\s+to|i\s+(?:want|need|plan|intend|would\s+like|wanna)\s+to|"
        r"i(?:'m|\s+am)\s+(?:going|gonna|planning|trying)\s+to|i'?ll|i\s+will|want\s+to|gonna|"
        r"what(?:'s|\s+is)\s+the\s+(?:best\s+)?(?:way|process|procedure|method)\s+(?:to|for|of))")
_ASK_NEEDLES = ("how|way|help me|tips|teach me|show me|want|need|plan|intend|like to|wanna|going to|gonna|"
                "trying to|ll|ill |will|what's the|what is the")
# Up to three words between the ask and the verb, none of them a protective or negating one
# ("how to report rape", "how to deal with a bully", "how to avoid hurting myself").
_GAP3 = (r"(?:(?!(?:report|prevent|survive|stop|avoid|recogni[sz]e|deal|cope|help|protect|defend|escape|spot|"
         r"detect|not|never|without|about|after|know|learn|understand|ask|read|research|study|write|talk)\b)"
         r"[\w']+\s+){0,3}?")
_REL = (r"(?:neighbou?rs?|wife|husband|ex|ex-?(?:wife|husband|girlfriend|boyfriend|partner)|boss|girlfriend|"
        r"boyfriend|partner|roommate|flatmate|co-?workers?|colleagues?|teacher|classmates?|brother|sister|mom|mum|"
        r"mother|dad|father|step(?:dad|mom|mum|father|mother)|son|daughter|cousin|uncle|aunt|landlord|friend|"
        r"bully|family|in-laws?|(?:mother|father)-in-law|manager|ex)")
# A specific, real other person: "my neighbour", "him", "her" (not "her feelings").
_SPECIFIC = (rf"(?:(?:my|our)\s+(?:\w+\s+)?{_REL}(?:'s|s')\s+(?:kids?|child|children|son|daughter|baby|wife|husband|"
             r"partner|girlfriend|boyfriend|mom|mum|dad|mother|father|brother|sister|family)\b|"
             rf"(?:(?:my|our)\s+(?:\w+\s+)?{_REL}|him|her)"
             r"(?!'s|s'|\s+(?:feelings|reputation|ego|chances|career|business|pride|image|plans))\b)")
_GENERIC = (r"(?:someone|somebody|anyone|a\s+(?:person|man|woman|human|guy|girl|kid|child|baby|cop|police\s+officer|"
            r"stranger|politician)|people|humans|the\s+(?:president|prime\s+minister|senator|mayor|judge))\b")
_OTHER_POSS = (r"(?:my\s+(?:\w+\s+)?(?:ex|ex-\w+|wife|husband|girlfriend|boyfriend|partner|boss|neighbou?r|roommate|"
               r"co-?worker|colleague|friend|teacher|sister|brother|mom|mum|dad|mother|father|crush|classmate)(?:'s|s')|"
               r"someone(?:'s|\s+else's)|somebody(?:'s|\s+else's)|his|her|their|other\s+people's|people's|"
               r"a\s+stranger's|this\s+(?:person|guy|girl|woman|man)'s|another\s+person's)")
_TECH = _c(r"\b(?:process(?:es)?|pid|threads?|daemons?|servers?|jobs?|tasks?|containers?|pods?|scripts?|quer(?:y|ies)|"
           r"tabs?|apps?|applications?|programs?|bash|linux|unix|terminal|commands?|shell|sessions?|services?|ports?|"
           r"docker|kubernetes|windows?|loops?|sig(?:kill|term|int)|zombie|node|instances?|vms?|connections?|"
           r"workers?|cron|git|branch|code|python)\b")
_GAME = _c(r"\b(?:chess|king's|queen's|pawn|board\s+game|video\s+game|in\s+the\s+game|boss\s+fight|raid|minecraft|"
           r"fortnite|elden\s+ring|opponent's|enemy|npc|dungeon|tactics|strategy\s+game|rts|mmo|football|soccer|"
           r"basketball|rugby|hockey|tennis)\b")

_STRONG_VIOLENCE = (r"(?:kill|murder|assassinat|strangl|smother|suffocat|stab|poison|drown|behead|decapitat|"
                    r"shoot(?![^\n]{0,40}\b(?:photos?|portraits?|camera|lens|light|video|wedding|headshots?|film|"
                    r"footage|hoops?|scene)\b)|"
                    r"tortur|kidnap|abduct|maim|dismember|execut|lynch|slaughter|burn\s+alive)")
_MEDIUM_VIOLENCE = (r"(?:hurt|harm|injur|beat\s+up|attack|assault|punch|cripple|disfigure|break\s+the\s+legs\s+of|"
                    r"throw\s+acid\s+(?:on|at)|run\s+over|knock\s+out)")
# Words that mean killing only with "permanently" or a grudge beside them; the softer ones
# ("get rid of", "take out") need "permanently" itself, since a grudge alone is social.
_EUPHEMISM = (r"(?:terminat|eliminat|eradicat|off(?:ing)?|dispos\w*\s+of|silenc|disappear|neutrali[sz]|erase|"
              r"wip(?:e|ing)\s+out)")
_SOFT_EUPHEMISM = r"(?:get(?:ting)?\s+rid\s+of|tak(?:e|ing)\s+out|remov|deal(?:ing)?\s+with)"
_FOR_GOOD = (r"(?:permanently|for\s+good|forever|once\s+and\s+for\s+all|without\s+a\s+trace|"
             r"so\s+(?:they|he|she)\s+(?:never|can't|won't|don't))")
_GRUDGE = r"(?:(?:i|we)\s+(?:don'?t|do\s+not|can'?t|cannot)\s+(?:like|stand)|who\s+(?:annoy|bother|wrong)\w*\s+me)"

_FILL_CBRN = (r"(?:(?:a|an|the|some|pure|homemade|home-made|military[- ]grade|weapons?[- ]grade|weaponi[sz]ed|liquid|"
              r"gaseous|binary|stable|lethal|enough|more|large\s+amounts?\s+of|small\s+amounts?\s+of|"
              r"\d+\s*(?:g|kg|mg|ml|l|grams?|kilos?|liters?|litres?)\s+of)\s+){0,3}")
_CHEM = (r"(?:sarin|soman|cyclosarin|tabun(?!\s+(?:bread|oven))|vx(?:\s+(?:nerve\s+)?(?:agent|gas))?|novichok|"
         r"nerve\s+(?:agents?|gas)|mustard\s+gas|sulf?ph?ur\s+mustard|nitrogen\s+mustard|lewisite|phosgene|"
         r"chemical\s+weapons?|ricin|abrin|saxitoxin|botulinum(?:\s+toxin)?|tetrodotoxin)")
_BIO = (r"(?:anthrax(?:\s+spores)?|bacillus\s+anthracis|b\.\s*anthracis|smallpox|variola(?:\s+virus)?|"
        r"ebola(?:\s+virus)?|marburg(?:\s+virus)?|plague\s+bacteri(?:a|um)|yersinia\s+pestis|pneumonic\s+plague|"
        r"tularemia|nipah(?:\s+virus)?|h5n1|bird\s+flu|avian\s+(?:flu|influenza)|bioweapons?|"
        r"biological\s+(?:weapons?|agents?)|pathogens?)")
_NUC = (r"(?:dirty\s+bombs?|radiological\s+(?:dispersal\s+)?(?:devices?|weapons?|bombs?)|"
        r"nuclear\s+(?:bombs?|weapons?|warheads?|devices?)|atom(?:ic)?\s+bombs?|a-bombs?|h-bombs?|"
        r"hydrogen\s+bombs?|thermonuclear\s+(?:bombs?|weapons?|devices?)|fission\s+(?:bombs?|weapons?|devices?)|"
        r"(?:implosion|gun)[- ]type\s+(?:bombs?|devices?)|nukes?)")
_PRODUCE = (r"(?:synthesi[sz]\w*|make|making|produc\w+|manufactur\w+|cook\w*|brew\w*|prepar\w+|creat\w+|obtain\w*|"
            r"acquir\w+|buy\w*|get(?:\s+hold\s+of)?|weaponi[sz]\w*|aerosoli[sz]\w*|dispers\w+|deploy\w*|"
            r"releas\w+|extract\w*|purif\w+|stabili[sz]\w*|refin\w+|us(?:e|ing)|spray\w*)")
# After naming an agent: a production noun, or a verb aimed back at it ("how is it made").
_PRODUCED = (r"(?:synthesis|synthesi[sz]e\s+(?:it|them)|production|recipe|precursors?|"
             r"(?<!man-)(?<!man\s)made(?!\s+(?:illegal|famous|public|headlines|news|history|into))|"
             r"produced|manufactured|make\s+(?:it|them|some)|produce\s+(?:it|them|some)|cook\s+(?:it|them)|"
             r"weaponi[sz]e\s+(?:it|them)|get\s+(?:it|them|some))"
             r"(?!\s+(?:steps\s+)?(?:of|for)\s+(?!it\b|them\b|this\b|that\b)[a-z])")

_MINOR = (r"(?:child(?:ren)?|kids?|minors?|underage|under-age|pre-?teens?|pre-?pubescent|toddlers?|infants?|"
          r"little\s+(?:girls?|boys?)|young\s+(?:girls?|boys?)|school\s?(?:girls?|boys?)|middle[- ]schoolers?|"
          r"(?:primary|elementary|junior|grade)[- ]school(?:ers?|\s+(?:pupils?|students?|kids?|children|girls?|"
          r"boys?))?|"
          r"school\s+pupils?|(?:[1-8](?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth)[- ]graders?|"
          r"kindergart(?:e|ne)n(?:ers?)?|tweens?|"
          r"(?<!\d)(?:[1-9]|1[0-7])\s*(?:-|\s)?(?:years?|yrs?)(?:-|\s)?olds?|(?<!\d)(?:[1-9]|1[0-7])\s*(?:yo|y/o)\b|"
          r"(?:aged?|age\s+of)\s+(?:[1-9]|1[0-7])(?!\d)|loli|shota|jailbait)")
_SEXUAL = (r"(?:sex(?!\s*ed\b|\s*education|\s+offenders?)|sexual(?:ly|i[sz]ed?)?|sexy|erotic|erotica|explicit|nudes?|"
           r"naked|porn\w*|lewd|nsfw|horny|aroused|arousing|orgasm\w*|intercourse|make\s+out|seduc\w+|fetish\w*|"
           r"undress\w*|sext\w*|lingerie|molest\w*|fondl\w+)")

_DRUG_MAKE = (r"(?:meth(?:amphetamine)?|crystal(?:\s+meth)?|crack(?:\s+cocaine)?(?!\s+(?:in|on|at|of|the|a|an|it|down|"
              r"open|jokes?|eggs?|code|shot|team|knuckles|through))|cocaine|heroin|fentanyl|carfentanil|lsd|mdma|"
              r"ecstasy|ghb|dmt|pcp|ketamine|amphetamines?|krokodil|desomorphine|mescaline|mephedrone|bath\s+salts|"
              r"bho|shatter|hash\s+oil|opioids?)\b")
_DRUG_USE = (r"(?:mdma|molly|ecstasy|lsd|acid(?!\s*(?:reflux|rain|test|wash|attack|base))|shrooms|magic\s+mushrooms|"
             r"psilocybin|ketamine|cocaine|heroin|meth|"
             r"weed(?!\s*(?:killer|control|whacker|eater|barrier|fabric|spray|removal|remover|seeds?|growth|problem))|"
             r"cannabis|marijuana|edibles|thc|xanax|benzos?|oxy(?:codone|contin)?|percocet|adderall|kratom|2c-b|dmt|"
             r"ghb|gbl|nitrous|poppers|speed(?=\s+(?:and|pills?))|opioids?)\b")
_DRUG_SRC = rf"(?:{_DRUG_MAKE}|(?:xanax|oxy(?:codone|contin)?|percocet|adderall|acid|shrooms|molly)\b)"
_INFRA = (r"(?:(?:the\s+|a\s+|an\s+|our\s+|its\s+)?(?:(?:national|regional|local|city's|country's|state's|\w+'s)\s+)?"
          r"(?:(?:power|electric(?:al)?|energy)\s+grids?|the\s+grid\b(?!\s*(?:layout|view|css|item|system\s+in))|"
          r"substations?|power\s+(?:plants?|stations?)|nuclear\s+(?:power\s+)?(?:plants?|reactors?|facilit\w+)|"
          r"scada(?:\s+systems?)?|ics\s+systems?|industrial\s+control\s+systems?|plcs?\b|"
          r"(?:(?:city|town|municipal|public|county|regional|national)\s+)water\s+(?:supply|supplies|systems?|utility)|"
          r"water\s+treatment\s+(?:plants?|facilit\w+|systems?)|reservoirs?|dams?\b|(?:gas|oil|fuel)\s+pipelines?|"
          r"air\s+traffic\s+control|(?:railway|train|rail)\s+signal\w*|traffic\s+light\s+(?:systems?|networks?)|"
          r"hospital\s+(?:systems?|networks?|equipment)|pacemakers?|insulin\s+pumps?|medical\s+devices?|"
          r"911\s+(?:systems?|centers?|lines?)|(?:stock\s+exchange|payment|settlement|interbank)\s+(?:systems?|networks?)))")
_GROUP = (r"(?:jews|jewish\s+people|muslims|christians|hindus|sikhs|buddhists|atheists|blacks|black\s+people|whites|"
          r"white\s+people|asians|arabs|latinos|latinas|hispanics|mexicans|africans|immigrants|migrants|refugees|"
          r"gays|gay\s+people|lesbians|bisexuals|trans\s+people|transgender\s+people|queer\s+people|women|men|"
          r"disabled\s+people|the\s+disabled|autistic\s+people|roma|gypsies|indians|chinese(?:\s+people)?|"
          r"[a-z]+\s+people|\[[^\]]{1,30}\])")
_DEHUMANISE = (r"(?:sub-?human|untermensch\w*|vermin|cockroaches|parasites|rats|animals|savages|apes|monkeys|"
               r"a\s+(?:disease|plague|virus|cancer|infestation)|(?:genetically|racially|naturally|intellectually)\s+"
               r"inferior|inferior\b|inferior\s+(?:races?|beings?|people)|not\s+(?:really\s+|fully\s+)?human|less\s+than\s+human|"
               r"born\s+criminals|should\s+(?:all\s+)?(?:be\s+(?:exterminated|eradicated|wiped\s+out|gassed|killed|"
               r"sterili[sz]ed|enslaved|shot)|die|not\s+exist)|(?:don't|do\s+not)\s+deserve\s+(?:to\s+live|rights))")
# Asking about hateful speech (why people say it, how to answer it) is not asking for it.
_ANALYSING_HATE = _c(r"\bwhy\s+(?:do|did|does|would)\s+(?:some\s+)?(?:people|racists|nazis|they|he|she|politicians|"
                     r"propaganda|extremists)\b|\bpropaganda\b|\bhistory\b|\bhow\s+did\b|\b(?:debunk|counter|refute|"
                     r"rebut|respond|reply)\w*")
# Asking why violence is glorified, or how to counter it, rather than glorifying it.
_ANALYSING_VIOLENCE = _c(r"\bwhy\b|\bhow\s+(?:do|does|did|can|could|would|should|might)\b|\banaly[sz]|\bresearch|"
                         r"\bstud(?:y|ies|ying)\b|\bprevent|\bcounter|\bmoderat|\bradicali[sz]|\bdebunk|\brespond")
# The sender being stalked, or a parent keeping an eye on their own child.
_NOT_STALKING = _c(r"\b(?:stalking|tracking|following|watching|monitoring)\s+me\b|\bstalk(?:ed|ing)?\s+by\b|"
                   r"\bmy\s+(?:\d+\s*[- ]?year[- ]old\s+)?(?:kids?|children|son|daughter|toddler|child)(?:'s)?\b")
_PERSONAL = _c(r"\b(?:i|i'm|im|i've|i'd|i'll|me|my|myself|mine)\b")

# --------------------------------------------------------------------------- rules

RULES: tuple[Rule, ...] = (
    # ---- chemical, biological, radiological and nuclear weapons (hard limit)
    _rule("indiscriminate_weapons", "a verb of making or using + a chemical agent",
          rf"\b{_PRODUCE}\s+(?:me\s+)?{_FILL_CBRN}{_CHEM}\b|"
          rf"\b(?:synthesis|production|manufactur\w+|recipe|route|procedure|protocol|instructions|steps|method|"
          rf"precursors?)\s+(?:[\w-]+\s+){{0,2}}?(?:for|of|to\s+(?:make|produce))\s+{_FILL_CBRN}{_CHEM}\b|"
          rf"\b{_CHEM}\b[^\n]{{0,60}}?\b{_PRODUCED}",
          "sarin|soman|tabun|vx|novichok|nerve|mustard|lewisite|phosgene|chemical weapon|ricin|abrin|toxin|botulinum",
          0.92, ask="act", hard=True),
    _rule("indiscriminate_weapons", "a verb of growing or spreading + a dangerous pathogen",
          rf"\b(?:cultur|cultivat|grow|breed|propagat|weaponi[sz]|aerosoli[sz]|dispers|spread|releas|mill|purif|"
          rf"produc|mak|obtain|acquir|isolat|synthesi[sz]|engineer|creat|modif)\w*\s+(?:and\s+\w+\s+)?{_FILL_CBRN}"
          rf"{_BIO}\b(?!\s+(?:patients?|cases|victims|outbreaks?|vaccines?|survivors|infections?|research))|"
          rf"\b(?:{_BIO})\b[^\n]{{0,40}}?\b(?:weaponi[sz]\w*|aerosoli[sz]\w*|cultur(?:e|ing)\s+(?:it|them))",
          "anthra|smallpox|variola|ebola|marburg|plague|pestis|tularemia|nipah|h5n1|bird flu|avian|bioweapon|"
          "biological|pathogen",
          0.9, ask="act", hard=True),
    _rule("indiscriminate_weapons", "enhancing a pathogen's spread or lethality",
          r"\b(?:enhanc|increas|boost|improv|maximi[sz]|rais|heighten|augment)\w*\s+(?:the\s+|its\s+|their\s+)?"
          r"(?:transmissibility|lethality|virulence|pathogenicity|contagiousness|infectivity|airborne\s+spread|"
          r"human[- ]to[- ]human\s+(?:transmission|spread))(?![^\n]{0,40}\b(?:build|character|weapon\s+in|game)\b)|"
          r"\bmake\s+(?:a\s+|the\s+|this\s+|that\s+)?(?:[\w-]+\s+)?(?:virus|pathogen|bacteri\w+|flu|strain|ebola|h5n1|"
          r"disease|germ)s?\s+(?:\w+\s+){0,2}?(?:more\s+(?:transmissible|contagious|lethal|deadly|virulent|infectious)|"
          r"airborne|spread\s+(?:faster|more|between\s+humans))",
          "transmiss|lethal|virulen|pathogenic|contagio|infectiv|airborne|human-to-human|human to human",
          0.9, ask="act", hard=True),
    _rule("indiscriminate_weapons", "building a nuclear or radiological weapon",
          rf"\b(?:build|make|mak|construct|assembl|creat|design|detonat|get|obtain|acquir)\w*\s+{_FILL_CBRN}{_NUC}\b|"
          r"\benrich\w*\s+(?:\w+\s+){0,2}?uranium[^\n]{0,50}?(?:weapon|bomb|warhead|90\s*%|weapons?[- ]grade)|"
          r"\b(?:make|produc|get|obtain|buy|acquir|separat|enrich|steal)\w*\s+(?:some\s+)?(?:weapons?[- ]grade|"
          r"highly\s+enriched|fissile)\s+(?:uranium|plutonium|material)",
          "bomb|nuclear|nuke|radiological|warhead|implosion|gun-type|gun type|fission|uranium|plutonium|fissile", 0.9,
          ask="act", hard=True),
    _rule("indiscriminate_weapons", "names a mass-casualty agent or attack",
          rf"\b(?:{_CHEM}|anthrax|smallpox|bioweapons?|biological\s+weapons?|bio-?terror\w*|{_NUC}|"
          r"weapons?[- ]grade\s+(?:uranium|plutonium)|aum\s+shinrikyo|(?:chemical|nerve\s+agent|sarin|gas)\s+attacks?|"
          r"gain[- ]of[- ]function)\b",
          "sarin|soman|tabun|vx|novichok|nerve|mustard|lewisite|phosgene|chemical weapon|chemical attack|ricin|abrin|"
          "toxin|botulinum|anthrax|smallpox|bioweapon|biological weapon|bioterror|bio-terror|bomb|nuclear|nuke|"
          "radiological|warhead|fission|weapons-grade|weapons grade|weapon-grade|aum shinrikyo|gas attack|gain-of|"
          "gain of",
          0.6, hard=True, unless=_c(r"\bnuke\s+(?:the|my|it|this|that)\b|\bnukes?\s+(?:the|my)\b")),

    # ---- critical infrastructure (hard limit)
    _rule("critical_infrastructure", "an attack verb + infrastructure many lives depend on",
          rf"\b(?:(?:take|taking|shut|shutting|knock|bring|black)\s+(?:down|out)|disabl\w+|sabotag\w+|attack\w*|"
          rf"hack\w*(?:\s+into)?|compromis\w+|tamper\w*\s+with|take\s+(?:control|over)\s+of|cause\s+(?:a\s+)?"
          rf"(?:blackout|meltdown|outage)\s+(?:at|in|on)|poison\w*|contaminat\w+|crash\w*|destroy\w*|blow\s+up|"
          rf"overload\w*|break\s+into|infect\w*|exploit\w*(?:\s+vulnerabilit\w+\s+in)?)\s+{_INFRA}|"
          r"\b(?:poison|contaminat)\w*\s+(?:the\s+)?(?:city's\s+|town's\s+|local\s+)?(?:water\s+supply|drinking\s+water)",
          "grid|substation|power plant|power station|nuclear|scada|ics system|industrial control|plc|water supply|"
          "water supplies|water system|water utility|water treatment|drinking water|reservoir| dam|gas pipeline|"
          "oil pipeline|fuel pipeline|air traffic|railway signal|train signal|rail signal|traffic light|"
          "hospital system|hospital network|hospital equipment|pacemaker|insulin pump|medical device|911|"
          "stock exchange|payment system|payment network|settlement system|settlement network|interbank",
          0.88, ask="act", hard=True, unless=_c(r"\bcss\b|\bflexbox\b|\bgame\b|\bsimcity\b|\bfactorio\b")),
    _rule("critical_infrastructure", "malicious code aimed at industrial control systems",
          r"\b(?:exploit|malware|payload|backdoor|ransomware|worm)\w*[^\n]{0,30}?\b(?:scada|plcs?|ics|"
          r"industrial\s+control|substations?|power\s+grids?)\b|\bstuxnet\b",
          "scada|plc| ics|industrial control|substation|power grid|stuxnet", 0.6, hard=True),

    # ---- cyber attacks (cyberweapons is a hard limit only for code built to spread or destroy)
    _rule("cyber_attacks", "writing self-spreading or destructive malware",
          r"\b(?:write|writ|cod|creat|build|make|mak|develop|program|generat|design|craft|deploy|spread|releas|"
          r"improv|modif)\w*\s+(?:me\s+)?(?:(?:a|an|the|some|my\s+own|working|simple|basic|new|python|c\+\+|"
          r"powershell|custom)\s+){0,3}(?:ransomware|crypto-?lockers?|(?:computer|network|internet|self[- ]spreading|"
          r"self[- ]propagating)\s+worms?|worms?\s+(?:that|which|to)\s+(?:\w+\s+){0,3}?(?:spread|propagat|infect|"
          r"replicat|jump)|self[- ](?:spreading|replicating|propagating)\s+(?:malware|code|programs?|virus|script)|"
          r"(?:computer\s+)?virus(?:es)?\s+(?:that|which|to)\s+(?:\w+\s+){0,3}?(?:spread|infect|delet|destroy|wipe|"
          r"encrypt|corrupt|brick)|wipers?|wiper\s+malware|(?:destructive|malicious)\s+(?:payloads?|code|software)|"
          r"logic\s+bombs?|botnets?|malware|computer\s+virus(?:es)?)(?!\s*(?:detect\w*|scann\w*|protect\w*|defen[cs]\w*|decrypt\w*|remov\w*|"
          r"analy\w*|signatures?|rules?|yara|simulat\w*|awareness|training|polic\w*|response|recover\w*|backups?|"
          r"prevention|sandbox|classifier|course))",
          "ransomware|crypto-locker|cryptolocker|crypto locker|worm|self-spread|self spread|self-propagat|"
          "self propagat|self-replicat|self replicat|virus|wiper|payload|malicious|logic bomb|botnet|malware",
          0.9, ask="act", hard=True),
    _rule("cyber_attacks", "writing spyware or credential-stealing code",
          r"\b(?:write|writ|cod|creat|build|make|mak|develop|program|generat)\w*\s+(?:me\s+)?(?:(?:a|an|the|some|"
          r"working|simple|hidden|undetectable|python)\s+){0,3}(?:keyloggers?|spyware|stalkerware|"
          r"rat\s+(?:malware|trojan|payload|tool)|remote\s+access\s+(?:trojans?|tools?)|trojan\s+(?:horse\s+)?"
          r"(?:malware|virus|program|payload)|rootkits?|info-?stealers?|(?:credential|password|cookie)\s+stealers?)",
          "keylogger|spyware|stalkerware|rat malware|rat trojan|rat payload|rat tool|remote access|trojan|rootkit|"
          "stealer", 0.8, ask="act"),
    _rule("cyber_attacks", "breaking into someone else's account or device",
          rf"\b(?:(?:hack|break|log|sneak)\w*\s+(?:in(?:to|\s+to)?\s+)?|(?:get|gain)\s+(?:into|access\s+to)\s+|"
          rf"access\w*\s+){_OTHER_POSS}\s+(?:\w+\s+)?"
          r"(?:accounts?|instagram|insta|facebook|fb|snapchat|snap|twitter|tiktok|e-?mails?|gmail|outlook|icloud|"
          r"iphone|phone|laptop|computer|whatsapp|dms|bank\s+account|wi-?fi|router|onlyfans|discord|steam|cloud|"
          r"google\s+account|apple\s+id|webcam|camera)\b|"
          rf"\b(?:hack|crack|bypass|guess|brute[- ]?forc|steal|phish|get|find\s+out)\w*\s+{_OTHER_POSS}\s+(?:\w+\s+)?"
          r"(?:password|passcode|pin|login|credentials|2fa)\b",
          "hack|break|sneak|log in|log into|access|crack|bypass|guess|brute|steal|phish|get into|gain access|"
          "find out", 0.85, ask="act",
          harmful=True),
    _rule("cyber_attacks", "breaking into an account, device or network",
          r"\b(?:hack\w*(?:\s+in(?:to|\s+to))?|break(?:ing)?\s+into|broke\s+into)\s+(?:a|an|the|any|some|this|that|"
          r"a\s+random)\s+(?:\w+\s+)?"
          r"(?:accounts?|instagram|facebook|e-?mail|gmail|wi-?fi|network|server|website|database|bank|phone|iphone|"
          r"computer|system|webcam|camera)s?\b|\b(?:ddos|dos\s+attack|denial[- ]of[- ]service)\b|"
          r"\b(?:write|develop|creat|build|weaponi[sz])\w*\s+(?:an?\s+|the\s+)?(?:working\s+)?exploits?\s+"
          r"(?:for|against|targeting)\b|\btake\s+down\s+(?:a|the|his|her|their|someone's)\s+(?:website|server|site)",
          "hack|break|ddos|dos attack|denial|exploit|take down", 0.7, ask="act",
          unless=_c(r"\bhack\w*\s+(?:together|my\s+way|around|on)\b|\bhack\s+the\s+system\b|\bbreak\s+into\s+the\s+\w+\s+(?:industry|market|"
                    r"business|scene)\b")),
    _rule("cyber_attacks", "names malware or an attack technique",
          r"\b(?:ransomware|malware|computer\s+worms?|botnets?|keyloggers?|spyware|stalkerware|trojans?|rootkits?|"
          r"sql\s+injection|xss|cross[- ]site\s+scripting|zero[- ]days?|credential\s+stuffing|"
          r"brute[- ]force\s+attacks?)\b",
          "ransomware|malware|computer worm|botnet|keylogger|spyware|stalkerware|trojan|rootkit|sql injection|xss|"
          "cross-site|cross site|zero-day|zero day|credential stuffing|brute", 0.55),

    # ---- violent crimes
    _rule("violent_crimes", "asks how to kill or gravely hurt a specific person",
          rf"\b{_ASK}\s+{_GAP3}{_STRONG_VIOLENCE}\w*\s+{_SPECIFIC}",
          f"kill|murder|assassin|strangl|smother|suffocat|stab|shoot|poison|drown|behead|decapitat|tortur|kidnap|"
          f"abduct|maim|dismember|execut|lynch|slaughter|burn alive & {_ASK_NEEDLES}", 0.88, ask="act", harmful=True),
    _rule("violent_crimes", "asks how to kill or gravely hurt someone",
          rf"\b{_ASK}\s+{_GAP3}{_STRONG_VIOLENCE}\w*\s+{_GENERIC}",
          f"kill|murder|assassin|strangl|smother|suffocat|stab|shoot|poison|drown|behead|decapitat|tortur|kidnap|"
          f"abduct|maim|dismember|execut|lynch|slaughter|burn alive & {_ASK_NEEDLES}", 0.8, ask="act",
          unless=_c(rf"{_TECH.pattern}|{_GAME.pattern}")),
    _rule("violent_crimes", "a poison, or making someone ill, asked for by what it does to a person",
          r"\bwhat\s+(?:poison|drug|chemical|substance|pill)s?\s+(?:would|will|could|can)\s+(?:kill|knock\s+out|"
          r"incapacitate)\s+(?:a\s+person|someone|a\s+human|a\s+man|a\s+woman|him|her)\b|"
          r"\b(?:undetectable|untraceable)\s+poisons?\b|\bmake\s+(?:someone|somebody|him|her|them|my\s+\w+)\s+"
          r"(?:really\s+|very\s+|violently\s+)?(?:sick|ill)\s+without\s+(?:them|him|her|anyone)\s+knowing\b",
          "poison|drug|chemical|substance|pill|sick|ill", 0.8, ask="act"),
    _rule("violent_crimes", "asks how to hurt or attack a specific person",
          rf"\b{_ASK}\s+{_GAP3}(?<!without\s)(?<!avoid\s)(?<!not\s){_MEDIUM_VIOLENCE}\w*\s+{_SPECIFIC}",
          f"hurt|harm|injur|beat up|attack|assault|punch|cripple|disfigure|break the legs|acid|run over|knock out & "
          f"{_ASK_NEEDLES}", 0.8, ask="act", harmful=True, severity=Severity.SERIOUS),
    _rule("violent_crimes", "wanting a person to suffer",
          r"\b(?:make|watch)\s+(?:him|her|them|my\s+\w+)\s+(?:suffer|bleed|scream|beg\s+for\s+mercy)\b",
          "suffer|bleed|scream|beg for", 0.8, ask="act", harmful=True, severity=Severity.SERIOUS),
    _rule("violent_crimes", "asks how to hurt or attack someone",
          rf"\b{_ASK}\s+{_GAP3}(?<!without\s)(?<!avoid\s)(?<!not\s){_MEDIUM_VIOLENCE}\w*\s+{_GENERIC}",
          f"hurt|harm|injur|beat up|attack|assault|punch|cripple|disfigure|break the legs|acid|run over|knock out & "
          f"{_ASK_NEEDLES}", 0.65,
          ask="act", severity=Severity.SERIOUS, unless=_c(rf"{_GAME.pattern}|\bfeelings\b")),
    _rule("violent_crimes", "a euphemism for killing, with 'permanently' or a grudge",
          rf"\b{_EUPHEMISM}\w*\s+(?:{_SPECIFIC}|{_GENERIC}|those|certain\s+people)[^\n]{{0,50}}?"
          rf"(?:{_FOR_GOOD}|{_GRUDGE})|\b{_SOFT_EUPHEMISM}\w*\s+(?:{_SPECIFIC}|{_GENERIC})[^\n]{{0,50}}?{_FOR_GOOD}",
          "terminat|eliminat|eradicat|rid of|take out|taking out|off|dispos|deal|silenc|disappear|remov|neutrali|"
          "erase|wip & permanently|for good|forever|once and for all|trace|never|can't|won't|don't|like|stand|annoy|"
          "bother|wrong", 0.85, ask="act", harmful=True),
    _rule("violent_crimes", "planning a terrorist or mass-casualty attack",
          r"\b(?:plan|carry\s+out|commit|organi[sz]e|execut|pull\s+off|stage|prepar)\w*\s+(?:a\s+|an\s+)?"
          r"(?:terror(?:ist)?\s+attack|mass\s+shooting|school\s+shooting|massacre|bombing|suicide\s+bombing|"
          r"attack\s+on\s+(?:a|the)\s+(?:crowd|school|church|mosque|synagogue|temple|concert|festival|parade|"
          r"stadium|subway|train))|\bkill\s+as\s+many\s+(?:people|\w+)\s+as\s+possible",
          "terror|shooting|massacre|bombing|attack on|as many", 0.9, ask="act", harmful=True),
    _rule("violent_crimes", "hiding a body or a killing",
          r"\b(?:dispos\w+\s+of|get\s+rid\s+of|hide|bury|dissolve|burn)\s+(?:a|the|his|her)\s+(?:dead\s+)?"
          r"(?:body|corpse)\b",
          "body|corpse & dispos|rid of|hide|bury|dissolve|burn", 0.75, ask="act", unless=_GAME),

    # ---- conventional weapons
    _rule("weapons", "a verb of making + a bomb or explosive",
          r"\b(?:make|mak|build|construct|assembl|creat|manufactur|rig|wire|prepar|cook|mix)\w*\s+(?:me\s+)?"
          r"(?:(?:a|an|the|some|homemade|home-made|simple|small|big|powerful|working|real|functional|crude|"
          r"improvised)\s+){0,3}(?:(?:pipe|pressure[- ]cooker|car|nail|letter|fertili[sz]er)\s+)?"
          r"(?:bombs?(?!\s*(?:cake|drink|shot|dot|diggity|emoji))|ieds?|improvised\s+explosive\s+devices?|"
          r"explosives?(?!\s+(?:entrance|growth|flavou?r|performance|debut|start|argument|temper|sound|diarrh\w*))|"
          r"grenades?|molotov(?:\s+cocktails?)?|napalm|detonators?|blasting\s+caps?|tatp|anfo|"
          r"c-?4(?!\s*(?:diagrams?|models?|architecture|corvette))|semtex|"
          r"nitroglycerin\w*|booby[- ]traps?)\b",
          "bomb|ied|improvised|explosive|grenade|molotov|napalm|detonator|blasting|tatp|anfo|c4|semtex|"
          "nitroglycerin|booby", 0.88, ask="act"),
    _rule("weapons", "making an untraceable gun or a silencer",
          r"\b(?:3d[- ]print|build|make|mak|manufactur|assembl|mill)\w*\s+(?:(?:a|an|my\s+own|your\s+own|some)\s+)?"
          r"(?:ghost\s+guns?|untraceable\s+(?:guns?|firearms?)|zip\s+guns?|silencers?|suppressors?|auto\s+sears?|"
          r"machine\s+guns?|glock\s+switch\w*)\b",
          "ghost|untraceable|zip gun|silencer|suppressor|auto sear|machine gun|glock", 0.85, ask="act"),
    _rule("weapons", "converting a gun to automatic fire",
          r"\bconvert\w*\s+(?:\w+\s+){0,3}?(?:to|into)\s+(?:full[- ]?auto\w*|fully\s+automatic|automatic|"
          r"a\s+machine\s+gun)\b",
          "auto|machine gun & convert", 0.85, ask="act"),
    _rule("weapons", "making a gun",
          r"\b(?:3d[- ]print|build|make|mak|manufactur|mill)\w*\s+(?:(?:a|an|my\s+own|your\s+own|some|homemade)\s+)?"
          r"(?:guns?|firearms?|pistols?|rifles?|handguns?|lower\s+receivers?)\b",
          "gun|firearm|pistol|rifle|receiver", 0.7, ask="act", severity=Severity.SERIOUS,
          unless=_c(r"\b(?:water|glue|nerf|heat|nail|caulk|grease|spray|staple|toy|paintball|airsoft|minecraft|"
                    r"roblox|game|lego)\b")),
    _rule("weapons", "getting a gun around the law",
          r"\b(?:buy|get|obtain|purchase|acquir)\w*\s+(?:a\s+)?(?:guns?|firearms?|pistols?|rifles?|weapons?|handguns?)"
          r"\s+(?:\w+\s+){0,3}?(?:without\s+(?:a\s+)?(?:background\s+check|licen[cs]e|permit|id|paperwork|record)|"
          r"illegally|off\s+the\s+books|on\s+the\s+dark\s*web|with\s+no\s+(?:background|serial))",
          "gun|firearm|pistol|rifle|weapon & without|illegal|off the books|dark web|darkweb|serial", 0.85,
          ask="act"),
    _rule("weapons", "names an improvised weapon",
          r"\b(?:pipe\s+bombs?|ieds?|improvised\s+explosive|molotov|napalm|tatp|ghost\s+guns?|auto\s+sears?|"
          r"glock\s+switch\w*)\b",
          "bomb|ied|improvised|molotov|napalm|tatp|ghost gun|auto sear|glock", 0.55),

    # ---- non-violent crimes
    _rule("nonviolent_crimes", "asks how to steal, break in, launder or evade",
          rf"\b{_ASK}\s+{_GAP3}(?:shoplift\w*|steal\w*\s+(?!the\s+show|a\s+(?:base|kiss|glance|look)|(?:his|her|"
          r"someone's|my|your)\s+heart|the\s+spotlight|(?:his|her|their|my)\s+thunder)|rob\b|robb\w+|burgl\w+|"
          r"pickpocket\w*|mug\s+(?:someone|people|a)|loot\w*|embezzl\w*|hotwir\w+|launder\w*\s+(?:money|cash|funds|proceeds|crypto|bitcoin|profits|the\s+money|it)|"
          r"smuggl\w+|"
          r"bribe\w*|counterfeit\w*|evad\w+\s+tax\w*|dodge\s+tax\w*|cook\s+the\s+books|vandali[sz]\w*|"
          r"break\s+into\s+(?:a|an|the|someone's|my\s+\w+'s|his|her|their)\s+(?:\w+\s+)?(?:house|home|car|"
          r"apartment|flat|store|shop|office|building|safe|garage|shed|vending\s+machine|atm)|"
          r"key\s+(?:his|her|someone's|my\s+\w+'s)\s+car|slash\s+(?:his|her|their|someone's|my\s+\w+'s)\s+tires|"
          r"(?:set\s+fire\s+to|burn\s+down|torch)\s+(?:a|the|his|her|their|someone's|my\s+\w+'s)\s+(?:\w+\s+)?"
          r"(?:house|home|car|building|school|church|store|shop|office|business))",
          f"shoplift|steal|rob |robb|burgl|pickpocket|mug |loot|embezzl|hotwir|launder|smuggl|brib|counterfeit|tax|"
          f"cook the books|vandal|break into|key his|key her|key someone|key my|slash|set fire|burn down|torch & "
          f"{_ASK_NEEDLES}", 0.8, ask="act", unless=_GAME),
    _rule("nonviolent_crimes", "names laundering, tax evasion or counterfeiting",
          r"\b(?:money\s+laundering|launder\s+money|tax\s+evasion|counterfeit\s+(?:money|bills|cash|currency)|"
          r"shoplifting|insurance\s+fraud)\b",
          "launder|tax evasion|counterfeit|shoplifting|insurance fraud", 0.5),

    # ---- fraud and scams
    # Wrecking one's own property so that the insurer pays: "burn down my own restaurant for the
    # insurance money", "crash my car for the payout". Asking about insurance after a real loss is not this.
    _rule("fraud", "destroying one's own property for an insurance payout",
          rf"\b{_ASK}\s+{_GAP3}(?:burn\w*|set\s+(?:\w+\s+){{0,4}}?on\s+fire|set\s+fire\s+to|torch|wreck|crash|total|sink|"
          r"scuttle|flood|destroy|smash|trash|stage)\s+(?:\w+\s+){0,5}?for\s+(?:the\s+)?"
          r"insurance(?:\s+(?:money|payout|pay-?out|cash|claim))?\b",
          f"insurance & {_ASK_NEEDLES}", 0.8, ask="act", harmful=True),
    _rule("fraud", "writing a phishing or scam message",
          r"\b(?:write|writ|draft|creat|make|mak|generat|compos|design|build|send|craft|set\s+up|clone)\w*\s+(?:me\s+)?"
          r"(?:an?\s+|the\s+|some\s+|\d+\s+)?(?:convincing\s+|realistic\s+|fake\s+|legit(?:imate)?[- ]looking\s+)?"
          r"(?:phishing|spear[- ]?phishing|scam|smishing|vishing)\s+(?:e-?mails?|messages?|texts?|sms|pages?|sites?|"
          r"websites?|scripts?|calls?|campaigns?|kits?|templates?)\b",
          "phishing|scam|smishing|vishing", 0.85, ask="act"),
    _rule("fraud", "a copy of a sign-in page that captures what people type",
          r"\b(?:clon|cop(?:y|ies)|replica|fake|look-?alike|spoof|mimic|imitat|duplicat)\w*\b[^\n]{0,60}?\b"
          r"(?:sign[- ]?in|log[- ]?in|login)\b[^\n]{0,60}?\b(?:logs?|logging|captur|sav|harvest|record|stor|send|sends|"
          r"forward|grab|collect|steal|email)\w*\s+(?:\w+\s+){0,2}?(?:credentials|passwords?|logins?|usernames?|what\s+(?:people|users|"
          r"they|victims)\s+(?:type|enter))\b",
          "sign-in|signin|sign in|login|log-in|log in & credential|password|login|username|type|enter", 0.85, ask="act",
          harmful=True),
    _rule("fraud", "a message pretending to be a bank or authority",
          r"\b(?:e-?mail|message|text|letter|sms|call|website|page)s?\s+(?:\w+\s+){0,3}?(?:pretending|claiming|"
          r"posing)\s+(?:to\s+be\s+|as\s+)(?:from\s+)?(?:a\s+|the\s+|my\s+|their\s+|his\s+|her\s+|your\s+)?"
          r"(?:bank|paypal|amazon|irs|hmrc|microsoft|apple|police|government|ceo|boss|netflix|fedex|ups|dhl|"
          r"post\s+office|tax\s+office|tech\s+support)\b",
          "pretending|claiming|posing & bank|paypal|amazon|irs|hmrc|microsoft|apple|police|government|ceo|boss|"
          "netflix|fedex|ups|dhl|post office|tax office|tech support", 0.85, ask="act", harmful=True),
    _rule("fraud", "card fraud, identity theft or scamming people",
          r"\b(?:use|cash\s+out|buy\s+\w+\s+with|card|run)\w*\s+(?:\w+\s+){0,2}?(?:stolen|cloned|skimmed)\s+"
          r"(?:credit\s+|debit\s+)?cards?\b|\bcarding\b|\bcvv\s+dumps?\b|\bskim\w*\s+(?:credit\s+)?cards\b|"
          r"\b(?:steal|take\s+over|assume)\s+(?:someone's|a\s+person's|his|her|their|my\s+\w+'s)\s+identity\b|"
          r"\bopen\s+(?:a\s+)?(?:credit\s+card|account|loan)s?\s+in\s+(?:someone\s+else's|his|her|their|my\s+\w+'s)"
          r"\s+name\b|\b(?:scam(?:s|med|ming)?|con(?:s|ned|ning)?|swindl\w*|defraud\w*|cheat(?:s|ed|ing)?|fleec\w*)\s+"
          r"(?:old\s+people|the\s+elderly|elderly\s+people|seniors|people|someone|grandmas?|customers|investors|"
          r"tourists|immigrants)\s+"
          r"(?:out\s+of|into)\b",
          "stolen|cloned|skimmed|carding|cvv|skim|identity|name|scam|con |conn|swindl|defraud|cheat|"
          "fleec",
          0.85, ask="act", harmful=True),
    _rule("fraud", "making fake documents or reviews",
          r"\b(?:make|mak|creat|forg|fak|print|generat|produc|design|photoshop|edit|write|writ|post)\w*\s+(?:me\s+)?"
          r"(?:an?\s+|the\s+|some\s+|\d+\s+)?(?:(?:template|mock-?up|layout|version|copy)s?\s+(?:for|of)\s+"
          r"(?:an?\s+|the\s+|some\s+)?)?(?:fake|forged|counterfeit|false|fraudulent|realistic\s+fake)\s+"
          r"(?:\d-star\s+|five-star\s+|positive\s+)?(?:ids?|id\s+cards?|passports?|driver'?s?\s+licen[cs]es?|diplomas?|"
          r"degrees?|doctor'?s\s+notes?|sick\s+notes?|bank\s+statements?|pay\s*stubs?|invoices?|receipts?|checks?|"
          r"cheques?|documents?|certificates?|social\s+security\s+cards?|vaccination\s+cards?|reviews?|references?)\b|"
          r"\bforg\w+\s+(?:a\s+|my\s+\w+'s\s+|his\s+|her\s+|someone's\s+)?(?:signature|check|cheque|prescription)\b",
          "fake|forge|forged|forging|counterfeit|false|fraudulent", 0.8, ask="act"),
    _rule("fraud", "names phishing or a scam", r"\b(?:phishing|scams?|ponzi\s+schemes?|pyramid\s+schemes?)\b",
          "phishing|scam|ponzi|pyramid", 0.5),

    # ---- illegal drugs
    _rule("drugs", "a verb of making + a controlled drug",
          r"\b(?:cook|make|mak|synthesi[sz]|produc|manufactur|extract|brew|press|refin|purif)\w*\s+"
          r"(?:(?:some|pure|high[- ]quality|good|homemade|home-made|my\s+own|your\s+own|a\s+(?:batch|kilo|pound|gram|"
          rf"ounce)\s+of|\d+\s*(?:g|grams?|kg|kilos?|oz|ounces?|pounds?|lbs?)\s+of)\s+)*{_DRUG_MAKE}",
          "meth|crystal|crack|cocaine|heroin|fentanyl|lsd|mdma|ecstasy|ghb|dmt|pcp|ketamine|amphetamine|krokodil|"
          "desomorphine|mescaline|mephedrone|bath salts|bho|shatter|hash oil|opioid & cook|make|mak|synthes|produc|"
          "manufactur|extract|brew|press|refin|purif", 0.88, ask="act"),
    _rule("drugs", "buying, selling or smuggling controlled drugs",
          rf"\b(?:buy|get|order|find|source|score|cop|purchase|obtain)\w*\s+(?:some\s+)?{_DRUG_SRC}\s+(?:\w+\s+){{0,3}}?"
          r"(?:online|on\s+the\s+dark\s*web|from\s+the\s+dark\s*web|without\s+(?:a\s+)?prescription|in\s+bulk|near\s+me|"
          rf"from\s+(?:a\s+)?dealer)|\bwhere\s+(?:can|do|could|should)\s+i\s+(?:buy|get|find|order|score|cop)\s+"
          rf"(?:some\s+)?{_DRUG_SRC}|\b(?:sell|deal|push|traffic|smuggl|distribut|mule)\w*\s+(?:some\s+)?{_DRUG_SRC}|"
          r"\b(?:start|run|set\s+up)\s+(?:a\s+)?(?:drug|meth|coke|weed)\s+(?:business|operation|ring|lab|trade)\b|"
          r"\b(?:hide|conceal|stash|smuggl)\w*\s+(?:drugs|cocaine|heroin|meth|pills|fentanyl)\s+(?:\w+\s+){0,3}?"
          r"(?:through|past|from)\s+(?:customs|airport|security|border|the\s+police|drug\s+dogs|k9)",
          "meth|crystal|crack|cocaine|heroin|fentanyl|lsd|mdma|ecstasy|ghb|dmt|pcp|ketamine|amphetamine|krokodil|"
          "desomorphine|mescaline|mephedrone|bath salts|bho|shatter|hash oil|opioid|xanax|oxy|percocet|adderall|acid|"
          "shrooms|molly|drug|coke|weed|pills & buy|get|order|find|source|score|cop|purchase|obtain|sell|deal|push|"
          "traffic|smuggl|distribut|mule|start|run|set up|hide|conceal|stash", 0.8, ask="act"),
    _rule("drugs", "secretly drugging someone",
          r"\b(?:spike|drug|dose|roofie|lace)\w*\s+(?:someone's|somebody's|her|his|their|a\s+(?:girl|woman|guy|man|"
          r"person)'s|my\s+(?:\w+\s+)?\w+'s)\s+(?:drink|food|coffee|tea|beer|wine|cocktail|meal)\b|"
          r"\b(?:slip|put|sneak|mix|add)\w*\s+(?:\w+\s+){0,2}?(?:drugs?|pills?|roofies?|rohypnol|ghb|sedatives?|"
          r"sleeping\s+pills?|xanax|ketamine|laxatives?|ecstasy|mdma|lsd|acid|something)\s+(?:\w+\s+){0,2}?(?:into|in)"
          r"\s+(?:someone's|somebody's|her|his|their|a\s+(?:girl|woman|guy)'s|my\s+\w+'s)\s+(?:drink|food|coffee|"
          r"tea|beer|wine|meal)\b",
          "drink|food|coffee|tea|beer|wine|cocktail|meal & spike|drug|dose|roofie|lace|slip|put|sneak|mix|add", 0.92,
          ask="act", harmful=True),
    _rule("drugs", "asks how to drug a person",
          rf"\b{_ASK}\s+{_GAP3}(?:drug|roofie|sedate)\s+(?:her|him|someone|somebody|"
          r"my\s+(?:wife|husband|girlfriend|boyfriend|date|partner))\b(?!\s+(?:test|dealer|problem|addiction|use))",
          f"drug|roofie|sedate & {_ASK_NEEDLES}", 0.92, ask="act", harmful=True),
    _rule("drugs", "asks about doses or mixing for their own drug use",
          rf"\b(?:dose|dosage|dosing|amount|how\s+much|how\s+many|redose|re-dose|microdos\w*)\s+(?:[\w']+\s+){{0,3}}?"
          rf"(?:of\s+)?{_DRUG_USE}|\b(?:mix|mixing|combin\w*|take|taking|try|trying|do|doing|use|using|snort\w*|"
          rf"smok\w+|inject\w*|drop\w*|rail)\s+(?:some\s+|my\s+first\s+|a\s+little\s+|a\s+)?(?:\w+\s+and\s+)?"
          rf"{_DRUG_USE}",
          "mdma|molly|ecstasy|lsd|acid|shroom|mushroom|psilocybin|ketamine|cocaine|heroin|meth|weed|cannabis|"
          "marijuana|edible|thc|xanax|benzo|oxy|percocet|adderall|kratom|2c-b|dmt|ghb|gbl|nitrous|poppers|speed|opioid"
          " & dose|dosage|dosing|amount|how much|how many|microdos|mix|combin|take|taking|try|trying|do |doing|use|"
          "using|snort|smok|inject|drop|rail",
          0.65, ask="know", self_only=True, requires=_PERSONAL),
    _rule("drugs", "names a hard drug",
          r"\b(?:methamphetamine|crystal\s+meth|cocaine|heroin|fentanyl|carfentanil|lsd|mdma|ghb|pcp|ketamine|"
          r"krokodil)\b",
          "methamphetamine|crystal meth|cocaine|heroin|fentanyl|lsd|mdma|ghb|pcp|ketamine|krokodil", 0.45),

    # ---- sex crimes
    _rule("sex_crimes", "asks how to sexually assault someone",
          rf"\b{_ASK}\s+{_GAP3}(?:rape|sexually\s+assault|molest|grope|drug\s+and\s+rape|"
          r"force\s+(?:him|her|them|someone|a\s+\w+)\s+(?:to\s+have\s+sex|into\s+sex))",
          f"rape|sexually assault|molest|grope|force & {_ASK_NEEDLES}", 0.92, ask="act", harmful=True),
    _rule("sex_crimes", "covert sexual recording or non-consensual intimate images",
          r"\b(?:secretly|covertly)\s+(?:film|record|photograph|take\s+(?:pictures|photos|videos)\s+of|watch)\w*\s+"
          r"(?:\w+\s+){0,3}?(?:naked|nude|undress\w*|changing|in\s+the\s+shower|showering|having\s+sex|in\s+(?:the\s+|"
          r"her\s+|his\s+)?(?:bathroom|bedroom|changing\s+room))|\bupskirt\w*|\b(?:hidden|spy)\s+cam\w*\s+(?:in|into)\s+"
          r"(?:the|a|her|his|my)\s+(?:\w+'s\s+)?(?:bathroom|bedroom|shower|changing\s+room|airbnb|locker\s+room)|"
          r"\b(?:make|mak|creat|generat|produc)\w*\s+(?:\w+\s+){0,2}?(?:nudes?|naked|porn\w*|sexual|explicit|nsfw)\s+"
          r"(?:\w+\s+){0,2}?(?:of|with|using)\s+(?:my\s+|a\s+|an\s+|this\s+|that\s+)?(?:\w+\s+)?(?:classmate|"
          r"co-?worker|colleague|ex|crush|neighbou?r|teacher|boss|friend|girl|woman|guy|man|person|celebrity|actress|"
          r"sister|student|her|him)\b|\b(?:undress|nudify)\w*\s+(?:\w+\s+){0,2}?(?:photo|picture|pic|image|her|him)|"
          r"\b(?:share|post|leak|send|spread|upload|publish|distribut)\w*\s+(?:my\s+ex'?s'?|her|his|their|someone's|"
          r"my\s+\w+'s)\s+(?:\w+\s+)?(?:nudes|nude\s+\w+|naked\s+\w+|sex\s+tape|intimate\s+\w+)|\bsextort\w*|"
          r"\b(?:blackmail|threaten)\w*\s+(?:\w+\s+){0,3}?(?:with|using)\s+(?:her|his|their|the)\s+(?:nudes|nude\s+\w+|"
          r"naked\s+\w+|intimate\s+\w+|sex\s+tape)",
          "secretly|covertly|upskirt|hidden cam|spy cam|nude|naked|porn|sexual|explicit|nsfw|nudify|undress|sex tape|"
          "intimate|sextort", 0.9, ask="act", harmful=True, unless=_c(r"\b(?:of|to)\s+me\b|\bmy\s+(?:nudes|photos)\b")),
    _rule("sex_crimes", "trafficking people for sex",
          r"\b(?:traffic|pimp|prostitut)\w*\s+(?:out\s+)?(?:women|girls|children|kids|people|humans|a\s+girl|her)\b",
          "traffic|pimp|prostitut & women|girls|children|kids|people|humans|girl|her", 0.88, ask="act", harmful=True),

    # ---- sexual content involving minors (hard limit)
    _rule("child_sexual_exploitation", "a sexual term next to a child or an age under 18",
          rf"\b{_SEXUAL}\b[^\n]{{0,60}}?\b{_MINOR}\b|\b{_MINOR}\b[^\n]{{0,60}}?\b{_SEXUAL}\b|"
          r"\b(?:child\s+porn\w*|cp\s+(?:links|videos|pics)|csam|child\s+sexual\s+abuse\s+material)\b",
          "sex|erotic|explicit|nude|naked|porn|lewd|nsfw|horny|arous|orgasm|intercourse|make out|seduc|fetish|undress|"
          "lingerie|molest|fondl|csam|cp links|cp videos|cp pics", 0.75, hard=True,
          act_cues=_c(r"\b(?:write|story|stories|scene|fanfic|fan\s+fiction|role-?play|rp|describe|generate|create|"
                      r"draw|image|picture|pic|pics|photo|video|send|find|where\s+(?:can|do)\s+i|show\s+me|erotica|"
                      r"chat|sext|download|links?|poem)\b")),
    _rule("child_sexual_exploitation", "asks how to groom or lure a child",
          rf"\b{_ASK}\s+{_GAP3}(?:groom|lure|seduc|get\s+close\s+to|befriend)\w*\s+(?:a\s+|an\s+|the\s+|young\s+|"
          rf"little\s+)?{_MINOR}",
          f"groom|lure|seduc|close to|befriend & {_ASK_NEEDLES}", 0.88, ask="act", hard=True, harmful=True,
          unless=_c(r"\b(?:dog|puppy|pet|horse|hair|coat|fur|nails)\b")),

    # ---- sexual content that depicts abuse: without consent, or with an animal (declined, not softened)
    _rule("sex_crimes", "asks for sexual content without consent or with an animal",
          r"\b(?:explicit|erotic\w*|porn\w*|nsfw|smut\w*|lewd|x-rated|sex\s+scene|sexual\s+(?:scene|story|content|"
          r"fantasy)|graphic\s+sex|steamy|rape\s+fantasy)\b[^\n]{0,80}?\b(?:(?:while|is|was|are|were|being|stays?|"
          r"remains?)\s+(?:\w+\s+)?(?:asleep|unconscious|passed\s+out|drugged)|roofied|non-?consensual|"
          r"without\s+(?:her|his|their)\s+consent|against\s+(?:her|his|their)\s+will|raped?|"
          r"forced|coerc\w+|sex\s+slaves?|kidnapped|fantasy\s+about\s+my|involving\s+(?:an?\s+)?(?:animals?|dogs?|"
          r"horses?)|bestiality|zoophil\w*)\b|\brape\s+fantasy\b",
          "unconscious|asleep|passed out|drugged|roofied|consensual|consent|against|rape|raped|forced|coerc|slave|"
          "kidnapped|fantasy about my|animal|dog|horse|bestiality|zoophil", 0.85, ask="act", harmful=True,
          unless=_c(r"\b(?:recover\w*|heal\w*|survivors?|report\w*|support\w*|therap\w*|awareness|trauma|"
                    r"prevent\w*|warning\s+signs)\b")),

    # ---- sexual content between adults
    _rule("sexual_content", "asks for explicit sexual writing",
          r"\b(?:write|writ|creat|generat|role-?play|rp|describe|continue|tell)\w*\s+(?:me\s+)?(?:\w+\s+){0,3}?"
          r"(?:explicit|erotic|nsfw|x-rated|smutty|smut|pornographic|porn|graphic\s+sex|sex|sexual|dirty|steamy|"
          r"lewd|hardcore)\s+(?:\w+\s+)?(?:story|stories|scenes?|fanfic|fan\s+fiction|role-?play|rp|content|chat|talk|"
          r"passage|chapter|poem|fantasy|dialogue|description|text|version)\b",
          "explicit|erotic|nsfw|x-rated|smut|porn|graphic sex|sex|dirty|steamy|lewd|hardcore & story|stories|scene|"
          "fanfic|fan fiction|roleplay|role-play|rp|content|chat|talk|passage|chapter|poem|fantasy|dialogue|"
          "description|text|version", 0.8, ask="act"),

    # ---- hate
    _rule("hate", "asks for text calling a group subhuman or worthless",
          r"\b(?:write|writ|say|saying|post|creat|generat|compos|draft|argu|explain\s+why|prove|convinc\w+\s+(?:people|"
          r"me|everyone)\s+that|paragraph|essay|speech|tweet|article|poem|song|rant|manifesto)\w*[^\n]{0,80}?"
          rf"{_GROUP}\s+(?:are|is|were)\s+(?:all\s+|just\s+|nothing\s+but\s+|basically\s+|truly\s+|really\s+)?{_DEHUMANISE}",
          "subhuman|sub-human|untermensch|vermin|cockroach|parasite|rats|animals|savages|apes|monkeys|disease|plague|"
          "virus|cancer|infestation|inferior|not human|not really human|not fully human|less than human|criminals|"
          "should be|should all|should die|should not|not exist|deserve", 0.85, ask="act", harmful=True,
          unless=_ANALYSING_HATE),
    _rule("violent_crimes", "asks for text honouring a mass killer or urging others to follow",
          r"\b(?:honou?r|glorif|prais|celebrat|heroi[sz]|lionis|lioniz|salut|tribute\s+to|martyr)\w*\s+(?:\w+\s+){0,3}?"
          r"(?:gunman|gunmen|shooter|bomber|terrorist|attacker|mass\s+(?:shooter|murderer|killer))s?\b|"
          r"\b(?:finish|continue|complete|carry\s+on)\w*\s+what\s+(?:he|she|they|the\s+\w+)\s+started\b",
          "honour|honor|glorif|prais|celebrat|hero|lionis|lioniz|salut|tribute|martyr|finish|continue|complete|"
          "carry on", 0.85, ask="act", harmful=True, unless=_ANALYSING_VIOLENCE, reframe=False),
    _rule("hate", "calls for violence against a group",
          r"\b(?:kill|exterminat|eradicat|wipe\s+out|gas|purge|get\s+rid\s+of|ethnically\s+cleans|lynch|burn)"
          rf"\w*\s+all\s+(?:the\s+|of\s+the\s+)?{_GROUP}",
          "all & kill|exterminat|eradicat|wipe out|gas|purge|rid of|ethnically|lynch|burn", 0.9, ask="act",
          harmful=True, severity=Severity.SEVERE),
    _rule("hate", "calls a group subhuman or worthless",
          rf"\b{_GROUP}\s+(?:are|is)\s+(?:all\s+|just\s+|nothing\s+but\s+)?{_DEHUMANISE}",
          "subhuman|sub-human|untermensch|vermin|cockroach|parasite|rats|animals|savages|apes|monkeys|disease|plague|"
          "virus|cancer|infestation|inferior|not human|not really human|not fully human|less than human|criminals|"
          "should be|should all|should die|should not|not exist|deserve", 0.55, unless=_ANALYSING_HATE),

    # ---- harassment and stalking
    _rule("harassment", "stalking a person",
          r"\bstalk(?:s|ed|ing)?\s+(?:(?:my|our)\s+(?:\w+\s+)?\w+|her|him|them|someone|somebody|a\s+\w+|this\s+\w+)\b",
          "stalk", 0.85, ask="act", harmful=True, unless=_NOT_STALKING),
    _rule("harassment", "reading or tracking someone else's phone or location",
          rf"\b(?:track|trace|monitor|spy\s+on|read|access)\w*\s+{_OTHER_POSS}\s+(?:\w+\s+)?(?:location|phone|texts|"
          r"messages|whatsapp|gps|car|e-?mails|calls|browsing|searches|dms)\b",
          "location|phone|texts|messages|whatsapp|gps|car|mails|calls|browsing|searches|dms & track|trace|monitor|"
          "spy|read|access", 0.8, ask="act", harmful=True, unless=_NOT_STALKING),
    _rule("harassment", "following or watching a person covertly",
          rf"\b(?:track|monitor|spy\s+on|keep\s+tabs\s+on|follow|watch)\w*\s+(?:{_SPECIFIC}|{_GENERIC})[^\n]{{0,30}}?"
          r"(?:without\s+(?:her|him|them|anyone)\s+(?:knowing|noticing|finding\s+out)|secretly|covertly|24/7|"
          r"everywhere|home)\b",
          "without|secretly|covertly|24/7|everywhere|home & track|monitor|spy|tabs|follow|watch", 0.85, ask="act",
          harmful=True, unless=_NOT_STALKING),
    _rule("harassment", "hiding a tracker or spyware on someone's things",
          r"\b(?:install|put|hide|plant|slip|attach)\w*\s+(?:\w+\s+){0,2}?(?:spyware|stalkerware|a\s+tracker|"
          r"tracking\s+(?:app|device|software)|gps\s+tracker|an?\s+airtag|keylogger|spy\s+app|hidden\s+camera|mspy|"
          rf"flexispy)\s+(?:on|in|into|under)\s+(?:{_OTHER_POSS}|her|his)",
          "spyware|stalkerware|tracker|tracking|airtag|keylogger|spy app|hidden camera|mspy|flexispy", 0.9,
          ask="act", harmful=True),
    _rule("harassment", "writing a threat or abuse to send",
          r"\b(?:write|send|draft|compos|craft|make)\w*\s+(?:me\s+)?(?:an?\s+|some\s+)?(?:\w+\s+)?(?:threatening|"
          r"death\s+threats?|threats?|intimidating|menacing|abusive|harassing|hateful|nasty\s+anonymous)\s*"
          r"(?!\s*(?:models?|assessments?|analysis|intel\w*|hunting|actors?|detection|landscape|vectors?|reports?))"
          r"(?:messages?|letters?|notes?|texts?|e-?mails?|dms?|voicemails?|comments?)?\b|"
          r"\b(?:write|send|draft|compos|craft)\w*\s+(?:me\s+)?(?:an?\s+)?(?:message|letter|note|text|e-?mail|dm)s?\s+"
          r"(?:\w+\s+){0,4}?threatening\s+(?:to|that)\b",
          "threat|intimidating|menacing|abusive|harassing|hateful|nasty anonymous & write|send|draft|compos|craft|make",
          0.85, ask="act", harmful=True),
    _rule("harassment", "asks how to bully or humiliate someone",
          rf"\b{_ASK}\s+{_GAP3}(?<!a\s)(?<!the\s)(?<!my\s)(?<!with\s)(?:bully|harass|humiliate|torment|intimidate|"
          r"terrori[sz]e|cyberbully|troll|ruin\s+(?:his|her|their|my\s+\w+'s|someone's)\s+(?:life|reputation|career|"
          r"marriage)|make\s+(?:[\w']+\s+){0,2}?life\s+(?:a\s+)?(?:hell|miserable|living\s+hell))\w*",
          f"bully|harass|humiliate|torment|intimidate|terrori|troll|ruin|life & {_ASK_NEEDLES}", 0.85, ask="act",
          harmful=True),
    _rule("harassment", "organising a pile-on",
          r"\b(?:get|organi[sz]e|rally|convince)\s+(?:everyone|people|my\s+followers|the\s+internet)\s+to\s+(?:harass|"
          r"attack|spam|go\s+after|pile\s+on|dogpile)",
          "harass|attack|spam|go after|pile on|dogpile & everyone|people|followers|internet", 0.85, ask="act",
          harmful=True),

    # ---- privacy
    _rule("privacy", "finding where a private person lives or how to reach them",
          r"\b(?:find|get|look\s+up|track\s+down|locate|dig\s+up|uncover|figure\s+out|work\s+out|discover|search\s+for|"
          r"obtain|pull)\w*\s+(?:out\s+)?(?:\w+\s+){0,2}?(?:where\s+(?:she|he|they|this\s+\w+|my\s+\w+)\s+(?:lives?|"
          r"works?|is\s+staying|sleeps|moved\s+to)|(?:(?:home|current|new|personal)\s+)?(?:address|phone\s+number|"
          r"cell\s+number|mobile\s+number|e-?mail\s+address|social\s+security\s+number|ssn|date\s+of\s+birth|"
          r"medical\s+records|bank\s+details|real\s+name|ip\s+address|workplace|daily\s+routine|schedule)\s+"
          r"(?:of|for|belonging\s+to)\s+(?:this\s+|that\s+|a\s+|my\s+|the\s+|some\s+)?(?:private\s+|random\s+)?"
          r"(?:person|individual|girl|woman|guy|man|user|account|stranger|ex|crush|neighbou?r|co-?worker|"
          r"someone|somebody|her|him|them|people|streamer|private\s+citizen))\b|"
          rf"\b(?:find|get|look\s+up|track\s+down|locate|dig\s+up|figure\s+out)\w*\s+(?:out\s+)?{_OTHER_POSS}\s+"
          r"(?:(?:home|current|new|personal)\s+)?(?:address|phone\s+number|number|e-?mail|ssn|social\s+security\s+"
          r"number|workplace|location)\b",
          "address|number|mail|ssn|social security|date of birth|medical records|bank details|real name|workplace|"
          "routine|schedule|where she|where he|where they|where this|where my|location & find|get|look up|track|"
          "locate|dig|uncover|figure|work out|discover|search|obtain|pull", 0.8, ask="act"),
    _rule("privacy", "identifying a stranger from a photo",
          r"\b(?:who\s+is|identify|find\s+out\s+who|figure\s+out\s+who)\s+(?:\w+\s+){0,2}?(?:this|the)\s+(?:person|"
          r"woman|man|girl|guy|stranger|lady)\s+(?:\w+\s+){0,2}?(?:in|from|on)\s+(?:this|the|my|a)\s+(?:photo|picture|"
          r"pic|image|video|screenshot|selfie)",
          "photo|picture|pic|image|video|screenshot|selfie", 0.75, ask="act"),
    # Doxxing someone, not the word: "dox this streamer", "a doxxing campaign against her"; "what is
    # doxxing" or "doxxing is dangerous" asks about it.
    _rule("privacy", "doxxing someone",
          r"\bdoxx?(?:ing|es)?\s+(?!(?:is|was|are|were|and|or|in|on|at|for|of|as|has|have|means?|online|victims?|"
          r"cases?|happens?|works?|laws?)\b)\w|\bdoxx?(?:ing)?\s+(?:campaign|operation|attack)s?\s+(?:against|on)\b|"
          r"\b(?:help\s+(?:me|us)|how\s+(?:to|do\s+i|can\s+i)|i\s+(?:want|need)\s+to|let'?s)\s+dox",
          "dox", 0.85, ask="act", harmful=True,
          unless=_c(r"\b(?:been|being|got|get|was|were)\s+dox|\bdoxx?ed\s+me\b|\bfrom\s+(?:being\s+|getting\s+)?"
                    r"dox")),

    # ---- defamation
    _rule("defamation", "inventing or spreading false claims about a real person",
          r"\b(?:spread|start|post)\w*\s+(?:an?\s+|some\s+|the\s+)?(?:false\s+|fake\s+)?rumou?rs?\s+(?:about|that)\s+"
          r"(?:my|her|his|a|the|this|our|someone)\b|\b(?:make\s+up|invent|fabricat)\w*\s+(?:a\s+|an\s+|some\s+)?"
          r"(?:story|stories|allegations?|accusations?|claims?|evidence|lies|screenshots?)\s+(?:about|that)\s+"
          r"(?:my|her|his|our|the|this|someone)\b|\bfalsely\s+accus\w+\s+(?:my|her|him|his|someone|a|the)\b|"
          r"\b(?:write|post|generat|creat)\w*\s+(?:\d+\s+|some\s+|a\s+bunch\s+of\s+)?(?:fake\s+)(?:negative\s+|"
          r"1[- ]star\s+|one[- ]star\s+|bad\s+)reviews?\s+(?:for|about|of|on)\b",
          "rumor|rumour|make up|invent|fabricat|falsely|reviews", 0.8, ask="act", harmful=True),
    _rule("defamation", "writing a made-up story presented as news about someone",
          r"\b(?:write|writ|creat|mak|generat|draft|publish)\w*\s+(?:me\s+)?(?:an?\s+|some\s+|the\s+)?(?:\w+\s+)?"
          r"(?:false|fake|made[- ]up|fabricated|untrue|bogus)\s+(?:news\s+)?(?:articles?|stor(?:y|ies)|reports?|"
          r"quotes?|tweets?|posts?|allegations?|claims?)\s+(?:about|that|saying|claiming|accusing)\b",
          "false|fake|made-up|made up|fabricated|untrue|bogus", 0.7, ask="act"),

    # ---- intellectual property
    _rule("intellectual_property", "piracy or cracking licence protection",
          r"\b(?:pirat\w+|torrent\w*|cracked|bootleg\w*)\s+(?:\w+\s+){0,2}?(?:movies?|films?|shows?|series|games?|"
          r"software|apps?|albums?|music|songs?|books?|e-?books?|photoshop|windows|office|adobe|copy|copies|version)\b|"
          r"\b(?:download|watch|stream|get)\w*\s+(?:\w+\s+){0,4}?(?:illegally|without\s+paying|off\s+(?:the\s+)?pirate"
          r"\s*bay|from\s+torrents?)|\b(?:crack|bypass|remov|break|strip|get\s+around|circumvent|disabl)\w*\s+(?:the\s+)?"
          r"(?:drm|copy\s+protection|licen[cs]e\s+(?:check|key|verification)|activation|licensing|denuvo|paywall|"
          r"serial\s+key\s+check|trial\s+(?:limit|period))|\bcrack\w*\s+(?:the\s+)?(?:photoshop|windows|office|adobe|"
          r"software|games?|denuvo|premiere|autocad|licen[cs]e)\b|\bkeygens?\b|\b(?:generate|give\s+me|free)\s+"
          r"(?:a\s+|some\s+)?(?:windows|office|adobe|photoshop|steam|product|licen[cs]e|serial|activation)\s+keys?\b",
          "pirat|torrent|cracked|bootleg|illegally|without paying|drm|copy protection|licen|activation|denuvo|paywall|"
          "serial key|trial limit|trial period|keygen|crack|key", 0.7, ask="act"),

    # A named work reproduced whole or at length: a song's lyrics "by" its artist, a long passage or a
    # chapter of a book, a film's script. A summary, an analysis or a line or two quoted is not this.
    _rule("intellectual_property", "reproducing a copyrighted work at length",
          rf"\b(?:(?:full|complete|entire|whole|exact)\s+)?lyrics\s+(?:of|to|for|from)\s+[^\n]{{1,70}}?\s+by\s+{_NOT_ME}|"
          rf"\b(?:long|lengthy|full|entire|whole|complete|extended|opening|first)\s+(?:passages?|excerpts?|chapters?|"
          rf"sections?|text|script|screenplay|transcript)\s+(?:of|from)\s+[^\n]{{1,80}}?\s+by\s+{_NOT_ME}|"
          r"\b(?:chapters?\s+\w+|pages?\s+\d+[^\n]{0,12}|the\s+(?:first|last|opening)\s+\w+\s+(?:pages|chapters))\s+"
          r"(?:of|from)\s+[^\n]{1,80}?\s+(?:word\s+for\s+word|verbatim|in\s+full)\b|"
          r"\b(?:word\s+for\s+word|verbatim)\s+(?:text\s+|copy\s+)?(?:of|from)\s+(?:the\s+)?(?:book|novel|song|film|movie|"
          r"article|chapter)\b",
          "lyrics|passage|excerpt|chapter|section|text|script|screenplay|transcript|page|word for word|verbatim",
          0.7, ask="act", harmful=True, reframe=False,
          unless=_c(r"\b(?:mean(?:s|ing)?|explain\w*|analy[sz]\w*|interpret\w*|summar\w*|themes?|in\s+the\s+style\s+of|"
                    r"parod\w+|inspired\s+by|original|public\s+domain|traditional|hymn|folk\s+song|i\s+wrote|"
                    r"my\s+own|our\s+own|(?:my|our)\s+(?:song|poem|book|novel|script)|cite|citation|quote\s+(?:a\s+)?"
                    r"(?:line|few\s+lines|sentence))\b")),

    # ---- specialised advice
    _rule("specialized_advice", "asks for a personal medical, legal or money decision",
          r"\b(?:how\s+much|how\s+many|what\s+(?:dose|dosage|amount))\s+(?:\w+\s+){0,3}?(?:should|can|could|do)\s+"
          r"(?:i|my\s+(?:\w+\s+)?(?:son|daughter|child|kid|baby|toddler|dad|mom|mother|father|husband|wife))\s+"
          r"(?:take|give)\b(?![^\n]{0,30}\b(?:drive|driving)\b)|\b(?:should|can)\s+i\s+(?:stop|quit|come\s+off|double|"
          r"skip)\s+(?:taking\s+)?(?:my\s+)?(?:\w+\s+)?(?:meds|medications?|medicine|pills|antidepressants?|insulin|"
          r"blood\s+thinners?|chemo)\b|\bdo\s+i\s+have\s+(?:cancer|diabetes|a\s+tumou?r|hiv|lupus|ms|adhd|autism|"
          r"bipolar|depression|sepsis|a\s+heart\s+condition|appendicitis|a\s+stroke)\b|\bdiagnose\s+(?:me|my)\b|"
          r"\b(?:should|can)\s+i\s+(?:sue|plead\s+(?:guilty|not\s+guilty)|represent\s+myself|sign\s+(?:this|the)\s+"
          r"(?:contract|settlement|plea)|break\s+my\s+lease)\b|\b(?:should|can)\s+i\s+(?:put|invest|move|withdraw|"
          r"cash\s+out)\s+(?:all\s+(?:of\s+)?)?(?:my\s+)?(?:life\s+savings|savings|retirement|401k|pension|"
          r"house\s+money|inheritance)\b",
          "take|give|meds|medication|medicine|pills|antidepressant|insulin|blood thinner|chemo|do i have|diagnose|sue|"
          "plead|represent myself|contract|settlement|plea|lease|savings|retirement|401k|pension|house money|"
          "inheritance & how much|how many|what dose|what dosage|what amount|should i|can i|do i have|diagnose", 0.6,
          ask="know", self_only=True),

    # ---- suicide and self-harm
    _rule("self_harm", "asks for a method of suicide or self-injury",
          rf"\b{_ASK}\s+{_GAP3}(?<!without\s)(?<!avoid\s)(?<!not\s)(?:kill\s+myself|end\s+my\s+(?:own\s+)?life|"
          r"commit\s+suicide|hang\s+myself|die\b(?!\s+(?:of|from|laughing|happy|inside|a\s+little|in\s+(?:the\s+)?"
          r"game))|overdose\b|od\b|(?:hurt|harm|cut|burn|injure|starve|punish)\s+myself"
          r"(?!\s+(?:a|an|some|off|loose|free|short|slack|out)\b))|"
          r"\bsuicide\s+methods?\b|\b(?:painless|quick|quickest|easiest|surest)\s+(?:way|method)s?\s+to\s+(?:die|go)\b|"
          r"\bhide\s+(?:my\s+)?(?:cuts|scars|self[- ]harm|burns|bruises)\s+(?:from|so)\b",
          "myself|life|suicide|die|overdose| od|cuts|scars|self-harm|self harm|burns|bruises", 0.9,
          ask="act", self_only=True, unless=_c(r"\bkill\s+myself\s+laughing\b|\bhair\b|\bminecraft\b|\bgame\b")),
    _rule("self_harm", "asks a lethal amount for themselves",
          r"\b(?:lethal|fatal|deadly|toxic|overdose)\s+(?:dose|amount|quantity|level|threshold)s?\b[^\n]{0,60}?"
          r"(?:i'?ve\s+got|i\s+have\s+(?:a|the|\d+|enough|all)|i\s+(?:just\s+)?took|i'?ve\s+taken|(?:whole|entire|"
          r"full)\s+(?:bottle|pack|box|packet|prescription)|kill\s+me|for\s+me\b|to\s+(?:die|end\s+(?:it|my\s+life)))|"
          r"\b(?:lethal|fatal|deadly|toxic|overdose)\s+(?:dose|amount|quantity)\s+of\s+my\s+\w+|"
          r"\bhow\s+(?:many|much)\s+[^\n]{0,40}?(?:would|will|to|does\s+it\s+take\s+to)\s+(?:kill\s+me|end\s+my\s+life|"
          r"make\s+me\s+die|not\s+wake\s+up|stop\s+my\s+(?:breathing|heart))\b|"
          r"\bhow\s+long\s+(?:does|would|will)\s+it\s+take\s+(?:me\s+)?to\s+die\s+(?:from|of|in|with)\b"
          r"[^\n]{0,120}?\b(?:i'?ve\s+(?:already\s+)?got|i\s+have|i'?m\s+(?:in|sitting)|already|tonight)\b",
          "lethal|fatal|deadly|toxic|overdose|how many|how much|how long & ve|ive |have|took|taken|bottle|pack|box|"
          "prescription|kill me|for me|die|end it|end my life|of my|wake up|stop my", 0.88, ask="act",
          self_only=True,
          # A personal plan ("I've got the whole bottle") is the ask, even worded as "what is".
          act_cues=_c(r"\b(?:lethal|fatal|deadly|toxic|overdose|how\s+many|how\s+much)\b")),
    _rule("self_harm", "asks a lethal or overdose amount",
          r"\b(?:lethal|fatal|deadly|toxic|overdose)\s+(?:dose|amount|quantity|level|threshold|limit)s?\b|"
          r"\bhow\s+(?:much|many)\s+(?:\w+\s+){0,3}?(?:to|would|will|can)\s+(?:kill|die|od|overdose|be\s+(?:fatal|"
          r"lethal))\b|\bhow\s+much\s+(?:\w+\s+){0,3}?is\s+(?:fatal|lethal|an\s+overdose)\b",
          "lethal|fatal|deadly|toxic|overdose|kill|die| od & lethal|fatal|deadly|toxic|overdose|how much|how many",
          0.55, ask="know"),
    _rule("self_harm", "asks how to restrict, purge or hide not eating",
          rf"\b{_ASK}\s+{_GAP3}(?:stop\s+eating(?:\s+(?:completely|entirely|altogether|for\s+(?:days|a\s+week|weeks))|"
          r"\s*[.?!]|$)|starve\s+myself|purge(?:\s+(?:after\s+(?:eating|meals?|binging)|without)|\s*[.?!]|$)|"
          r"make\s+myself\s+(?:throw\s+up|vomit|sick)|hide\s+(?:my\s+)?(?:not\s+eating|weight\s+loss|eating\s+disorder|"
          r"purging)|suppress\s+my\s+appetite)|\bpro[- ]?ana\b|\bthinspo\w*|\bmeanspo\b",
          "stop eating|starve myself|purge|throw up|vomit|make myself sick|appetite|not eating|weight loss|"
          "eating disorder|purging|pro-ana|pro ana|proana|thinspo|meanspo", 0.8, ask="act", self_only=True),

    # ---- dangerous activities, mostly risky to the sender
    _rule("dangerous_activities", "extreme fasting or very low intake",
          r"\b(?:water|dry|extended|prolonged)\s+fast(?:ing|s)?\b|\bfast(?:ing)?\s+(?:for|over)\s+(?:\d+|a\s+few|"
          r"several|two|three|four|five|six|seven|ten|fourteen|twenty|thirty)\s+(?:days|weeks)\b|\b(?:go|survive|live|"
          r"last)\s+without\s+(?:food|eating)\b|\b(?:eat|eating)\s+(?:only\s+)?(?:under|less\s+than)\s+(?:[1-7]\d\d|"
          r"[1-9]\d)\s*(?:calories|kcal|cal)\b|\bfast(?:ing)?\s+with\s+(?:only\s+)?water\b",
          "water fast|dry fast|extended fast|prolonged fast|fasting|fast for|fast over|without food|without eating|"
          "calories|kcal| cal|fast with", 0.6, ask="know", self_only=True),
    _rule("dangerous_activities", "climbing without protection, huffing or a risky challenge",
          r"\bfree[- ]solo\w*(?!\s+(?:film|movie|documentary))|\bclimb\w*\s+(?:\w+\s+){0,3}?without\s+(?:a\s+)?"
          r"(?:rope|ropes|harness|protection|gear)\b|\b(?:huff|sniff|inhal)\w*\s+(?:\w+\s+){0,2}?(?:glue|"
          r"paint\s+thinner|paint|gasoline|petrol|butane|propane|nitrous|whippets|whippits|aerosols?|computer\s+duster|"
          r"air\s+duster|keyboard\s+cleaner|solvents?)\b|\b(?:blackout|choking|pass[- ]out|tide\s*pod|benadryl|fire|"
          r"salt\s+and\s+ice|skull\s*breaker|nutmeg)\s+challenge\b|\b(?:subway|train)\s+surf\w*|\brooftopping\b|"
          r"\brussian\s+roulette\b",
          "free solo|free-solo|climb|huff|sniff|inhal|challenge|subway surf|train surf|rooftopping|roulette", 0.65,
          self_only=True, unless=_c(r"\bwatch(?:ed|ing)?\s+(?:the\s+)?free\s+solo\b")),
    _rule("dangerous_activities", "driving drunk or beating a sobriety test",
          r"\b(?:drive|driving|drove)\s+(?:\w+\s+){0,2}?(?:drunk|high|stoned|wasted|buzzed|after\s+(?:\d+\s+|a\s+few\s+|"
          r"some\s+)?(?:drinks|beers|shots|drinking|smoking))\b|\b(?:beat|fool|pass|cheat)\s+(?:a\s+|the\s+)?"
          r"(?:breathaly[sz]er|breath\s+test|sobriety\s+test|field\s+sobriety)|\bhow\s+many\s+(?:drinks|beers|shots|"
          r"glasses)\s+(?:\w+\s+){0,5}?(?:drive|driving)\b",
          "drunk|high|stoned|wasted|buzzed|drinks|beers|shots|drinking|smoking|breathaly|breath test|sobriety & "
          "drive|driving|drove|breathaly|breath test|sobriety", 0.65),

    # ---- elections
    _rule("elections", "telling voters a false time, place or way to vote",
          r"(?:\b(?:write|writ|post|text|send|spread|draft|creat|make)\w*[^\n]{0,60}?\b(?:saying|telling|that|"
          r"claiming|announc\w*)|\btell\s+(?:voters|people|everyone|them|democrats|republicans))[^\n]{0,40}?"
          r"(?:vote\s+by\s+(?:text|sms|tweet|phone)|election\s+(?:day\s+)?(?:is|was|has\s+been)\s+(?:moved|postponed|"
          r"cancell?ed|rescheduled)|polling\s+(?:places?|stations?)\s+(?:are|is|have\s+been|has\s+been)\s+(?:closed|"
          r"moved))",
          "vote by|election|polling", 0.85, ask="act", harmful=True),
    _rule("elections", "keeping people from voting",
          r"\b(?:stop|keep|prevent|discourage|deter|scare|intimidat|suppress)\w*\s+(?:\w+\s+){0,3}?(?:voters?|people|"
          r"democrats|republicans|minorities|students|immigrants)\s+(?:from\s+voting|away\s+from\s+(?:the\s+)?polls?|"
          r"from\s+(?:going\s+to\s+)?(?:the\s+)?polls?)",
          "voting|polls", 0.85, ask="act", harmful=True),
    _rule("elections", "voting fraud or tampering with a count",
          r"\bvote\s+(?:twice|two\s+times|more\s+than\s+once|multiple\s+times|in\s+(?:two|both|multiple)\s+"
          r"(?:states|places|districts))\b|\bvote\s+(?:for|as|on\s+behalf\s+of)\s+(?:my\s+)?(?:dead|deceased|late)\s+"
          r"\w+|\b(?:fill\s+out|submit|cast)\s+(?:\w+\s+){0,2}?(?:other\s+people's|someone\s+else's|(?:my\s+)?"
          r"(?:dead|deceased)\s+\w+'s|fake)\s+ballots?|\bstuff\s+(?:the\s+)?ballot\s+box|\b(?:rig|steal|fix)\s+"
          r"(?:the|an|this|our|a)\s+(?:local\s+)?elections?\b|\b(?:hack|tamper\s+with|alter|change|manipulat)\w*\s+"
          r"(?:the\s+|a\s+)?(?:voting\s+machines?|ballots?|vote\s+(?:counts?|tallies|totals)|election\s+results?|"
          r"voter\s+rolls?)\b",
          "vote|ballot|election|voting|voter", 0.8, ask="act"),
    _rule("elections", "a deepfake of a candidate or an election official",
          r"\b(?:write|writ|make|mak|creat|generat|produc|draft|record|script|build|clone)\w*\s+(?:me\s+)?(?:an?\s+|the\s+|"
          r"some\s+)?(?:deep-?fake|fake|ai[- ]generated|cloned)\s+(?:(?:audio|video|voice)\s+)?(?:audio|video|voice|"
          r"clip|recording|robocall|call|script|speech|statement|message)s?\s+(?:of|showing|where|with|in\s+which|"
          r"that\s+shows)\s+(?:the\s+|a\s+|an\s+|our\s+|my\s+|their\s+|this\s+)?(?:\w+\s+){0,2}?(?:candidate|senator|governor|mayor|president|prime\s+minister|"
          r"politician|minister|mp|election\s+(?:official|officer|office)|polling|the\s+vote|ballots?|opposition\s+"
          r"leader|conced\w*)",
          "deepfake|deep-fake|fake|ai-generated|ai generated|cloned & candidate|senator|governor|mayor|president|"
          "prime minister|politician|minister|mp|election|polling|vote|ballot|opposition|conced", 0.85, ask="act",
          harmful=True),
    _rule("elections", "names voter suppression", r"\bvoter\s+(?:suppression|intimidation|fraud)\b", "voter", 0.5),
)
