"""Seed the twelve matter categories the default classifier knows. Safe to run twice."""

from django.db import migrations

CATEGORIES = [
    ("business", "营商环境", "business"),
    ("public_security", "公安服务", "public_security"),
    ("education", "教育", "education"),
    ("medical", "医疗卫生", "medical"),
    ("housing", "住房与物业", "housing"),
    ("urban", "城市管理", ""),
    ("traffic", "交通出行", ""),
    ("environment", "生态环境", ""),
    ("labour", "劳动与社保", ""),
    ("utilities", "水电气", ""),
    ("market", "市场监管与消费", ""),
    ("civil", "民政与社会救助", ""),
]


def seed(apps, schema_editor):
    Category = apps.get_model("hotline", "Category")
    for code, name, seat in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name, "seat": seat})


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_tickets_catalogue_alerts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
