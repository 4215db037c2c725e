from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = "Project status board"
