"""What customers keep asking, and what the KB does not answer yet: ``replykit insights`` as a library.

``read_messages(paths)`` streams the messages of exports (text, CSV, JSONL, mbox, .eml, the desk's
usage log); ``analyze(kb, messages)`` matches them and returns an :class:`InsightsReport` (per
entry counts, gaps grouped across languages, confusions, trend); ``render_text/json/csv/html``
write it; ``write_drafts`` turns the biggest gaps into draft entries. Grouping needs the
``replykit[insights]`` extra (NumPy, SciPy).
"""

from replykit.insights.analysis import InsightsOptions, analyze
from replykit.insights.csv_report import render_csv
from replykit.insights.drafts import write_drafts
from replykit.insights.gaps import Gap
from replykit.insights.html_report import render_html
from replykit.insights.readers import InputFormat, read_messages
from replykit.insights.records import BadRecord, Message
from replykit.insights.report import InsightsReport
from replykit.insights.text_report import render_text

__all__ = [
    "BadRecord",
    "Gap",
    "InputFormat",
    "InsightsOptions",
    "InsightsReport",
    "Message",
    "analyze",
    "read_messages",
    "render_csv",
    "render_html",
    "render_text",
    "write_drafts",
]
