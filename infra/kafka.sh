#!/usr/bin/env bash
# A real single-node KRaft Kafka broker for tests and local runs, built from Maven Central jars.
#   infra/kafka.sh start|stop|status
# Everything it writes lives under .data/kafka (git-ignored). Listens on 127.0.0.1 only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kafka_version=${KAFKA_VERSION:-4.1.1}
broker_port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
state_dir=${KAFKA_STATE_DIR:-$root/.data/kafka}
# The jars are shared by every broker of the checkout, private ones included.
jars_dir="${KAFKA_JARS_DIR:-$root/.data/kafka}/lib-$kafka_version"
log_dir="$state_dir/log-$broker_port"
config_file="$state_dir/server-$broker_port.properties"
pid_file="$state_dir/broker-$broker_port.pid"
broker_log="$state_dir/broker-$broker_port.log"
ready_wait_seconds=${KAFKA_READY_WAIT_SECONDS:-90}
stop_wait_seconds=30

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

fetch_jars() {
  [ -f "$jars_dir/.complete" ] && return 0
  echo "kafka: collecting kafka_2.13 $kafka_version jars from Maven Central into $jars_dir"
  mkdir -p "$jars_dir"
  KAFKA_VERSION="$kafka_version" mvn -q -B -f "$root/infra/kafka/pom.xml" \
    dependency:copy-dependencies -DoutputDirectory="$jars_dir"
  touch "$jars_dir/.complete"
}

write_config() {
  mkdir -p "$log_dir"
  cat >"$config_file" <<CONFIG
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$log_dir
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.retention.hours=24
CONFIG
}

format_storage() {
  [ -f "$log_dir/meta.properties" ] && return 0
  local cluster_id
  cluster_id=$(java -cp "$jars_dir/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  java -cp "$jars_dir/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$config_file" --ignore-formatted >/dev/null
}

start() {
  if pid=$(running_pid); then
    echo "kafka: already running (pid $pid) on 127.0.0.1:$broker_port"
    return 0
  fi
  if port_open "$broker_port"; then
    echo "kafka: something else already listens on 127.0.0.1:$broker_port; using it as is"
    return 0
  fi
  fetch_jars
  write_config
  format_storage
  echo "kafka: starting broker $kafka_version on 127.0.0.1:$broker_port"
  nohup java -Xms256m -Xmx512m -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$root/infra/kafka/log4j2.properties" \
    -cp "$jars_dir/*" kafka.Kafka "$config_file" >"$broker_log" 2>&1 &
  echo $! >"$pid_file"
  local waited=0
  until port_open "$broker_port"; do
    if ! running_pid >/dev/null; then
      echo "kafka: broker exited during start-up; last lines of $broker_log:" >&2
      tail -n 30 "$broker_log" >&2
      exit 1
    fi
    if [ "$waited" -ge "$ready_wait_seconds" ]; then
      echo "kafka: not ready after ${ready_wait_seconds}s; see $broker_log" >&2
      stop
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "kafka: ready after ${waited}s (pid $(cat "$pid_file"))"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    echo "kafka: not running"
    rm -f "$pid_file"
    return 0
  fi
  kill "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$stop_wait_seconds" ]; then
      echo "kafka: broker did not stop in ${stop_wait_seconds}s; killing it"
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$pid_file"
  echo "kafka: stopped (pid $pid)"
}

status() {
  if pid=$(running_pid); then
    echo "kafka: running (pid $pid) on 127.0.0.1:$broker_port"
  else
    echo "kafka: not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: infra/kafka.sh start|stop|status" >&2; exit 2 ;;
esac
