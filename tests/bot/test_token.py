import logging

import pytest

from bot.token import RedactToken, TokenError, read_token, shows_token

SECRET = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-token-for-tests"


def test_token_from_env_or_file(tmp_path):
    assert read_token({"DISCORD_TOKEN": f"  {SECRET}\n"}) == SECRET
    secret = tmp_path / "token"
    secret.write_text(SECRET + "\n")
    assert read_token({"DISCORD_TOKEN_FILE": str(secret)}) == SECRET


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no Discord token"),
        ({"DISCORD_TOKEN": "   "}, "no Discord token"),
        ({"DISCORD_TOKEN_FILE": "/nonexistent/token"}, "cannot read DISCORD_TOKEN_FILE"),
        ({"DISCORD_TOKEN": "two words"}, "whitespace"),
    ],
)
def test_missing_or_bad_tokens_are_clear_errors(env, message):
    with pytest.raises(TokenError, match=message) as err:
        read_token(env)
    assert "two words" not in str(err.value)


def test_the_token_never_reaches_a_log_line(caplog):
    logger = logging.getLogger("newsbot.test")
    handler = logging.StreamHandler()
    handler.addFilter(RedactToken(SECRET))
    caplog.handler.addFilter(RedactToken(SECRET))
    logger.addHandler(handler)
    try:
        logger.warning("connecting with %s", SECRET)
        try:
            raise RuntimeError(f"bad {SECRET}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = caplog.text
    assert SECRET not in text and "[token]" in text


def test_the_token_is_seen_however_a_reply_dresses_it():
    token = "OTAwMDAwMDAwMDAwMDAwMDAx.ZmFrZQ.not_a_real_signature_for_tests-0123"
    signature = token.rsplit(".", 1)[1]
    dressed = [
        token,
        f"The key {token}, posted.",
        token.replace("_", "\\_"),  # markdown-escaped
        token[:30] + "**" + token[30:] + "**",  # bold inside it
        '{"description": "' + token.replace("_", "\\\\_") + '"}',  # escaped, then JSON
        f"…{signature} was posted",  # cut before the signature
    ]
    assert all(shows_token(token, text) for text in dressed)
    assert not shows_token(token, "OTAwMDAwMDAwMDAwMDAwMDAx.ZmFrZQ")  # id and time are public
    assert not shows_token(token, "An ordinary reply about trams.")
    assert not shows_token("", "anything")
