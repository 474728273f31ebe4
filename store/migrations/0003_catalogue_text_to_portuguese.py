"""Existing catalogue text becomes the Portuguese text (the default language), and each row's
search text is built for every language, so every existing row keeps showing and is found."""

from django.db import migrations

from store.search import search_text

LANGUAGES = ("pt_br", "en", "es")
BATCH = 1000

# model: (translated fields, fields its search text is built from)
MODELS = {
    "Category": (("name", "description"), ("name",)),
    "Tag": (("name",), ("name",)),
    "Color": (("name",), ()),
    "Product": (("name", "description"), ("name", "description")),
}


def _language_code(column_suffix: str) -> str:
    return column_suffix.replace("_", "-")


def copy_to_portuguese(apps, schema_editor):
    for model_name, (fields, sources) in MODELS.items():
        model = apps.get_model("store", model_name)
        changed = [f"{field}_pt_br" for field in fields]
        if sources:
            changed += [f"search_text_{language}" for language in LANGUAGES]
        batch = []
        for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            for field in fields:
                if not getattr(row, f"{field}_pt_br"):
                    setattr(row, f"{field}_pt_br", getattr(row, field))
            for language in LANGUAGES if sources else ():
                texts = [
                    getattr(row, f"{source}_{language}") or getattr(row, f"{source}_pt_br")
                    for source in sources
                ]
                setattr(
                    row,
                    f"search_text_{language}",
                    search_text(*texts, language=_language_code(language)),
                )
            batch.append(row)
            if len(batch) >= BATCH:
                model.objects.bulk_update(batch, changed)
                batch = []
        if batch:
            model.objects.bulk_update(batch, changed)


class Migration(migrations.Migration):
    dependencies = [("store", "0002_catalogue_in_three_languages")]

    operations = [migrations.RunPython(copy_to_portuguese, migrations.RunPython.noop)]
