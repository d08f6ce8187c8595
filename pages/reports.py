"""Reports: daily, weekly and monthly workbooks to download."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.reports import reports

common.require_frame()
common.require("reports.view")
lang = common.lang()
try:
    reports(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
