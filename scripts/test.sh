#!/usr/bin/env bash
# Runs the whole test suite; starts its own RabbitMQ and SecantusDB on private ports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/bootstrap.sh" --test
cd "$root"
exec .venv/bin/python -m pytest "$@"
