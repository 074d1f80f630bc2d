"""`replykit lint`, `replykit status` and `replykit mark-reviewed`: the KB's CI gate and its progress page.

Exit codes of lint: 0 no errors (warnings allowed), 1 errors (or warnings with --strict),
2 bad command line, configuration or unusable KB.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.errors import EXIT_FINDINGS, EXIT_OK, UserError, counted, display_path

# The lint engine, reporters and lock file are imported inside the commands that use them: registering
# these commands must stay cheap for `replykit suggest`, which never lints.


class LintFormat(StrEnum):
    auto = "auto"
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


def _kb_path(path: Path | None, kb: Path | None) -> Path | None:
    if path is not None and kb is not None and path.resolve() != kb.resolve():
        raise UserError(f"two KBs given ({path} and --kb {kb}): give one")
    return path if path is not None else kb


@app.command()
@user_errors
def lint(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="KB folder (holds replykit.yaml). Default: --kb, $REPLYKIT_KB, or the first folder upwards with one.",
            show_default=False,
        ),
    ] = None,
    kb: KBOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    output_format: Annotated[
        LintFormat,
        typer.Option("--format", "-f", help="auto: github under GitHub Actions, else text.", case_sensitive=False),
    ] = LintFormat.auto,
    rule: Annotated[
        list[str] | None,
        typer.Option("--rule", metavar="RULE-ID", help="Run only this rule (repeatable).", show_default=False),
    ] = None,
) -> None:
    """Check the KB: format, translations, templates, variables, typography, lengths. Exit 1 on errors."""
    from replykit.kb.loader import find_kb_root
    from replykit.lint import count_levels, lint_kb
    from replykit.reporters import choose_format, render_report

    root = find_kb_root(_kb_path(path, kb))
    findings = lint_kb(root, rules=rule or None)
    fmt = choose_format(output_format.value)
    color = fmt == "text" and output_format == LintFormat.auto and sys.stdout.isatty()
    typer.echo(render_report(findings, fmt, strict=strict, color=color), nl=False)
    errors, warnings = count_levels(findings)
    if fmt in ("text", "github"):
        summary = f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
        typer.echo(f"replykit lint: {display_path(root)}: {summary}", err=True)
    failed = errors > 0 or (strict and warnings > 0)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@app.command()
@user_errors
def status(
    kb: KBOption = None,
    output_format: Annotated[
        StatusFormat, typer.Option("--format", "-f", help="text table or JSON.", case_sensitive=False)
    ] = StatusFormat.text,
) -> None:
    """Translation coverage per locale: entries complete, missing, stale (see mark-reviewed), percent."""
    from replykit.lint.coverage import translation_status

    loaded = open_kb(kb)
    rows = translation_status(loaded)
    if output_format == StatusFormat.json:
        typer.echo(json.dumps({"locales": [row.as_dict() for row in rows]}, ensure_ascii=False, indent=2))
        return
    header = ("locale", "entries", "complete", "missing", "stale", "percent")
    table = [header] + [
        (
            f"{row.locale} (source)" if row.is_source else row.locale,
            str(row.entries),
            str(row.complete),
            str(row.missing),
            str(row.stale),
            f"{row.percent:.1f}%",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        numbers = [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        cells = [line[0].ljust(widths[0]), *numbers]
        typer.echo("  ".join(cells).rstrip())


@app.command("mark-reviewed")
@user_errors
def mark_reviewed_command(
    entries: Annotated[
        list[str] | None,
        typer.Argument(metavar="ENTRY", help="Entry ids whose translations were reviewed.", show_default=False),
    ] = None,
    locale: Annotated[
        list[str] | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Only these locales (repeatable). Default: all.",
                     show_default=False),
    ] = None,
    all_entries: Annotated[bool, typer.Option("--all", help="Every entry of the KB.")] = False,
    kb: KBOption = None,
) -> None:
    """Record that translations are up to date with today's source, in replykit.lock (for stale-translation)."""
    if not entries and not all_entries:
        raise UserError("name the entries whose translations were reviewed, or give --all")
    if entries and all_entries:
        raise UserError("give entry ids or --all, not both")
    from replykit.l10n import normalize_locale
    from replykit.lockfile import LOCK_NAME, mark_reviewed

    loaded = open_kb(kb)

    locales = [normalize_locale(loc) for loc in locale] if locale else None
    marked = mark_reviewed(loaded, None if all_entries else entries, locales)
    count = len(marked)
    typer.echo(
        f"marked {counted(count, 'translation')} as reviewed in {display_path(loaded.root / LOCK_NAME)}"
    )
