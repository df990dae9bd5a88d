"""Questions about the news itself: the newest stories, or the latest on a topic."""

from __future__ import annotations

import pytest

from retrieval.answering.asking import NEWEST_STORIES
from retrieval.answering.freshness import NewsRequest, news_request

NEWS_WIDE = [
    "What is the latest news?",
    "What's new?",
    "whats new",
    "What happened today?",
    "What are the top stories today?",
    "Any news?",
]


@pytest.mark.parametrize("question", NEWS_WIDE)
def test_a_question_about_the_news_is_answered_with_the_newest_stories(shared_engine, question):
    assert news_request(question) == NewsRequest()
    reply = shared_engine.ask(question)
    newest = shared_engine.latest(None, NEWEST_STORIES)
    assert reply.answered and reply.answers == () and reply.corrected is None
    assert [s.headline for s in reply.newest] == [a.headline for a in newest]
    assert len(reply.newest) == min(NEWEST_STORIES, len(newest)) > 0


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Any news on Witkoff?", "Witkoff"),
        ("Is there any news about the night trams?", "the night trams"),
        ("What's new with Kaja Kallas?", "Kaja Kallas"),
    ],
)
def test_news_on_a_topic_is_the_latest_on_it(question, topic):
    assert news_request(question) == NewsRequest(topic)


def test_any_news_on_a_topic_is_answered_from_the_newest_article_on_it(shared_engine):
    reply = shared_engine.ask("Any news on Witkoff?")
    latest = shared_engine.ask("What is the latest on Witkoff?")
    assert reply.answered and not reply.newest
    assert reply.answers[0].source == latest.answers[0].source
    assert "Witkoff" in reply.answers[0].text


@pytest.mark.parametrize(
    "question",
    [
        "Which news organisations paid Trump?",
        "Who made the news?",
        "What is New York?",
        "What happened to the budget?",
    ],
)
def test_a_question_that_only_mentions_news_is_a_question(question):
    assert news_request(question) is None


def test_news_is_recognised_in_words_not_in_links_or_markup(shared_engine):
    reply = shared_engine.ask("**What's new?** 👀 https://example.org/x")
    assert reply.newest and reply.question == "What's new?"
    linked = shared_engine.analyse("what did Witkoff say https://example.org/latest")
    assert linked.links == ("https://example.org/latest",)
    assert not shared_engine.ask("what did Witkoff say https://example.org/latest").newest
