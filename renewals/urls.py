from django.urls import path

from . import views

urlpatterns = [
    path("orders/<str:order_number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:order_number>/renew/", views.RenewOrderView.as_view(), name="order-renew"),
    path("orders/<str:order_number>/reissue/", views.ReissueView.as_view(), name="order-reissue"),
    path("orders/<str:order_number>/certificate/", views.RecordCertificateView.as_view(), name="order-certificate"),
    path("r/<str:token>/", views.customer_renew_view, name="customer-renew"),
]
