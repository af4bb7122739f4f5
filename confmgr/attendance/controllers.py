"""Routes of this feature (filled in as the feature is built)."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
