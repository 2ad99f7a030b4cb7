from django.urls import path

from . import views

urlpatterns = [
    path("offers/", views.OfferListView.as_view(), name="offer-list"),
    path("offers/new/", views.OfferCreateView.as_view(), name="offer-create"),
    path("offers/<int:pk>/", views.OfferReportView.as_view(), name="offer-report"),
    path("offers/<int:pk>/edit/", views.OfferEditView.as_view(), name="offer-edit"),
]
