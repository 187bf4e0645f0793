"""Scope: is the latest request outside the topics the operator limited the deployment to?

A first version by lexical overlap. The scope phrases ("AcmeBank products and banking
questions"), the deployment's domain, and a small lexicon for each common domain they
name give a vocabulary; a substantive request that shares no word with it is reported
as out of scope. Greetings, thanks and questions about the assistant itself never are.
Overlap errs towards "in scope": wrongly declining a fair request is a failure too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from charter.analysers import AnalysisContext, register
from charter.principals import Message, Principal
from charter.signals import Findings, Signal

SIGNAL = "out_of_scope"

_SUBSTANTIVE = 0.8  # two or more content words, none in scope
_SHORT = 0.6  # a single content word: could be a terse follow-up
_FOLLOW_UP = 0.4  # short, refers back ("what about that one?"), after an in-scope turn

_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#'\-]*[a-z0-9+#]|[a-z0-9]")

# Words that carry no topic: function words, request verbs, and generic nouns that any
# scope phrase or request may use ("questions", "help", "products").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words("""
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each either else ever every few for from further get gets getting give go goes
going gonna got had hasn't has have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let let's
like lot lots me might mine more most much must mustn't my myself need needs never no nor not now
of off on once one only or other ought our ours ourselves out over own please pls plz quite rather
really said same say says see shall shan't she she'd she'll she's should shouldn't so some someone
something still such sure than that that's the their theirs them themselves then there there's
these they they'd they'll they're they've thing things this those though through thus to too
tell under until up upon us use used using very via want wanna was wasn't way we we'd we'll we're
we've well were weren't what what's whats when when's where where's whether which while who who's
whom whose why why's will with won't would wouldn't yet you you'd you'll you're you've your yours
yourself yourselves yes yeah ok okay hey hi hello thanks thank thx please
write make show explain describe give tell know think find help create generate compose
draft suggest recommend try look looking ask asking asked answer answers question questions
topic topics issue issues related general stuff product products service services support info
information inquiry inquiries enquiry query queries request requests matter matters regarding
kind sort type best good great new old big small little long short quick quickly simple easy
day days today tomorrow yesterday time times year years week weeks month months
example examples case cases part bit
""")

# Small domain lexicons. A scope names a domain when one of its trigger words appears in
# a scope phrase or in the deployment's domain; the domain's lexicon then joins the scope.
_DOMAINS: dict[str, tuple[str, str]] = {
    "coding": (
        "code coding program programming programmer software developer development engineering "
        "coder devops computer tech technical python javascript",
        "code coding program programming software developer develop bug bugs debug debugging "
        "error errors exception compile compiler function functions variable variables loop "
        "loops class classes method methods object python javascript typescript java c c++ c# "
        "rust golang go ruby php swift kotlin scala haskell sql html css react vue angular node "
        "nodejs npm pip api apis git github gitlab linux unix bash shell zsh terminal command "
        "commands cli script scripts scripting process processes server servers database "
        "databases query regex json yaml xml csv docker container kubernetes algorithm "
        "algorithms array arrays list dict dictionary string strings integer int float boolean "
        "recursion stack heap thread threads memory cpu library libraries package packages "
        "module modules import install dependency dependencies framework test tests testing "
        "deploy deployment build syntax runtime crash crashes segfault null pointer repository "
        "repo commit branch merge endpoint http https backend frontend web website app apps "
        "ide vscode vim emacs kernel file files directory folder dataframe pandas numpy "
        "refactor lint async await callback promise traceback stacktrace binary hash "
        "encryption compile compiled type types typing iterator generator lambda closure "
        "pointer struct enum interface inheritance oop django flask fastapi spring rails "
        "windows macos ubuntu debian ssh port socket network cache performance optimize "
        "variable log logs logging exit infinite output input print parse parser div span "
        "flexbox grid margin padding selector dom browser tuple set map hashmap vector matrix "
        "iterate iteration index slice key value sort sorting search tree graph queue linked "
        "node bit byte bytes char unicode utf encoding decode pattern match gcc cmake makefile "
        "gradle maven webpack vite jest pytest junit selenium aws azure gcp cloud s3 terraform "
        "ansible nginx apache redis postgres postgresql mysql sqlite mongodb orm schema "
        "migration table column row join mutex race concurrency parallel gpu cuda tensor "
        "pytorch tensorflow neural ml jupyter notebook matplotlib plot vba macro powershell "
        "cmd path env environment config configuration argument arguments parameter "
        "parameters return returns none undefined nan stdout stderr pipe grep sed awk curl "
        "wget cron systemd daemon permission permissions chmod sudo root auth oauth jwt token "
        "cookie session cors ssl tls certificate dns ip tcp udp localhost proxy firewall xcode "
        "android ios flutter unity shader opengl webgl canvas svg latex markdown readme "
        "documentation docs version versions release ci pipeline jenkins toml ini dotenv fix "
        "patch refactoring pr overflow leak garbage profiling benchmark latency timeout retry "
        "coroutine goroutine channel rest graphql grpc protobuf websocket response status "
        "header headers payload upload download stream buffer serialize deserialize pickle "
        "interpreter bytecode jvm dotnet csharp cpp deno excel formula spreadsheet vs code "
        "complexity notation big-o component components render rendering state props hook "
        "hooks style stylesheet event events handler listener widget ui ux layout responsive",
    ),
    "banking": (
        "bank banking banks finance financial account accounts card cards loan loans mortgage "
        "credit money payment payments fintech invest investing investment",
        "bank banking account accounts balance card cards credit debit atm loan loans mortgage "
        "interest rate rates savings saving checking cheque deposit deposits withdraw withdrawal "
        "transfer transfers payment payments pay overdraft fee fees statement statements pin "
        "wire iban swift routing transaction transactions fraud dispute chargeback limit "
        "limits online finance financial money budget budgeting invest investment investments "
        "stock stocks fund funds tax taxes insurance currency exchange cash salary direct "
        "debit standing order apr refinance score retirement pension ira 401k isa bond bonds "
        "branch login password contactless visa mastercard amex paypal venmo zelle cashback "
        "lost stolen frozen freeze block blocked unlock activate borrow lend lender home house "
        "property afford affordability repayment repay owe debt",
    ),
    "cooking": (
        "cook cooking recipe recipes food culinary baking bake kitchen meal meals chef",
        "cook cooking recipe recipes bake baking oven ingredient ingredients flour sugar salt "
        "butter egg eggs dish dishes meal meals dinner lunch breakfast food foods kitchen fry "
        "frying roast grill boil simmer sauce soup bread cake cookies dough pasta rice chicken "
        "beef pork fish vegetable vegetables vegetarian vegan spice spices season seasoning "
        "marinade dessert tablespoon teaspoon grams substitute knife chop dice slice pan pot "
        "stir whisk taste flavor flavour serve serving portion calories nutrition diet "
        "restaurant cuisine grill bbq barbecue sourdough yeast milk cheese",
    ),
    "travel": (
        "travel travelling traveling trip trips flight flights hotel hotels vacation holiday "
        "holidays tourism tourist airline booking tour tours",
        "travel trip trips flight flights fly flying airline airlines airport hotel hotels "
        "booking book reservation visa passport luggage baggage itinerary destination "
        "destinations tour tours vacation holiday cruise train trains rail bus car rental "
        "beach resort check-in boarding layover ticket tickets country countries city cities "
        "sightseeing museum tourist abroad currency jet lag hostel airbnb route map transport "
        "weather seat seats upgrade cancel cancellation refund delay delayed",
    ),
    "medical": (
        "medical medicine health healthcare clinic clinical patient patients doctor doctors "
        "wellness nursing pharmacy pharmacist hospital",
        "health medical medicine medication medications drug drugs dose dosage doctor nurse "
        "hospital clinic symptom symptoms pain fever cough cold flu infection disease condition "
        "diagnosis treatment therapy prescription pill pills tablet vaccine vaccines allergy "
        "allergies blood pressure heart diabetes cancer injury sleep mental anxiety depression "
        "diet exercise weight pregnancy pregnant headache migraine rash side effect effects "
        "surgery body skin appointment insurance covid virus antibiotic antibiotics",
    ),
    "legal": (
        "legal law laws lawyer lawyers attorney attorneys court contract contracts litigation "
        "compliance",
        "law laws legal lawyer attorney court contract contracts lease tenant landlord sue "
        "lawsuit rights liability will estate divorce custody copyright trademark patent "
        "license licence regulation regulations compliance gdpr police arrest crime criminal "
        "fine ticket immigration visa employment fired discrimination claim settlement "
        "agreement clause notary statute judge trial evidence legally illegal permit",
    ),
    "education": (
        "education educational homework school schools tutor tutoring study studying learn "
        "learning student students teach teaching math maths science academic course courses",
        "homework school study studying learn learning lesson lessons class classes teacher "
        "student students exam exams test quiz essay essays assignment math maths algebra "
        "geometry calculus equation equations science physics chemistry biology history "
        "geography english grammar spelling vocabulary language languages reading writing "
        "literature book books poem poetry solve problem problems course university college "
        "grade grades tutor practice worksheet fraction fractions percent percentage chapter "
        "report project formula theorem definition",
    ),
    "retail": (
        "retail shop shopping store stores order orders ecommerce e-commerce purchase "
        "purchases returns return delivery deliveries",
        "order orders ordered shipping ship shipped delivery deliver delivered return returns "
        "refund refunds exchange purchase purchased buy bought item items price prices "
        "discount coupon promo code cart checkout payment invoice receipt tracking track "
        "package parcel size sizes stock store shop shopping warranty account subscription "
        "cancel membership gift voucher damaged missing late arrive arrived",
    ),
    "support": (
        "support customer customers service helpdesk troubleshoot troubleshooting app "
        "software product products platform account",
        "account login log password subscription billing bill plan plans upgrade downgrade "
        "cancel refund install installation setup set feature features bug error crash update "
        "version settings app device troubleshoot reset sync pricing price trial license "
        "licence email notification notifications profile data export import integration "
        "connect connection slow broken working work works address phone number email contact "
        "complaint complain close open change details personal name verify verification "
        "locked code sign signup register registration delete",
    ),
}

# A line of small talk, thanks, or a question about the assistant: always welcome.
_PLEASANTRY = (r"(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day|"
               r"night)|thanks?(?:\s+you)?|thx|ty|cheers|much\s+appreciated|ok|okay|cool|great|"
               r"nice|awesome|perfect|got\s+it|sure|yes|no|yep|nope|lol|bye|goodbye|see\s+you|"
               r"sorry|my\s+bad|never\s*mind|nvm|there|again|all|everyone|so\s+much|very\s+much|"
               r"a\s+lot|mate|buddy|friend|bot)")
_ALWAYS_OK = re.compile(
    r"^\W*(?:" + _PLEASANTRY + r"(?:[\s,!.]+" + _PLEASANTRY + r")*" + r"""
      |how\s+are\s+you(?:\s+doing)?(?:\s+today)?
      |how(?:'s|\s+is)\s+(?:it\s+going|your\s+day)
      |what(?:'s|\s+is)\s+up
      |nice\s+to\s+meet\s+you
      |(?:who|what)\s+are\s+you
      |what(?:'s|\s+is)\s+your\s+name
      |are\s+you\s+(?:a|an)\s+(?:bot|ai|robot|human|person|real\s+person|machine)
      |are\s+you\s+(?:human|real|there)
      |who\s+(?:made|built|created|trained)\s+you
      |what\s+(?:can|do|could)\s+you\s+(?:do|help(?:\s+(?:me\s+)?with)?)(?:\s+for\s+me)?
      |what\s+(?:kind\s+of\s+|sorts?\s+of\s+)?(?:things|topics|questions|stuff)\s+can\s+you
         (?:\s+(?:help|answer|do))?(?:\s+(?:me\s+)?with)?
      |how\s+(?:can|do)\s+you\s+help(?:\s+me)?
      |(?:can|could)\s+you\s+help(?:\s+me)?
      |(?:i\s+)?need\s+(?:some\s+)?help
      |help
      |what\s+is\s+this(?:\s+(?:app|service|bot|chat))?
      |how\s+does\s+this\s+work
      |(?:tell|give)\s+me\s+a\s+(?:joke|fun\s+fact)
      |tell\s+me\s+about\s+yourself
      |(?:can|could|may)\s+i\s+(?:please\s+)?(?:speak|talk|chat)\s+(?:to|with)\s+
         (?:a\s+|an\s+|a\s+real\s+)?
         (?:human|person|someone|somebody|agent|representative|operator|manager|real\s+person)
      |is\s+this\s+(?:a\s+)?(?:bot|human|real\s+person|an\s+ai)
    )[\s!?.,:;)(]*(?:[\s!?.,]+(?:thanks?|please|:\)|:D))*[\s!?.]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Questions about the assistant itself (its instructions, nature, memory, data) are in scope in any
# deployment: honesty about itself is owed whatever the operator's topic.
_ABOUT_ASSISTANT = re.compile(
    r"\bsystem\s+prompt\b"
    r"|\b(?:you|your|yourself)\b[^.?!\n]{0,40}\b(?:instructions|rules|guidelines|trained|training|made|built|"
    r"created|programmed|an?\s+(?:ai|bot|robot|human|person|real\s+person|language\s+model)|human|real|"
    r"capabilit\w*|limitations?|remember|memory|my\s+data|store|record|log\w*)\b"
    r"|\b(?:instructions|rules|guidelines|prompt)\b[^.?!\n]{0,30}\b(?:you|your)\b",
    re.IGNORECASE,
)
# Code-shaped text (camelCase, snake_case, calls, file names, operators) is about code.
_CODE_SHAPE = re.compile(
    r"`|\b[a-z]+[A-Z]\w*\b|\b[a-z]+_[a-z_]+\b|\b\w+\(\)|\b\w+\.(?:py|js|ts|tsx|jsx|java|cpp|"
    r"rs|go|rb|php|cs|sh|sql|json|yaml|yml|toml|html|css|md|txt|csv)\b|->|==|!=|=>|\{|\}|;\s*$|"
    r"^\s*(?:def|class|import|from|function|const|let|var|public|private|#include)\b",
    re.MULTILINE,
)
# A short message that points back at earlier turns: "and what about that one?"
_ANAPHORA = re.compile(r"\b(?:it|that|this|those|these|them|one|same|also|again|instead|else|"
                       r"more|another|above|previous|example)\b", re.IGNORECASE)


def stem(word: str) -> str:
    """A light stemmer: enough to meet 'banking' with 'bank' and 'recipes' with 'recipe'."""
    w = word.lower().strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif (w.endswith("ed") and len(w) > 4) or (w.endswith("es") and len(w) > 4 and w[-3] in "sxzh"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # programm -> program, runn -> run
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]  # code/coding -> cod, recipe/recipes -> recip
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the topic-bearing words of a text, in order, stop-words and numbers removed."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        if token in _STOP or token.isdigit():
            continue
        s = stem(token)
        if (s and s not in _STOP and len(s) > 1) or token in ("c", "r"):
            out.append(s)
    return out


_LEXICONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(stem(w) for w in triggers.split()), frozenset(stem(w) for w in words.split()))
    for name, (triggers, words) in _DOMAINS.items()
}


@lru_cache(maxsize=256)
def scope_vocabulary(scope: tuple[str, ...],
                     extra: tuple[str, ...] = ()) -> tuple[frozenset[str], tuple[str, ...]]:
    """Stems that count as in scope, and the names of the domain lexicons that joined.

    ``extra`` holds more topic words, such as the deployment's domain and operator name.
    """
    own: set[str] = set()
    named: set[str] = set()  # every word, generic ones too: "products" names a support desk
    for phrase in (*scope, *extra):
        own.update(content_stems(phrase))
        named.update(stem(t) for t in _TOKEN.findall(phrase.lower()))
    vocab = set(own)
    joined: list[str] = []
    for name, (triggers, words) in _LEXICONS.items():
        if named & triggers:
            vocab |= words
            joined.append(name)
    return frozenset(vocab), tuple(joined)


def _request_text(ctx: AnalysisContext, latest: Message) -> str:
    """The user's own words plus anything pasted into the same turn: both say what it is about."""
    parts = [m.text for m in ctx.conversation.messages
             if m.index == latest.index and m.principal in (Principal.USER, Principal.NON_PRINCIPAL)
             and m.source.value in ("user", "pasted")]
    return "\n".join(parts)


@register
class ScopeAnalyser:
    """Reports a latest user request that shares nothing with the operator's declared scope."""

    name: ClassVar[str] = "scope"

    def analyse(self, ctx: AnalysisContext) -> Findings:
        findings = Findings()
        scope = ctx.deployment.scope
        latest = ctx.conversation.last_user()
        if not scope or latest is None or not latest.text.strip():
            return findings
        if _ALWAYS_OK.match(latest.text.strip()) or _ABOUT_ASSISTANT.search(latest.text):
            return findings
        # The operator's own name is in scope too: "does AcmeBank have a branch in Leeds?"
        extra = tuple(t for t in (ctx.deployment.domain, ctx.deployment.operator_name) if t)
        vocab, joined = scope_vocabulary(tuple(scope), extra)
        if not vocab:
            return findings  # a scope of nothing but generic words: nothing to compare with
        request = _request_text(ctx, latest)
        words = content_stems(request)
        if not words or vocab.intersection(words):
            return findings
        if "coding" in joined and _CODE_SHAPE.search(request):
            return findings
        score = _SUBSTANTIVE if len(set(words)) >= 2 else _SHORT
        if len(set(words)) <= 3 and _ANAPHORA.search(latest.text) and self._earlier_in_scope(
                ctx, latest, vocab):
            score = _FOLLOW_UP
        topics = ", ".join(f"'{s}'" for s in scope)
        lexicons = f" plus the {', '.join(joined)} lexicon{'s' if len(joined) > 1 else ''}" \
            if joined else ""
        findings.signals.append(Signal(
            id=SIGNAL, score=score, source=latest.source.value, message=latest.index,
            note=f"lexical overlap with the declared scope (first version): none of the request's "
                 f"words ({', '.join(sorted(set(words))[:8])}) matches the scope "
                 f"{topics}{lexicons}",
        ))
        return findings

    @staticmethod
    def _earlier_in_scope(ctx: AnalysisContext, latest: Message, vocab: frozenset[str]) -> bool:
        earlier = [m for m in ctx.conversation.user_messages() if m.index < latest.index]
        return any(vocab.intersection(content_stems(m.text)) for m in earlier)
