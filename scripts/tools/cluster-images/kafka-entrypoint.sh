#!/bin/bash
# One Kafka node in KRaft mode (broker and controller in one process), for a local cluster.
# Formats the storage on first start, then runs the broker in the foreground. Runs as any uid
# that can write KAFKA_DATA_DIR; nothing else is written (readOnlyRootFilesystem works).
#
# Env (defaults in brackets):
#   KAFKA_DATA_DIR         the one writable volume [/var/lib/kafka]; holds data/ (log.dirs),
#                          tmp/ (java.io.tmpdir: the compression codecs unpack native code there)
#                          and server.properties (written again at every start)
#   KAFKA_NODE_ID          node.id [1]
#   KAFKA_ADVERTISED_HOST  the host clients are told to connect to, e.g. the Service's DNS name
#                          [127.0.0.1]
#   KAFKA_PORT             client listener (PLAINTEXT) [9092], bound on KAFKA_LISTEN_HOST [0.0.0.0]
#   KAFKA_CONTROLLER_PORT  controller listener [9093], bound on 127.0.0.1 only (one node)
#   KAFKA_CLUSTER_ID       cluster id used by the first format [random]
#   KAFKA_HEAP_OPTS        [-Xms256m -Xmx512m];  KAFKA_JAVA_OPTS  more JVM flags []
#   KAFKA_CFG_<NAME>       any other broker setting: KAFKA_CFG_NUM_PARTITIONS=3 -> num.partitions=3
#   KAFKA_FORMAT_ARGS      more arguments of the first format, e.g. SCRAM users:
#                          --add-scram SCRAM-SHA-512=[name=alice,password=...] (no spaces inside one)
set -euo pipefail

KAFKA_HOME=/opt/kafka
data_root="${KAFKA_DATA_DIR:-/var/lib/kafka}"
node_id="${KAFKA_NODE_ID:-1}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
logs="$data_root/data" tmp="$data_root/tmp" conf="$data_root/server.properties"

mkdir -p "$logs" "$tmp" || { echo "kafka-entrypoint: cannot write $data_root (uid $(id -u)): mount a writable volume there" >&2; exit 1; }

{
  echo "# written by kafka-entrypoint at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "process.roles=broker,controller"
  echo "node.id=$node_id"
  echo "controller.quorum.bootstrap.servers=127.0.0.1:$cport"
  echo "listeners=PLAINTEXT://${KAFKA_LISTEN_HOST:-0.0.0.0}:$port,CONTROLLER://127.0.0.1:$cport"
  echo "advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST:-127.0.0.1}:$port"
  echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  echo "controller.listener.names=CONTROLLER"
  echo "inter.broker.listener.name=PLAINTEXT"
  echo "log.dirs=$logs"
  echo "num.partitions=1"
  echo "offsets.topic.replication.factor=1"
  echo "share.coordinator.state.topic.replication.factor=1"
  echo "share.coordinator.state.topic.min.isr=1"
  echo "transaction.state.log.replication.factor=1"
  echo "transaction.state.log.min.isr=1"
  echo "min.insync.replicas=1"
  echo "default.replication.factor=1"
  echo "group.initial.rebalance.delay.ms=0"
  # KAFKA_CFG_FOO_BAR=x -> foo.bar=x (a later line wins over the defaults above)
  while IFS='=' read -r name value; do
    key="${name#KAFKA_CFG_}"; key="${key,,}"; echo "${key//_/.}=$value"
  done < <(env | grep '^KAFKA_CFG_[A-Z0-9_]*=' || true)
} > "$conf"

# shellcheck disable=SC2206 # word splitting of the *_OPTS is wanted
java_opts=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError
  "-Djava.io.tmpdir=$tmp" "-Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.properties"
  ${KAFKA_JAVA_OPTS:-} -cp "$KAFKA_HOME/libs/*")

if [ ! -f "$logs/meta.properties" ]; then
  # A cluster id is 16 random bytes, base64url without padding (what StorageTool random-uuid prints).
  id="${KAFKA_CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}"
  echo "kafka-entrypoint: formatting $logs (node $node_id, cluster id $id)" >&2
  # shellcheck disable=SC2206 # one word per argument, as documented above
  format_args=(${KAFKA_FORMAT_ARGS:-})
  java "${java_opts[@]}" kafka.tools.StorageTool format --standalone -t "$id" -c "$conf" --ignore-formatted \
    "${format_args[@]}" >&2
fi
echo "kafka-entrypoint: starting node $node_id, clients on :$port (advertised ${KAFKA_ADVERTISED_HOST:-127.0.0.1}:$port)" >&2
exec java "${java_opts[@]}" kafka.Kafka "$conf"
