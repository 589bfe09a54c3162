#!/usr/bin/env bash
# A longer run of the API's schema-driven fuzz (tests/test_api_fuzz.py): EXAMPLES requests per
# operation and mode (make test runs 100, about 1,200 requests in all).
#
#   benchmarks/fuzz_api.sh            # 1,000 per operation and mode: about 12,000 requests
#   EXAMPLES=5000 benchmarks/fuzz_api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
FOOTNOTE_FUZZ_EXAMPLES=${EXAMPLES:-1000} .venv/bin/pytest -q -p no:cacheprovider \
  tests/test_api_fuzz.py -k contract
