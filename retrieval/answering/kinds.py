"""What a question asks for, and whether a sentence holds that kind of thing.

"When…" wants a date or time, "where…" a place, "how much…" a sum, "who
chaired…" a person's name, and "who is Kaja Kallas" a sentence that says what
she is (an apposition, a title before the name, "X is …"). A sentence that
repeats the question's words without the thing asked for is an echo; these
rules let the snippet scorer prefer the sentence, or the neighbour, that adds
it. They read the text's shape (capitals, numbers, small closed word lists),
never any particular story.
"""

from __future__ import annotations

import enum
import re

from retrieval.text.normalize import fold


class Kind(enum.Enum):
    ENTITY = "entity"  # who is / what is NAME: wants what identifies it
    NAME = "name"  # who did something, which team/company…: wants a name
    TIME = "time"
    PLACE = "place"
    MONEY = "money"  # how much (cost, price, fine…): a sum
    COUNT = "count"  # how many: a number
    SHARE = "share"  # what percentage / share: a percentage
    OTHER = "other"


_ENTITY_QUESTION = re.compile(  # a possessive ("Harvey's team") asks about something else
    r"^\s*(?:who|what)(?:\s+(?:is|was|are|were)|'s|’s)\s+(?!(?:the|a|an|it|this|that|there)\b)"
    r"(?P<name>[\w.-]+(?:\s+[\w.-]+){0,3})\s*\??\s*$",
    re.IGNORECASE,
)
_KINDS = (
    (
        Kind.TIME,
        r"^\s*(?:when\b|(?:what|which) (?:time|date|day|year|month|period|century|decade|era|"
        r"season)\b|how long ago\b)",
    ),
    (Kind.PLACE, r"^\s*(?:where\b|what (?:place|city|country|town|venue)\b)"),
    (Kind.SHARE, r"^\s*(?:what (?:percentage|share|proportion)\b|how much of\b)"),
    (Kind.COUNT, r"^\s*(?:how many\b|what (?:number|amount) of\b)"),
    (
        Kind.MONEY,
        r"^\s*(?:how much\b|what (?:price|sum|amount)\b|what (?:is|was|are|were|will be) the "
        r"(?:\w+\s+){0,2}(?:cost|price|value|fine|budget|bill|salary|fee|worth)s?\b)",
    ),
    (Kind.NAME, r"^\s*(?:who\b|whom\b|which\b)"),
)


def question_kind(text: str) -> Kind:
    """The kind of answer a question asks for, from its opening words."""
    if _ENTITY_QUESTION.match(text):
        return Kind.ENTITY
    for kind, pattern in _KINDS:
        if re.match(pattern, text, re.IGNORECASE):
            return kind
    return Kind.OTHER


# Nouns that say what someone is: enough to tell "John Healey, the Defence Secretary" or
# "foreign affairs chief Kaja Kallas" from any other phrase next to a name.
ROLES = (
    "president|vice-president|prime minister|premier|chancellor|minister|secretary|"
    "chief|head|leader|chair|chairman|chairwoman|chairperson|director|spokesman|spokeswoman|"
    "spokesperson|ambassador|envoy|commissioner|governor|mayor|senator|sen|rep|representative|"
    "congressman|congresswoman|councillor|councilor|mp|mep|king|queen|prince|princess|ceo|"
    "founder|co-founder|owner|editor|correspondent|professor|coach|captain|manager|judge|"
    "general|officer|analyst|economist|author|executive|deputy|official|adviser|advisor|"
    "diplomat|chairs|leads|heads|runs|presenter|singer|actor|actress|player|striker|"
    "campaigner|activist|lawyer|attorney|member|candidate|nominee|negotiator|strategist"
)
_ROLE = rf"(?:{ROLES})s?"
# After the name: ", the Defence Secretary", ", Ukraine's defence minister", " is the …".
_AFTER_NAME = re.compile(  # used with match(sentence, end): anchored at the name's end
    rf"\s*(?:,\s*(?:who\s+(?:is|was)\s+)?(?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+|its\s+"
    rf"|[A-Z][\w.&-]*(?:'s|’s|s'|’)\s+)?(?:[\w'’-]+\s+){{0,4}}{_ROLE}\b"
    rf"|\s+(?:is|was|has been|had been|became|served as|serves as)\s+(?:the|a|an|its|their)\b)",
    re.IGNORECASE,
)
# Before the name: "Defence Secretary John Healey", "EU foreign policy chief Kaja Kallas".
_BEFORE_NAME = re.compile(rf"\b{_ROLE}\.?\s+(?:[A-Z][\w'’.-]*\s+){{0,2}}$", re.IGNORECASE)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_TIME = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b"
    rf"|(?:on|from|by|until|since|last|next|this)\s+(?:{_WEEKDAYS}|{_MONTHS})\b|(?:{_WEEKDAYS})s?\b"
    r"|\b(?:1[89]|20)\d\d\b|yesterday|today|tomorrow|tonight|overnight|midnight|noon"
    r"|\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)"
    r"|(?:last|next|this|earlier this|later this)\s+(?:week|month|year|spring|summer|autumn|"
    r"winter|weekend)|(?:\d+|a|an|two|three|few)\s+(?:days?|weeks?|months?|years?)\s+ago)",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(?:in|at|near|outside|inside|from|to|across|around)\s+(?:the\s+)?"
    r"(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)"
)
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME = re.compile(rf"\b[{_UPPER}][{_LOWER}'’-]+(?:\s+[{_UPPER}][{_LOWER}'’-]+)+")
_MONEY = re.compile(
    r"[£$€¥₹]\s?\d|\d(?:[.,]\d+)?\s?(?:pounds|dollars|euros|yen|pence|cents)\b", re.IGNORECASE
)
_PERCENT = re.compile(r"\d\s?(?:%|per ?cent\b|percent\b)", re.IGNORECASE)
# Counts in words count: "won in five tests", "a dozen".
_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundreds?|thousands?|millions?|billions?|dozens?"
)
_NUMBER = re.compile(rf"\b\d[\d,.]*\b|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)


def _new(matches: list[str], question: str) -> bool:
    """Whether some match is not already in the question (an echo adds nothing)."""
    asked = fold(question)
    return any(fold(m).strip() not in asked for m in matches)


def identifies(sentence: str, name_spans: list[tuple[int, int]]) -> bool:
    """Whether the sentence says what the named entity is, next to one of its mentions."""
    for start, end in name_spans:
        if _AFTER_NAME.match(sentence, end) or _BEFORE_NAME.search(sentence[:start]):
            return True
    return False


def holds_answer(kind: Kind, sentence: str, question: str) -> float:
    """How well the sentence holds the kind of thing asked for (0 to 1), beyond the question."""
    if kind is Kind.TIME:
        return float(_new([m.group() for m in _TIME.finditer(sentence)], question))
    if kind is Kind.PLACE:
        places = [m.group("place") for m in _PLACE.finditer(sentence)]
        places = [p for p in places if not _TIME.fullmatch(p)]
        return float(_new(places, question))
    if kind is Kind.NAME:
        return float(_new([m.group() for m in _NAME.finditer(sentence)], question))
    if kind in (Kind.MONEY, Kind.COUNT, Kind.SHARE):
        money = _new([m.group() for m in _MONEY.finditer(sentence)], question)
        percent = _new([m.group() for m in _PERCENT.finditer(sentence)], question)
        number = _new([m.group() for m in _NUMBER.finditer(sentence)], question)
        exact = {Kind.MONEY: money, Kind.SHARE: percent, Kind.COUNT: number and not money}[kind]
        return 1.0 if exact else NEAR_MISS if number else 0.0
    return 0.0


# A number of another kind than asked (a count for "how much") still beats no number at all.
NEAR_MISS = 0.4
