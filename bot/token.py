"""The Discord token: from the environment or a secret file, never from the repo or logs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from retrieval.errors import UserError

TOKEN_ENV = "DISCORD_TOKEN"
TOKEN_FILE_ENV = "DISCORD_TOKEN_FILE"


class TokenError(UserError):
    """The token is missing or unusable; the message says how to provide it."""


def read_token(env: Mapping[str, str]) -> str:
    """$DISCORD_TOKEN, else the contents of the file named by $DISCORD_TOKEN_FILE."""
    token = env.get(TOKEN_ENV, "").strip()
    if not token and env.get(TOKEN_FILE_ENV):
        path = Path(env[TOKEN_FILE_ENV])
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenError(f"cannot read {TOKEN_FILE_ENV} file {path}: {exc}") from None
    if not token:
        raise TokenError(
            f"no Discord token: set {TOKEN_ENV} (or {TOKEN_FILE_ENV} to a file holding it)"
        )
    if any(c.isspace() for c in token):
        raise TokenError(f"{TOKEN_ENV} contains whitespace; it must be the bot token alone")
    return token


# The last dot-separated part of a Discord token is its secret signature; a reply showing
# only that part (the rest cut off) leaks the token as surely as the whole of it.
SECRET_PART_MIN = 20
_TOKEN_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_NOT_TOKEN_ASCII = bytes(c for c in range(128) if c not in _TOKEN_CHARS)


def shows_token(token: str, text: str) -> bool:
    """Whether `text` shows the token, even escaped, emphasised or split by markup.

    Everything that cannot be part of a token (markdown escapes, bold marks, zero-width
    spaces, JSON quoting) is dropped before looking, so `MTk\\_x` still counts.
    """
    if not token:
        return False
    # Non-ASCII dropped by the encoding, other non-token characters by translate: C speed,
    # as this runs on the event loop for every reply.
    visible = text.encode("ascii", "ignore").translate(None, _NOT_TOKEN_ASCII)
    signature = token.rsplit(".", 1)[-1]
    pieces = [token] + ([signature] if len(signature) >= SECRET_PART_MIN else [])
    return any(piece.encode("ascii", "ignore") in visible for piece in pieces)


class RedactToken(logging.Filter):
    """Replaces the token wherever a log record would show it (a last line of defence)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "[token]")
            record.args = None
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[token]")
        return True


def redact_logs(token: str) -> None:
    """Install the redaction on every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
