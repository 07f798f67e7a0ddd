"""A project whose every module does something at import: writes its name to a marker file,
exits, opens a connection. Analysing it must do none of it."""

from __future__ import annotations

from pathlib import Path


def side_effect(marker: Path, name: str) -> str:
    return f'import pathlib\npathlib.Path({str(marker)!r}).open("a").write({name!r} + "\\n")\n'


def write_hostile_project(root: Path, marker: Path) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "hostile"\nversion = "1.0"\n',
        "setup.py": side_effect(marker, "setup.py") + "import sys\nsys.exit(3)\n",
        "conftest.py": side_effect(marker, "conftest.py"),
        "manage.py": side_effect(marker, "manage.py") + "import os\nos.system('touch /tmp/never')\n",
        # Packages named like prodready's own modules and dependencies, first on sys.path when
        # `python -m` runs in the project.
        "analyzer/__init__.py": side_effect(marker, "analyzer"),
        "pygls/__init__.py": side_effect(marker, "pygls"),
        "shop/__init__.py": side_effect(marker, "shop"),
        "shop/settings.py": side_effect(marker, "settings") + "SECRET_KEY = 'x'\nINSTALLED_APPS = ['shop']\n",
        "shop/net.py": side_effect(marker, "net") + (
            "import socket\nsocket.create_connection(('192.0.2.1', 9), timeout=0.1)\n"),
        "shop/models.py": side_effect(marker, "models") + (
            "from django.db import models\n\nfrom . import net\n\n\n"
            "class Organization(models.Model):\n    name = models.CharField(max_length=100)\n\n\n"
            "class Customer(models.Model):\n"
            "    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n\n\n"
            "class Invoice(models.Model):\n"
            "    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n"
            "    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n"),
        "shop/views.py": side_effect(marker, "views") + (
            "from .models import Invoice\nfrom .native import speed\n\n\n"
            "def invoice(request, pk):\n    speed()\n    return Invoice.objects.get(pk=pk)\n"),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # A "C extension" of the project: astroid must never load one.
    (root / "shop" / "native.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF not really")
    return root
