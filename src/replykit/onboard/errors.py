"""The user errors of init, import and export (exit code 2 unless said otherwise)."""

from __future__ import annotations

from replykit.errors import UserError


class ImportInputError(UserError):
    """The file to import cannot be read as the format it claims or looks like."""


class KBExistsError(UserError):
    """``replykit init`` would overwrite a KB that is already there."""


class MissingExtraError(UserError):
    """A format needs an optional dependency that is not installed."""

    def __init__(self, what: str, extra: str = "xlsx") -> None:
        super().__init__(f"{what} needs the optional '{extra}' libraries: pip install 'replykit[{extra}]'")
