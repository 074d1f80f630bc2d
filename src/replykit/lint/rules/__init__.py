"""One module per lint rule; the table of rules is replykit.lint.registry.RULES."""
