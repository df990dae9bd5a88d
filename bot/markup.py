"""What users type in Discord, made into a question: mentions and emoji are not words."""

from __future__ import annotations

import re

# Discord markup that points at someone or something and is no part of a question: user,
# role and channel mentions, @everyone/@here, custom emoji and slash-command mentions.
_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|/[\w -]+:\d+)>|(?<!\w)@(?:everyone|here)\b")


def clean_question(text: str) -> str:
    """The text without Discord markup, which analysis would read as unknown words."""
    return " ".join(_MARKUP.sub(" ", text).split())
