"""Alerts: indicators off target for the latest day/week/month with their causes; targets per indicator."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.alerts import page

common.require_frame()
common.require("dashboards.view")
lang = common.lang()
try:
    page(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
