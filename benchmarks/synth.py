"""Write a synthetic multi-tenant Django SaaS of N Python files, the same for the same N.

`python benchmarks/synth.py N [--out DIR] [--seed S]`

For scaling runs: time and memory against project size, on a project that grows the way real
ones do. Each app has models with an organization key, views and a DRF API with scoped and
unscoped queries, services with raw SQL, an admin, Celery tasks, migrations and tests, plus a
template and a script; one settings module serves them all. Prints what it wrote.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

# Python files of one app, by kind: 20 per app.
APP_FILES = {"__init__": 1, "models": 1, "views": 3, "api": 2, "services": 2, "serializers": 1, "admin": 1,
             "tasks": 1, "migrations": 4, "tests": 4}
NOUNS = ("invoice", "order", "ticket", "project", "report", "contract", "shipment", "payment", "document",
         "campaign", "lead", "asset", "booking", "survey", "subscription", "expense", "note", "device")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=int, help="Python files to write (a multiple of 20 plus a few)")
    parser.add_argument("--out", type=Path, default=None, help="folder to write (default: /tmp/prodready-synth-N)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = args.out or Path(f"/tmp/prodready-synth-{args.files}")
    if out.exists():
        shutil.rmtree(out)
    written = write_project(out, args.files, random.Random(args.seed))
    python = sum(1 for p in written if p.suffix == ".py")
    print(f"wrote {len(written)} files ({python} Python) to {out}")
    return 0


def write_project(out: Path, files: int, rng: random.Random) -> list[Path]:
    written: list[Path] = []

    def write(relpath: str, text: str) -> None:
        path = out / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    write("manage.py", MANAGE)
    write("config/__init__.py", "")
    write("config/settings.py", SETTINGS)
    write("accounts/__init__.py", "")
    write("accounts/models.py", ACCOUNTS)
    apps = max(1, (files - 5) // sum(APP_FILES.values()))
    for number in range(apps):
        noun = NOUNS[number % len(NOUNS)]
        app = f"{noun}s{number // len(NOUNS) or ''}"
        model = noun.capitalize()
        context = {"app": app, "model": model, "noun": noun, "line": model + "Line"}
        write(f"{app}/__init__.py", "")
        write(f"{app}/models.py", MODELS.format(**context))
        for part in range(APP_FILES["views"]):
            write(f"{app}/views{part or ''}.py", _views(context, rng))
        for part in range(APP_FILES["api"]):
            write(f"{app}/api{part or ''}.py", API.format(**context, part=part))
        for part in range(APP_FILES["services"]):
            write(f"{app}/services{part or ''}.py", _services(context, rng))
        write(f"{app}/serializers.py", SERIALIZERS.format(**context))
        write(f"{app}/admin.py", ADMIN.format(**context))
        write(f"{app}/tasks.py", TASKS.format(**context))
        write(f"{app}/migrations/__init__.py", "")
        for step in range(1, APP_FILES["migrations"]):
            write(f"{app}/migrations/{step:04d}_{'initial' if step == 1 else f'change_{step}'}.py",
                  _migration(context, step))
        for part in range(APP_FILES["tests"]):
            write(f"{app}/tests/test_{noun}{part}.py", TESTS.format(**context, part=part))
        write(f"{app}/templates/{app}/detail.html", TEMPLATE.format(**context))
        write(f"{app}/static/{app}/{noun}.js", SCRIPT.format(**context))
    return written


def _views(context: dict[str, str], rng: random.Random) -> str:
    body = [VIEWS_HEAD.format(**context)]
    for number in range(12):
        body.append(rng.choice(VIEW_SHAPES).format(**context, n=number))
    return "\n".join(body)


def _services(context: dict[str, str], rng: random.Random) -> str:
    body = [SERVICES_HEAD.format(**context)]
    for number in range(8):
        body.append(rng.choice(SERVICE_SHAPES).format(**context, n=number))
    return "\n".join(body)


def _migration(context: dict[str, str], step: int) -> str:
    if step == 1:
        return MIGRATION_INITIAL.format(**context)
    return MIGRATION_CHANGE.format(**context, step=step, previous=f"{step - 1:04d}_" + (
        "initial" if step == 2 else f"change_{step - 1}"))


MANAGE = '''#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''

SETTINGS = '''import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["app.example.com"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "rest_framework", "accounts"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware"]
AUTH_USER_MODEL = "accounts.User"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
'''

ACCOUNTS = '''from django.contrib.auth.models import AbstractUser
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)


class User(AbstractUser):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, related_name="users")
'''

MODELS = '''from django.db import models

from accounts.models import Organization


class {model}(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="{noun}s")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, default="open")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title


class {line}(models.Model):
    {noun} = models.ForeignKey({model}, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
'''

VIEWS_HEAD = '''from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .models import {model}, {line}
'''

VIEW_SHAPES = (
    '''

@login_required
def {noun}_list_{n}(request):
    rows = {model}.objects.filter(organization=request.user.organization).order_by("-created_at")
    return render(request, "{app}/detail.html", {{"rows": rows[:50]}})
''',
    '''

@login_required
def {noun}_detail_{n}(request, pk):
    row = get_object_or_404({model}, pk=pk)
    return render(request, "{app}/detail.html", {{"row": row}})
''',
    '''

@login_required
def {noun}_lines_{n}(request, pk):
    row = get_object_or_404({model}, pk=pk, organization=request.user.organization)
    lines = {line}.objects.filter({noun}=row)
    return JsonResponse({{"lines": [line.description for line in lines]}})
''',
    '''

@login_required
def {noun}_close_{n}(request, pk):
    updated = {model}.objects.filter(pk=pk).update(status="closed")
    return JsonResponse({{"updated": updated}})
''',
    '''

@login_required
def {noun}_totals_{n}(request):
    totals = {{}}
    for row in request.user.organization.{noun}s.all():
        totals[row.status] = totals.get(row.status, 0) + row.amount
    return JsonResponse({{"totals": totals}})
''',
)

API = '''from rest_framework import viewsets

from .models import {model}
from .serializers import {model}Serializer


class {model}ViewSet{part}(viewsets.ModelViewSet):
    serializer_class = {model}Serializer

    def get_queryset(self):
        return {model}.objects.filter(organization=self.request.user.organization)


class {model}ArchiveViewSet{part}(viewsets.ReadOnlyModelViewSet):
    serializer_class = {model}Serializer
    queryset = {model}.objects.filter(status="archived")
'''

SERVICES_HEAD = '''from django.db import connection

from .models import {model}
'''

SERVICE_SHAPES = (
    '''

def open_{noun}s_{n}(organization_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM {app}_{noun} WHERE organization_id = %s AND status = 'open'",
                       [organization_id])
        return cursor.fetchall()
''',
    '''

def stale_{noun}s_{n}(days):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM {app}_{noun} WHERE created_at < now() - %s * interval '1 day'", [days])
        return [row[0] for row in cursor.fetchall()]
''',
    '''

def rename_{noun}_{n}(organization, pk, title):
    return {model}.objects.filter(organization=organization, pk=pk).update(title=title)
''',
)

SERIALIZERS = '''from rest_framework import serializers

from .models import {model}


class {model}Serializer(serializers.ModelSerializer):
    class Meta:
        model = {model}
        fields = ["id", "title", "status", "amount", "created_at"]
'''

ADMIN = '''from django.contrib import admin

from .models import {model}


@admin.register({model})
class {model}Admin(admin.ModelAdmin):
    list_display = ("title", "organization", "status")

    def get_queryset(self, request):
        return {model}.objects.select_related("organization")
'''

TASKS = '''from celery import shared_task

from .models import {model}


@shared_task
def expire_{noun}s():
    return {model}.objects.filter(status="open").count()
'''

MIGRATION_INITIAL = '''from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="{model}",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
                ("status", models.CharField(default="open", max_length=20)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="{noun}s", to="accounts.organization")),
            ],
        ),
        migrations.CreateModel(
            name="{line}",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("description", models.CharField(max_length=200)),
                ("quantity", models.PositiveIntegerField(default=1)),
                ("{noun}", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lines",
                                            to="{app}.{noun}")),
            ],
        ),
    ]
'''

MIGRATION_CHANGE = '''from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("{app}", "{previous}")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS {app}_{noun}_status_{step} ON {app}_{noun} (status)",
            reverse_sql="DROP INDEX IF EXISTS {app}_{noun}_status_{step}",
        ),
    ]
'''

TESTS = '''import pytest

from accounts.models import Organization
from {app}.models import {model}


@pytest.mark.django_db
def test_{noun}_list_{part}(client, django_user_model):
    organization = Organization.objects.create(name="Acme", slug="acme-{part}")
    user = django_user_model.objects.create_user("u{part}", password="pw", organization=organization)
    {model}.objects.create(organization=organization, title="first")
    client.force_login(user)
    assert {model}.objects.count() == 1
'''

TEMPLATE = '''<!doctype html>
<html>
<body>
  <h1>{{{{ row.title }}}}</h1>
  <script>
    const token = "{{{{ api_token }}}}";
    localStorage.setItem("{noun}AccessToken", token);
  </script>
</body>
</html>
'''

SCRIPT = '''export function {noun}Total(rows) {{
  return rows.reduce((sum, row) => sum + Number(row.amount), 0);
}}

export async function load{model}s(page) {{
  const response = await fetch(`/api/{noun}s/?page=${{page}}`, {{ credentials: "include" }});
  return response.json();
}}
'''


if __name__ == "__main__":
    sys.exit(main())
