"""Getting a team's existing answers in and out: ``init``, ``import`` (a safe re-sync), ``export``.

The CLI modules (``cli/init.py``, ``cli/import_kb.py``, ``cli/export.py``) only parse options;
everything they do is here, usable from Python:

- :func:`replykit.onboard.scaffold.create_kb` writes a minimal KB that passes ``replykit lint``;
- :func:`replykit.onboard.readers.read_source` turns a spreadsheet, Markdown FAQ or helpdesk export
  into :class:`replykit.onboard.records.ImportBatch`;
- :func:`replykit.onboard.sync.plan_import` / :func:`replykit.onboard.sync.apply_plan` compare it
  with the KB and the import state (three-way) and write what changed, atomically;
- :func:`replykit.onboard.exporters.export_kb` writes CSV or helpdesk JSON.
"""
