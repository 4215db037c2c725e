from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Milestone


@require_GET
def index(request):
    milestones = Milestone.objects.prefetch_related("tasks")
    return render(request, "board/index.html", {"milestones": milestones})


@require_GET
def api_milestones(request):
    data = [
        {
            "id": m.id,
            "name": m.name,
            "due_date": m.due_date.isoformat() if m.due_date else None,
            "progress": m.progress,
            "overdue": m.overdue,
            "tasks": [{"title": t.title, "status": t.status, "assignee": t.assignee} for t in m.tasks.all()],
        }
        for m in Milestone.objects.prefetch_related("tasks")
    ]
    return JsonResponse({"milestones": data})


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: the app answers and its database does too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
