"""Shared fixtures for the hotline tests: personas, regions, departments, categories."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from govsvc.hotline import classifier


@pytest.fixture(scope="session")
def default_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small default model for the whole run, trained from the generator."""
    path = tmp_path_factory.mktemp("model") / "default.joblib"
    classifier.train_default(path, count_per_class=120)
    return path


@pytest.fixture(autouse=True)
def _use_test_model(default_model_file: Path) -> None:
    settings.HOTLINE_MODEL_PATH = str(default_model_file)
    classifier.forget_loaded()
