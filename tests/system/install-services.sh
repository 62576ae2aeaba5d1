#!/usr/bin/env bash
# Install the servers the system tests start: PostgreSQL (initdb, pg_ctl) and Redis, from Debian's packages.
# Nothing is started here and no service is enabled: the tests run their own servers on free loopback ports.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; }
have_redis() { command -v redis-server >/dev/null; }

if have_postgres && have_redis; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "The system tests need Debian's postgresql and redis-server packages; as root run:" >&2
    echo "  apt-get install -y postgresql redis-server" >&2
    exit 1
fi
# Keep the packages from starting their own services (as in a Docker image): a policy-rc.d that says no.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
fi
trap '[ -z "$made_policy" ] || rm -f "$policy"' EXIT
lock=(flock /tmp/apt.lock)
command -v flock >/dev/null || lock=()
"${lock[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${lock[@]}" apt-get install -y -qq --no-install-recommends \
    postgresql redis-server >/dev/null
have_postgres && have_redis
