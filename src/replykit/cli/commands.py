"""Imports every command module so that each registers itself on the app."""

from replykit.cli import check  # noqa: F401
from replykit.cli import insights  # noqa: F401
from replykit.cli import import_kb  # noqa: F401
from replykit.cli import init  # noqa: F401
from replykit.cli import export  # noqa: F401
from replykit.cli import lint  # noqa: F401
from replykit.cli import render  # noqa: F401
from replykit.cli import suggest  # noqa: F401
from replykit.cli import serve  # noqa: F401
from replykit.cli import desk  # noqa: F401
from replykit.cli import list  # noqa: F401
