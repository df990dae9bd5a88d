"""Cut text to a character budget where a reader expects a break: a sentence end, else a space.

The terminal card and Discord's embeds both cut passages this way, so one rule
(with the one sentence rule of `sentences.py`) serves both.
"""

from __future__ import annotations

from retrieval.text.sentences import sentence_spans

ELLIPSIS = "…"
# A sentence end earlier than this share of the budget wastes too much room: cut at a space.
MIN_SENTENCE_SHARE = 0.5


def cut_point(text: str, budget: int) -> int:
    """Where to cut text to keep at most `budget` characters: a sentence end, else a space."""
    if len(text) <= budget:
        return len(text)
    window = text[: budget + 1]
    # Every span but the last ends at a real sentence boundary inside the window.
    ends = [end for _, end in sentence_spans(window)[:-1] if end <= budget]
    if ends and ends[-1] >= budget * MIN_SENTENCE_SHARE:
        return ends[-1]
    space = window.rfind(" ")
    return space if space > 0 else budget  # one word longer than the budget: cut it


def ellipsize(kept: str) -> str:
    """The kept start of a longer text, with an ellipsis saying more follows."""
    if kept.endswith((".", "!", "?", "'", '"', "’", "”")):
        return f"{kept} {ELLIPSIS}"  # a whole sentence, then more to come
    return kept.rstrip(" ,;:") + ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """Cut at a sentence or word boundary with an ellipsis, never mid-word, within limit."""
    cut = cut_point(text, limit - 2)
    return text if cut >= len(text) else ellipsize(text[:cut].rstrip())


def squeeze(text: str) -> str:
    """White space folded to single spaces: joined sentences and lines read cleanly."""
    return " ".join(text.split())


def around(before: str, after: str) -> tuple[str, str]:
    """The sentence just before a snippet and the one just after: its context, no more."""
    previous = sentence_spans(before)
    following = sentence_spans(after)
    last = before[previous[-1][0] : previous[-1][1]] if previous else ""
    first = after[following[0][0] : following[0][1]] if following else ""
    return squeeze(last), squeeze(first)
