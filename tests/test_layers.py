"""The import graph: every module imports only its own layer or the layers below it."""

from __future__ import annotations

import ast
import subprocess
import sys

from helpers import BUNDLED_CORPUS, ROOT

# Lowest first. A module may import from its own layer and any layer listed before it.
LAYERS = [
    ("retrieval.errors", "retrieval.models"),
    ("retrieval.text",),
    ("retrieval.reading",),
    ("retrieval.config",),  # validates names the text layer knows (tiktoken encodings)
    ("retrieval.index",),
    ("retrieval.answering",),
    ("cli.terminal", "cli.evaluation", "bot"),  # the renderers, side by side, and Discord
    ("cli",),  # the command line on top
]


def _layer(module: str) -> int:
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} belongs to no layer"
    return best[0]


def _imports(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [m for m in found if m.split(".")[0] in {"retrieval", "cli", "bot"}]


def test_every_import_points_down_or_sideways():
    upward = []
    for package in ("retrieval", "cli", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for target in _imports(path):
                if _layer(target) > _layer(module):
                    upward.append(f"{module} -> {target}")
    assert upward == []


def test_the_engine_never_imports_discord_or_the_terminal():
    for path in (ROOT / "retrieval").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            name
            for node in ast.walk(tree)
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
        ]
        assert not any(n.split(".")[0] in {"discord", "aiohttp", "cli", "bot"} for n in names), path


def test_newsbot_ask_never_imports_discord(tmp_path):
    probe = (
        "import sys\n"
        "from cli.main import main\n"
        "code = main(['ask', 'When will the night trams run?'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'aiohttp'))\n"
        "print('LOADED', loaded)\n"
        "sys.exit(code)\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {BUNDLED_CORPUS}\nindex:\n  persist: false\n")
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "NEWSBOT_CONFIG": str(config),
            "PATH": "/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
    assert "night tram" in result.stdout.casefold()
