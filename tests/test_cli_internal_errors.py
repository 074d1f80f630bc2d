"""A bug of ours is named as one: exit 70, one line asking for a report, no blame on the input.

The fault is injected into the KB loader (there is no honest way to make correct code fail), and
the test checks what a user sees: the message, the exit code, and the traceback only on request.
"""

from __future__ import annotations

import pytest

import replykit.kb.loader
from tests.conftest import RunCLI, WriteKB

ENTRY = 'id: hello\nquestions:\n  en: ["hello there"]\n'


@pytest.fixture
def broken_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def load_kb(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(replykit.kb.loader, "load_kb", load_kb)


@pytest.mark.usefixtures("broken_loader")
def test_a_bug_is_reported_as_a_bug_with_exit_70(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/hello.yaml": ENTRY, "templates/en/hello.j2": "Hi\n"})
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("replykit: internal error: ZeroDivisionError: division by zero at ")
    assert "This is a bug in replykit, not in your input: please report it" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("broken_loader")
def test_replykit_debug_shows_the_traceback(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/hello.yaml": ENTRY, "templates/en/hello.j2": "Hi\n"})
    result = run_cli("check", "--kb", str(root), env={"REPLYKIT_DEBUG": "1"})
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("replykit: internal error: ZeroDivisionError")


def test_a_user_mistake_is_still_a_user_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/hello.yaml": ENTRY + "colour: blue\n", "templates/en/hello.j2": "Hi\n"})
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    assert "unknown key 'colour'" in result.stderr
