"""Pictures of the cards as a Discord reader sees them, from the JSON the bot really sends.

Runs the real bot (discord.py) against the loopback Discord of the tests
(tests/bot/fake_discord.py) over the bundled corpus, asks what a reader would
(/ask, /search, /latest), keeps the JSON each reply sent, writes an HTML page
per card that imitates Discord's embed look (dark theme, coloured bar, fields,
buttons; our markdown: bold, links, escapes, <t:…> timestamps as Discord shows
them), and screenshots it with headless Chromium. Writes docs/images/*.json,
*.html and *.png, and a terminal card (docs/images/terminal-card.txt).

    .venv/bin/python scripts/render_cards.py          # needs `chromium` on PATH

Nothing leaves the machine: the Discord is on 127.0.0.1, Chromium runs with its
network features off and opens only the local files.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The checkout first (tests/retrieval must not shadow the package), then the test helpers.
sys.path[:0] = [str(ROOT)]
sys.path += [str(ROOT / "tests"), str(ROOT / "tests" / "bot")]

import pytest  # noqa: E402  (MonkeyPatch for the loopback harness)
from loopback import running_bot  # noqa: E402

from cli.terminal import reply_text  # noqa: E402
from retrieval.answering.engine import Engine  # noqa: E402
from retrieval.config import Config  # noqa: E402
from retrieval.reading.dates import age_words  # noqa: E402

OUT = ROOT / "docs" / "images"
ASKER = 700000000000000001
WIDTH = 620  # about a chat column on a laptop
# What each picture shows: (file name, slash command, its options).
CARDS = (
    ("discord-ask", "ask", {"question": "How many homes lost power in Storm Elin?"}),
    ("discord-ask-dated", "ask", {"question": "When did Quay Street reopen?"}),
    ("discord-search", "search", {"query": "storm power cut", "limit": 3}),
    ("discord-latest", "latest", {"limit": 5}),
)
TERMINAL_QUESTION = "How many homes lost power in Storm Elin?"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


async def capture(engine: Engine) -> dict[str, dict]:
    """Each card's message JSON, as the bot sent it to the loopback Discord."""
    sent = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        async with running_bot(engine, monkeypatch) as h:
            for name, command, options in CARDS:
                iid = await h.fake.slash(command, ASKER, **options)
                path = f"/interactions/{iid}/token-{iid}/callback"
                call = await h.fake.wait_for(lambda c, p=path: c.path == p)
                body = call.body["data"]
                if call.body["type"] == 5:  # deferred: the follow-up holds the card
                    follow = await h.fake.wait_for(
                        lambda c, i=iid: c.method == "POST" and c.path.endswith(f"/token-{i}")
                    )
                    body = follow.body
                sent[name] = body
    return sent


# -- Discord's markdown, as far as our cards use it ------------------------------------------

_TIMESTAMP = re.compile(r"&lt;t:(\d+):([tTdDfFR])&gt;")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()<:-])")


def _timestamp(match: re.Match[str], now: datetime) -> str:
    when = datetime.fromtimestamp(int(match[1]), UTC)
    style = match[2]
    if style == "R":
        ago = now - when
        text = f"{age_words(ago)} ago" if ago.total_seconds() >= 60 else "just now"
    elif style in "dD":
        text = f"{when.day} {when:%B %Y}"
    else:
        text = f"{when.day} {when:%B %Y} {when:%H:%M}"
    return f'<span class="stamp">{html.escape(text)}</span>'


def markdown(text: str, now: datetime) -> str:
    """Discord markdown to HTML: escapes, bold, masked links, timestamps, line breaks."""
    held: list[str] = []

    def hold(piece: str) -> str:
        held.append(piece)
        return f"\x00{len(held) - 1}\x00"

    text = _ESCAPE.sub(lambda m: hold(html.escape(m[1])), text)
    text = html.escape(text, quote=False)
    text = _TIMESTAMP.sub(lambda m: _timestamp(m, now), text)
    text = _LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', text)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = text.replace("\n", "<br>")
    return re.sub("\x00(\\d+)\x00", lambda m: held[int(m[1])], text)


STYLE = """
body { margin: 0; background: #313338; font-family: "DejaVu Sans", "Noto Sans", sans-serif;
       color: #dbdee1; font-size: 15px; line-height: 1.35; }
.message { display: flex; padding: 14px 16px 16px 16px; width: %(width)dpx; }
.avatar { width: 40px; height: 40px; border-radius: 50%%; background: #2b6cb0; flex: none;
          margin-right: 14px; color: white; font-weight: bold; text-align: center;
          line-height: 40px; font-size: 16px; }
.name { font-weight: 600; color: #f2f3f5; } .bot { background: #5865f2; color: white;
        font-size: 10px; border-radius: 3px; padding: 1px 4px; margin-left: 4px; }
.time { color: #949ba4; font-size: 12px; margin-left: 6px; }
.embed { margin-top: 4px; background: #2b2d31; border-left: 4px solid; border-radius: 4px;
         padding: 8px 16px 14px 12px; max-width: 520px; }
.author { font-size: 13px; font-weight: 600; color: #f2f3f5; margin-top: 6px; }
.title { font-weight: 600; margin-top: 6px; color: #f2f3f5; font-size: 16px; }
.title a, a { color: #00a8fc; text-decoration: none; }
.desc { margin-top: 6px; font-size: 14px; }
.fields { display: flex; flex-wrap: wrap; margin-top: 6px; gap: 6px 14px; }
.field { flex: 1 1 100%%; font-size: 14px; } .field.inline { flex: 1 1 30%%; }
.fname { font-weight: 600; color: #f2f3f5; margin-bottom: 2px; }
.footer { font-size: 12px; color: #b5bac1; margin-top: 10px; }
.stamp { background: #3c3e44; border-radius: 3px; padding: 0 2px; }
.buttons { margin-top: 8px; display: flex; gap: 8px; flex-wrap: wrap; }
.button { border-radius: 3px; padding: 6px 14px; font-size: 14px; color: white;
          background: #4e5058; } .button.primary { background: #5865f2; }
.button.disabled { opacity: 0.5; }
"""


def embed_html(embed: dict, now: datetime) -> str:
    colour = f"#{embed.get('color', 0x2B6CB0):06x}"
    parts = []
    if "author" in embed:
        parts.append(f'<div class="author">{html.escape(embed["author"]["name"])}</div>')
    if "title" in embed:
        title = markdown(embed["title"], now)
        if embed.get("url"):
            title = f'<a href="{html.escape(embed["url"])}">{title}</a>'
        parts.append(f'<div class="title">{title}</div>')
    if embed.get("description"):
        parts.append(f'<div class="desc">{markdown(embed["description"], now)}</div>')
    if embed.get("fields"):
        fields = "".join(
            f'<div class="field{" inline" if f.get("inline") else ""}">'
            f'<div class="fname">{markdown(f["name"], now)}</div>'
            f"<div>{markdown(f['value'], now)}</div></div>"
            for f in embed["fields"]
        )
        parts.append(f'<div class="fields">{fields}</div>')
    if embed.get("footer", {}).get("text"):
        parts.append(f'<div class="footer">{html.escape(embed["footer"]["text"])}</div>')
    return f'<div class="embed" style="border-color: {colour}">{"".join(parts)}</div>'


def message_html(message: dict, now: datetime) -> str:
    embeds = "".join(embed_html(e, now) for e in message.get("embeds", []))
    buttons = "".join(
        f'<span class="button{" primary" if c.get("style") == 1 else ""}'
        f'{" disabled" if c.get("disabled") else ""}">{html.escape(c["label"])}</span>'
        for row in message.get("components", [])
        for c in row["components"]
    )
    content = markdown(message["content"], now) if message.get("content") else ""
    return (
        f"<!doctype html><meta charset='utf-8'><style>{STYLE % {'width': WIDTH}}</style>"
        '<div class="message"><div class="avatar">N</div><div>'
        '<span class="name">newsbot</span><span class="bot">APP</span>'
        f'<span class="time">Today at {now:%H:%M}</span><div>{content}</div>{embeds}'
        f'<div class="buttons">{buttons}</div></div></div>'
        "<script>document.title = document.body.scrollHeight</script>"
    )


def screenshot(page: Path, png: Path, chromium: str) -> None:
    """Chromium measures the page, then photographs exactly that much of it."""
    profile = tempfile.mkdtemp(prefix="newsbot-chromium-")
    try:
        flags = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, check=True
        ).stdout
        height = int(re.search(r"<title>(\d+)</title>", dom)[1]) + 4  # type: ignore[index]
        subprocess.run(
            [*flags, f"--window-size={WIDTH + 40},{height}", f"--screenshot={png}", page.as_uri()],
            capture_output=True,
            check=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("render_cards: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="newsbot-cards-"))
    engine = Engine.from_config(Config().with_corpus(ROOT / "corpus"))
    OUT.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    for name, message in asyncio.run(capture(engine)).items():
        (OUT / f"{name}.json").write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
        page = OUT / f"{name}.html"
        page.write_text(message_html(message, now), encoding="utf-8")
        screenshot(page, OUT / f"{name}.png", chromium)
        page.unlink()  # the JSON and the picture are what the docs keep
        print(f"wrote {OUT / name}.png")
    os.environ["COLUMNS"] = "88"
    card = reply_text(engine.ask(TERMINAL_QUESTION))
    (OUT / "terminal-card.txt").write_text(f"$ newsbot ask {TERMINAL_QUESTION!r}\n{card}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
