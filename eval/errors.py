"""Errors raised by eval runs; all subclass FootnoteError (indexer/errors.py).

FootnoteError
├── GoldFileError            (eval/gold.py) the gold file is missing or has malformed lines
├── BaselineFileError        (eval/report.py) --baseline is not an earlier run's summary.json
├── SquadFileError           the SQuAD file is missing or not in SQuAD's JSON shape
├── ConversionTargetExists   the converter's output folder already holds files
├── RecipeCorpusError        the LangChain recipe cannot read its corpus folder
└── InvalidEvalOptions       the eval command's options do not fit together

Calls to a running service (--url) fail with the service client's errors (service/errors.py).
"""

from __future__ import annotations

from indexer.errors import FootnoteError


class SquadFileError(FootnoteError):
    """The SQuAD file is missing, unreadable or not in SQuAD's JSON shape."""


class ConversionTargetExists(FootnoteError):
    """The converter's output folder already holds files and --force was not given."""


class RecipeCorpusError(FootnoteError):
    """The LangChain recipe cannot read its corpus folder."""


class InvalidEvalOptions(FootnoteError):
    """The eval command's options do not fit together."""
