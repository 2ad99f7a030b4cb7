"""The partner admin's branding form: the reminder message in both languages, the footer, the colour,
the sender's name and reply-to address, and the logo (checked by ``branding.check_logo``)."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .branding import (
    BRAND_COLOR,
    BRANDING_FIELDS,
    LOGO_MAX_BYTES,
    LOGO_MAX_HEIGHT,
    LOGO_MAX_WIDTH,
    check_logo,
    normalized_newlines,
    without_hidden_characters,
)


class PlainTextField(forms.CharField):
    """A textarea's text with LF line breaks, so its length is counted as the browser counted it
    (browsers submit CRLF, which would make a message of exactly the limit one character per line
    too long), and without invisible characters that could disguise a link (``branding``)."""

    def to_python(self, value):
        value = super().to_python(value)
        return without_hidden_characters(normalized_newlines(value)) if value else value


class BrandingForm(forms.ModelForm):
    # Declared here rather than from the model (7 characters): a longer value gets the colour's own
    # message, not "at most 7 characters".
    brand_color = forms.CharField(
        label=_("Colour"),
        required=False,
        max_length=50,
        help_text=_("The colour of the emails' header line and buttons, as # and six hex digits (#0d6efd)."),
        widget=forms.TextInput(attrs={"placeholder": "#1f6feb", "spellcheck": "false", "autocomplete": "off"}),
    )
    remove_logo = forms.BooleanField(
        label=_("Remove the logo"),
        required=False,
        help_text=_("Emails show the sender name instead. Emails already sent keep showing the old logo."),
    )

    class Meta:
        model = Partner
        fields = list(BRANDING_FIELDS)
        field_classes = {
            "reminder_message_ko": PlainTextField,
            "reminder_message_en": PlainTextField,
            "email_footer": PlainTextField,
        }
        labels = {
            "sender_name": _("Sender name"),
            "reply_to": _("Reply-to address"),
            "logo": _("Logo"),
            "email_footer": _("Footer"),
            "reminder_message_ko": _("Message in Korean emails"),
            "reminder_message_en": _("Message in English emails"),
        }
        help_texts = {
            "sender_name": _("The name customers see as the sender. Empty: your partner name."),
            "reply_to": _("Where customers' replies go. Empty: the emails say they are automatic."),
            "email_footer": _(
                "Plain text at the bottom of every reminder, such as your address. Links become clickable."
            ),
            "reminder_message_ko": _(
                "Plain text above the order details of every reminder to Korean customers. Links (https://…) "
                "become clickable. Keep it short: on a phone, a long message pushes the order details down. "
                "Empty: no message in Korean emails."
            ),
            "reminder_message_en": _(
                "Plain text above the order details of every reminder to English customers. Links (https://…) "
                "become clickable. Keep it short: on a phone, a long message pushes the order details down. "
                "Empty: no message in English emails."
            ),
        }
        widgets = {
            "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif"}),
            "reminder_message_ko": forms.Textarea(attrs={"rows": 4, "lang": "ko"}),
            "reminder_message_en": forms.Textarea(attrs={"rows": 4, "lang": "en"}),
            "email_footer": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The partner's own language first.
        if self.instance.language == "en":
            self.order_fields(["reminder_message_en", "reminder_message_ko"])
        else:
            self.order_fields(["reminder_message_ko", "reminder_message_en"])
        self.fields["logo"].help_text = _(
            "PNG, JPEG or GIF, at most %(size)s KB and %(width)s × %(height)s pixels. Shown at the top of "
            "every reminder."
        ) % {"size": LOGO_MAX_BYTES // 1024, "width": LOGO_MAX_WIDTH, "height": LOGO_MAX_HEIGHT}
        for name in ("reminder_message_ko", "reminder_message_en", "email_footer"):
            self.fields[name].widget.attrs["data-counted"] = ""
        self.order_fields(
            [
                *[name for name in self.fields if name.startswith("reminder_message")],
                "email_footer",
                "brand_color",
                "sender_name",
                "reply_to",
                "logo",
                "remove_logo",
            ]
        )

    def clean_brand_color(self):
        """``#RRGGBB``; a missing ``#`` is added and the digits are stored lower-case."""
        value = self.cleaned_data["brand_color"].strip()
        if not value:
            return ""
        if not value.startswith("#"):
            value = f"#{value}"
        if not BRAND_COLOR.fullmatch(value):
            raise forms.ValidationError(
                _("“%(value)s” is not a colour: enter # and six hex digits, such as #0d6efd."),
                params={"value": self.cleaned_data["brand_color"]},
            )
        return value.lower()

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            logo.name = check_logo(logo)
        return logo

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_logo") and isinstance(self.files.get("logo"), UploadedFile):
            self.add_error("remove_logo", _("Upload a new logo or remove the logo, not both."))
        return cleaned

    @property
    def new_logo(self):
        """The uploaded logo, checked and renamed; None when none was uploaded."""
        logo = self.cleaned_data.get("logo")
        return logo if isinstance(logo, UploadedFile) else None

    def text_values(self):
        """The text fields to store (every branding field but the logo)."""
        return {name: self.cleaned_data[name] for name in BRANDING_FIELDS if name != "logo"}
