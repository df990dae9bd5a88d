"""Parse plain exports: .txt (first line is the headline), .md, and .jsonl."""

from __future__ import annotations

import json
import re
from datetime import datetime

import yaml

from retrieval.models import Article, Skipped
from retrieval.reading.dates import date_fields, parse_absolute
from retrieval.text.normalize import clean_line, fold_key

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_MD_MARKUP = re.compile(r"(\*\*|__|`)|!\[[^\]]*\]\([^)]*\)|\[([^\]]+)\]\([^)]*\)")
_MD_LIST = re.compile(r"^(?:[-*+]|\d+[.)])\s+")

# Field names accepted for each article field, first match wins.
_JSON_FIELDS = {
    "headline": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article"),
    "publisher": ("publisher", "source", "site", "outlet"),
    "published": ("published", "date", "published_at", "time"),
    "url": ("url", "link"),
    # When the page was saved, if not the file's modification time: relative ages count from it.
    "saved": ("saved", "saved_at", "retrieved", "fetched"),
}


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs: blank-line separated blocks, or single lines when no blank lines exist."""
    if not any(not x.strip() for x in lines):
        return [c for c in (clean_line(x) for x in lines) if c]
    blocks, current = [], []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            block = clean_line(" ".join(current))
            if block:
                blocks.append(block)
            current = []
    return blocks


def parse_text(text: str, file: str) -> list[Article]:
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return []
    headline = clean_line(lines[0])
    body = tuple(_blocks(lines[1:]))
    return [Article(headline, body, file)] if body else []


def _str_field(meta: dict, names: tuple[str, ...]) -> str:
    for name in names:
        value = meta.get(name)
        if value is not None and not isinstance(value, dict | list):
            return clean_line(str(value))
    return ""


def _unmark(line: str) -> str:
    line = _MD_LIST.sub("", line.lstrip("> ").strip())
    return _MD_MARKUP.sub(lambda m: m.group(2) or "", line)


def _saved(meta: dict, default: datetime | None) -> datetime | None:
    """The save time a record or front matter states, else `default` (the file's mtime)."""
    stated = parse_absolute(_str_field(meta, _JSON_FIELDS["saved"]))
    return stated[0] if stated else default


def parse_markdown(text: str, file: str, saved: datetime | None = None) -> list[Article]:
    meta: dict = {}
    front = _FRONT_MATTER.match(text)
    if front:
        try:
            loaded = yaml.safe_load(front.group(1))
        except yaml.YAMLError:
            loaded = None
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[front.end() :]
    headline = _str_field(meta, _JSON_FIELDS["headline"])
    body_lines = []
    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading and not headline:
            headline = clean_line(_unmark(heading.group(1)))
            continue
        body_lines.append(_unmark(heading.group(1)) if heading else _unmark(line))
    body = tuple(b for b in _blocks(body_lines) if fold_key(b) != fold_key(headline))
    if not body:
        return []
    published = _str_field(meta, _JSON_FIELDS["published"])
    return [
        Article(
            headline,
            body,
            file,
            publisher=_str_field(meta, _JSON_FIELDS["publisher"]),
            published=published,
            url=_str_field(meta, _JSON_FIELDS["url"]),
            **date_fields(published, _saved(meta, saved)),
        )
    ]


def parse_jsonl(
    text: str, file: str, saved: datetime | None = None
) -> tuple[list[Article], list[Skipped]]:
    """One article per line; a bad line is reported and the rest still load."""
    articles, skipped = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            skipped.append(Skipped(file, f"not valid JSON ({exc.msg})", number))
            continue
        if not isinstance(record, dict):
            skipped.append(Skipped(file, "expected a JSON object", number))
            continue
        body_text = next(
            (record[n] for n in _JSON_FIELDS["text"] if isinstance(record.get(n), str)), ""
        )
        if not body_text.strip():
            skipped.append(Skipped(file, "no 'text' field with article text", number))
            continue
        body = tuple(_blocks(body_text.splitlines()))
        if not body:
            skipped.append(Skipped(file, "article text is empty after cleaning", number))
            continue
        published = _str_field(record, _JSON_FIELDS["published"])
        articles.append(
            Article(
                _str_field(record, _JSON_FIELDS["headline"]),
                body,
                file,
                position=number - 1,
                publisher=_str_field(record, _JSON_FIELDS["publisher"]),
                published=published,
                url=_str_field(record, _JSON_FIELDS["url"]),
                **date_fields(published, _saved(record, saved)),
            )
        )
    return articles, skipped
