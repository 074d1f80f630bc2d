"""`replykit import`: bring a team's FAQ (spreadsheet, Markdown, helpdesk export) in, as a safe re-sync."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.errors import EXIT_FINDINGS, counted


class ImportFormat(StrEnum):
    auto = "auto"
    csv = "csv"
    xlsx = "xlsx"
    ods = "ods"
    markdown = "markdown"
    zendesk_macros = "zendesk-macros"
    zendesk_dynamic_content = "zendesk-dynamic-content"
    gorgias = "gorgias"
    chatwoot = "chatwoot"
    helpscout = "helpscout"


class ResolveChoice(StrEnum):
    show = "show"
    local = "local"
    upstream = "upstream"


@app.command("import")
@user_errors
def import_kb(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="The FAQ file(s): CSV, XLSX, ODS, Markdown, or a helpdesk JSON export."),
    ],
    fmt: Annotated[
        ImportFormat, typer.Option("--format", help="The file's format; auto goes by the name and the JSON's shape.")
    ] = ImportFormat.auto,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            metavar="C",
            help="Folder below kb/ for new entries without a category column.",
            show_default=False,
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            "--locale",
            metavar="LOCALE",
            help="Language of text that does not say its own. Default: the source locale.",
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", metavar="FILE", help="YAML: placeholders -> variables, Zendesk locale ids.", show_default=False
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="NAME",
            help="Name the import state remembers this source by. Default: the file name.",
            show_default=False,
        ),
    ] = None,
    resolve: Annotated[
        ResolveChoice,
        typer.Option("--resolve", help="Conflicts: show them (exit 1), or settle them for local or upstream text."),
    ] = ResolveChoice.show,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    kb: KBOption = None,
) -> None:
    """Create and update entries from a team's FAQ.

    Re-running is a sync: local edits are kept, conflicts are shown (exit 1).
    """
    from replykit.l10n import normalize_locale
    from replykit.onboard.mapping import load_mapping
    from replykit.onboard.readers import read_source
    from replykit.onboard.sync import Action, Resolve, apply_plan, plan_import

    loaded = open_kb(kb)
    config = loaded.config
    user_mapping = load_mapping(mapping)
    batch = read_source(
        files,
        fmt=fmt.value,
        locales=list(config.locales),
        source_locale=config.source_locale,
        default_locale=normalize_locale(locale) if locale else None,
        zendesk_locales=user_mapping.zendesk_locales_by_id(),
        source_name=source,
    )
    plan = plan_import(
        loaded, batch, mapping=user_mapping.placeholders, category=category, resolve=Resolve(resolve.value)
    )
    for notice in plan.notices:
        typer.echo(f"replykit: warning: {notice.format()}", err=True)
    plan.check_not_empty(config.source_locale)
    verb = "would " if dry_run else ""
    shown = {
        Action.CREATE: "create",
        Action.UPDATE: "update",
        Action.KEPT_LOCAL: "keep local edit",
        Action.RECORDED: "already equal, recorded",
        Action.CONFLICT: "conflict",
    }
    for change in plan.changes:
        if change.action is Action.UNCHANGED:
            continue
        if change.action is Action.CONFLICT:
            typer.echo(f"conflict: {change.path}: changed here and upstream: your text is kept; upstream's is below")
            typer.echo(change.diff().rstrip("\n"))
        else:
            typer.echo(f"{verb}{shown[change.action]}: {change.path}")
    changed = len(plan.writes)
    if not dry_run:
        apply_plan(plan)
    summary = (
        f"{plan.source}: {counted(plan.entries, 'entry', 'entries')}, {verb}write {counted(changed, 'file')}, "
        f"{counted(len(plan.conflicts), 'conflict')}, {counted(len(plan.notices), 'warning')}"
    )
    typer.echo(summary)
    if plan.conflicts:
        typer.echo(
            "replykit: error: merge each conflict by hand (or re-run with --resolve local|upstream), then import again",
            err=True,
        )
        raise typer.Exit(EXIT_FINDINGS)
