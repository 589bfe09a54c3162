"""Errors raised by eval runs; all subclass FootnoteError (indexer/errors.py).

FootnoteError
├── GoldFileError            (eval/gold.py) the gold file is missing or has malformed lines
├── BaselineFileError        (eval/report.py) --baseline is not an earlier run's summary.json
├── SquadFileError           the SQuAD file is missing or not in SQuAD's JSON shape
├── ConversionTargetExists   the converter's output folder already holds files
├── RecipeCorpusError        the LangChain recipe cannot read its corpus folder
├── InvalidEvalOptions       the eval command's options do not fit together
└── ServiceCallFailed        a call to a running service failed
    ├── ServiceUnreachable   nothing answers at --url, or it answered too late
    └── ServiceRefused       the service answered with an error (a problem+json body)
"""

from __future__ import annotations

from indexer.errors import FootnoteError


class SquadFileError(FootnoteError):
    """The SQuAD file is missing, unreadable or not in SQuAD's JSON shape."""


class ConversionTargetExists(FootnoteError):
    """The converter's output folder already holds files and --force was not given."""


class RecipeCorpusError(FootnoteError):
    """The LangChain recipe cannot read its corpus folder."""


class ServiceCallFailed(FootnoteError):
    """A call to a running Footnote service failed."""


class ServiceUnreachable(ServiceCallFailed):
    """Nothing answers at the service's address, or it did not answer in time."""


class ServiceRefused(ServiceCallFailed):
    """The service answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class InvalidEvalOptions(FootnoteError):
    """The eval command's options do not fit together."""
