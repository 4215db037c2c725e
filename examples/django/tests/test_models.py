import datetime

import pytest
from django.utils import timezone

from board.models import Milestone, Task

pytestmark = pytest.mark.django_db


def test_progress_counts_done_tasks():
    m = Milestone.objects.create(name="Launch")
    assert m.progress == 0
    Task.objects.create(milestone=m, title="Design", status=Task.Status.DONE)
    Task.objects.create(milestone=m, title="Build", status=Task.Status.DOING)
    Task.objects.create(milestone=m, title="Test")
    assert m.progress == 33
    Task.objects.filter(milestone=m).update(status=Task.Status.DONE)
    assert m.progress == 100


def test_overdue_only_when_late_and_unfinished():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = Milestone.objects.create(name="Late", due_date=yesterday)
    Task.objects.create(milestone=late, title="Open task")
    assert late.overdue
    Task.objects.filter(milestone=late).update(status=Task.Status.DONE)
    assert not late.overdue
    assert not Milestone.objects.create(name="No date").overdue


def test_string_forms_and_ordering():
    b = Milestone.objects.create(name="B", due_date=datetime.date(2030, 1, 2))
    a = Milestone.objects.create(name="A", due_date=datetime.date(2030, 1, 1))
    assert [str(m) for m in Milestone.objects.all()] == ["A", "B"]
    assert str(Task.objects.create(milestone=a, title="Write docs")) == "Write docs"
    assert b.tasks.count() == 0
