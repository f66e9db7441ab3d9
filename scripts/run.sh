#!/usr/bin/env bash
# Runs the whole platform locally: RabbitMQ, SecantusDB, four services, gateway, demo data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/bootstrap.sh"
cd "$root"
exec .venv/bin/python -m deploy.localstack run "$@"
