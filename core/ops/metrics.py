"""``GET /metrics``: Prometheus text exposition of the pipeline, the work queue, the outbox, the audit chain and
the HTTP requests this process served.

Two kinds of figures, chosen so that several web and worker processes (on several machines) report the truth:

- **State gauges are read from the database at scrape time** (``candor_answers``, ``candor_work_items``,
  ``candor_outbox_events``, ``candor_audit_chain_length``...). Every process answers the same numbers, so a
  scrape through any web process behind a load balancer is right, and no worker has to push anything.
- **Request metrics** (``candor_http_requests_total``, ``candor_http_request_duration_seconds``) are counted by
  the process that served the request. When ``PROMETHEUS_MULTIPROC_DIR`` names a folder (set it, empty, before
  the web server starts its processes, e.g. gunicorn), prometheus_client's multiprocess mode sums them over all
  processes of the machine; otherwise each process reports its own and Prometheus should scrape each process.

Labels are bounded: states, work kinds, Flask endpoint names (never URLs, which carry ids), methods and status
classes. No personal data is read: only counts, ages and the chain head's sequence number.

Access: clients in ``metrics_networks`` (loopback by default), or presenting ``Authorization: Metrics
<metrics_token>`` (Prometheus: ``authorization: {type: Metrics, credentials_file: ...}``), or an API token
(``Authorization: Bearer``) with the ``system:read`` scope. Prometheus has no session, so no cookie is needed.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import struct
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from candor.auth import Permission, public
from candor.config import ConfigError
from candor.db import utcnow
from candor.state import CandorState, get_state

bp = Blueprint("metrics", __name__)

#: Work-item states worth a gauge; ``done`` and ``cancelled`` only grow and are in the database for history.
WORK_STATES = ("queued", "running", "failed")
#: Outbox states worth a gauge; ``delivered`` only grows.
OUTBOX_STATES = ("pending", "held", "dead", "refused")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)

_REQUESTS = Counter("candor_http_requests", "HTTP requests served, by Flask endpoint, method and status class.",
                    ["endpoint", "method", "status"])
_LATENCY = Histogram("candor_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                     ["endpoint"], buckets=LATENCY_BUCKETS)


class PlatformCollector(Collector):
    """Gauges computed from the database when Prometheus scrapes."""

    def __init__(self, state: CandorState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("candor_database_up", "1 when this scrape could read the database.")
        started = time.perf_counter()
        try:
            families = list(self._families())
        except Exception:  # a scrape during a database outage reports the outage instead of failing
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
        took = GaugeMetricFamily("candor_metrics_query_seconds", "Time the database queries of this scrape took.")
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _families(self) -> Iterator[Metric]:
        from candor.audit.models import HEAD_ROW_ID, AuditChainHead, AuditCheckpoint
        from candor.interviews.models import Answer, Interview
        from candor.outbox.models import OutboxEvent
        from candor.tasks.models import WorkItem

        now = utcnow()
        with self.state.db.engine.connect() as connection:
            answers = GaugeMetricFamily("candor_answers", "Recorded answers by state.", labels=["state"])
            for state, count in connection.execute(select(Answer.state, func.count()).group_by(Answer.state)):
                answers.add_metric([str(state)], count)
            interviews = GaugeMetricFamily("candor_interviews", "Interviews by state.", labels=["state"])
            for state, count in connection.execute(select(Interview.state, func.count()).group_by(Interview.state)):
                interviews.add_metric([str(state)], count)

            work = GaugeMetricFamily("candor_work_items", "Units of work by kind and state (failed: gave up).",
                                     labels=["kind", "state"])
            rows = connection.execute(select(WorkItem.kind, WorkItem.state, func.count())
                                      .where(WorkItem.state.in_(WORK_STATES))
                                      .group_by(WorkItem.kind, WorkItem.state)).all()
            seen = {(kind, str(state)): count for kind, state, count in rows}
            for kind in sorted({kind for kind, _ in seen} | set(self.state.work_handlers)):
                for state in WORK_STATES:
                    work.add_metric([kind, state], seen.get((kind, state), 0))
            lag = GaugeMetricFamily("candor_work_queue_lag_seconds",
                                    "Age of the oldest unit of work that is due and not yet started, by kind.",
                                    labels=["kind"])
            due = (WorkItem.not_before.is_(None)) | (WorkItem.not_before <= now)
            oldest = dict(connection.execute(
                select(WorkItem.kind, func.min(func.coalesce(WorkItem.not_before, WorkItem.enqueued_at)))
                .where(WorkItem.state == "queued", due).group_by(WorkItem.kind)).all())
            for kind in sorted(set(oldest) | set(self.state.work_handlers)):
                lag.add_metric([kind], _age(now, oldest.get(kind)))

            outbox = GaugeMetricFamily("candor_outbox_events", "Outbox events by state (dead: dead letters).",
                                       labels=["state"])
            counts = dict(connection.execute(select(OutboxEvent.state, func.count())
                                             .where(OutboxEvent.state.in_(OUTBOX_STATES))
                                             .group_by(OutboxEvent.state)).all())
            for state in OUTBOX_STATES:
                outbox.add_metric([state], counts.get(state, 0))
            pending_since = connection.scalar(select(func.min(OutboxEvent.created_at))
                                              .where(OutboxEvent.state == "pending"))
            oldest_pending = GaugeMetricFamily("candor_outbox_oldest_pending_seconds",
                                               "Age of the oldest outbox event not yet delivered (0: none).")
            oldest_pending.add_metric([], _age(now, pending_since))

            head = connection.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == HEAD_ROW_ID))
            chain = GaugeMetricFamily("candor_audit_chain_length", "Entries in the audit hash chain (head seq).")
            chain.add_metric([], int(head or 0))
            signed = connection.execute(select(AuditCheckpoint.signed_at, AuditCheckpoint.head_seq)
                                        .order_by(AuditCheckpoint.id.desc()).limit(1)).first()
            checkpoint_age = GaugeMetricFamily(
                "candor_audit_checkpoint_age_seconds",
                "Age of the last signed audit checkpoint (-1: none yet).")
            checkpoint_age.add_metric([], _age(now, signed.signed_at) if signed else -1)
            unsigned = GaugeMetricFamily("candor_audit_unsigned_entries",
                                         "Audit entries after the last signed checkpoint.")
            unsigned.add_metric([], int(head or 0) - (int(signed.head_seq) if signed else 0))
        yield from (answers, interviews, work, lag, outbox, oldest_pending, chain, checkpoint_age, unsigned)


def _age(now: Any, moment: Any) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None and now.tzinfo is not None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - moment).total_seconds())


def _networks(state: CandorState) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return state.extras["candor.metrics.networks"]  # type: ignore[no-any-return]


def _allowed(state: CandorState) -> bool:
    token = state.settings.metrics_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Metrics ") and hmac.compare_digest(
            header.removeprefix("Metrics ").strip().encode(), token.encode()):
        return True
    identity = g.get("candor_identity")  # an API token (Bearer) of a user whose role may read system state
    if identity is not None and identity.can(Permission.SYSTEM_READ):
        return True
    try:
        client = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False
    return any(client in network for network in _networks(state))


@bp.get("/metrics")
@public  # Prometheus has no session: access is by network or the metrics token, checked here
def metrics() -> Any:
    state = get_state()
    if not _allowed(state):
        abort(403, "Metrics are open to the networks in CANDOR_METRICS_NETWORKS, with 'Authorization: Metrics "
                   "<CANDOR_METRICS_TOKEN>', or with an API token that has the system:read scope.")
    registry = CollectorRegistry()
    registry.register(state.extras["candor.metrics.collector"])
    body = generate_latest(registry) + _request_metrics()
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def _request_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        for _attempt in range(4):
            try:
                return generate_latest(combined)
            except struct.error:
                # Another process is creating its file (empty for a moment, e.g. at its first request): read
                # the folder again rather than fail the scrape.
                time.sleep(0.05)
        return generate_latest(combined)
    own = CollectorRegistry()  # only ours: the default registry also holds the process collectors
    for collector in (_REQUESTS, _LATENCY):
        own.register(collector)
    return generate_latest(own)


_ENDPOINT_KEY = "candor.metrics.endpoint"


def _after(response: Response) -> Response:
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else "unmatched"
    if endpoint == "metrics.metrics":
        return response  # scrapes would dominate the figures they read
    _REQUESTS.labels(endpoint, request.method, f"{response.status_code // 100}xx").inc()
    request.environ[_ENDPOINT_KEY] = endpoint  # timed by _Timed once the request's teardown is over
    return response


class _Timed:
    """Times the whole request around Flask, teardown included: a read's audit entries are appended when its
    session closes, after every ``after_request`` function, and the caller waits for that too."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            endpoint = environ.get(_ENDPOINT_KEY)
            if endpoint is not None:
                _LATENCY.labels(endpoint).observe(time.perf_counter() - started)


def init_app(app: Flask) -> None:
    """Register ``/metrics`` and the request timing hooks; refuses unparsable ``metrics_networks``."""
    state = get_state(app)
    networks = []
    for text in state.settings.metrics_networks:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f"metrics_networks: {text!r} is not a network such as 10.0.0.0/8 or 127.0.0.1/32. "
                              "Fix CANDOR_METRICS_NETWORKS.") from None
    state.extras["candor.metrics.networks"] = networks
    state.extras["candor.metrics.collector"] = PlatformCollector(state)
    app.after_request(_after)
    app.wsgi_app = _Timed(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(bp)
