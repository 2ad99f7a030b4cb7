# Written by hand: an offer's one headline becomes one per language (English and Korean).

from django.db import migrations, models


def headline_fields(headline, partner_language):
    """The new fields of an offer whose one ``headline`` was written for its partner's customers: it
    goes to the partner's language (Korean, or English), the other language is left empty."""
    field = "headline_en" if partner_language == "en" else "headline_ko"
    return {"headline_en": "", "headline_ko": "", field: headline}


def old_headline(headline_en, headline_ko, partner_language):
    """Back to one headline: the partner's language's, else the other one."""
    own, other = (headline_en, headline_ko) if partner_language == "en" else (headline_ko, headline_en)
    return own or other


def split_headlines(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    for offer in Offer.objects.exclude(headline="").select_related("partner").iterator():
        for field, value in headline_fields(offer.headline, offer.partner.language).items():
            setattr(offer, field, value)
        offer.save(update_fields=["headline_en", "headline_ko"])


def join_headlines(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    for offer in Offer.objects.select_related("partner").iterator():
        offer.headline = old_headline(offer.headline_en, offer.headline_ko, offer.partner.language)
        offer.save(update_fields=["headline"])


class Migration(migrations.Migration):

    dependencies = [
        ('offers', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='offer',
            name='headline_en',
            field=models.CharField(blank=True, max_length=200, verbose_name='headline (English)'),
        ),
        migrations.AddField(
            model_name='offer',
            name='headline_ko',
            field=models.CharField(blank=True, max_length=200, verbose_name='headline (Korean)'),
        ),
        migrations.RunPython(split_headlines, join_headlines, elidable=False),
        migrations.RemoveField(
            model_name='offer',
            name='headline',
        ),
    ]
