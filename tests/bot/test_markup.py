"""Discord markup is taken out of questions before analysis."""

import pytest

from bot.markup import clean_question


@pytest.mark.parametrize(
    ("typed", "question"),
    [
        ("<@1234> <@!5678> did Britain give up?", "did Britain give up?"),
        ("@everyone @here who won?", "who won?"),
        ("<@&42> in <#99> what happened <:tea:123> <a:party_blob:456>?", "in what happened ?"),
        ("</ask:777> who chaired the meeting?", "who chaired the meeting?"),
        ("email me@here.example about it", "email me@here.example about it"),  # not a ping
        ("", ""),
    ],
)
def test_mentions_and_custom_emoji_are_taken_out(typed, question):
    assert clean_question(typed) == question
