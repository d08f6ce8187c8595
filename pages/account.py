"""My account: change one's own password, sign out."""

from ccdash.ui import common
from ccdash.ui.signin import account_page

common.require_frame()
common.require(None)  # any signed-in account (not the anonymous viewer, not a wall screen)
account_page(common.engine(), common.lang())
