"""Liveness and readiness as a load balancer and an operator see them."""


def test_healthz_answers(candor_client):
    response = candor_client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_ready_when_dependencies_answer(candor_client):
    response = candor_client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    assert set(response.json["checks"]) >= {"database", "schema", "broker", "storage"}


def test_readyz_names_the_failing_broker(candor_settings):
    from candor.app import create_app

    app = create_app({**candor_settings, "broker_url": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["broker"]
    assert response.json["checks"]["database"] == "ok"


def test_readyz_names_a_schema_behind(candor_settings, tmp_path):
    from candor.app import create_app

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app({**candor_settings, "database_url": empty})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "schema" in response.json["failing"]
