#!/usr/bin/env bash
# Runs the independent Python verifier's checks: its unit tests, then every test vector in tests/vectors/
# (written by the Rust implementation) if that folder exists. Standard-library Python 3.9+ only.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

echo "== python verifier: unit tests"
"$PYTHON" -m unittest tools/test_verify.py

if [ -d tests/vectors ]; then
    echo "== python verifier: test vectors"
    "$PYTHON" tools/verify.py --vectors tests/vectors
else
    echo "== python verifier: no tests/vectors/ yet, skipped"
fi
