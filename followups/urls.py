from django.urls import path

from . import views

urlpatterns = [
    path("tasks/", views.TaskListView.as_view(), name="call-tasks"),
    path("tasks/<int:pk>/outcome/", views.RecordOutcomeView.as_view(), name="call-task-outcome"),
]
