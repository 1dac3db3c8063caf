"""The records of processing list what the enabled plugins declare, and change when the plugins change."""

from __future__ import annotations

import json
import stat

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.app import create_app
from candor.auth.models import Role, User
from candor.auth.passwords import hash_password
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.auth.tokens import create_token
from candor.state import get_state


class OddConnector:
    """A throwaway connector with unusual categories, a foreign region and markup in its title."""

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name="odd_connector",
            title="Odd <script>alert(1)</script> | Connector",
            capabilities=frozenset({"attendance_sync"}),
            data_categories=frozenset(
                {DataCategory.ATTENDANCE, DataCategory.DEMOGRAPHIC, DataCategory.EMPLOYMENT}
            ),
            purposes=frozenset({Purpose.ATTENDANCE, Purpose.ONBOARDING}),
            region="US",
            limits=("Reads check-ins once an hour.",),
        )


def _bearer(app, role: str) -> dict[str, str]:
    with get_state(app).db.transaction() as session:
        user = User(
            email=f"{role}@example.com", role=Role(role), password_hash=hash_password("long enough pass")
        )
        session.add(user)
        session.flush()
        token, _ = create_token(session, user, "tests", [p.value for p in ROLE_PERMISSIONS[Role(role)]])
    return {"Authorization": f"Bearer {token}"}


def test_records_list_every_enabled_plugin_and_follow_plugin_changes(candor_settings):
    plain = create_app(candor_settings)
    auditor = _bearer(plain, "auditor")
    recruiter = _bearer(plain, "recruiter")
    client = plain.test_client()
    assert client.get("/api/v1/records/ropa", headers=recruiter).status_code == 403
    first = client.get("/api/v1/records/ropa", headers=auditor)
    assert first.status_code == 200 and first.headers["X-Records-New-Version"] == "1"
    record = first.json
    activities = {a["name"]: a for a in record["ropa"]["activities"]}
    for info in get_state(plain).plugins.enabled():
        declared = sorted(c.value for c in info.declaration.data_categories)
        assert activities[info.name]["data_categories"] == declared, info.name
    assert "odd_connector" not in activities
    assert client.get("/api/v1/records/ropa", headers=auditor).headers["X-Records-New-Version"] == "0"
    get_state(plain).db.dispose()

    odd = create_app(candor_settings, plugins=[OddConnector()])  # same database, one more plugin
    client = odd.test_client()
    second = client.get("/api/v1/records/ropa", headers=auditor)
    assert second.headers["X-Records-New-Version"] == "1"
    changed = second.json
    assert changed["fingerprint"] != record["fingerprint"]
    connector = {a["name"]: a for a in changed["ropa"]["activities"]}["odd_connector"]
    assert connector["data_categories"] == ["attendance", "demographic", "employment"]
    assert {"attendance", "demographic", "employment"} <= set(changed["ropa"]["data_categories"])
    assert {"plugin": "odd_connector", "region": "US"} in changed["ropa"]["recipients"]
    versions = client.get("/api/v1/records/versions", headers=auditor).json["versions"]
    assert [v["fingerprint"] for v in versions] == [record["fingerprint"], changed["fingerprint"]]

    html = client.get("/api/v1/records/ropa?format=html", headers=auditor)
    assert html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "attendance, demographic, employment" in page
    markdown = client.get("/api/v1/records/ropa?format=md", headers=auditor).get_data(as_text=True)
    assert "<script>" not in markdown and "\\| Connector" in markdown  # the pipe cannot break the table
    assert "attendance, demographic, employment" in markdown
    assert client.get("/api/v1/records/ropa?format=pdf", headers=auditor).status_code == 400
    get_state(odd).db.dispose()


def test_the_dpia_draft_names_automated_and_biometric_processing(candor_settings):
    class Face:
        name = "faces"
        needs = frozenset()

        @hookimpl
        def candor_declare(self):
            return PluginDeclaration(
                name="faces",
                title="Faces",
                capabilities=frozenset({"face_analysis"}),
                data_categories=frozenset({DataCategory.VIDEO, DataCategory.BIOMETRIC}),
                purposes=frozenset({Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS}),
                limits=("Fails in low light.",),
                accuracy={"detection_f1": 0.93},
            )

    app = create_app(candor_settings, plugins=[Face()])
    from candor.records import build

    with get_state(app).db.transaction() as session:
        dpia = build(get_state(app), session)["dpia"]
    # The built-in speech and delivery analyzers evaluate answers too, but process no biometric data; the built-in
    # video cues do (expression cues too, but they are off unless enabled).
    assert dpia["sensitive_data"] == ["faces", "video_cues"]
    assert dpia["automated_decision_making"] == ["competency_scorer", "delivery", "faces", "pocketsphinx_stt",
                                                 "video_cues", "vosk_stt"]
    assert {r["risk"] for r in dpia["risks"]} >= {
        "Biometric (sensitive) data processed",
        "Automated evaluation of candidates",
    }
    limits = {entry["plugin"]: entry for entry in dpia["analyzer_limits"]}
    assert limits["faces"] == {"plugin": "faces", "limits": ["Fails in low light."],
                               "accuracy": {"detection_f1": 0.93}}
    assert set(limits) == {"competency_scorer", "delivery", "faces", "pocketsphinx_stt", "video_cues", "vosk_stt"}
    assert limits["pocketsphinx_stt"]["accuracy"]["wer_en_synthesized"] > 0
    get_state(app).db.dispose()


def test_records_generate_command_writes_a_private_file(candor_cli, tmp_path):
    target = tmp_path / "ropa.json"
    result = candor_cli("records", "generate", "--format", "json", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    record = json.loads(target.read_text())
    assert {a["name"] for a in record["ropa"]["activities"]} >= {"core", "local_storage", "file_keyring"}
    markdown = candor_cli("records", "generate")
    assert markdown.exit_code == 0 and "# Record of processing activities" in markdown.output
    assert record["fingerprint"] in markdown.output
