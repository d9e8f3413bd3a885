"""Reminders (and their Dapr timers), and Kafka + Dapr health."""

from __future__ import annotations

from typing import Any

from builders import (
    NAMESPACE,
    NS,
    USER_TOPICS,
    Layout,
    dapr_p95,
    dapr_rates,
    dashboard,
    heatmap,
    quantile,
    sel,
    stat,
    sum_rate,
    timeseries,
)


def reminders() -> dict[str, Any]:
    lat = "todo_reminder_lateness_seconds_bucket"
    p = Layout()
    p.row("Reminders")
    for title, metric in (("Scheduled", "scheduled"), ("Fired", "fired")):
        increase = f"sum(increase({sel(f'todo_reminders_{metric}_total')}[1h]))"
        p.add(stat(f"{title} (1 h)", increase), 6, 4)
    p95 = sel("namespace:todo_reminder_lateness_seconds:p95_10m")
    p.add(stat("Lateness p95 (10 min)", f"max({p95})", "s", warn=2, crit=60), 6, 4)
    late = sel("namespace:todo_reminders_late:increase10m")
    p.add(
        stat("Fired > 60 s late (10 min)", f"sum({late})", "short", "TodoReminderLate.", crit=0.5),
        6,
        4,
    )
    p.add(
        timeseries(
            "Scheduled and fired per minute",
            (f"{sum_rate('todo_reminders_scheduled_total')} * 60", "scheduled (timer set)"),
            (f"{sum_rate('todo_reminders_fired_total', 'via')} * 60", "fired by {{via}}"),
            description=(
                "A reminder fires by its Dapr job; `sweep` means the job was lost or the "
                "reminders service was down when it was due (the cron sweep caught it up)."
            ),
        )
    )
    p.add(
        timeseries(
            "Lateness (after remind_at)",
            *[(quantile(q, lat, "le", NS, "10m"), f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)],
            unit="s",
            description="10-minute windows: reminders are sparse.",
            threshold=60,
        )
    )
    p.add(heatmap("Lateness distribution", f"sum by (le) (increase({sel(lat)}[$__rate_interval]))"))
    p.add(
        timeseries(
            "Notifications sent per minute by channel",
            (f"{sum_rate('todo_notifications_sent_total', 'channel')} * 60", "{{channel}}"),
        )
    )

    p.row("Timers: Dapr jobs and the sweep")
    p.add(
        timeseries(
            "Job callbacks per minute (reminders' daprd)",
            (
                f"{sum_rate('dapr_component_job_latencies_count', 'app_id, success')} * 60",
                "{{app_id}} success={{success}}",
            ),
        ),
        8,
    )
    p.add(
        timeseries(
            "Job callback duration p95",
            (quantile(0.95, "dapr_component_job_latencies_bucket", "app_id, le"), "{{app_id}}"),
            unit="ms",
        ),
        8,
    )
    p.add(
        timeseries(
            "Sweep runs per minute (cron binding)",
            (
                f"{sum_rate('dapr_component_input_binding_count', 'component, success')} * 60",
                "{{component}} success={{success}}",
            ),
        ),
        8,
    )
    p.add(
        timeseries(
            "Scheduler jobs per minute",
            *[
                (f"{sum_rate(f'dapr_scheduler_jobs_{k}_total', selector='')} * 60", k)
                for k in ("created", "triggered", "deleted")
            ],
            description="The Dapr scheduler (dapr-system): every app's jobs, not only reminders'.",
        )
    )
    trigger = "dapr_scheduler_trigger_latency_bucket"
    p.add(
        timeseries(
            "Scheduler trigger latency p95",
            (quantile(0.95, trigger, "type, le", ""), "{{type}}"),
            unit="ms",
        )
    )
    return dashboard(
        "todo-reminders",
        "Todo / Reminders",
        "Reminders scheduled and fired, lateness, notifications; Dapr jobs and the sweep.",
        p,
        [NAMESPACE],
    )


def kafka_dapr() -> dict[str, Any]:
    p = Layout()
    p.row("Kafka (Strimzi Kafka Exporter)")
    urp = "kafka_topic_partition_under_replicated_partition"
    isr = sel("kafka_topic_partition_in_sync_replica", USER_TOPICS)
    p.add(stat("Brokers", "max(kafka_brokers)"), 6, 4)
    p.add(
        stat("Under-replicated partitions", f"sum({urp})", "short", "After 5 min: page.", crit=0.5),
        6,
        4,
    )
    p.add(stat("Min in-sync replicas", f"min({isr})"), 6, 4)
    groups = "count(count by (consumergroup) (kafka_consumergroup_members))"
    p.add(stat("Consumer groups", groups), 6, 4)
    offsets = "kafka_topic_partition_current_offset"
    p.add(
        timeseries(
            "Messages in/s by topic", (sum_rate(offsets, "topic", USER_TOPICS), "{{topic}}")
        ),
        8,
    )
    p.add(
        timeseries(
            "Under-replicated partitions by topic", (f"sum by (topic) ({urp})", "{{topic}}")
        ),
        8,
    )
    p.add(
        timeseries("In-sync replicas (min) by topic", (f"min by (topic) ({isr})", "{{topic}}")), 8
    )
    lag = f"sum by (consumergroup, topic) ({sel('kafka_consumergroup_lag', USER_TOPICS)})"
    p.add(timeseries("Consumer group lag", (lag, "{{consumergroup}} {{topic}}")))
    members = "sum by (consumergroup) (kafka_consumergroup_members)"
    p.add(timeseries("Consumer group members", (members, "{{consumergroup}}")))

    p.row("Dapr sidecars (daprd)")
    p.add(
        timeseries(
            "Sidecar HTTP requests/s by app and status",
            (sum_rate("dapr_http_server_request_count", "app_id, status"), "{{app_id}} {{status}}"),
            unit="reqps",
        )
    )
    p.add(
        timeseries(
            "Sidecar HTTP p95 by app",
            (quantile(0.95, "dapr_http_server_latency_bucket", "app_id, le"), "{{app_id}}"),
            unit="ms",
        )
    )
    egress = "dapr_component_pubsub_egress"
    p.add(
        timeseries(
            "Publishes/s by app, topic, success",
            *dapr_rates(egress, "count", "success"),
            description="The api's relay bulk-publishes; reminders and notifier publish singly.",
        )
    )
    p.add(timeseries("Publish latency p95", *dapr_p95(egress), unit="ms"))
    ingress = "dapr_component_pubsub_ingress"
    p.add(
        timeseries(
            "Deliveries/s by app, topic, status",
            *dapr_rates(ingress, "event_count", "process_status"),
        )
    )
    p.add(
        timeseries(
            "Delivery latency p95 (the app's handling, seen by daprd)",
            *dapr_p95(ingress),
            unit="ms",
            description="A bulk call's latency covers its whole batch.",
        )
    )
    p.add(
        timeseries(
            "Resiliency policy activations/s",
            (
                sum_rate("dapr_resiliency_activations_total", "app_id, policy, target"),
                "{{app_id}} {{policy}} {{target}}",
            ),
            description="Retries, timeouts and circuit breakers that acted after a failure.",
        ),
        8,
    )
    open_cb = sel("dapr_resiliency_cb_state", f'{NS}, status="open"')
    p.add(
        timeseries(
            "Open circuit breakers",
            (f"sum by (app_id, target) ({open_cb})", "{{app_id}} -> {{target}}"),
        ),
        8,
    )
    loaded = f"sum by (app_id) ({sel('dapr_runtime_component_loaded')})"
    p.add(timeseries("Components loaded by app", (loaded, "{{app_id}}")), 8)
    invocation = "dapr_runtime_service_invocation_res_recv"
    p.add(
        timeseries(
            "Service invocation responses/s by caller and status",
            (sum_rate(f"{invocation}_total", "app_id, status"), "{{app_id}} {{status}}"),
            description="recurrence -> api (next occurrence), api -> audit (history).",
        ),
        8,
    )
    p.add(
        timeseries(
            "Service invocation latency p95",
            (quantile(0.95, f"{invocation}_latency_ms_bucket", "app_id, le"), "{{app_id}}"),
            unit="ms",
        ),
        8,
    )
    p.add(
        timeseries(
            "State store operations/s",
            (
                sum_rate("dapr_component_state_count", "app_id, operation, success"),
                "{{app_id}} {{operation}} ok={{success}}",
            ),
            description="Dedupe and reminder-sent markers (state.postgresql).",
        ),
        8,
    )
    connected = ("sum(dapr_scheduler_sidecars_connected)", "sidecars")
    p.add(timeseries("Sidecars connected to the scheduler", connected), 24, 6)
    return dashboard(
        "todo-kafka-dapr",
        "Todo / Kafka and Dapr health",
        "Kafka brokers, replication and consumer lag (Kafka Exporter); every daprd sidecar.",
        p,
        [NAMESPACE],
    )
