"""URL routes of the portal."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from partners import views as partner_views
from partners.forms import AdminLoginForm, LoginForm
from renewals.banners import DismissBannerView
from reports.home import HomeView

admin.site.site_header = _("Partner renewal portal: operations")
admin.site.site_title = _("Renewal portal admin")
admin.site.login_form = AdminLoginForm  # a username too long for the login throttle is a form error

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("partner/switch/", partner_views.switch_partner_view, name="switch-partner"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("renewals.urls")),
    path("", include("notifications.urls")),
    path("", include("offers.urls")),
    path("", include("reports.urls")),
    path("", include("followups.urls")),
    path("", include("imports.urls")),
    path("", include("api.urls")),
    path("banner/dismiss/", DismissBannerView.as_view(), name="banner-dismiss"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# No ``static(MEDIA_URL, …)``, even in DEBUG: MEDIA_ROOT holds the import uploads (partners' customer
# lists, under their original names), which nobody may fetch. Partner logos, the one kind of upload that
# is public, have their own view (``notifications.branding_views.partner_logo_view``).
