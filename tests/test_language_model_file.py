"""fastText's language-id model ships in replykit's package data; a missing or damaged copy is said, never hidden."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from replykit import langid, load_kb
from tests.conftest import RunCLI, WriteKB
from tests.suggest_kb import FILES

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def model_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets a test point langid at another model file; the shipped one is loaded again afterwards."""
    langid._fasttext_model.cache_clear()
    yield
    monkeypatch.undo()
    langid._fasttext_model.cache_clear()


def test_the_shipped_model_is_fasttexts_lid_176_as_notice_says() -> None:
    digest = hashlib.sha256(langid.MODEL_FILE.read_bytes()).hexdigest()
    notice = (REPO / "NOTICE").read_text(encoding="utf-8")
    assert f"SHA-256 {digest}" in notice and "CC BY-SA 3.0" in notice
    assert langid.MODEL_FILE.parent == Path(langid.__file__).parent / "data"  # replykit's own package data
    assert langid.model_problem() is None
    found = langid.fasttext_probabilities("Bonjour, je n'ai toujours pas reçu ma commande")
    assert max(found, key=found.__getitem__) == "fr"


def test_a_missing_model_is_said_on_stderr_in_json_and_by_check(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_file: None
) -> None:
    gone = tmp_path / "lid.176.ftz"
    monkeypatch.setattr(langid, "MODEL_FILE", gone)
    root = write_kb(FILES)
    result = run_cli("suggest", "--kb", str(root), "--format", "json", "where is my order")
    assert result.exit_code == 0, result.stderr
    expected = f"{gone}: the language-id model is missing"
    assert result.stderr.startswith("replykit: warning: ") and expected in result.stderr
    document = json.loads(result.stdout)
    assert any(expected in warning for warning in document["warnings"])
    assert document["matches"][0]["id"] == "track-order"  # the KB's own text still tells the language
    check = run_cli("check", "--kb", str(root))
    assert check.exit_code == 0 and expected in check.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a fastText model", "truncated or replaced"), (None, "truncated or replaced: 100,000 bytes")],
    ids=["not a model", "truncated"],
)
def test_an_unreadable_model_is_said(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_file: None,
    content: bytes | None, reason: str,
) -> None:
    broken = tmp_path / "lid.176.ftz"
    broken.write_bytes(content if content is not None else langid.MODEL_FILE.read_bytes()[:100_000])
    monkeypatch.setattr(langid, "MODEL_FILE", broken)
    root = write_kb(FILES)
    result = run_cli("suggest", "--kb", str(root), "--format", "json", "wo ist mein Paket")
    assert result.exit_code == 0, result.stderr
    assert f"{broken}: cannot read the language-id model" in result.stderr and reason in result.stderr
    assert "reinstall replykit" in json.loads(result.stdout)["warnings"][0]
    assert langid.detect("wo ist mein Paket", load_kb(root)) == "de"
