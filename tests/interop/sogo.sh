#!/usr/bin/env bash
# SOGo's ActiveSync server on loopback, from Debian packages, as a real test server.
#
#   tests/interop/sogo.sh up      install (unless SKIP_INSTALL=1), configure, start, seed, wait
#   tests/interop/sogo.sh down    stop everything this script started
#
# Everything lives in $EASYNC_SOGO_DIR (default /tmp/easync-sogo); nothing in /etc is edited.
# EAS:  http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync, Basic bob:bob-pass
# Seed (bob): INBOX with 4 mails, folders Archive, Projects, Projects/Alpha; contacts Alice
# Example and Carol Sample; events on 2027-01-15/16; one task. Facts: ../shared/sogo/NOTES.md.
# Runs as root (it starts daemons as postgres, sogo, memcache, nobody). Test data only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIR=${EASYNC_SOGO_DIR:-/tmp/easync-sogo}
SOGO_PORT=${SOGO_PORT:-20000}; IMAP_PORT=${IMAP_PORT:-20143}; PG_PORT=${PG_PORT:-20432}
MC_PORT=${MC_PORT:-20211}; SMTP_PORT=${SMTP_PORT:-20025}
PY=/usr/bin/python3
export SOGO_PORT IMAP_PORT SMTP_PORT DIR

log() { echo "sogo.sh: $*" >&2; }

down() {
  [ -d "$DIR/run" ] || return 0
  for f in sogod smtp memcached; do
    [ -s "$DIR/run/$f.pid" ] || continue
    pid=$(cat "$DIR/run/$f.pid")
    # sogod's idle workers ignore TERM: TERM the watchdog, KILL its children.
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    kill "$pid" 2>/dev/null || true
    [ -n "$kids" ] && kill -9 $kids 2>/dev/null || true
    rm -f "$DIR/run/$f.pid"
  done
  if [ -s "$DIR/run/dovecot/master.pid" ]; then kill "$(cat "$DIR/run/dovecot/master.pid")" 2>/dev/null || true; fi
  if [ -d "$DIR/pgdata" ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups \
      /usr/lib/postgresql/15/bin/pg_ctl -D "$DIR/pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  sleep 1
}

install_packages() {
  [ "${SKIP_INSTALL:-0}" = 1 ] && return 0
  local guard=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  for i in 1 2 3; do apt-get update -qq && break; sleep 5; done
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    sogo sogo-activesync dovecot-imapd memcached postgresql curl iproute2 >/dev/null
  [ "$guard" = 1 ] && rm -f /usr/sbin/policy-rc.d
  # Package scripts may have started system instances despite the guard on some images.
  pkill -x sogod 2>/dev/null || true
}

start_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  install -d -o postgres -m 0700 "$DIR/pgdata"; install -d -o postgres "$DIR/run/pg"
  touch "$DIR/logs/postgresql.log"; chown postgres "$DIR/logs/postgresql.log"
  local as_pg="setpriv --reuid=postgres --regid=postgres --init-groups"
  $as_pg $bin/initdb -D "$DIR/pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  $as_pg $bin/pg_ctl -D "$DIR/pgdata" -l "$DIR/logs/postgresql.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$DIR/run/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  local psql="$as_pg /usr/bin/psql -h 127.0.0.1 -p $PG_PORT -U postgres -q -v ON_ERROR_STOP=1"
  $psql -c "CREATE ROLE sogo LOGIN PASSWORD 'sogo'" -c "CREATE DATABASE sogo OWNER sogo" >/dev/null
  $as_pg /usr/bin/psql -h 127.0.0.1 -p "$PG_PORT" -U sogo -d sogo -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE sogo_users (c_uid varchar(128) PRIMARY KEY, c_name varchar(128) NOT NULL,
  c_password varchar(256) NOT NULL, c_cn varchar(256), mail varchar(256));
INSERT INTO sogo_users VALUES ('bob','bob','bob-pass','Bob Tester','bob@example.test'),
                              ('alice','alice','alice-pass','Alice Example','alice@example.test');
SQL
}

start_dovecot() {
  install -d "$DIR/gen/dovecot" "$DIR/run/dovecot" "$DIR/run/dovecot-state"
  install -d -o nobody -g nogroup "$DIR/mail"
  printf 'bob:bob-pass::::::\nalice:alice-pass::::::\n' >"$DIR/gen/dovecot/users"
  cat >"$DIR/gen/dovecot/dovecot.conf" <<CONF
instance_name = easync-sogo-dovecot
base_dir = $DIR/run/dovecot
state_dir = $DIR/run/dovecot-state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $DIR/logs/dovecot.log
mail_location = maildir:~/Maildir
mail_plugins = acl
first_valid_uid = 1
imap_max_line_length = 2M
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/gen/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/gen/dovecot/users
  default_fields = uid=nobody gid=nogroup home=$DIR/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Templates {
    auto = subscribe
  }
}
protocol imap {
  mail_plugins = \$mail_plugins imap_acl
}
CONF
  dovecot -c "$DIR/gen/dovecot/dovecot.conf" </dev/null >>"$DIR/logs/dovecot.start.log" 2>&1
}

start_sogo() {
  install -d -o sogo "$DIR/home/GNUstep/Defaults" "$DIR/run/sogo"; install -d "$DIR/gen/sogo"
  touch "$DIR/logs/sogo.log"; chown sogo "$DIR/logs/sogo.log"; chown -R sogo "$DIR/home"
  sed '/^GNUSTEP_USER_DEFAULTS_DIR/d' /etc/GNUstep/GNUstep.conf >"$DIR/gen/sogo/GNUstep.conf"
  echo "GNUSTEP_USER_DEFAULTS_DIR=$DIR/home/GNUstep/Defaults" >>"$DIR/gen/sogo/GNUstep.conf"
  local pg="postgresql://sogo:sogo@127.0.0.1:$PG_PORT/sogo"
  cat >"$DIR/home/GNUstep/Defaults/sogod.plist" <<PLIST
{
  WOPort = "127.0.0.1:$SOGO_PORT"; WOWorkersCount = 5; WOWatchDogRequestTimeout = 10;
  WOLogFile = "$DIR/logs/sogo.log"; WOPidFile = "$DIR/run/sogo/sogo.pid"; WONoDetach = YES;
  SOGoProfileURL = "$pg/sogo_user_profile"; OCSFolderInfoURL = "$pg/sogo_folder_info";
  OCSSessionsFolderURL = "$pg/sogo_sessions_folder"; OCSEMailAlarmsFolderURL = "$pg/sogo_alarms_folder";
  OCSStoreURL = "$pg/sogo_store"; OCSAclURL = "$pg/sogo_acl"; OCSCacheFolderURL = "$pg/sogo_cache_folder";
  SOGoUserSources = ({ type = sql; id = users; viewURL = "$pg/sogo_users"; canAuthenticate = YES;
    isAddressBook = YES; displayName = "Test users"; userPasswordAlgorithm = plain; });
  SOGoIMAPServer = "imap://127.0.0.1:$IMAP_PORT"; SOGoSieveServer = "sieve://127.0.0.1:1";
  SOGoSieveScriptsEnabled = NO; SOGoVacationEnabled = NO; SOGoForwardEnabled = NO;
  SOGoIMAPAclConformsToIMAPExt = YES; NGImap4ConnectionStringSeparator = "/";
  SOGoDraftsFolderName = Drafts; SOGoSentFolderName = Sent; SOGoTrashFolderName = Trash;
  SOGoJunkFolderName = Junk; SOGoTemplatesFolderName = Templates;
  SOGoMailingMechanism = smtp; SOGoSMTPServer = "smtp://127.0.0.1:$SMTP_PORT";
  SOGoMailDomain = "example.test"; SOGoMemcachedHost = "127.0.0.1:$MC_PORT";
  SOGoTimeZone = UTC; SOGoLanguage = English; SOGoAppointmentSendEMailNotifications = NO;
  SOGoEnableEMailAlarms = NO; SOGoMailAuxiliaryUserAccountsEnabled = NO; SOGoPasswordChangeEnabled = NO;
  SOGoEASDebugEnabled = ${SOGO_EAS_DEBUG:-NO}; SOGoMaximumPingInterval = 300;
  SOGoMaximumSyncInterval = 300; SOGoInternalSyncInterval = 5;
}
PLIST
  chown sogo "$DIR/home/GNUstep/Defaults/sogod.plist"
  setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$DIR/home" \
    GNUSTEP_CONFIG_FILE="$DIR/gen/sogo/GNUstep.conf" \
    setpriv --reuid=sogo --regid=sogo --init-groups /usr/sbin/sogod \
    </dev/null >>"$DIR/logs/sogod.out" 2>&1 &
  echo $! >"$DIR/run/sogod.pid"
}

wait_ready() {
  local url="http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=bob&DeviceId=readyprobe&DeviceType=probe"
  for i in $(seq 120); do
    code=$(printf '\x03\x01\x6a\x00\x00\x07\x56\x52\x03\x30\x00\x01\x01' | curl -s -o "$DIR/run/probe.out" -w '%{http_code}' \
      -u bob:bob-pass -H 'MS-ASProtocolVersion: 14.1' -H 'Content-Type: application/vnd.ms-sync.wbxml' \
      --data-binary @- "$url" || true)
    if [ "$code" = 200 ] && head -c1 "$DIR/run/probe.out" | od -An -tx1 | grep -q 03; then return 0; fi
    sleep 0.5
  done
  log "SOGo did not answer a FolderSync in 60 s; see $DIR/logs/sogo.log"; return 1
}

up() {
  case "$DIR" in /root/*) log "put EASYNC_SOGO_DIR where postgres/sogo/nobody can reach it (e.g. /tmp)"; exit 1;; esac
  down
  install_packages
  rm -rf "$DIR"; install -d -m 0755 "$DIR" "$DIR/logs" "$DIR/run" "$DIR/gen"
  start_postgres
  install -d -o memcache "$DIR/run/mc"
  setsid setpriv --reuid=memcache --regid=memcache --init-groups memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 \
    </dev/null >>"$DIR/logs/memcached.log" 2>&1 &
  echo $! >"$DIR/run/memcached.pid"
  $PY "$here/seed.py" smtp-sink </dev/null >>"$DIR/logs/smtp.log" 2>&1 &
  echo $! >"$DIR/run/smtp.pid"
  start_dovecot
  start_sogo
  wait_ready
  $PY "$here/seed.py" seed >>"$DIR/logs/seed.log" 2>&1 || { log "seeding failed; see $DIR/logs/seed.log"; cat "$DIR/logs/seed.log" >&2; exit 1; }
  log "up: http://127.0.0.1:$SOGO_PORT/SOGo/Microsoft-Server-ActiveSync (bob / bob-pass)"
}

case "${1:-}" in
  up) up ;;
  down) down; log "down" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
