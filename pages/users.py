"""Users and wall links (administrators): accounts and roles, anonymous viewing, per-dashboard wall links."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.users import page

common.require_frame()
common.require("users.manage")
lang = common.lang()
try:
    page(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
