"""The one normaliser: clean a raw line, fold for matching, key for loose comparison.

- `clean_line`: what every parser does to a line of corpus text.
- `fold`: case and accents off, length kept, so spans found in folded text index
  the original (analysis and highlights).
- `fold_key`: case, accents, quote styles, markup and punctuation off, for
  comparing headlines, de-duplicating snippets and scoring evaluations.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Runs injected inside text by widgets that failed to load.
_INLINE_JUNK = re.compile(
    r"\s*(?:Error (?:in )?(?:retrieving|loading|fetching) data"
    r"|Sign in to (?:access|view) your (?:portfolio|watchlist|account))\s*",
    re.IGNORECASE,
)
# Words every match of _INLINE_JUNK contains: a line without them skips the slow regex.
_INLINE_JUNK_WORDS = ("data", "your")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")  # never in ASCII text
_NON_WORD = re.compile(r"[\W_]+")


def clean_line(line: str) -> str:
    """Normalise one raw line: Unicode NFC, no invisible marks, no widget errors."""
    if not line.isascii():  # ASCII is NFC already and holds no invisible marks
        line = _INVISIBLE.sub("", unicodedata.normalize("NFC", line))
    if may_contain(line, _INLINE_JUNK_WORDS):
        line = _INLINE_JUNK.sub(" ", line)
    return " ".join(line.split())


class _FoldTable(dict[int, str]):
    """str.translate table folding one character to one: computed once per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if len(base) != 1:
            base = char.lower() if len(char.lower()) == 1 else char
        self[code] = base
        return base


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Case- and accent-insensitive form with the same length as the input.

    Keeping the length lets term spans found in the folded text index the original.
    """
    return text.translate(_FOLD_TABLE)


# What re.IGNORECASE also equates with a lower-case ASCII letter, beyond str.lower():
# dotted capital I (whose full lower case is two characters), dotless i and long s.
_LOOSE_CASE = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def may_contain(line: str, words: tuple[str, ...]) -> bool:
    """Whether one of the lower-case ASCII `words` occurs in line, ignoring case exactly
    as re.IGNORECASE does: a cheap test that lets a line skip a slow case-insensitive
    regex whose every match contains one of the words."""
    folded = line.lower() if line.isascii() else line.translate(_LOOSE_CASE).lower()
    return any(map(folded.__contains__, words))


class _KeyTable(dict[int, str]):
    """str.translate table for fold_key: a character folded, or a space when what it
    folds to is no word character ([\\W_]); computed once per character."""

    def __missing__(self, code: int) -> str:
        folded = fold(chr(code))
        self[code] = key = " " if _NON_WORD.fullmatch(folded) else folded
        return key


_KEY_TABLE = _KeyTable()


def fold_key(text: str) -> str:
    """Compare texts loosely: case, accents, quotes, markup and punctuation do not count.

    Folded, each run of non-word characters one space, trimmed: in one table pass and a
    split, since headlines and lines are compared by it all through reading a page."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_KEY_TABLE).split())


# -- questions as people type them in chat -------------------------------------------------

# Chat markup around a question's words, each with what becomes of it. Dropped with its
# content: fenced and inline code (not words), spoilers (hidden on purpose) and strike-through
# (withdrawn). Kept aside: links, bare, in <…> or masked as [text](link) (the text stays).
# Dropped: custom emoji and mentions. Decorated (content kept, marked): bold, italics,
# underline, a quoted line. Longer markers first, so "***x***" is not read as "*" twice.
_CHAT = re.compile(
    r"(?P<drop>```.*?(?:```|\Z)|`[^`\n]+`|\|\|.+?\|\||~~.+?~~"
    r"|<a?:\w+:\d+>|<(?:@[!&]?|#)\d+>|<[/][\w -]+:\d+>)"
    r"|\[(?P<label>[^\]\n]+)\]\(<?(?P<masked>https?://[^\s)>]+)>?\)"
    r"|<?(?P<link>(?:https?://|www\.)[^\s<>]+?)>?(?=[\s)\]}>\"'.,!?;:]*(?:\s|$))"
    r"|(?P<mark>\*\*\*|\*\*|\*|___|__|(?<![^\W_])_)(?=[^\s*_])(?P<inner>.+?)(?<=[^\s*_])(?P=mark)"
    r"(?![^\W_])"
    r"|(?:(?m:^)|(?<=\s))(?:>>>|>)[ \t]+(?P<quoted>[^\n]*)"
    r"|(?m:^[ \t]*-?#{1,3}[ \t]+)",
    re.DOTALL,
)
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z0-9_+-]{2,}:(?![\w:])")  # ":thumbsup:", as typed
_STRAY_MARKERS = re.compile(r"\*\*|__|~~|\|\||`+")
_CLOSING = frozenset("?!.,;:")  # no space before these once what stood there is gone


def _is_emoji(char: str) -> bool:
    """Pictographs, their modifiers and joiners: emoji are no part of a question's words."""
    code = ord(char)
    return (
        unicodedata.category(char) == "So"
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0x1F1E6 <= code <= 0x1F1FF  # regional indicators (flags)
        or code in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)  # joiner, variation selectors, keycap
    )


@dataclass(frozen=True)
class PlainQuestion:
    """A chat message as a question: its words, its links, and which words were decorated."""

    text: str
    links: tuple[str, ...] = ()
    decorated: tuple[tuple[int, int], ...] = ()  # bold, italic, underlined or quoted, in text


def plain_question(message: str) -> PlainQuestion:
    """The words of a message as typed in Discord (or pasted into the CLI): without links,
    code, spoilers, strike-through, emoji or markup; bold, italic, underlined and quoted
    runs kept as words and listed, since a decorated aside ("**urgent**") may be no part
    of what is asked."""
    pieces: list[str] = []
    links: list[str] = []
    decorated: list[tuple[int, int]] = []
    length, last = 0, 0

    def emit(piece: str, marked: bool = False) -> None:
        nonlocal length
        piece = "".join(" " if _is_emoji(c) else c for c in _SHORTCODE.sub(" ", piece))
        piece = _STRAY_MARKERS.sub(" ", piece)
        if marked and piece.strip():
            decorated.append((length, length + len(piece)))
        pieces.append(piece)
        length += len(piece)

    for m in _CHAT.finditer(message):
        emit(message[last : m.start()])
        last = m.end()
        if m["masked"]:
            links.append(m["masked"])
            emit(f" {m['label']} ")
        elif m["link"]:
            links.append(m["link"])
            emit(" ")
        elif m["mark"]:
            emit(plain_question(m["inner"]).text, marked=True)
        elif m["quoted"] is not None:
            inner = plain_question(m["quoted"])
            links += inner.links
            emit(" ")
            emit(inner.text, marked=True)
        else:
            emit(" ")
    emit(message[last:])
    return _squeezed("".join(pieces), tuple(links), decorated)


def _squeezed(text: str, links: tuple[str, ...], decorated: list[tuple[int, int]]) -> PlainQuestion:
    """Runs of white space as one space, trimmed, the decorated spans moved to match."""
    out: list[str] = []
    where = [0] * (len(text) + 1)  # old offset -> new offset
    for i, char in enumerate(text):
        if char in _CLOSING and out and out[-1] == " ":
            out.pop()  # "Kallas 👍?" -> "Kallas?"
        where[i] = len(out)
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
    where[len(text)] = len(out)
    squeezed = "".join(out)
    lead = len(squeezed) - len(squeezed.lstrip())
    plain = squeezed.strip()

    def moved(offset: int) -> int:
        return min(max(where[offset] - lead, 0), len(plain))

    spans = []
    for start, end in decorated:
        start, end = moved(start), moved(end)
        run = plain[start:end]
        if run.strip():
            start += len(run) - len(run.lstrip())
            spans.append((start, start + len(run.strip())))
    return PlainQuestion(plain, links, tuple(spans))
