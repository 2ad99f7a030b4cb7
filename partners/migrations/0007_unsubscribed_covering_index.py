"""The unsubscribed contacts' index carries the customer and id: the reports' unsubscribes per month
read the index alone (PostgreSQL; other databases ignore INCLUDE)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0006_contact_unsubscribed_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='contact',
            name='contact_unsubscribed_idx',
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('unsubscribed_at__isnull', False)), fields=['unsubscribed_at'], include=('customer', 'id'), name='contact_unsubscribed_cov'),
        ),
    ]
