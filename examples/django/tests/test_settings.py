"""Settings come from the environment and refuse to start without what
production needs."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env)
    code = "import config.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['NAME'])"
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=clean, capture_output=True, text=True)


def test_database_url_is_required():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr


def test_secret_key_is_required_in_production():
    result = load_settings(DATABASE_URL="postgres://u:p@db:5432/app")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_from_environment():
    result = load_settings(
        DATABASE_URL="postgres://u:p@db:5432/app",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="app.example.com, review.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['app.example.com', 'review.example.com'] app"


def test_collectstatic_works_as_in_the_image_build(tmp_path):
    # The Dockerfile runs collectstatic without a database or the real
    # secret; the manifest storage must then find every file.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(DJANGO_SECRET_KEY="collectstatic-only", DATABASE_URL="sqlite:////tmp/unused.db")
    code = (
        "import django, sys; from django.conf import settings; django.setup(); "
        "from django.core.management import call_command; "
        f"settings.STATIC_ROOT = {str(tmp_path)!r}; call_command('collectstatic', '--noinput', verbosity=0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert any(p.name.startswith("board.") and p.suffix == ".css" for p in (tmp_path / "board").iterdir())
