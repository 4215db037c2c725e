from django.urls import path

from . import views

app_name = "board"
urlpatterns = [
    path("", views.index, name="index"),
    path("api/milestones/", views.api_milestones, name="api-milestones"),
    path("healthz", views.healthz, name="healthz"),
]
