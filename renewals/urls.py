from django.urls import path

from . import auto_renew_views, dashboard, price_list, views

urlpatterns = [
    path("expiring/", dashboard.ExpiringView.as_view(), name="expiring"),
    path("orders/<str:order_number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:order_number>/renew/", views.RenewOrderView.as_view(), name="order-renew"),
    path("orders/<str:order_number>/reissue/", views.ReissueView.as_view(), name="order-reissue"),
    path("orders/<str:order_number>/certificate/", views.RecordCertificateView.as_view(), name="order-certificate"),
    path("orders/<str:order_number>/notices/", views.RenewalNoticesView.as_view(), name="order-notices"),
    path("orders/<str:order_number>/notes/", views.AddNoteView.as_view(), name="order-notes"),
    path(
        "orders/<str:order_number>/auto-renew/", auto_renew_views.OrderAutoRenewView.as_view(), name="order-auto-renew"
    ),
    path("auto-renewals/", auto_renew_views.AutoRenewalListView.as_view(), name="auto-renewals"),
    path("r/<str:token>/", views.customer_renew_view, name="customer-renew"),
    path("r/<str:token>/auto-renew/", auto_renew_views.customer_auto_renew_view, name="customer-auto-renew"),
    path("settings/prices/", price_list.PriceListView.as_view(), name="price-list"),
]
