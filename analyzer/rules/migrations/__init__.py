"""MIG: schema changes that no migration records, and migrations that break or lock production."""

DJANGO_MIGRATIONS_DOCS = ("Django: Migrations — https://docs.djangoproject.com/en/stable/topics/migrations/")
