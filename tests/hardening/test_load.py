"""200 concurrent /ask from 50 users: every one answered or told to wait, none lost."""

from load import ask_wave
from loopback import running_bot

QUESTIONS = [
    "Who chaired the meeting of defence ministers?",
    "What did the coalition decide about troops?",
    "How much did SK Hynix shares fall?",
    "What is the capital of Peru?",
]


async def test_200_concurrent_asks_none_lost(shared_engine, monkeypatch):
    async with running_bot(shared_engine, monkeypatch, cooldown_uses=3) as h:
        questions = [QUESTIONS[n % len(QUESTIONS)] for n in range(200)]
        result = await ask_wave(h.fake, questions, users=50)
    print(result)
    assert result.lost == 0
    assert result.answered == 150 and result.cooled == 50  # 3 each for 50 users, 4th waits
    assert result.lag_p99_ms < 500  # the gateway heartbeat is never starved
