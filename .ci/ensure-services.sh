#!/usr/bin/env bash
# Make sure the services the integration and e2e tiers use are up; start the ones that are not.
# The test tiers themselves start what is theirs (Celery workers, the HTTP server, fake upstreams).
set -euo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port, name: poll until the port accepts connections (bounded)
  for _ in $(seq 1 100); do up "$1" && return 0; sleep 0.2; done
  echo "ensure-services: $2 did not come up on 127.0.0.1:$1" >&2; return 1
}

if ! up 5432; then
  echo "ensure-services: starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  fi
  wait_for 5432 PostgreSQL
fi

if ! up 6379; then
  echo "ensure-services: starting Redis"
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp --logfile /tmp/llmops-redis.log
  fi
  wait_for 6379 Redis
fi
echo "ensure-services: PostgreSQL :5432 and Redis :6379 are up"
