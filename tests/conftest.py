"""Shared test helpers: write a small KB into a temporary folder, run the real CLI in-process."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replykit.cli import app

DEFAULT_CONFIG = "source_locale: en\nlocales: [en, de, ja]\n"


def pytest_configure(config: pytest.Config) -> None:
    """Before collection: modules that load a model at import time must not touch the real cache."""
    folder = tempfile.mkdtemp(prefix="replykit-test-cache-")
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ["REPLYKIT_CACHE_DIR"] = folder


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache folder and no KB from the environment."""
    monkeypatch.setenv("REPLYKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("REPLYKIT_KB", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


WriteKB = Callable[..., Path]


@pytest.fixture
def write_kb(tmp_path: Path) -> WriteKB:
    """Write a KB tree: ``write_kb({"kb/a.yaml": "...", "templates/en/a.j2": "..."}, config=...)``.

    Text is dedented, so tests can indent it naturally. Values that are bytes are written as is
    (for encoding tests). Calling it twice with the same ``name`` adds files to the same KB.
    """

    def write(files: Mapping[str, str | bytes], config: str | None = None, name: str = "kb-root") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        if config is not None or not (root / "replykit.yaml").exists():
            (root / "replykit.yaml").write_text(textwrap.dedent(config or DEFAULT_CONFIG), encoding="utf-8")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return root

    return write


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


RunCLI = Callable[..., Result]


@pytest.fixture
def run_cli() -> RunCLI:
    """Run the replykit CLI in-process: ``run_cli("suggest", "--kb", str(root), "where is it")``."""

    def run(*args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        runner = CliRunner()
        outcome = runner.invoke(app, list(args), input=input, env=dict(env or {}), catch_exceptions=False)
        return Result(outcome.exit_code, outcome.stdout, outcome.stderr)

    return run
