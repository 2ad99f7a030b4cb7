"""The import pages' forms: the upload, the column mapping, the certificate upload or paste."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Customer
from renewals.models import MAX_PLAN_YEARS, Product

from .fields import fields_of
from .models import ImportKind
from .reading import MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first row names the columns. UTF-8 and Korean EUC-KR (CP949) files are both read."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the most is %(most)s MB. Split it into several files."),
                code="too_large",
                params={"size": upload.size // 2**20, "most": MAX_UPLOAD_BYTES // 2**20},
            )
        return upload


class MappingForm(forms.Form):
    """One select per field of the kind, listing the file's columns."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this file —"))] + [(header, header) for header in job.headers if header]
        for field in fields_of(job.kind):
            self.fields[field.name] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                initial=job.mapping.get(field.name, ""),
                help_text=_("Required") if field.required else "",
            )

    def mapping(self):
        return {name: value for name, value in self.cleaned_data.items() if value}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


MAX_CERTIFICATE_FILES = 500
MAX_PASTE = 2 * 2**20


class CertificateUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("PEM files"), required=False, help_text=_("One certificate per file, or a bundle of several.")
    )
    pasted = forms.CharField(
        label=_("Or paste certificates"),
        required=False,
        max_length=MAX_PASTE,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
    )

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files") or []
        if len(files) > MAX_CERTIFICATE_FILES:
            raise forms.ValidationError(_("At most %(count)d files at once.") % {"count": MAX_CERTIFICATE_FILES})
        if sum(upload.size for upload in files) > MAX_PASTE * 8:
            raise forms.ValidationError(_("The files are too large together; upload fewer at once."))
        if not files and not (cleaned.get("pasted") or "").strip():
            raise forms.ValidationError(_("Choose PEM files or paste certificates."))
        return cleaned

    def texts(self):
        """``[(source name, text)]`` of every file and the paste."""
        texts = []
        for upload in self.cleaned_data.get("files") or []:
            texts.append((upload.name, upload.read().decode("utf-8", "replace")))
        if (self.cleaned_data.get("pasted") or "").strip():
            texts.append((str(_("pasted text")), self.cleaned_data["pasted"]))
        return texts


class NewOrderForm(forms.Form):
    """For a certificate no order matches: the customer and product of the order it starts."""

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.fields["account_number"] = forms.CharField(
            label=_("Customer account number"),
            max_length=32,
            widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        )
        self.fields["product"] = forms.ModelChoiceField(
            label=_("Product"),
            queryset=Product.objects.filter(is_active=True).order_by("brand", "name"),
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        )
        self.fields["plan_years"] = forms.TypedChoiceField(
            label=_("Plan"),
            coerce=int,
            choices=[(years, years) for years in range(1, MAX_PLAN_YEARS + 1)],
            initial=1,
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        )

    def clean_account_number(self):
        account = self.cleaned_data["account_number"].strip()
        customer = Customer.objects.for_partner(self.partner).filter(account_number=account).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this account number."))
        self.cleaned_data["customer"] = customer
        return account
