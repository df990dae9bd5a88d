"""Whom "the foreign affairs chief said she…" refers to: the nearest compatible person.

A sentence whose subject is a role ("Brussels' foreign affairs chief said she was
uncertain") speaks of the entity asked about only when the entity is the nearest
person named before it that the subject can refer to. A person is compatible
unless the text says otherwise: a known gender (a title, "Mrs Kallas", or a
pronoun after the name in its sentence, "Kallas said she") that the subject's
pronoun contradicts, or known roles ("John Healey, the Defence Secretary") none
of which is the subject's own role noun ("chief"). "The bank's chief executive
said he…" after "Kaja Kallas, the EU's foreign policy chief, said she…" is
another person twice over: another role ("executive") and another pronoun.
A name counts as a person when the text shows it is one (a title, a role, or a
verb of speech after it), so "the White House" is nobody's antecedent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.answering.kinds import ROLES

_ROLE_WORD = re.compile(rf"\b(?:{ROLES})s?\b", re.IGNORECASE)
_TITLES = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "lady": "f", "lord": "m"}
_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr|Sir|Lady|Lord)\.?\s+$")
_PRONOUN = re.compile(r"\b(she|her|hers|herself|he|him|his|himself)\b", re.IGNORECASE)
_FEMININE = frozenset({"she", "her", "hers", "herself"})
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ'’-"
_CAPITALISED = re.compile(rf"\b[{_UPPER}][{_LOWER}]+(?:\s+[{_UPPER}][{_LOWER}]+)*")
_SPEAKS = re.compile(r"\s*(?:,[^,]{0,60},\s*)?(?:said|says|told|added|warned|argued)\b")
# A role phrase beside a name: ", the Defence Secretary," after it, "Defence Secretary" before.
_ROLE_AFTER = re.compile(
    rf",\s*(?:who\s+(?:is|was)\s+)?(?:the|a|an|his|her|its|[{_UPPER}][\w.&-]*(?:'s|’s|s'|’))?"
    rf"\s*(?P<role>(?:[\w'’-]+\s+){{0,4}}?(?:{ROLES})s?)\b",
    re.IGNORECASE,
)
_ROLE_BEFORE = re.compile(rf"(?P<role>(?:{ROLES})s?)\.?\s+$", re.IGNORECASE)
# The subject: "Brussels' foreign affairs chief", "The bank's chief executive", up to its verb.
_ROLE_SUBJECT = re.compile(
    rf"^(?:the\s+|[{_UPPER}][\w.&-]*(?:'s|’s|s'|’)\s+)(?P<role>(?:[\w'’-]+\s+){{0,3}}"
    rf"(?:{ROLES})s?)\b(?=.*?\b(?P<pronoun>she|he|her|his)\b)",
    re.IGNORECASE,
)


@dataclass
class Person:
    """What the text has said of someone so far."""

    entity: bool  # the one asked about
    gender: str | None = None  # "f" | "m" when the text says
    roles: set[str] = field(default_factory=set)  # role nouns given beside the name

    def fits(self, role: str, gender: str) -> bool:
        if self.gender is not None and self.gender != gender:
            return False
        return not self.roles or role in self.roles


@dataclass(frozen=True)
class RoleSubject:
    role: str  # the head role noun, singular and lower case ("executive")
    gender: str  # of the pronoun that refers back


def role_subject(sentence: str) -> RoleSubject | None:
    """The role a sentence's subject is, referred back to by pronoun; None otherwise."""
    m = _ROLE_SUBJECT.match(sentence)
    if m is None:
        return None
    gender = "f" if m["pronoun"].lower() in _FEMININE else "m"
    return RoleSubject(_head(m["role"]), gender)


def _head(role_phrase: str) -> str:
    """The phrase's last role noun, singular: "chief executives" -> "executive"."""
    word = _ROLE_WORD.findall(role_phrase)[-1].lower()
    return word[:-1] if word.endswith("s") and word[:-1] in ROLES.split("|") else word


def people_in(sentence: str, entity_spans: list[tuple[int, int]]) -> list[tuple[int, Person]]:
    """(position, person) for each person a sentence names: the entity at `entity_spans`,
    and every other name the text shows to be a person's."""
    found: list[tuple[int, Person]] = []
    for start, end in entity_spans:
        found.append((start, _described(Person(True), sentence, start, end)))
    for m in _CAPITALISED.finditer(sentence):
        start, words = m.start(), m.group().split()
        if start == 0:  # a sentence's first word is capitalised anyway: "Then Marta Gil"
            start, words = start + len(words[0]) + 1, words[1:]
        if not words or any(s < m.end() and start < e for s, e in entity_spans):
            continue
        if _ROLE_WORD.fullmatch(words[-1]) or _possessive(words[-1]):
            continue  # "Defence Secretary" is a role; "Spain's" owns one
        person = _described(Person(False), sentence, start, m.end())
        titled = [w for w in words if _ROLE_WORD.fullmatch(w)]  # "Defence Secretary John Healey"
        if titled:
            person.roles.add(_head(titled[-1]))
        if person.gender or person.roles or _SPEAKS.match(sentence, m.end()):
            found.append((m.start(), person))
    return sorted(found, key=lambda item: item[0])


def _described(person: Person, sentence: str, start: int, end: int) -> Person:
    """The person with what the sentence says beside the name: title, pronoun, roles."""
    title = _TITLE.search(sentence[:start])
    if title and title.group(1).lower() in _TITLES:
        person.gender = _TITLES[title.group(1).lower()]
    elif pronoun := _PRONOUN.search(sentence, end):
        between = _CAPITALISED.findall(sentence, end, pronoun.start())
        if not [w for w in between if not _possessive(w)]:  # no one else named between
            person.gender = "f" if pronoun.group().lower() in _FEMININE else "m"
    after = _ROLE_AFTER.match(sentence, end)
    before = _ROLE_BEFORE.search(sentence[:start])
    for found in (after, before):
        if found:
            person.roles.add(_head(found["role"]))
    return person


def _possessive(word: str) -> bool:
    return word.endswith(("'s", "’s", "s'", "s’"))


class Antecedents:
    """The people named so far in a passage, in order, for resolving role subjects."""

    def __init__(self) -> None:
        self.entity = Person(True)
        self.order: list[Person] = []  # most recent last; the entity appears once, where last named

    def read(self, sentence: str, entity_spans: list[tuple[int, int]]) -> None:
        """Take in the people a sentence names (the entity at `entity_spans`)."""
        for _, person in people_in(sentence, entity_spans):
            if person.entity:
                self.entity.gender = self.entity.gender or person.gender
                self.entity.roles |= person.roles
                self.order = [p for p in self.order if p is not self.entity]
                person = self.entity
            self.order.append(person)

    def refers_to_entity(self, sentence: str) -> bool:
        """Whether the sentence's role subject is the entity: the nearest person it fits."""
        subject = role_subject(sentence)
        if subject is None:
            return False
        for person in reversed(self.order):
            if person.fits(subject.role, subject.gender):
                return person.entity
        return False
