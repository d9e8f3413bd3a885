#!/bin/sh
# kafka-topics, as Kafka's own script runs it (org.apache.kafka.tools.TopicCommand), with the
# broker's jars plus kafka-tools (alone, without its Kafka Connect dependencies).
exec java -Xmx128m -XX:-UsePerfData -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties \
  -cp '/opt/kafka/libs/*:/opt/kafka/tools-libs/*' org.apache.kafka.tools.TopicCommand "$@"
