#!/usr/bin/env bash
# Installs what `make bench` needs beyond deploy/bootstrap.sh, if missing: nginx (the
# reference server of `dianjiao bench serve`, run as a plain process on a spare port, never
# as a service) and wrk (the load generator). Benchmarks only: `make run` and `make test`
# never call this. Debian 12 (bookworm) as root; idempotent.
set -euo pipefail

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "dianjiao bench: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No service is started: the benchmark runs its own nginx with its own config.
RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}"
