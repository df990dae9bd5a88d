"""Cut articles into paragraph chunks that fit a token budget.

Paragraphs are the unit: a long one is split at sentence boundaries (at word
boundaries only for a single sentence over the budget), and short ones join
their neighbours in the same article. Every chunk keeps its article, first
paragraph and character span in `Article.text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from retrieval.models import PARAGRAPH_SEPARATOR, Article, Chunk
from retrieval.sentences import sentence_spans

TokenCounter = Callable[[str], int]
_WORD = re.compile(r"\S+")


def token_counter(encoding_name: str) -> TokenCounter:
    """Count tokens with tiktoken, loaded offline."""
    from retrieval.encoding import get_encoding

    encoding = get_encoding(encoding_name)
    return lambda text: len(encoding.encode_ordinary(text))


def _pack(
    text: str, spans: Sequence[tuple[int, int]], limit: int, count: TokenCounter
) -> list[tuple[int, int]]:
    """Greedily group consecutive spans of text into pieces of at most `limit` tokens."""
    pieces: list[tuple[int, int]] = []
    start = end = None
    used = 0
    for a, b in spans:
        cost = count(text[a:b]) if start is None else count(text[end:b])
        if start is not None and used + cost > limit:
            pieces.append((start, end))
            start, used = None, 0
            cost = count(text[a:b])
        if start is None:
            start = a
        end, used = b, used + cost
    if start is not None:
        pieces.append((start, end))
    return pieces


def _fit(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Spans inside text[a:b], each at most `limit` tokens, cut at sentences then words."""
    if count(text[a:b]) <= limit:
        return [(a, b)]
    out: list[tuple[int, int]] = []
    sentences = [(a + s, a + e) for s, e in sentence_spans(text[a:b])]
    for s, e in _pack(text, sentences, limit, count):
        if count(text[s:e]) <= limit:
            out.append((s, e))
            continue
        words = [(s + m.start(), s + m.end()) for m in _WORD.finditer(text[s:e])]
        for ws, we in _pack(text, words, limit, count):
            out.extend(_hard_cut(text, ws, we, limit, count))
    return out


def _hard_cut(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Last resort for one 'word' over the budget (a URL, a run of symbols): cut by length."""
    if count(text[a:b]) <= limit:
        return [(a, b)]
    mid = (a + b) // 2
    return _hard_cut(text, a, mid, limit, count) + _hard_cut(text, mid, b, limit, count)


def chunk_article(
    article: Article, article_index: int, max_tokens: int, min_tokens: int, count: TokenCounter
) -> list[Chunk]:
    text = article.text
    pieces: list[tuple[int, int, int]] = []  # (paragraph, start, end)
    offset = 0
    for p, paragraph in enumerate(article.paragraphs):
        for a, b in _fit(text, offset, offset + len(paragraph), max_tokens, count):
            pieces.append((p, a, b))
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    merged: list[list[int]] = []
    for p, a, b in pieces:
        if merged:
            last = merged[-1]
            short = count(text[last[1] : last[2]]) < min_tokens or count(text[a:b]) < min_tokens
            if short and count(text[last[1] : b]) <= max_tokens:
                last[2] = b
                continue
        merged.append([p, a, b])
    return [Chunk(article_index, p, a, b, text[a:b]) for p, a, b in merged]


def chunk_articles(
    articles: Sequence[Article], max_tokens: int, min_tokens: int, count: TokenCounter
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for i, article in enumerate(articles):
        chunks.extend(chunk_article(article, i, max_tokens, min_tokens, count))
    return chunks
