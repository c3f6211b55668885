#!/usr/bin/env bash
# Runs the independent Python verifier's checks (standard-library Python 3.9+ only):
#   1. its unit tests (tools/test_verify.py),
#   2. every test vector in tests/vectors/ (written by the Rust implementation),
#   3. the random cross-checks with a built fairdraw binary: bundles that fairdraw makes from random inputs
#      (fairdraw draw, and whole ceremonies through the command line) verified by tools/verify.py, then bundles
#      that verify.py's own producer makes, verified by `fairdraw verify`.
# The binary is $FAIRDRAW_BIN, else $CARGO_TARGET_DIR/debug/fairdraw, else target/debug/fairdraw.
# Usage: scripts/verify-python.sh [--python-only]     (--python-only: steps 1 and 2, no binary needed)
# A failing cross-check prints its master seed: re-run with CROSSCHECK_SEED=<seed> scripts/verify-python.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
start=$(date +%s)

echo "== python verifier: unit tests"
"$PYTHON" -m unittest tools/test_verify.py

if [ -d tests/vectors ]; then
    echo "== python verifier: test vectors"
    "$PYTHON" tools/verify.py --vectors tests/vectors
else
    echo "== python verifier: no tests/vectors/ yet, skipped"
fi

if [ "${1:-}" = "--python-only" ]; then
    echo "== python verifier: cross-checks skipped (--python-only); $(($(date +%s) - start)) s"
    exit 0
fi

bin="${FAIRDRAW_BIN:-${CARGO_TARGET_DIR:-target}/debug/fairdraw}"
if [ ! -x "$bin" ]; then
    echo "verify-python.sh: no fairdraw binary at $bin: build it with 'cargo build --bin fairdraw'," \
        "set FAIRDRAW_BIN, or pass --python-only" >&2
    exit 1
fi
seed="${CROSSCHECK_SEED:-$("$PYTHON" -c 'import random; print(random.SystemRandom().randrange(2**32))')}"

echo "== cross-check: fairdraw draw / ceremony bundles from random inputs, verified by tools/verify.py"
"$PYTHON" tools/crosscheck.py --bin "$bin" --seed "$seed" --worlds 2 --draws 24 --ceremonies 4

echo "== cross-check: verify.py's random bundles, verified by fairdraw verify"
"$PYTHON" tools/test_verify.py --cross "$bin" 60 "$seed"

echo "== python verifier: all passed in $(($(date +%s) - start)) s"
