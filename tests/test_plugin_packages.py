"""A third-party plugin as a vendor ships it: a separate package, built and installed by pip, found through
the ``candor.plugins`` entry point. The package is the example from docs/plugins.md, so the guide stays true."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from candor.app import create_app
from candor.plugins import PluginError

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"


def _guide_files() -> dict[str, str]:
    blocks = re.findall(r'```\w+ title="([^"]+)"\n(.*?)```', GUIDE.read_text(), flags=re.S)
    return dict(blocks)


def _install(tmp: Path, module_source: str, version: str = "1.0.0") -> Path:
    """Build the package from the guide's files and pip-install it into its own folder; returns that folder."""
    files = _guide_files()
    package = tmp / "candor-hello"
    (package / "candor_hello").mkdir(parents=True)
    pyproject = files["pyproject.toml"].replace('version = "1.0.0"', f'version = "{version}"')
    # The package depends on candor, which is installed here already; --no-deps keeps pip offline-friendly.
    (package / "pyproject.toml").write_text(pyproject)
    (package / "candor_hello" / "__init__.py").write_text(module_source)
    site = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(package)],
        check=True, capture_output=True,
    )
    return site


@pytest.fixture(scope="module")
def hello_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _install(tmp_path_factory.mktemp("hello"), _guide_files()["candor_hello/__init__.py"], "1.2.3")


@pytest.fixture(scope="module")
def misspelled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _guide_files()["candor_hello/__init__.py"].replace(
        "def candor_register_commands", "def candor_register_comands"
    )
    return _install(tmp_path_factory.mktemp("misspelled"), source)


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    def add(site: Path) -> None:
        monkeypatch.syspath_prepend(str(site))

    yield add
    sys.modules.pop("candor_hello", None)


def test_guide_documents_every_hook():
    from candor import hookspecs

    hooks = {name for name in dir(hookspecs) if name.startswith("candor_")}
    documented = set(re.findall(r"^### (candor_\w+)$", GUIDE.read_text(), flags=re.M))
    assert hooks, "no hooks found in candor.hookspecs"
    missing = hooks - documented
    assert not missing, f"hooks missing from docs/plugins.md: {sorted(missing)}"
    assert not documented - hooks, f"docs/plugins.md describes hooks that do not exist: {documented - hooks}"


def test_installed_plugin_is_listed_but_not_enabled_by_default(candor_settings, on_path, hello_site, make_staff):
    on_path(hello_site)
    app = create_app(candor_settings)
    client = app.test_client()
    admin = _token_client(app, client)
    plugins = {p["name"]: p for p in client.get("/api/v1/plugins", headers=admin).json["plugins"]}
    assert plugins["hello"]["enabled"] is False
    assert plugins["hello"]["version"] == "1.2.3"
    assert plugins["hello"]["distribution"] == "candor-hello"
    assert "capabilities" not in plugins["hello"]  # not imported, so nothing declared
    assert plugins["local_storage"]["enabled"] is True and plugins["local_storage"]["builtin"] is True
    assert client.get("/plugins/hello/").status_code == 404


def test_enabled_plugin_is_discovered_and_works(candor_settings, on_path, hello_site):
    on_path(hello_site)
    app = create_app({**candor_settings, "plugins_enable": ["hello"],
                      "plugin_settings": {"hello": {"greeting": "Ni hao"}}})
    client = app.test_client()
    plugins = {p["name"]: p for p in client.get("/api/v1/plugins", headers=_token_client(app, client)).json["plugins"]}
    hello = plugins["hello"]
    assert hello["enabled"] is True and hello["builtin"] is False
    assert hello["version"] == "1.2.3"
    assert hello["title"] == "Hello"
    assert "web_extension" in hello["capabilities"]
    assert hello["settings"][0]["name"] == "greeting"
    assert client.get("/plugins/hello/").json == {"greeting": "Ni hao"}
    result = app.test_cli_runner().invoke(args=["hello"])
    assert result.output.strip() == "Ni hao"


def test_plugin_can_be_disabled_by_config(candor_settings, on_path, hello_site):
    on_path(hello_site)
    app = create_app({**candor_settings, "plugins_enable": ["hello"], "plugins_disable": ["hello"]})
    client = app.test_client()
    plugins = {p["name"]: p for p in client.get("/api/v1/plugins", headers=_token_client(app, client)).json["plugins"]}
    assert plugins["hello"]["enabled"] is False
    assert client.get("/plugins/hello/").status_code == 404


def test_misspelled_hook_fails_startup_naming_the_plugin(candor_settings, on_path, misspelled_site):
    on_path(misspelled_site)
    with pytest.raises(PluginError) as failure:
        create_app({**candor_settings, "plugins_enable": ["hello"]})
    message = str(failure.value)
    assert "'hello'" in message
    assert "candor_register_comands" in message
    assert "did you mean 'candor_register_commands'" in message


def test_enabling_a_plugin_that_is_not_installed_fails(candor_settings):
    with pytest.raises(PluginError, match="'nonexistent' is named in plugins_enable but is not installed"):
        create_app({**candor_settings, "plugins_enable": ["nonexistent"]})


@pytest.mark.candor_backends("sqlite")
def test_command_line_sees_the_package(candor_settings, hello_site, misspelled_site):
    env = {**os.environ, "PYTHONPATH": str(hello_site), "CANDOR_DATA_DIR": str(candor_settings["data_dir"]),
           "CANDOR_DATABASE_URL": candor_settings["database_url"], "CANDOR_PLUGINS_ENABLE": "hello"}
    listed = subprocess.run([sys.executable, "-m", "candor.cli", "plugins", "list"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"enabled\s+hello\s+1\.2\.3\s+candor-hello\s+Hello", listed.stdout), listed.stdout

    broken = subprocess.run([sys.executable, "-m", "candor.cli", "plugins", "list"],
                            env={**env, "PYTHONPATH": str(misspelled_site)},
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2
    assert "Plugin 'hello'" in broken.stderr and "candor_register_comands" in broken.stderr
    assert "Traceback" not in broken.stderr


def _token_client(app, client) -> dict[str, str]:
    """Headers with an admin API token, created the way an operator does."""
    from candor.auth.models import Role, User
    from candor.auth.passwords import hash_password
    from candor.auth.tokens import create_token
    from candor.state import get_state

    with get_state(app).db.transaction() as session:
        user = User(email=f"ops{id(client)}@example.com", role=Role.ADMIN,
                    password_hash=hash_password("a long enough password"))
        session.add(user)
        session.flush()
        plaintext, _ = create_token(session, user, "tests", ["plugins:read"])
    return {"Authorization": f"Bearer {plaintext}"}
