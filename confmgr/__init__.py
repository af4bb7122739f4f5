"""confmgr: hybrid conference management and minutes for Vietnamese secretariats."""

__version__ = "0.1.0"
