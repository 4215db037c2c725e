"""What the client sees on the board: milestones, and the tasks in them."""

from django.db import models
from django.utils import timezone


class Milestone(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "name"]

    def __str__(self):
        return self.name

    @property
    def progress(self):
        """Share of done tasks, as a whole percentage (0 without tasks)."""
        total = self.tasks.count()
        if not total:
            return 0
        done = self.tasks.filter(status=Task.Status.DONE).count()
        return round(100 * done / total)

    @property
    def overdue(self):
        return bool(self.due_date and self.due_date < timezone.localdate() and self.progress < 100)


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        DOING = "doing", "In progress"
        DONE = "done", "Done"

    milestone = models.ForeignKey(Milestone, related_name="tasks", on_delete=models.CASCADE)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)
    assignee = models.CharField(max_length=100, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["milestone", "status", "title"]

    def __str__(self):
        return self.title
