"""A small Django shop written into a temporary folder for the server to index."""

from __future__ import annotations

from pathlib import Path

MODELS = '''from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Customer(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    email = models.EmailField()


class Invoice(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    number = models.CharField(max_length=20)
'''

VIEWS = '''from django.http import HttpResponse

from .models import Invoice


def invoice_detail(request, invoice_id):
    label = "🧾 facture"; invoice = Invoice.objects.get(pk=invoice_id)
    return HttpResponse(f"{label} {invoice.number}")


def my_invoices(request):
    invoices = Invoice.objects.filter(organization=request.user.organization)
    return HttpResponse(", ".join(i.number for i in invoices))


def remember(request):
    response = HttpResponse("ok")
    response.set_cookie("session_token", request.session.session_key)
    return response
'''


# A helper that scopes its query, and a view in another module whose verdict depends on it.
HELPER = ("from .models import Invoice\n\n\ndef invoices_of(request):\n"
          "    return Invoice.objects.filter(organization=request.user.organization)\n")
UNSCOPED_HELPER = HELPER.replace("filter(organization=request.user.organization)", "all()")
CALLER = ("from django.http import HttpResponse\n\nfrom .queries import invoices_of\n\n\n"
          "def invoice_detail(request, invoice_id):\n"
          "    return HttpResponse(invoices_of(request).get(pk=invoice_id))\n")  # line 7: TEN001 if unscoped


def write_helper_and_caller(root: Path) -> tuple[Path, Path]:
    """The helper at shop/queries.py and its caller at shop/detail.py, in a shop."""
    write_shop(root)
    (root / "shop" / "queries.py").write_text(HELPER)
    (root / "shop" / "detail.py").write_text(CALLER)
    return root / "shop" / "queries.py", root / "shop" / "detail.py"


def write_shop(root: Path) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS)
    (root / "shop" / "views.py").write_text(VIEWS)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "1.0"\n')
    return root
