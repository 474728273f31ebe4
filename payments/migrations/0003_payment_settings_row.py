from django.db import migrations


def create_settings(apps, schema_editor):
    """The one payment-settings row staff edit (both methods on), so reading it never writes."""
    apps.get_model("payments", "PaymentSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_paymentsettings_storecredittoken_storecreditentry_and_more")]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
