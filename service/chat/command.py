"""Placeholder: the helper that owns this subcommand replaces this file."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add this subcommand's parser (placeholder until implemented)."""
