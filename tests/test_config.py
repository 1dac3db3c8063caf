"""Configuration from the environment and a TOML file, and the errors an operator sees when it is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from candor.config import ConfigError, load_settings


def test_environment_variables_and_comma_lists(monkeypatch, tmp_path):
    monkeypatch.setenv("CANDOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CANDOR_PLUGINS_DISABLE", "system_checks, local_storage")
    monkeypatch.setenv("CANDOR_PLUGIN_SETTINGS__HELLO__GREETING", "Hi")
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.plugins_disable == ["system_checks", "local_storage"]
    assert settings.plugin_settings == {"hello": {"greeting": "Hi"}}
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'candor.db'}"
    assert settings.uses_embedded_broker


def test_config_file_and_environment_precedence(monkeypatch, tmp_path):
    config = tmp_path / "candor.toml"
    config.write_text('log_format = "json"\nworker_concurrency = 3\n[plugin_settings.hello]\ngreeting = "Hey"\n')
    monkeypatch.setenv("CANDOR_CONFIG", str(config))
    monkeypatch.setenv("CANDOR_WORKER_CONCURRENCY", "5")
    settings = load_settings()
    assert settings.log_format == "json"
    assert settings.worker_concurrency == 5  # the environment wins over the file
    assert settings.plugin_settings["hello"]["greeting"] == "Hey"


def test_invalid_values_name_the_setting_and_the_variable(monkeypatch):
    monkeypatch.setenv("CANDOR_WORKER_CONCURRENCY", "many")
    monkeypatch.setenv("CANDOR_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError) as failure:
        load_settings()
    message = str(failure.value)
    assert "worker_concurrency" in message and "CANDOR_WORKER_CONCURRENCY" in message and "'many'" in message
    assert "log_format" in message and "'text' or 'json'" in message


def test_unknown_setting_in_file_is_refused(monkeypatch, tmp_path):
    config = tmp_path / "candor.toml"
    config.write_text("databse_url = 'sqlite://'\n")
    monkeypatch.setenv("CANDOR_CONFIG", str(config))
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings()


def test_missing_config_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("CANDOR_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="nope.toml"):
        load_settings()


def test_broken_toml_is_reported(monkeypatch, tmp_path):
    config = tmp_path / "candor.toml"
    config.write_text("log_format = \n")
    monkeypatch.setenv("CANDOR_CONFIG", str(config))
    with pytest.raises(ConfigError, match="Cannot read the configuration file"):
        load_settings()


def test_command_line_prints_config_errors_without_traceback(tmp_path):
    env = {**os.environ, "CANDOR_DATA_DIR": str(tmp_path), "CANDOR_DATABASE_URL": "not a url"}
    result = subprocess.run([sys.executable, "-m", "candor.cli", "doctor"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "database_url" in result.stderr and "CANDOR_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
