"""One Kafka 4 broker in KRaft mode (broker + controller in one JVM) on loopback ports."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from todo.stack.errors import StackError
from todo.stack.kafka_admin import Admin, make_admin
from todo.stack.procs import Proc, port_open

# name -> partitions. task-events is keyed by task_id: 3 partitions keep one task in order
# while spreading tasks; the dead-letter topics receive what the subscriptions give up on.
TOPICS: dict[str, int] = {
    "task-events": 3,
    "reminders": 1,
    "task-updates": 1,
    "task-events.dlq": 1,
    "reminders.dlq": 1,
    "task-updates.dlq": 1,
}

# WARN for a quiet log, except the line that says the server started.
LOG4J = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


def cluster_id() -> str:
    """What `kafka-storage random-uuid` prints (base64url of 16 random bytes), without a JVM."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


class KafkaBroker:
    def __init__(self, libs: Path, root: Path, port: int, controller_port: int, log: Path) -> None:
        self.libs = libs
        self.root = root
        self.port = port
        self.controller_port = controller_port
        self.log = log
        self.bootstrap = f"127.0.0.1:{port}"
        self.properties = root / "server.properties"
        self.log4j = root / "log4j2.properties"
        classpath = f"{libs}/*"
        self.proc = Proc(
            "kafka",
            [
                "java",
                "-Xms256m",
                "-Xmx512m",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.log4j}",
                "-cp",
                classpath,
                "kafka.Kafka",
                str(self.properties),
            ],
            log=log,
            cwd=root,
            stop_timeout=30.0,
            hint=f"is port {port} or {controller_port} taken? (ss -ltnp | grep -E ':({port}|"
            f"{controller_port}) '); Kafka 4 needs Java 17+ (java -version)",
        )
        self._admin_log = root.parent / "logs" / "kafka-admin.log"
        self.admin: Admin = make_admin(libs, self.bootstrap, self._admin_log)

    def _write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        ctrl = f"127.0.0.1:{self.controller_port}"
        self.properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers={ctrl}",
                    f"listeners=PLAINTEXT://{self.bootstrap},CONTROLLER://{ctrl}",
                    f"advertised.listeners=PLAINTEXT://{self.bootstrap}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.root / 'data'}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "default.replication.factor=1",
                    "min.insync.replicas=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                    "",
                ]
            )
        )
        self.log4j.write_text(LOG4J)

    async def format(self) -> None:
        """Write the config and format the storage, once per run dir."""
        self._write_config()
        if (self.root / "data" / "meta.properties").exists():
            return
        fmt = Proc(
            "kafka-format",
            [
                "java",
                f"-Dlog4j2.configurationFile={self.log4j}",
                "-cp",
                f"{self.libs}/*",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                cluster_id(),
                "-c",
                str(self.properties),
                "--ignore-formatted",
            ],
            log=self.log,
            cwd=self.root,
        )
        await fmt.start()
        code = await fmt.wait()
        if code != 0:
            raise fmt.error(f"kafka storage format failed (exit {code})")

    async def start(self, within: float = 90) -> float:
        # A fresh admin client for every start: librdkafka's did not recover from the broker
        # going away, stopped or killed (it answered nothing but errors after the restart).
        await self.admin.close()
        self.admin = make_admin(self.libs, self.bootstrap, self._admin_log)
        await self.proc.start()
        await self.proc.wait_until(port_open(self.port), what=f"port {self.port}", within=within)
        return await self.proc.wait_until(
            self.admin.ready, what="a metadata request answered", within=within
        )

    async def create_topics(self, topics: dict[str, int] | None = None) -> None:
        try:
            await self.admin.create_topics(topics or TOPICS)
        except StackError as e:
            raise self.proc.error(str(e)) from e

    async def stop(self) -> None:
        await self.proc.stop()
