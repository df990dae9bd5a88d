import json

from bot import health
from bot.health import Heartbeat, check, write
from cli.main import main

NOW = 1_000_000.0


def _beat(tmp_path, **changes):
    beat = {"written": NOW, "connected": True, "disconnected_since": None, "chunks": 40, **changes}
    write(tmp_path / "hb.json", Heartbeat(**beat))
    return tmp_path / "hb.json"


def test_a_fresh_connected_heartbeat_is_healthy(tmp_path):
    assert check(_beat(tmp_path), NOW + 5) == (True, "ok: connected, serving 40 chunks")


def test_unhealthy_states_say_why(tmp_path):
    assert "not loaded its index" in check(tmp_path / "none.json", NOW)[1]
    assert check(_beat(tmp_path, written=NOW - 200), NOW) == (
        False,
        "heartbeat is 200 s old: the bot is not running",
    )
    lost = _beat(tmp_path, connected=False, disconnected_since=NOW - 61)
    assert check(lost, NOW) == (False, "gateway connection lost for 61 s")
    brief = _beat(tmp_path, connected=False, disconnected_since=NOW - 10)
    assert check(brief, NOW)[0]  # a short reconnect is fine
    assert not check(_beat(tmp_path, chunks=0), NOW)[0]
    (tmp_path / "bad.json").write_text("{")
    assert not check(tmp_path / "bad.json", NOW)[0]


def test_health_command_exit_codes(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(f"index:\n  path: {tmp_path / 'index'}\n")
    assert main(["health", "--config", str(config)]) == 1
    (tmp_path / "index").mkdir()
    beat = {"written": 9e12, "connected": True, "disconnected_since": None, "chunks": 3}
    (tmp_path / "index" / health.HEARTBEAT_FILE).write_text(json.dumps(beat))
    assert main(["health", "--config", str(config)]) == 0
    assert "ok: connected" in capsys.readouterr().out
