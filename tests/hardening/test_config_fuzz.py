"""Every config key with a wrong type is one clear message naming it, and exit code 2."""

import dataclasses
import typing

import pytest
import yaml
from helpers import BUNDLED_CORPUS

from cli.main import main
from retrieval.config import Config

WRONG = ["text", 1.5, -3, True, [1, 2], {"a": 1}, None]


def _keys(cls, prefix=""):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _keys(tp, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}"


KEYS = list(_keys(Config))


def _merge(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _nest(key, value):
    data = value
    for part in reversed(key.split(".")):
        data = {part: data}
    return data


@pytest.mark.parametrize("key", KEYS)
def test_every_key_rejects_wrong_values_by_name(tmp_path, capsys, key):
    rejected = 0
    for value in WRONG:
        path = tmp_path / "c.yaml"
        data = {"corpus": str(BUNDLED_CORPUS)} if key != "corpus" else {}
        data.setdefault(key.split(".")[0], {})
        data = _merge(data, _nest(key, value))
        path.write_text(yaml.safe_dump(data))
        code = main(["sources", "--config", str(path)])
        err = capsys.readouterr().err
        if code == 2:
            rejected += 1
            assert err.count("\n") == 1 and "Traceback" not in err
            assert f"'{key}" in err, (key, value, err)
    assert rejected >= 4, key  # most wrong values are wrong for any key


def test_unknown_keys_and_unreadable_files(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("answers:\n  cuont: 3\n")
    assert main(["sources", "--config", str(path)]) == 2
    assert "'answers.cuont': unknown key" in capsys.readouterr().err
    path.write_bytes(b"\xff\xfe\x00bad")
    assert main(["sources", "--config", str(path)]) == 2
    assert main(["sources", "--config", str(tmp_path)]) == 2  # a folder, not a file
    err = capsys.readouterr().err
    assert err.count("newsbot: error:") == 2 and "Traceback" not in err
