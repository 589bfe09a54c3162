"""Errors only the chat client raises; they extend Footnote's one tree.

FootnoteError (indexer/errors.py)
└── ChatError                 the chat client could not talk to a Footnote service
    ├── ServiceUnreachable    nothing answers at the service's URL
    └── ServiceFailed         the service answered with something the client cannot use

Problems the service reports with a class of its own (401, 404, 422, 503...) are raised as that
class (Unauthorized, DocumentNotFound, InvalidRequest...), so local and remote chats fail alike.
"""

from __future__ import annotations

from indexer.errors import FootnoteError


class ChatError(FootnoteError):
    """The chat client could not talk to a Footnote service."""


class ServiceUnreachable(ChatError):
    """Nothing answers at the Footnote service's URL."""


class ServiceFailed(ChatError):
    """The service answered with an error or a body the client cannot use."""
