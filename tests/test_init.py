"""`replykit init`: a new KB that lints clean at once, and never overwrites one."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import RunCLI


def test_init_creates_a_kb_that_passes_lint(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "support-kb"
    result = run_cli("init", str(root), "--source-locale", "en", "--locales", "en,de,fr,ja")
    assert result.exit_code == 0, result.stderr
    assert "locales: en, de, fr, ja" in result.stdout
    config = yaml.safe_load((root / "replykit.yaml").read_text(encoding="utf-8"))
    assert config == {"source_locale": "en", "locales": ["en", "de", "fr", "ja"]}
    for loc in ("en", "de", "fr", "ja"):
        for name in ("contact-us", "_greeting", "_signature"):
            assert (root / "templates" / loc / f"{name}.j2").is_file()
        assert set(yaml.safe_load((root / "locales" / f"{loc}.yaml").read_text(encoding="utf-8"))) >= {
            "store_name",
            "team_name",
            "support_email",
        }
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks["repos"][0]["hooks"] == [{"id": "replykit-lint"}]
    hook_ids = {h["id"] for h in yaml.safe_load(Path(".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert "replykit-lint" in hook_ids  # the hook the config names is one this repository publishes

    lint = run_cli("lint", str(root))
    assert lint.exit_code == 0, lint.stdout + lint.stderr
    assert "0 errors, 0 warnings" in lint.stderr

    reply = run_cli("render", "contact-us", "--kb", str(root), "--locale", "de")
    assert reply.exit_code == 0, reply.stderr
    assert reply.stdout.startswith("Guten Tag,")
    assert "support@example.com" in reply.stdout


def test_init_in_a_language_without_example_text_still_lints_without_errors(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "kb"
    result = run_cli("init", str(root), "--locales", "en,sv")
    assert result.exit_code == 0
    assert "no example text in sv" in result.stderr
    assert run_cli("lint", str(root)).exit_code == 0


def test_init_refuses_to_overwrite_an_existing_kb(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "kb"
    assert run_cli("init", str(root)).exit_code == 0
    (root / "templates/en/contact-us.j2").write_text("our own text\n", encoding="utf-8")
    again = run_cli("init", str(root), "--locales", "en,de")
    assert again.exit_code == 2
    assert "a KB is already there" in again.stderr
    assert (root / "templates/en/contact-us.j2").read_text(encoding="utf-8") == "our own text\n"
    assert not (root / "templates/de").exists()


def test_init_refuses_a_folder_holding_files_it_would_write(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "kb"
    (root / "locales").mkdir(parents=True)
    (root / "locales/en.yaml").write_text("store_name: Mine\n", encoding="utf-8")
    result = run_cli("init", str(root))
    assert result.exit_code == 2
    assert "locales/en.yaml: already exists" in result.stderr
    assert not (root / "replykit.yaml").exists()
    assert (root / "locales/en.yaml").read_text(encoding="utf-8") == "store_name: Mine\n"


def test_init_rejects_an_unknown_locale(tmp_path: Path, run_cli: RunCLI) -> None:
    result = run_cli("init", str(tmp_path / "kb"), "--locales", "en,xx-nope")
    assert result.exit_code == 2
    assert "replykit: error:" in result.stderr
    assert not (tmp_path / "kb").exists()
