"""The SuccessFactors connector against the local OData server: paging, $filter, dates, expansions, auth,
idempotent write-back, and the failures real tenants produce
(500s, 429s, timeouts, malformed answers, down)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.sf_server import FakeSuccessFactors

from candor_plugins.successfactors import candor_declare
from candor_plugins.successfactors.connector import SuccessFactorsConnector
from candor_plugins.successfactors.odata import SuccessFactorsError, parse_date

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def sf_settings(fake: FakeSuccessFactors, **overrides: Any) -> dict[str, Any]:
    settings = {s.name: s.default for s in candor_declare().settings}
    settings.update(
        base_url=fake.base_url,
        auth="oauth",
        company_id=fake.company_id,
        client_id=fake.client_id,
        assertion=fake.assertion,
        username=fake.username,
        password=fake.password,
        timeout_seconds=1.0,
        rate_limit_wait_seconds=0.1,
        status_advance="201",
        status_reject="301",
        status_review="401",
        location_field="cust_location",
    )
    settings.update(overrides)
    return settings


@pytest.fixture
def fake():
    server = FakeSuccessFactors(page_size=2).start()
    yield server
    server.stop()


def _populate(fake: FakeSuccessFactors, count: int = 5) -> None:
    for i in range(count):
        fake.add_requisition(
            100 + i,
            title=f"<b>Engineer</b> {i}",
            description="<p>Build &amp; run</p>",
            country="US",
            modified=T0 + timedelta(hours=i),
            cust_location="US-NYC",
        )
        fake.add_application(
            1000 + i,
            candidate_id=500 + i,
            req_id=100 + i,
            first="Ada",
            last=f"L{i}",
            email=f"ada{i}@example.com",
            country="CN" if i == 0 else "US",
            modified=T0 + timedelta(hours=i),
        )


def test_dates_parse_as_utc_milliseconds():
    assert parse_date("/Date(1608073188000)/") == datetime(2020, 12, 15, 22, 59, 48, tzinfo=UTC)
    assert parse_date(None) is None
    with pytest.raises(SuccessFactorsError, match="MALFORMED"):
        parse_date("2020-12-15")


@pytest.mark.parametrize("auth", ["oauth", "basic"])
def test_pull_follows_paging_and_filters_by_last_modified(fake, auth):
    _populate(fake)
    connector = SuccessFactorsConnector(sf_settings(fake, auth=auth))
    jobs = list(connector.pull_jobs(None))
    assert [j["external_ref"] for j in jobs] == ["100", "101", "102", "103", "104"]  # three pages of two
    assert jobs[0]["title"] == "Engineer 0" and jobs[0]["description"] == "Build & run"
    assert jobs[0]["location"] == "US-NYC" and jobs[0]["modified"] == "2024-03-01T09:00:00.000Z"
    assert sum(1 for m, p in fake.requests if "JobRequisition" in p and "skiptoken" in p) == 2
    later = list(connector.pull_applicants((T0 + timedelta(hours=3)).isoformat()))
    assert [a["application_ref"] for a in later] == ["1003", "1004"]
    everyone = list(connector.pull_applicants(None))
    assert everyone[0]["language"] == "zh-CN" and everyone[1]["language"] == "en"
    assert everyone[1] | {"modified": None} == {
        "external_ref": "501",
        "application_ref": "1001",
        "job_ref": "101",
        "full_name": "Ada L1",
        "email": "ada1@example.com",
        "phone": None,
        "language": "en",
        "modified": None,
    }


def test_push_writes_result_once_per_idempotency_key(fake):
    _populate(fake, 1)
    connector = SuccessFactorsConnector(sf_settings(fake))
    event = {
        "id": "evt_1",
        "type": "result.ready",
        "subject": "candidate:1",
        "data": {
            "source": "successfactors",
            "application_ref": "1000",
            "score": 3.456,
            "recommendation": "advance",
            "status": "advance",
            "report_url": "https://c/r/1",
        },
    }
    assert connector.push_event(event, "evt_1")["status"] == "written"
    assert connector.push_event(event, "evt_1")["status"] == "duplicate"
    application = fake.application(1000)
    assert (
        application["cust_candorScore"],
        application["cust_candorRecommendation"],
        application["cust_candorReportUrl"],
        application["appStatusSetItemId"],
    ) == ("3.46", "advance", "https://c/r/1", "201")
    assert fake.writes_by_key == {"evt_1": 1}
    other = {"type": "result.ready", "data": {"source": "import", "application_ref": None}}
    assert connector.push_event(other, "evt_2")["status"] == "skipped"


def test_a_lost_answer_is_retried_without_a_second_write(fake):
    _populate(fake, 1)
    connector = SuccessFactorsConnector(sf_settings(fake, timeout_seconds=0.5))
    fake.hang_after_write, fake.hang_seconds = 1, 1.5
    event = {
        "type": "decision.made",
        "data": {"source": "successfactors", "application_ref": "1000", "outcome": "reject"},
    }
    with pytest.raises(SuccessFactorsError, match="TIMEOUT"):
        connector.push_event(event, "evt_9")
    assert connector.push_event(event, "evt_9")["status"] == "duplicate"
    assert fake.writes_by_key == {"evt_9": 1}
    assert fake.application(1000)["cust_candorDecision"] == "reject"
    assert fake.application(1000)["appStatusSetItemId"] == "301"


def test_errors_are_parsed_and_rate_limits_waited_out(fake):
    _populate(fake, 1)
    connector = SuccessFactorsConnector(sf_settings(fake))
    fake.fail_next = 1
    with pytest.raises(SuccessFactorsError, match="COE_GENERAL_SERVER_FAILURE") as caught:
        list(connector.pull_jobs(None))
    assert caught.value.status == 500
    fake.rate_limit_next, fake.retry_after = 2, "1"
    started = time.monotonic()
    assert len(list(connector.pull_jobs(None))) == 1
    assert 0.15 <= time.monotonic() - started < 2  # waited the configured 0.1 s twice, not SAP's 300 s
    fake.rate_limit_next = 5
    with pytest.raises(SuccessFactorsError, match="COE_REQUEST_LIMIT") as limited:
        list(connector.pull_jobs(None))
    assert limited.value.status == 429
    fake.rate_limit_next = 0
    fake.malformed_next = 1
    with pytest.raises(SuccessFactorsError, match="MALFORMED"):
        list(connector.pull_applicants(None))
    bad = {
        "type": "result.ready",
        "data": {"source": "successfactors", "application_ref": "999", "status": "advance"},
    }
    with pytest.raises(SuccessFactorsError, match="COE_ENTITY_NOT_FOUND"):
        connector.push_event(bad, "evt_x")


def test_wrong_credentials_and_a_server_that_is_down(fake):
    _populate(fake, 1)
    with pytest.raises(SuccessFactorsError, match="LGN0016"):
        list(SuccessFactorsConnector(sf_settings(fake, assertion="forged")).pull_jobs(None))
    with pytest.raises(SuccessFactorsError, match="LGN0022"):
        list(SuccessFactorsConnector(sf_settings(fake, auth="basic", password="wrong")).pull_jobs(None))
    connector = SuccessFactorsConnector(sf_settings(fake))
    fake.stop()
    with pytest.raises(SuccessFactorsError, match="UNREACHABLE"):
        list(connector.pull_jobs(None))
    fake.start()
    assert len(list(connector.pull_jobs(None))) == 1
    fake.slow_seconds = 1.5
    with pytest.raises(SuccessFactorsError, match="TIMEOUT"):
        list(connector.pull_jobs(None))
