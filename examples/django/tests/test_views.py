import datetime

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from board.models import Milestone, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    m = Milestone.objects.create(name="Beta release", due_date=datetime.date(2030, 6, 1))
    Task.objects.create(milestone=m, title="Payments", status=Task.Status.DONE, assignee="ana")
    Task.objects.create(milestone=m, title="Invoices", status=Task.Status.DOING)
    return m


def test_index_shows_milestones_and_progress(client, board):
    response = client.get(reverse("board:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Beta release" in body
    assert "50% done" in body
    assert "Payments" in body and "(ana)" in body


def test_index_without_milestones(client):
    response = client.get(reverse("board:index"))
    assert "No milestones yet." in response.content.decode()


def test_api_lists_milestones_with_tasks(client, board):
    data = client.get(reverse("board:api-milestones")).json()
    [m] = data["milestones"]
    assert m["name"] == "Beta release"
    assert m["due_date"] == "2030-06-01"
    assert m["progress"] == 50
    assert m["overdue"] is False
    assert {t["title"] for t in m["tasks"]} == {"Payments", "Invoices"}


def test_api_only_answers_get(client):
    assert client.post(reverse("board:api-milestones")).status_code == 405


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from board import views

    class Broken:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", lambda: Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_admin_lists_tasks(admin_client, board):
    response = admin_client.get("/admin/board/task/")
    assert response.status_code == 200
    assert "Invoices" in response.content.decode()


def test_healthz_answers_probes_by_ip_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["app.example.com"]
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    # Everything else still checks the host and redirects to HTTPS.
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/", HTTP_HOST="app.example.com").status_code == 301
