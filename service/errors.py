"""Errors raised by the answering service; all subclass FootnoteError.

FootnoteError (indexer/errors.py)
├── InvalidRequest            a question or parameter is empty, too long or malformed
├── Unauthorized              missing or wrong API key
├── PayloadTooLarge           a request body or upload is over its limit
├── QueueFull                 too many generations waiting; retry later
├── PromptNotFound            a prompt template file is missing
├── BackendError              the LLM backend failed
│   ├── BackendUnavailable    the LLM server cannot be reached or the model file is missing
│   ├── ModelNotAvailable     the server is up but does not have the model
│   ├── BackendTimeout        the LLM did not answer in time
│   └── GenerationFailed      the LLM failed in the middle of an answer
└── ServiceClientError        a client (service/client.py) could not use a running service
    ├── ServiceUnreachable    nothing answers at the service's URL, or not in time
    └── ServiceFailed         the service answered with something the client cannot use
"""

from __future__ import annotations

from indexer.errors import FootnoteError


class InvalidRequest(FootnoteError):
    """A question or parameter is empty, too long or malformed."""


class Unauthorized(FootnoteError):
    """The request lacks a valid API key."""


class PayloadTooLarge(FootnoteError):
    """A request body or upload is over its configured limit."""


class QueueFull(FootnoteError):
    """The generation queue is full; the client should retry later."""


class PromptNotFound(FootnoteError):
    """A prompt template file is missing."""


class BackendError(FootnoteError):
    """The LLM backend failed."""


class BackendUnavailable(BackendError):
    """The LLM server cannot be reached, or the local model file is missing."""


class ReaderUnavailable(BackendUnavailable):
    """The reader's model file is missing or not the published one (service/reader_model.py)."""


class ModelNotAvailable(BackendError):
    """The LLM server is up but does not have the requested model."""


class BackendTimeout(BackendError):
    """The LLM did not answer within the configured timeout."""


class GenerationFailed(BackendError):
    """The LLM failed in the middle of an answer."""


class ServiceClientError(FootnoteError):
    """A client could not use a running Footnote service (never raised by the service)."""


class ServiceUnreachable(ServiceClientError):
    """Nothing answers at the Footnote service's URL, or it did not answer in time."""


class ServiceFailed(ServiceClientError):
    """The service answered with an error or a body the client cannot use."""
