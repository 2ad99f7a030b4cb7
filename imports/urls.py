from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.ImportHomeView.as_view(), name="import"),
    path("import/certificates/", views.CertificateImportView.as_view(), name="import-certificates"),
    path("import/<int:pk>/", views.JobView.as_view(), name="import-job"),
    path("import/<int:pk>/run/", views.RunImportView.as_view(), name="import-run"),
    path("import/<int:pk>/progress/", views.ProgressView.as_view(), name="import-progress"),
]
