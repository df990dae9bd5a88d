"""Follow-up questions: what a question refers back to, carried over from the one before.

"Who chaired the meeting of defence ministers?" then "when was that?": the second
names nothing; read alone it has only stop words. A follow-up is recognised by its
shape, never by a story's words:

- an ellipsis ("and what about France?", "what about the fine?", "and Macron?"):
  the previous question with its name (or the phrase after its last preposition)
  replaced by the new one, or with the new words added when it has neither;
- a reference back (it, that, this, they, he, she, his, her, their, them, there):
  the word replaced by what it stands for in the previous question - its name for
  a person's pronoun, else its topic phrase (from its first determiner or name);
- a bare question word ("when?", "why?", "where?"): the previous topic asked again.

The carried words count at CARRY_WEIGHT of their idf: the new words say what is
asked now, the carried ones only which story it is about. The reply says how the
follow-up was read ("Reading this as: when was the meeting of defence ministers?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from retrieval.answering.engine import Engine
from retrieval.answering.question import Query
from retrieval.models import Reply
from retrieval.text.analysis import spans

# The carried words' share of their idf: half, so a snippet holding only the carried
# words (the old story) never beats one holding the new words with them.
CARRY_WEIGHT = 0.5

_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but|so|ok|okay)[\s,]+)?(?:(?:what|how)\s+about|and)\s+(?P<focus>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
_PERSON = {"he", "she", "him", "his", "her", "hers"}  # a person: the previous question's name
_GROUP = {"they", "them", "their", "theirs"}  # people or things: its topic phrase
_THING = {"it", "its", "that", "this", "there", "these", "those"}
_REFERENCE = re.compile(
    r"\b(?:" + "|".join(sorted(_PERSON | _GROUP | _THING)) + r")\b", re.IGNORECASE
)
_BARE = re.compile(r"^\s*(?:and\s+)?(?P<wh>when|why|where|how|who|what)\s*\??\s*$", re.IGNORECASE)
_WH = {"who", "what", "when", "where", "why", "how", "which", "whose", "whom"}
_DETERMINER = re.compile(r"\b(?:the|a|an|its|their|his|her)\s", re.IGNORECASE)
# The object of a question's last preposition: "...fined for pollution" -> "pollution".
_LAST_PREPOSITION = re.compile(
    r"\b(?:about|on|for|of|in|with|against|to|over)\s+(?P<tail>[^,;]+)$", re.IGNORECASE
)
# "When will X run?": after an auxiliary, a question ends on its verb, not on the topic.
_AUXILIARY = re.compile(
    r"^\s*(?:how\s+(?:much|many|often|long|far)|\w+)\s+"
    r"(?:do|does|did|will|would|can|could|should|has|have|had|may|might)\b",
    re.IGNORECASE,
)
# "Why was X fined?": after a form of "be", a question may end on a participle.
_PASSIVE = re.compile(r"^\s*(?:\w+\s+){1,2}(?:is|was|are|were|been)\b", re.IGNORECASE)
_PARTICIPLE = re.compile(r"(?:ed|en)$", re.IGNORECASE)
# Prepositions that start a new phrase (not "of", which binds: "the meeting of ministers").
_BREAK = re.compile(
    r"\s(?:on|in|at|for|with|during|after|before|since|from|to|by|along|over|about)\s",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b(?:[A-Z][\w'’.-]*)(?:\s+(?:[A-Z][\w'’.-]*|of|de|von))*\b")


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation."""

    asked: str  # as typed
    text: str  # as read: references resolved (equal to `asked` when nothing was carried)
    carried: tuple[str, ...] = ()  # the words taken from the previous question

    @property
    def follows(self) -> bool:
        return bool(self.carried)


def _trim(question: str) -> str:
    return question.strip().rstrip("?.! ").strip()


def _name(question: str) -> str | None:
    """The last capitalised run that is not the question's first word ("Northfield Water")."""
    names = [m.group() for m in _NAME.finditer(_trim(question))]
    names = [n for n in names if n.split()[0].lower() not in _WH]
    return names[-1] if names else None


def _phrase_from(question: str, start: int) -> str:
    """The noun phrase starting at `start`: up to a preposition that starts a new phrase
    ("the museum on the first day" -> "the museum"; "of" binds: "the meeting of defence
    ministers"), without the verb an auxiliary question ends on ("when will the night
    trams run" -> "the night trams")."""
    phrase = question[start:]
    cut = _BREAK.search(phrase)
    if cut is not None:
        return phrase[: cut.start()].strip()
    words = phrase.split()
    if len(words) >= 3 and _AUXILIARY.match(question):
        return " ".join(words[:-1])
    if len(words) >= 2 and _PASSIVE.match(question) and _PARTICIPLE.search(words[-1]):
        return " ".join(words[:-1])  # "why was Northfield Water fined" -> "Northfield Water"
    return phrase


def _topic_phrase(question: str) -> str:
    """What the question is about: from its first determiner or name."""
    text = _trim(question)
    starts = [m.start() for m in _DETERMINER.finditer(text)]
    name = _name(text)
    if name:
        starts.append(text.find(name))
    if starts:
        return _phrase_from(text, min(starts))
    words = text.split()
    return " ".join(words[2:]) if len(words) > 2 else text  # drop "what did" / "who is"


def _named_phrase(question: str, name: str) -> str:
    """The name with its phrase when it sits in one ("the Westgate bridge"), else the name."""
    text = _trim(question)
    at = text.find(name)
    before = text[:at]
    if before.lower().endswith("the "):
        return _phrase_from(text, at - 4)
    return name


def _content(text: str) -> set[str]:
    return {t for t, _, _ in spans(text)}


def _carried(asked: str, reading: str) -> tuple[str, ...]:
    """Words of the reading whose terms the follow-up itself does not hold."""
    own = _content(asked)
    out = []
    for word in re.findall(r"\w[\w-]*", re.sub(r"['’]s\b", "", reading)):
        terms = _content(word)
        if terms and not terms <= own and word not in out:
            out.append(word)
    return tuple(out)


def read(previous: str | None, question: str) -> Reading:
    """The question as read after `previous` (None: the conversation's first question)."""
    asked = question.strip()
    if not previous or not previous.strip():
        return Reading(asked, asked)
    previous = previous.strip()
    text = _resolve(previous, asked)
    if text is None:
        return Reading(asked, asked)
    carried = _carried(asked, text)
    return Reading(asked, text, carried) if carried else Reading(asked, asked)


def _resolve(previous: str, asked: str) -> str | None:
    """The follow-up with its references resolved, or None when it stands alone."""
    bare = _BARE.match(asked)
    if bare:
        return f"{bare['wh'].lower()} {_topic_phrase(previous)}?"
    ellipsis = _ELLIPSIS.match(asked)
    if ellipsis and len(_content(ellipsis["focus"])) <= 4:
        focus = ellipsis["focus"]
        base = _trim(previous)
        name = _name(base)
        if name and (focus[:1].isupper() or _DETERMINER.match(focus + " ")):
            return base.replace(_named_phrase(base, name), focus) + "?"
        tail = _LAST_PREPOSITION.search(base)
        if tail:
            return base[: tail.start("tail")] + focus + "?"
        return f"{base}: {focus}?"
    reference = _REFERENCE.search(asked)
    if reference is None or _name(asked):
        return None  # a question with its own name, or no reference, starts anew
    word = reference.group().lower()
    name = _name(previous)
    if word in _PERSON and name:
        referent = name
    elif word in {"it", "its"} and name:
        referent = _named_phrase(previous, name)
    else:
        referent = _topic_phrase(previous)
    if word in {"his", "its", "their", "theirs", "hers"}:
        referent += "'s"
    return asked[: reference.start()] + referent + asked[reference.end() :]


def carry_weights(query: Query, reading: Reading) -> Query:
    """The read question's query with the carried terms at CARRY_WEIGHT of their idf."""
    if not reading.follows:
        return query
    own = _content(reading.asked)
    weights = {t: w if t in own else w * CARRY_WEIGHT for t, w in query.weights.items()}
    return replace(query, weights=weights)


@dataclass
class Conversation:
    """A line of questions (a thread, a `newsbot chat` session): each read after the last."""

    last: str | None = None

    def read(self, question: str) -> Reading:
        reading = read(self.last, question)
        self.last = reading.text
        return reading


def ask(engine: Engine, conversation: Conversation, question: str) -> tuple[Reading, Reply]:
    """Answer a question in its conversation: read it after the last, carry, answer."""
    reading = conversation.read(question)
    query = carry_weights(engine.analyse(reading.text), reading)
    return reading, engine.ask(query)
