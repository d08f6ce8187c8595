"""My indicators: define an indicator by formula (checked, previewed, saved), list and delete them."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.formulas import formulas

common.require_frame()
common.require("formulas.edit")
lang = common.lang()
try:
    formulas(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
