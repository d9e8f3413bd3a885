"""The app's dashboards: service overview (RED per route) and event pipeline."""

from __future__ import annotations

from typing import Any

from builders import (
    CONSUMER,
    CT,
    DLQ,
    MR,
    NAMESPACE,
    NS,
    ROUTE,
    USER_TOPICS,
    Layout,
    dapr_rates,
    dashboard,
    quantile,
    query_var,
    sel,
    stat,
    sum_rate,
    timeseries,
)


def service_overview() -> dict[str, Any]:
    http, dur = "todo_http_requests_total", "todo_http_request_duration_seconds"
    api_rate = sel("namespace:todo_api_http_requests:rate5m")
    p = Layout()
    p.row("API at a glance (/api routes)")
    p.add(stat("API requests/s", f"sum({api_rate})", "reqps"), 6, 4)
    p.add(
        stat(
            "API 5xx ratio",
            f"sum({sel('namespace:todo_api_http_errors:rate5m')}) / sum({api_rate})",
            "percentunit",
            "Alerts at 1% (ticket) and 5% (page): TodoApiErrorRateHigh.",
            warn=0.01,
            crit=0.05,
        ),
        6,
        4,
    )
    p95 = sel("namespace:todo_api_http_request_duration_seconds:p95_5m")
    p.add(
        stat("API p95 latency", f"max({p95})", "s", "TodoApiLatencyHigh: 200 ms.", 0.1, 0.2), 6, 4
    )
    p.add(stat("Open WebSockets", f"sum({sel('todo_ws_connections')})"), 6, 4)

    p.row("Rate per route (every role: the api, and the workers' Dapr callbacks)")
    p.add(
        timeseries(
            "Requests/s by route", (sum_rate(http, "method, route", ROUTE), MR), unit="reqps"
        )
    )
    p.add(
        timeseries(
            "Responses/s by status",
            (sum_rate(http, "status", ROUTE), "{{status}}"),
            unit="reqps",
            stack=True,
        )
    )

    p.row("Errors per route")
    e5, e4 = f'{ROUTE}, status=~"5.."', f'{ROUTE}, status=~"4.."'
    p.add(
        timeseries(
            "5xx/s by route",
            (sum_rate(http, "method, route, status", e5), f"{MR} {{{{status}}}}"),
            unit="reqps",
            description="A worker's 500 on /events/{topic} is a RETRY answer to Dapr.",
        ),
        8,
    )
    ratio = f"{sum_rate(http, 'method, route', e5)} / {sum_rate(http, 'method, route', ROUTE)}"
    p.add(timeseries("5xx ratio by route", (ratio, MR), unit="percentunit"), 8)
    p.add(
        timeseries(
            "4xx/s by route",
            (sum_rate(http, "method, route, status", e4), f"{MR} {{{{status}}}}"),
            unit="reqps",
        ),
        8,
    )

    p.row("Duration per route")
    for q in (0.5, 0.95, 0.99):
        p.add(
            timeseries(
                f"p{int(q * 100)} duration by route",
                (quantile(q, f"{dur}_bucket", "method, route, le", ROUTE), MR),
                unit="s",
                threshold=0.2 if q == 0.95 else None,
            ),
            8,
        )
    mean = f"{sum_rate(f'{dur}_sum', 'method, route', ROUTE)} / "
    mean += sum_rate(f"{dur}_count", "method, route", ROUTE)
    p.add(timeseries("Mean duration by route", (mean, MR), unit="s"), 24)

    p.row("Tasks and live updates")
    p.add(
        timeseries(
            "Tasks per minute",
            *[
                (f"{sum_rate(f'todo_tasks_{k}_total')} * 60", k)
                for k in ("created", "completed", "deleted")
            ],
        ),
        8,
    )
    p.add(
        timeseries(
            "Open WebSocket connections by pod",
            (f"sum by (pod) ({sel('todo_ws_connections')})", "{{pod}}"),
            stack=True,
        ),
        8,
    )
    p.add(
        timeseries("WebSocket messages sent/s", (sum_rate("todo_ws_messages_sent_total"), "sent")),
        8,
    )
    p.add(
        timeseries(
            "Scrape targets up by job",
            (f"sum by (job) ({sel('up')})", "{{job}}"),
            description="Every role and every daprd is a target: a drop means a pod is gone.",
        ),
        24,
        6,
    )
    return dashboard(
        "todo-service-overview",
        "Todo / Service overview",
        "RED per route for every role: request rate, errors, duration; tasks and WebSockets.",
        p,
        [NAMESPACE, query_var("route", "Route", "todo_http_requests_total", NS)],
    )


def event_pipeline() -> dict[str, Any]:
    handled = "todo_events_handled_total"
    p = Layout()
    p.row("Outbox and relay (api)")
    oldest = sel("namespace:todo_outbox_oldest_age_seconds:max")
    note = "TodoOutboxStale: above 30 s for 1 minute (ticket), 300 s for 5 minutes (page)."
    p.add(stat("Oldest unpublished outbox row", f"max({oldest})", "s", note, 30, 300), 6, 4)
    p.add(stat("Outbox pending rows", f"max({sel('namespace:todo_outbox_pending:max')})"), 6, 4)
    failures = sel("namespace:todo_outbox_publish_failures:rate5m")
    p.add(stat("Publish failures/s", f"sum({failures})", warn=0.001), 6, 4)
    note = (
        "Every source: Kafka .dlq offsets (Kafka's namespace), daprd drops, the embedded counter."
        " One cluster dead letter counts twice (Kafka and daprd). TodoEventsDeadLettered."
    )
    p.add(
        stat(
            "Dead letters (10 min)", "sum(todo:dead_letters:increase10m)", "short", note, crit=0.5
        ),
        6,
        4,
    )
    p.add(
        timeseries(
            "Oldest pending row age",
            (f"max by (namespace) ({sel('todo_outbox_oldest_age_seconds')})", "{{namespace}}"),
            unit="s",
            threshold=30,
        ),
        8,
    )
    p.add(
        timeseries(
            "Pending outbox rows",
            (f"max by (namespace) ({sel('todo_outbox_pending')})", "{{namespace}}"),
        ),
        8,
    )
    relay = "todo_relay_publish_duration_seconds_bucket"
    p.add(
        timeseries(
            "Relay batch publish duration",
            *[(quantile(q, relay, "le"), f"p{int(q * 100)}") for q in (0.5, 0.95)],
            unit="s",
        ),
        8,
    )
    p.add(
        timeseries(
            "Published/s by topic",
            (sum_rate("todo_outbox_published_total", "topic"), "{{topic}}"),
            stack=True,
        )
    )
    p.add(
        timeseries(
            "Publish failures/s",
            (sum_rate("todo_outbox_publish_failures_total"), "failures"),
            description="The relay retries with backoff; each failed batch counts once.",
        )
    )

    p.row("Consumers")
    p.add(
        timeseries(
            "Handled/s by consumer and outcome",
            (sum_rate(handled, "consumer, topic, outcome", CONSUMER), f"{CT} {{{{outcome}}}}"),
        )
    )
    p.add(
        timeseries(
            "Failed/s by consumer",
            (sum_rate(handled, "consumer, topic", f'{CONSUMER}, outcome="failed"'), CT),
            description="A failure answers RETRY to Dapr; after the retries it is dead-lettered.",
        )
    )
    p.add(
        timeseries(
            "Event age at consumption p95 by consumer",
            (quantile(0.95, "todo_event_age_seconds_bucket", "consumer, topic, le", CONSUMER), CT),
            unit="s",
            description="Now minus the event's timestamp. TodoConsumerEventAgeHigh above 5 s.",
            threshold=5,
        )
    )
    handling = "todo_event_handling_duration_seconds_bucket"
    p.add(
        timeseries(
            "Handling duration p95 by consumer",
            (quantile(0.95, handling, "consumer, topic, le", CONSUMER), CT),
            unit="s",
        )
    )
    p.add(
        timeseries(
            "Consumer group lag (Kafka)",
            (
                f"sum by (consumergroup, topic) ({sel('kafka_consumergroup_lag', USER_TOPICS)})",
                "{{consumergroup}} {{topic}}",
            ),
            description="Kafka Exporter. A group per service (its app id), one per realtime pod.",
        )
    )
    p.add(
        timeseries(
            "Dapr deliveries/s by status",
            *dapr_rates("dapr_component_pubsub_ingress", "event_count", "process_status"),
            description=(
                "What daprd did with each message: success, retry, drop (dead-lettered). Bulk "
                "subscriptions (every consumer but realtime) report per entry, in upper case."
            ),
        )
    )

    p.row("Dead letters")
    p.add(
        timeseries(
            "Dead letters in the last 10 minutes by source",
            ("sum by (source, topic) (todo:dead_letters:increase10m)", "{{source}} {{topic}}"),
        ),
        8,
    )
    end = f"sum by (topic) ({sel('kafka_topic_partition_current_offset', DLQ)})"
    start = f"sum by (topic) ({sel('kafka_topic_partition_oldest_offset', DLQ)})"
    p.add(
        timeseries(
            "Messages kept on .dlq topics",
            (f"{end} - {start}", "{{topic}}"),
            description="End offset minus oldest retained offset: what a replay would read.",
        ),
        8,
    )
    p.add(
        timeseries(
            "Dead-lettered total (embedded mode)",
            (f"sum by (consumer, topic) ({sel('todo_events_dead_lettered_total')})", CT),
        ),
        8,
    )
    return dashboard(
        "todo-event-pipeline",
        "Todo / Event pipeline",
        "Outbox and relay, consumers (handled, failed, event age, lag), dead letters.",
        p,
        [NAMESPACE, query_var("consumer", "Consumer", "todo_events_handled_total", NS)],
    )
