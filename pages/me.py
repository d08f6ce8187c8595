"""My numbers: an agent's own indicators and QA results over a period, one column (fits a phone)."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.me import page

common.require_frame()
common.require("me.view")
lang = common.lang()
try:
    page(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
