#!/usr/bin/env bash
# Makes sure the services dsync's tests talk to are up: PostgreSQL, MariaDB, RabbitMQ and
# Redis on loopback. Each one that does not answer is started with this machine's command,
# then waited for; one that still does not answer fails the script, loudly, naming it.
#   scripts/services.sh        check, start what is down, wait
#   scripts/services.sh check  only report; exit 1 if any is down
set -uo pipefail

WAIT_SECONDS=${SERVICES_WAIT_SECONDS:-90}

probe_postgres() { pg_isready -q -h 127.0.0.1 -p 5432 -t 2; }
probe_mariadb() { mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
probe_redis() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
# An AMQP 0-9-1 broker answers the protocol header with a frame whose first byte is 1.
probe_rabbitmq() {
  [ "$(timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672; printf "AMQP\x00\x00\x09\x01" >&3; head -c 1 <&3 | od -An -tx1' 2>/dev/null | tr -d ' ')" = 01 ]
}

start_postgres() { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start; }
start_mariadb() { start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; }
start_rabbitmq() { rabbitmq-server -detached; }
start_redis() {
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

failed=()
for service in postgres mariadb rabbitmq redis; do
  if "probe_$service"; then
    echo "services: $service is up"
    continue
  fi
  if [ "${1:-}" = check ]; then
    echo "services: $service is DOWN" >&2
    failed+=("$service")
    continue
  fi
  echo "services: $service is down; starting it"
  "start_$service" || echo "services: the start command of $service failed" >&2
  deadline=$((SECONDS + WAIT_SECONDS))
  until "probe_$service"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "services: $service did not answer within ${WAIT_SECONDS}s" >&2
      failed+=("$service")
      break
    fi
    sleep 1
  done
  "probe_$service" && echo "services: $service is up"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "services: FAILED: ${failed[*]} not answering; the tests that need them cannot run." >&2
  exit 1
fi
