"""The audit trail (administrators): who did what and when — filter, read, download."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.audit import page

common.require_frame()
common.require("audit.view")
lang = common.lang()
try:
    page(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
