"""`python -m eval GOLD ...`: the same command as `footnote eval GOLD ...`."""

from __future__ import annotations

import sys

from eval.command import main

if __name__ == "__main__":
    sys.exit(main())
