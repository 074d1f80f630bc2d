"""`replykit lint`, `replykit status` and `replykit mark-reviewed`: the KB's CI gate and its progress page.

Exit codes of lint: 0 no errors (warnings allowed), 1 errors (or warnings with --strict),
2 bad command line, configuration or unusable KB.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from replykit.cli.app import KBArgument, KBOption, app, kb_path, open_kb, user_errors
from replykit.errors import EXIT_FINDINGS, EXIT_OK, UserError, counted, display_path

if TYPE_CHECKING:
    from replykit.kb.model import KnowledgeBase

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



@app.command()
@user_errors
def lint(
    path: KBArgument = None,
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

    root = find_kb_root(kb_path(path, kb))
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


LocaleOption = Annotated[
    list[str] | None,
    typer.Option("--locale", "-l", metavar="LOCALE", help="Only these locales (repeatable). Default: all.",
                 show_default=False),
]


@app.command()
@user_errors
def status(
    kb: KBOption = None,
    output_format: Annotated[
        StatusFormat, typer.Option("--format", "-f", help="text table or JSON.", case_sensitive=False)
    ] = StatusFormat.text,
    locale: LocaleOption = None,
    show_list: Annotated[
        bool, typer.Option("--list", help="List each translation that needs work (missing, stale, pending).")
    ] = False,
) -> None:
    """Translation coverage per locale: complete, missing, stale (see mark-reviewed), pending, percent."""
    from replykit.l10n import normalize_locale
    from replykit.lint.coverage import translation_status

    loaded = open_kb(kb)
    locales = [normalize_locale(loc) for loc in locale] if locale else None
    if show_list:
        _status_list(loaded, locales, output_format)
        return
    rows = [row for row in translation_status(loaded) if locales is None or row.locale in locales]
    if output_format == StatusFormat.json:
        typer.echo(json.dumps({"locales": [row.as_dict() for row in rows]}, ensure_ascii=False, indent=2))
        return
    header = ("locale", "entries", "complete", "missing", "stale", "pending", "percent")
    table = [header] + [
        (
            f"{row.locale} (source)" if row.is_source else row.locale,
            str(row.entries),
            str(row.complete),
            str(row.missing),
            str(row.stale),
            str(row.pending),
            f"{row.percent:.1f}%",
        )
        for row in rows
    ]
    _echo_table(table)


def _echo_table(table: Sequence[Sequence[str]], right_aligned_from: int = 1) -> None:
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        cells = [
            cell.rjust(width) if i >= right_aligned_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        typer.echo("  ".join(cells).rstrip())


def _status_list(loaded: KnowledgeBase, locales: list[str] | None, output_format: StatusFormat) -> None:
    from replykit.translations.review import needs_work

    items = needs_work(loaded, locales)
    if output_format == StatusFormat.json:
        typer.echo(json.dumps({"needs_work": [item.as_dict() for item in items]}, ensure_ascii=False, indent=2))
        return
    if not items:
        typer.echo("nothing needs work: every translation is complete and reviewed")
        return
    table = [("locale", "entry", "state", "since", "what")] + [
        (i.locale, i.entry_id, i.state, i.since.isoformat(), i.detail) for i in items
    ]
    _echo_table(table, right_aligned_from=99)
    typer.echo(f"{counted(len(items), 'translation')} {'needs' if len(items) == 1 else 'need'} work", err=True)


@app.command("diff")
@user_errors
def diff_command(
    entry: Annotated[str, typer.Argument(metavar="ENTRY", help="The entry id.", show_default=False)],
    locale: Annotated[
        str, typer.Option("--locale", "-l", metavar="LOCALE", help="The translation locale.", show_default=False)
    ],
    kb: KBOption = None,
) -> None:
    """Show how the entry's source (templates, questions) changed since its LOCALE translation was reviewed."""
    from replykit.l10n import normalize_locale
    from replykit.translations.review import source_diff

    loaded = open_kb(kb)
    text = source_diff(loaded, entry, normalize_locale(locale))
    if not text:
        typer.echo(f"no change: the {normalize_locale(locale)} translation of '{entry}' was reviewed against"
                   f" today's {loaded.source_locale} source")
        return
    typer.echo(text, nl=False)


@app.command("mark-reviewed")
@user_errors
def mark_reviewed_command(
    entries: Annotated[
        list[str] | None,
        typer.Argument(metavar="ENTRY", help="Entry ids whose translations were reviewed.", show_default=False),
    ] = None,
    locale: LocaleOption = None,
    all_entries: Annotated[bool, typer.Option("--all", help="Every entry of the KB.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (scripts, CI): record the review without the prompt.")
    ] = False,
    kb: KBOption = None,
) -> None:
    """Record that translations are up to date with today's source, in replykit.lock (for stale-translation).

    Shows what changed in the source since each translation's last review and asks before recording;
    without a terminal, give --yes.
    """
    if not entries and not all_entries:
        raise UserError("name the entries whose translations were reviewed, or give --all")
    if entries and all_entries:
        raise UserError("give entry ids or --all, not both")
    from replykit.l10n import normalize_locale
    from replykit.lockfile import LOCK_NAME, mark_reviewed, read_lock, reviewable, templates_by_entry
    from replykit.translations.review import source_diff

    loaded = open_kb(kb)
    locales = [normalize_locale(loc) for loc in locale] if locale else None
    chosen = None if all_entries else entries
    pairs = reviewable(loaded, chosen, locales)
    if not pairs:
        typer.echo("nothing to mark: none of these entries has a translation in these locales yet")
        return
    lock = read_lock(loaded)
    index = templates_by_entry(loaded)
    changed = []
    for entry_id, loc in pairs:
        try:
            text = source_diff(loaded, entry_id, loc, lock, index)
        except UserError as e:
            text = f"({e})\n"
        if text:
            changed.append((entry_id, loc, text))
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("mark-reviewed asks before recording and stdin is not a terminal: give --yes")
        for entry_id, loc, text in changed:
            typer.echo(f"== {entry_id} ({loc})")
            typer.echo(text, nl=False)
        unchanged = len(pairs) - len(changed)
        if unchanged:
            typer.echo(f"{counted(unchanged, 'translation')} already reviewed against today's source")
        if not typer.confirm(f"Record {counted(len(changed), 'translation')} as reviewed?", default=False):
            typer.echo("nothing recorded")
            raise typer.Exit(EXIT_OK)
    marked = mark_reviewed(loaded, chosen, locales)
    changed_pairs = {(entry_id, loc) for entry_id, loc, _ in changed}
    if all_entries or len(marked) > 1:
        for entry_id, loc in marked:
            state = "source changed" if (entry_id, loc) in changed_pairs else "unchanged"
            typer.echo(f"  {loc}  {entry_id}  ({state})")
    typer.echo(
        f"marked {counted(len(marked), 'translation')} as reviewed in {display_path(loaded.root / LOCK_NAME)}"
    )
