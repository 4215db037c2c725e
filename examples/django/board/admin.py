from django.contrib import admin

from .models import Milestone, Task


class TaskInline(admin.TabularInline):
    model = Task
    extra = 1


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["name", "due_date", "progress"]
    inlines = [TaskInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "milestone", "status", "assignee", "updated"]
    list_filter = ["status", "milestone"]
    search_fields = ["title", "assignee"]
