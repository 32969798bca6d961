#!/usr/bin/env bash
# A real IMAP server for tests/integration/test_email_*.py: Debian's Dovecot (dovecot-imapd),
# run as a private instance — its own config, mail and sockets in one directory, listening on
# 127.0.0.1 only, no system service, no MTA (tests put mail in with IMAP APPEND).
#
#   .ci/email/setup.sh                    install dovecot-imapd if missing (~20-30 s), check it
#   .ci/email/setup.sh start DIR PORT [OAUTH_URL]
#                                         start an instance in DIR (created) on 127.0.0.1:PORT;
#                                         with OAUTH_URL, XOAUTH2 logins too, each token checked
#                                         by an OAuth2 introspection endpoint (POST token=...)
#   .ci/email/setup.sh stop DIR           stop the instance of DIR
#
# The pytest fixture (tests/integration/email/servers.py) calls start/stop with a fresh directory and
# a free port; the account is desk@example.test / secret. As root, Dovecot drops to its own
# unprivileged users (dovenull for the login process, and the mail is owned by dovenull too);
# as another user, everything runs as that user.
set -euo pipefail

say() { printf '[email setup %(%H:%M:%S)T] %s\n' -1 "$*"; }

install() {
    if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
        say "dovecot not found: installing dovecot-imapd from Debian"
        export DEBIAN_FRONTEND=noninteractive
        # Installing the package starts the system service: keep it from starting at all.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 || {
            apt-get update -qq
            apt-get install -y -qq dovecot-imapd >/dev/null
        }
        rm -f /usr/sbin/policy-rc.d
    fi
    say "$(/usr/sbin/dovecot --version 2>/dev/null || dovecot --version)"
}

start() {
    local dir=$1 port=$2 oauth_url=${3:-} user group mechanisms="plain login" oauth_passdb=""
    mkdir -p "$dir/run" "$dir/mail"
    if [ "$(id -u)" = 0 ]; then
        user=dovenull
        group=dovenull
    else
        user=$(id -un)
        group=$(id -gn)
    fi
    printf 'desk@example.test:{PLAIN}secret::::::\nother@example.test:{PLAIN}secret::::::\n' \
        >"$dir/users"
    if [ -n "$oauth_url" ]; then
        # Dovecot 2.3's oauth2 passdb, beside the passwords: a XOAUTH2 token is valid when the
        # introspection endpoint (a test's local HTTP server) says {"active": true, "username":
        # <the login>}. Built into dovecot-core: no other package.
        mechanisms="plain login xoauth2"
        cat >"$dir/oauth2.conf.ext" <<OAUTH
introspection_mode = post
introspection_url = $oauth_url
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
OAUTH
        oauth_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = $dir/oauth2.conf.ext
}"
    fi
    cat >"$dir/dovecot.conf" <<CONF
# desk tests: a throwaway private Dovecot on loopback only
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
instance_name = desk-test-$port
state_dir = $dir/state
ssl = no
disable_plaintext_auth = no
auth_mechanisms = $mechanisms
# a refused login answers at once (Dovecot waits 2 s by default): tests of refused tokens
auth_failure_delay = 0 secs
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
imap_idle_notify_interval = 1 secs
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
$oauth_passdb
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/mail/%u
}
mail_location = maildir:$dir/mail/%u/Maildir
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service stats {
  unix_listener stats-reader {
    user = $user
  }
  unix_listener stats-writer {
    user = $user
  }
}
CONF
    mkdir -p "$dir/state"
    if [ "$(id -u)" = 0 ]; then chown -R "$user:$group" "$dir"; chmod 755 "$dir"; fi
    # The daemon must not keep the caller's stdout/stderr open (a test waits for their end).
    /usr/sbin/dovecot -c "$dir/dovecot.conf" </dev/null >/dev/null 2>"$dir/start.err" || {
        cat "$dir/start.err" >&2
        exit 1
    }
}

stop() {
    local dir=$1
    [ -f "$dir/dovecot.conf" ] && /usr/sbin/dovecot -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
}

case "${1:-install}" in
    install) install ;;
    start) start "$2" "$3" "${4:-}" ;;
    stop) stop "$2" ;;
    *) echo "usage: $0 [install | start DIR PORT [OAUTH_URL] | stop DIR]" >&2; exit 2 ;;
esac
