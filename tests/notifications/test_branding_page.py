"""The partner admin's email branding page (/settings/branding/) and its live preview: admins only,
clear refusals for bad input, a save that touches only the branding of the admin's own partner, and a
preview that renders the draft exactly like the email (escaped) while storing nothing."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notifications.branding import BrandingError, update_branding
from partners.models import Partner, Role
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

from .test_branding_logo import SVG, png_bytes

pytestmark = pytest.mark.django_db

FORM = {
    "reminder_message_en": "We are here to help: https://help.example",
    "reminder_message_ko": "도움이 필요하시면 연락 주세요.",
    "email_footer": "Acme Co., Seoul",
    "brand_color": "#0B7A3E",
    "sender_name": "Acme Renewals",
    "reply_to": "renewals@acme.example",
}


@pytest.fixture
def order_a(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Blue Foods")
    ContactFactory(customer=customer, name="Jamie Park")
    order = OrderFactory(customer=customer, term_end=date.today() + timedelta(days=365))
    return order


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post(client, data, url="branding-settings"):
    return client.post(reverse(url), data)


# Permissions ------------------------------------------------------------------------------------


def test_a_partner_admin_opens_the_page_with_a_preview_in_both_languages(client, admin_a, order_a):
    client.force_login(admin_a)
    response = client.get(reverse("branding-settings"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="preview-en"' in page and 'data-testid="preview-ko"' in page
    assert "Blue Foods" in page  # a real order's email, in the frames' srcdoc


@pytest.mark.parametrize("role", ["sales_a", "support_a"])
@pytest.mark.parametrize("url", ["branding-settings", "branding-preview"])
def test_sales_and_support_are_refused(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("branding-settings")).status_code == 403
    assert client.post(reverse(url), FORM).status_code == 403
    assert Partner.objects.get(slug="partner-a").reminder_message_en == ""


@pytest.mark.parametrize("url", ["branding-settings", "branding-preview"])
def test_anonymous_visitors_are_sent_to_log_in(client, partner_a, url):
    response = client.post(reverse(url), FORM)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("branding-settings"))["Location"].startswith(reverse("login"))


def test_the_settings_menu_links_the_page_for_admins_only(client, admin_a, sales_a):
    client.force_login(admin_a)
    assert reverse("branding-settings") in client.get(reverse("reminder-settings")).content.decode()
    client.force_login(sales_a)
    assert reverse("branding-settings") not in client.get(reverse("home")).content.decode()


def test_only_an_admin_of_the_partner_may_change_its_branding(partner_a, partner_b, sales_a):
    admin_b = MembershipFactory(partner=partner_b, role=Role.ADMIN)
    for by in (sales_a.memberships.get(), admin_b):
        with pytest.raises(BrandingError):
            update_branding(partner=partner_a, by=by, values={"reminder_message_en": "Hijacked"})
    assert Partner.objects.get(pk=partner_a.pk).reminder_message_en == ""


# Saving ------------------------------------------------------------------------------------------


def test_saving_stores_the_branding(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = post(client, FORM)
    assert response.status_code == 302 and response["Location"] == reverse("branding-settings")
    partner_a.refresh_from_db()
    assert partner_a.reminder_message_en == FORM["reminder_message_en"]
    assert partner_a.reminder_message_ko == FORM["reminder_message_ko"]
    assert partner_a.email_footer == "Acme Co., Seoul"
    assert partner_a.brand_color == "#0b7a3e"
    assert (partner_a.sender_name, partner_a.reply_to) == ("Acme Renewals", "renewals@acme.example")


def test_saving_leaves_every_other_column_of_the_partner_as_it_is_now(client, admin_a, partner_a):
    """The page's copy of the partner is read before the save; meanwhile an order was numbered and the
    policy changed. The save writes the branding columns only."""
    client.force_login(admin_a)
    Partner.objects.filter(pk=partner_a.pk).update(order_sequence=4242, reminder_thresholds=[45, 5], name="Renamed")
    assert post(client, FORM).status_code == 302
    partner = Partner.objects.get(pk=partner_a.pk)
    assert (partner.order_sequence, partner.reminder_thresholds, partner.name) == (4242, [45, 5], "Renamed")


def test_another_partner_is_never_affected(client, admin_a, partner_a, partner_b):
    partner_b.reminder_message_en = "B's own words"
    partner_b.save()
    client.force_login(admin_a)
    post(client, {**FORM, "partner": partner_b.pk, "id": partner_b.pk})
    partner_b.refresh_from_db()
    assert partner_b.reminder_message_en == "B's own words" and partner_b.brand_color == ""
    assert Partner.objects.get(pk=partner_a.pk).brand_color == "#0b7a3e"


def test_a_message_of_1000_characters_is_accepted_with_line_breaks_counted_once(client, admin_a, partner_a):
    client.force_login(admin_a)
    message = "\r\n".join(["가" * 99] * 10)  # 990 characters and 9 line breaks: the browser counts 999
    assert post(client, {**FORM, "reminder_message_ko": message + "나"}).status_code == 302
    partner_a.refresh_from_db()
    assert len(partner_a.reminder_message_ko) == 1000 and "\r" not in partner_a.reminder_message_ko


@pytest.mark.parametrize(
    ("field", "limit"), [("reminder_message_en", 1000), ("reminder_message_ko", 1000), ("email_footer", 500)]
)
def test_a_text_over_its_limit_is_refused_and_nothing_is_saved(client, admin_a, partner_a, field, limit):
    client.force_login(admin_a)
    response = post(client, {**FORM, field: "x" * (limit + 1)})
    assert response.status_code == 400
    assert f"at most {limit} characters (it has {limit + 1})" in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.reminder_message_en == "" and partner_a.brand_color == ""


@pytest.mark.parametrize("value", ["#12345", "red", "#12345g", "#0b7a3e;", "##0b7a3"])
def test_a_colour_that_is_not_six_hex_digits_is_refused(client, admin_a, partner_a, value):
    client.force_login(admin_a)
    response = post(client, {**FORM, "brand_color": value})
    assert response.status_code == 400
    assert "is not a colour: enter # and six hex digits" in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.brand_color == ""


def test_a_colour_without_its_hash_is_accepted(client, admin_a, partner_a):
    client.force_login(admin_a)
    post(client, {**FORM, "brand_color": "1F6FEB"})
    partner_a.refresh_from_db()
    assert partner_a.brand_color == "#1f6feb"


def test_an_empty_colour_means_the_default_look(client, admin_a, partner_a):
    partner_a.brand_color = "#0b7a3e"
    partner_a.save()
    client.force_login(admin_a)
    post(client, {**FORM, "brand_color": ""})
    partner_a.refresh_from_db()
    assert partner_a.brand_color == ""


# The logo ----------------------------------------------------------------------------------------


def test_a_logo_is_uploaded_and_shown_on_the_page(client, admin_a, partner_a, media):
    client.force_login(admin_a)
    logo = SimpleUploadedFile("acme.png", png_bytes(), content_type="image/png")
    assert post(client, {**FORM, "logo": logo}).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.logo.name.startswith("partner-logos/logo-") and partner_a.logo.name.endswith(".png")
    assert (media / partner_a.logo.name).read_bytes() == png_bytes()
    assert partner_a.logo.url in client.get(reverse("branding-settings")).content.decode()


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (png_bytes(padding=210 * 1024), "big.png", "at most 200 KB is accepted"),
        (b"GIF? no, text", "fake.png", "is not a PNG, JPEG or GIF image"),
        (SVG, "logo.svg", "SVG logos are not accepted"),
    ],
)
def test_a_bad_logo_is_refused_with_the_reason_and_the_old_one_kept(
    client, admin_a, partner_a, media, data, name, error
):
    partner_a.logo = "partner-logos/old.png"
    partner_a.save()
    client.force_login(admin_a)
    response = post(client, {**FORM, "logo": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert error in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.logo.name == "partner-logos/old.png" and partner_a.reminder_message_en == ""


def test_the_logo_can_be_removed_and_its_file_stays_for_emails_already_sent(client, admin_a, partner_a, media):
    client.force_login(admin_a)
    post(client, {**FORM, "logo": SimpleUploadedFile("acme.png", png_bytes())})
    partner_a.refresh_from_db()
    stored = media / partner_a.logo.name
    assert post(client, {**FORM, "remove_logo": "on"}).status_code == 302
    partner_a.refresh_from_db()
    assert not partner_a.logo
    assert stored.exists()


def test_uploading_and_removing_at_once_is_refused(client, admin_a, partner_a, media):
    partner_a.logo = "partner-logos/old.png"
    partner_a.save()
    client.force_login(admin_a)
    response = post(client, {**FORM, "remove_logo": "on", "logo": SimpleUploadedFile("new.png", png_bytes())})
    assert response.status_code == 400
    assert "Upload a new logo or remove the logo, not both." in response.content.decode()


def test_saving_without_a_new_file_keeps_the_logo(client, admin_a, partner_a):
    partner_a.logo = "partner-logos/old.png"
    partner_a.save()
    client.force_login(admin_a)
    assert post(client, FORM).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.logo.name == "partner-logos/old.png"


# The preview -------------------------------------------------------------------------------------


def test_the_preview_renders_the_draft_in_both_languages_and_stores_nothing(client, admin_a, partner_a, order_a):
    client.force_login(admin_a)
    draft = {**FORM, "reminder_message_en": 'Hello <script>alert(1)</script> "><img src=x onerror=alert(2)>'}
    response = post(client, draft, url="branding-preview")
    assert response.status_code == 200
    previews = response.json()["previews"]
    assert set(previews) == {"en", "ko"}
    english, korean = previews["en"], previews["ko"]
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in english["html"]
    assert "<script" not in english["html"] and "<img src=x" not in english["html"]
    assert 'Hello <script>alert(1)</script> "><img src=x onerror=alert(2)>' in english["text"]
    assert "도움이 필요하시면 연락 주세요." in korean["html"] and "Hello" not in korean["html"]
    assert "background: #0b7a3e" in english["html"]
    assert order_a.order_number in english["html"]
    assert english["has_message"] and korean["has_message"]
    assert Partner.objects.get(pk=partner_a.pk).reminder_message_en == ""


def test_the_preview_names_invalid_values_and_shows_the_saved_ones_instead(client, admin_a, partner_a, order_a):
    partner_a.brand_color = "#123456"
    partner_a.save()
    client.force_login(admin_a)
    result = post(client, {**FORM, "brand_color": "#12", "reminder_message_ko": ""}, url="branding-preview").json()
    assert list(result["errors"]) == ["brand_color"]
    assert result["errors"]["brand_color"][0].startswith("Colour: “#12” is not a colour")
    assert "#123456" in result["previews"]["en"]["html"] and "#12;" not in result["previews"]["en"]["html"]
    assert result["previews"]["ko"]["has_message"] is False


def test_the_preview_shows_the_saved_logo_from_this_portal(client, admin_a, partner_a, order_a, settings):
    partner_a.logo = "partner-logos/logo-abc.png"
    partner_a.save()
    client.force_login(admin_a)
    html = post(client, FORM, url="branding-preview").json()["previews"]["en"]["html"]
    assert 'src="/media/partner-logos/logo-abc.png"' in html
    removed = post(client, {**FORM, "remove_logo": "on"}, url="branding-preview").json()["previews"]["en"]["html"]
    assert "logo-abc.png" not in removed and "Acme Renewals" in removed


def test_without_an_order_to_show_the_page_says_so(client, admin_a, partner_a):
    client.force_login(admin_a)
    page = client.get(reverse("branding-settings")).content.decode()
    assert "There is no order with a contact to preview with yet." in page
    assert post(client, FORM, url="branding-preview").json()["previews"] == {}
