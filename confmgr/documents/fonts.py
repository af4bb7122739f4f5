"""Moved to :mod:`confmgr.printing.fonts`; kept so older imports keep working."""

from confmgr.printing.fonts import *  # noqa: F403
from confmgr.printing.fonts import __all__  # noqa: F401
