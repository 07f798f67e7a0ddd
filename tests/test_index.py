"""Pass 1: what the index learns from models and schemas, checked on small real-looking projects."""

from __future__ import annotations

from pathlib import Path

import analyzer
from analyzer.config import Config, TenantConfig, discover_config
from analyzer.engine import build_project_index, index_files, parse_files
from analyzer.index import handlers, security
from analyzer.index.tenant import tenant_words
from analyzer.workspace import discover


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def index_of(root: Path, **tenant: object):
    config = Config(root=root.resolve(), tenant=TenantConfig(**tenant))
    index, skipped = build_project_index([root], config)
    return index, skipped


DJANGO_CORE = '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class OrgOwned(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta:
        abstract = True
'''

# Two tenant-owned models, enough for the tenant to be detected.
PAGES_AND_MENUS = DJANGO_CORE + '''

class Page(OrgOwned):
    url = models.CharField(max_length=200)


class Menu(OrgOwned):
    title = models.CharField(max_length=200)
'''

# Invoices and customers, both owned by an organization.
INVOICES_AND_CUSTOMERS = DJANGO_CORE + '''

class Invoice(OrgOwned):
    number = models.CharField(max_length=20)


class Customer(OrgOwned):
    name = models.CharField(max_length=20)
'''

# Pages that each belong to a menu, both owned by an organization.
PAGES_IN_MENUS = DJANGO_CORE + '''

class Menu(OrgOwned):
    title = models.CharField(max_length=200)


class Page(OrgOwned):
    url = models.CharField(max_length=200)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="pages")
'''

DJANGO_BILLING = '''
from django.db import models
from django.conf import settings

from core.models import OrgOwned


class Invoice(OrgOwned):
    number = models.CharField(max_length=20)

    class Meta:
        db_table = "billing_invoices"


class Line(models.Model):
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="lines")
    note = models.ForeignKey("Note", null=True, on_delete=models.SET_NULL)


class Note(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


class Project(OrgOwned):
    name = models.CharField(max_length=20)


class InvoiceForm:
    number = models.CharField(max_length=20)
'''


def test_django_abstract_bases_string_targets_and_tables(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "core/__init__.py": "", "core/models.py": DJANGO_CORE,
        "billing/__init__.py": "", "billing/models.py": DJANGO_BILLING,
    })
    index, skipped = index_of(root)
    assert skipped == []
    assert index.tenant.models == ["Organization"]
    assert "2 models point to it" in index.tenant.reason
    invoice = index.model("billing.models.Invoice")
    assert invoice.tenant_field == "organization" and invoice.tenant_column == "organization_id"
    assert invoice.table == "billing_invoices"
    assert index.model("billing.models.Project").table == "billing_project"
    line = index.model("billing.models.Line")
    assert not line.is_tenant_scoped and line.bound_via == "invoice"
    assert not index.model("billing.models.Note").is_tenant_bound, "a nullable FK does not bind"
    assert index.model("core.models.OrgOwned").abstract
    assert index.table("billing_invoices").tenant_column == "organization_id"
    assert index.is_tenant_lookup("project__organization__in")
    assert not index.is_tenant_lookup("organization__isnull")


def test_sqlalchemy_mixins_flask_models_and_sql_schema(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/models.py": '''
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, ForeignKey, Integer, String

db = SQLAlchemy()


class Account(db.Model):
    id = Column(Integer, primary_key=True)


class AccountMixin:
    account_id = Column(Integer, ForeignKey("account.id"), nullable=False)


class Dashboard(AccountMixin, db.Model):
    id = Column(Integer, primary_key=True)


class Widget(db.Model):
    __tablename__ = "widgets"
    id = Column(Integer, primary_key=True)
    dashboard_id = Column(Integer, ForeignKey("dashboard.id"), nullable=False)
    owner_id = db.Column("account_ref", Integer, ForeignKey("account.id"))
''',
        "db/schema.sql": '''
CREATE TABLE account (id serial PRIMARY KEY);
CREATE TABLE audit_log (id serial, account_id int NOT NULL, action text,
    CONSTRAINT fk_account FOREIGN KEY (account_id) REFERENCES account (id));
''',
    })
    index, _ = index_of(root)
    assert index.tenant.models == ["Account"]
    dashboard = index.model("app.models.Dashboard")
    assert dashboard.table == "dashboard" and dashboard.tenant_column == "account_id"
    widget = index.model("app.models.Widget")
    assert widget.tenant_column == "account_ref", "an explicit column name is the column"
    assert index.table("audit_log").tenant_column == "account_id"
    assert index.table("AUDIT_LOG") is index.table("audit_log")


def test_configured_fields_and_models(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/__init__.py": "", "shop/models.py": '''
from django.db import models


class Store(models.Model):
    name = models.CharField(max_length=10)


class Product(models.Model):
    store_code = models.CharField(max_length=10)


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE)
'''})
    index, _ = index_of(root)
    assert index.tenant.models == [], "one incoming foreign key is not enough to guess"
    index, _ = index_of(root, fields=("store_code",))
    assert index.model("shop.models.Product").tenant_field == "store_code"
    assert "configuration" in index.tenant.reason
    index, _ = index_of(root, models=("Store",))
    assert index.model("shop.models.Order").tenant_field == "store"


def test_unparseable_and_newer_syntax_files_are_skipped_with_reason(tmp_path: Path) -> None:
    root = project(tmp_path, {
        # PEP 695 parses on every supported Python: on 3.11 it is blanked out, positions kept.
        "app/generics.py": "type Pair[T] = tuple[T, T]\n\ndef first[T](pair: Pair[T]) -> T:\n    return pair[0]\n",
        # PEP 758 (Python 3.14) does not.
        "app/newer.py": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
        # PEP 701 (Python 3.12): a backslash inside an f-string's field; no rewrite makes it 3.11.
        "app/split.py": "import re\nparts = [f\"{re.split(r'\\s', line)[0]}\" for line in []]\n",
        # PEP 701 again: a replacement field that runs on to the next line.
        "app/wrapped.py": "total = 3\nlabel = f\"-{\n    total * 2\n}\"\n",
        "app/broken.py": "def f(:\n",
        "app/fine.py": "x = 1\n",
    })
    _, skipped = index_of(root)
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) <= {"app/broken.py", "app/newer.py", "app/split.py", "app/wrapped.py"}
    assert reasons["app/broken.py"].startswith("syntax error on line 1")
    assert "newer than Python" not in reasons["app/broken.py"]
    for newer in ("app/newer.py", "app/split.py", "app/wrapped.py"):
        if newer in reasons:  # running on a Python that predates it
            assert "newer than Python" in reasons[newer]


def test_weak_tenant_names_only_when_no_strong_candidate(tmp_path: Path) -> None:
    recipes = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)


class Recipe(Base):
    __tablename__ = "recipes"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))


class ShoppingList(Base):
    __tablename__ = "shopping_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
'''
    root = project(tmp_path / "a", {"app/__init__.py": "", "app/models.py": recipes})
    index, _ = index_of(root)
    assert index.tenant.models == ["Group"]
    assert index.model("app.models.Recipe").tenant_column == "group_id"
    with_org = recipes + '''

class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
'''
    root = project(tmp_path / "b", {"app/__init__.py": "", "app/models.py": with_org})
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"], "a strong name wins over a weak one"


def test_project_is_the_tenant_of_a_tracker_with_no_organization(tmp_path: Path) -> None:
    root = project(tmp_path, {"tracker/__init__.py": "", "tracker/models.py": '''
from django.db import models


class Project(models.Model):
    name = models.CharField(max_length=100)


class UserStory(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="user_stories")


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=100)
'''})
    index, _ = index_of(root)
    assert index.tenant.models == ["Project"]
    assert index.model("tracker.models.Milestone").tenant_field == "project"


def test_tenant_key_from_a_base_class_the_scan_cannot_read(tmp_path: Path) -> None:
    root = project(tmp_path, {"net/__init__.py": "", "net/models.py": '''
from django.db import models
from openwisp_users.mixins import OrgMixin, ShareableOrgMixin


class Device(OrgMixin, models.Model):
    name = models.CharField(max_length=64)


class Template(ShareableOrgMixin, models.Model):
    name = models.CharField(max_length=64)


class Vpn(models.Model):
    name = models.CharField(max_length=64)
'''})
    index, _ = index_of(root, fields=("organization",))
    assert index.model("net.models.Device").tenant_field == "organization"
    assert index.model("net.models.Template").tenant_column == "organization_id"
    assert not index.model("net.models.Vpn").is_tenant_scoped


def test_relations_declared_with_a_projects_own_foreign_key_class(tmp_path: Path) -> None:
    """sentry declares every relation with `FlexibleForeignKey`, its subclass of ForeignKey,
    imported from its own package: those relations make Organization the tenant."""
    root = project(tmp_path, {"core/__init__.py": "", "core/db.py": '''
from django.db import models


class FlexibleForeignKey(models.ForeignKey):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("on_delete", models.CASCADE)
        super().__init__(*args, **kwargs)


class Model(models.Model):
    class Meta:
        abstract = True
''', "core/models.py": '''
from core.db import FlexibleForeignKey, Model
from django.db import models


class Organization(Model):
    slug = models.SlugField(unique=True)


class Project(Model):
    organization = FlexibleForeignKey("core.Organization")


class Team(Model):
    organization = FlexibleForeignKey("core.Organization")


class Release(Model):
    organization = FlexibleForeignKey("core.Organization")
    version = models.CharField(max_length=250)


class Group(Model):
    project = FlexibleForeignKey("core.Project")
    culprit = models.CharField(max_length=200)
'''})
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"]
    assert index.model("core.models.Release").tenant_column == "organization_id"
    assert index.model("core.models.Group").is_tenant_bound


def test_a_models_package_module_and_a_plain_column_holding_the_key(tmp_path: Path) -> None:
    """sentry's `models/releasecommit.py` imports only from its own `sentry.db.models`, and keeps
    `organization_id` as a plain integer beside the foreign keys of other models to Organization."""
    db = '''
from django.db import models


class FlexibleForeignKey(models.ForeignKey):
    pass


class BoundedBigIntegerField(models.BigIntegerField):
    pass


class Model(models.Model):
    class Meta:
        abstract = True
'''
    organization = '''
from core.db import FlexibleForeignKey, Model
from django.db import models


class Organization(Model):
    slug = models.SlugField(unique=True)


class Project(Model):
    organization = FlexibleForeignKey("core.Organization")


class Team(Model):
    organization = FlexibleForeignKey("core.Organization")
'''
    release_commit = '''
from core.db import BoundedBigIntegerField, Model


class ReleaseCommit(Model):
    organization_id = BoundedBigIntegerField(db_index=True)
    order = BoundedBigIntegerField()


class ExportedRow(Model):
    last_organization_id = BoundedBigIntegerField(null=True)
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/db.py": db, "core/models/__init__.py": "",
                              "core/models/organization.py": organization,
                              "core/models/releasecommit.py": release_commit})
    index, _ = index_of(root)
    commit = index.model("core.models.releasecommit.ReleaseCommit")
    assert commit is not None and commit.tenant_column == "organization_id"
    assert not index.model("core.models.releasecommit.ExportedRow").is_tenant_scoped


def test_a_project_model_named_model_is_not_the_base_of_every_django_model(tmp_path: Path) -> None:
    """MaxKB registers LLMs in a model called `Model`; `class User(models.Model)` is Django's."""
    registry = '''
from django.db import models


class Workspace(models.Model):
    name = models.CharField(max_length=64)


class Model(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    provider = models.CharField(max_length=64)


class Knowledge(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    embedding_model = models.ForeignKey(Model, on_delete=models.PROTECT)
'''
    users = '''
from django.db import models


class User(models.Model):
    username = models.CharField(max_length=150, unique=True)
'''
    root = project(tmp_path, {"models_provider/__init__.py": "", "models_provider/models.py": registry,
                              "users/__init__.py": "", "users/models.py": users})
    index, _ = index_of(root)
    user = index.model("users.models.User")
    assert "workspace" not in user.fields and not user.is_tenant_scoped
    assert index.model("models_provider.models.Knowledge").tenant_field == "workspace"


def test_the_organization_a_user_has_selected_is_no_tenant_key(tmp_path: Path) -> None:
    """Label Studio's users belong to organizations through memberships; `active_organization`
    is the one they work in now, so user rows are not one organization's data."""
    root = project(tmp_path, {"orgs/__init__.py": "", "orgs/models.py": '''
from django.contrib.auth.models import AbstractUser
from django.db import models


class Organization(models.Model):
    title = models.CharField(max_length=100)


class User(AbstractUser):
    active_organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL)


class OrganizationMember(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE)
'''})
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"]
    assert not index.model("orgs.models.User").is_tenant_scoped
    assert index.model("orgs.models.Project").tenant_field == "organization"
    assert "active_organization" not in index.tenant_names


def test_declared_attr_columns_and_generated_table_names(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": '''
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base, declared_attr


class CustomBase:
    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower()


Base = declarative_base(cls=CustomBase)


class ProjectMixin:
    @declared_attr
    def project_id(cls):
        return Column(Integer, ForeignKey("project.id", ondelete="CASCADE"))


class Project(Base):
    id = Column(Integer, primary_key=True)


class Incident(Base, ProjectMixin):
    id = Column(Integer, primary_key=True)


class Case(Base, ProjectMixin):
    id = Column(Integer, primary_key=True)
'''})
    index, _ = index_of(root)
    incident = index.model("app.models.Incident")
    assert not incident.abstract and incident.table == "incident"
    assert "project_id" in incident.fields, "a declared_attr column of a mixin is a field"
    index, _ = index_of(root, fields=("project_id",))
    assert index.model("app.models.Case").tenant_column == "project_id"


def test_foreign_keys_to_class_attributes_and_tables_defined_elsewhere(tmp_path: Path) -> None:
    models = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey(Tenant.id, ondelete="CASCADE"))


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey(Tenant.id))


class Grant(Base):
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id))
'''
    root = project(tmp_path / "orm", {"auth/__init__.py": "", "auth/models.py": models})
    index, _ = index_of(root)
    assert index.tenant.models == ["Tenant"]
    assert index.model("auth.models.Grant").bound_via == "user_id"
    # Tables that reference a `tenant` table the schema never creates: no tenant, and no crash.
    schema = "CREATE TABLE notes (id int, tenant_id int REFERENCES tenant(id));\n" \
             "CREATE TABLE files (id int, tenant_id int REFERENCES tenant(id));\n"
    root = project(tmp_path / "sql", {"db/schema.sql": schema})
    index, _ = index_of(root)
    assert index.tenant.tables == [] and "no model or table" in index.tenant.reason


def test_foreign_key_constraints_of_table_args_on_a_mixin_column(tmp_path: Path) -> None:
    """`project_id` comes from a mixin without a foreign key; the table declares it in
    `__table_args__`, as tables with composite keys do. A column's own single-column constraint
    wins over its place in a composite one."""
    models = '''
from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)


class Project(Base):
    __tablename__ = "projects"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)


class Member(Base):
    __tablename__ = "members"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)
    email = Column(String)


class ProjectScope:
    __abstract__ = True
    project_id = Column(Integer, nullable=False)


class Folder(Base, ProjectScope):
    __tablename__ = "folders"
    __table_args__ = (
        PrimaryKeyConstraint("project_id", "id"),
        ForeignKeyConstraint(["project_id", "parent_id"], ["folders.project_id", "folders.id"]),
        ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
    )
    id = Column(Integer)
    parent_id = Column(Integer)
    name = Column(String)


class Event(Base, ProjectScope):
    __tablename__ = "events"
    __table_args__ = (PrimaryKeyConstraint("project_id", "id"),)
    id = Column(Integer)


class UploadScope:
    __abstract__ = True
    bucket_id = Column(Integer, nullable=False)


class Upload(Base, UploadScope):
    __tablename__ = "uploads"
    id = Column(Integer, primary_key=True)
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models})
    index, _ = index_of(root)
    folder = index.model("app.models.Folder")
    assert folder.fields["project_id"].target == "projects.id" and folder.bound_via == "project_id"
    assert folder.fields["parent_id"].target == "folders.id"
    event = index.model("app.models.Event")
    assert event.fields["project_id"].kind == "column"  # the schema keeps no constraint it does not declare
    assert event.bound_via == "project_id", "the mixin's column is the key Folder constrains"
    assert "ProjectScope" in event.tenant_reason and "Folder" in event.tenant_reason
    assert index.model("app.models.Upload").bound_via is None, "a column no table constrains binds nothing"


def test_tenant_classes_named_for_the_database_and_frozen_copies_in_migrations(tmp_path: Path) -> None:
    """`OrganizationDB` is the tenant; the copy a data migration keeps of it maps the same table
    but is not the one the application's foreign keys mean."""
    models = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class OrganizationDB(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)


class WorkspaceDB(Base):
    __tablename__ = "workspaces"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)


class InvitationDB(Base):
    __tablename__ = "invitations"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)
    email = Column(String)
'''
    frozen = '''
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class DeprecatedOrganizationDB(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)
    plan = Column(String)
'''
    root = project(tmp_path, {"api/__init__.py": "", "api/models.py": models,
                              "migrations/versions/0042_frozen_models.py": frozen})
    index, _ = index_of(root)
    assert index.tenant.models == ["OrganizationDB"], index.tenant.reason
    assert index.model("api.models.InvitationDB").tenant_field == "organization_id"
    workspace = index.model("api.models.WorkspaceDB")
    assert index.relation_target(workspace, workspace.fields["organization_id"]).name == "OrganizationDB"
    assert index.table("organizations").model == "api.models.OrganizationDB"
    assert {"organization", "org"} <= tenant_words(index.tenant), "docstrings and mixins say the bare name"


def test_a_project_under_the_organization_that_most_data_hangs_off_is_the_boundary(tmp_path: Path) -> None:
    """Organization > Workspace > Project, with nearly every table keyed by project (Agenta): the
    project is what queries must filter by, and the keys above it count too. With as many
    tables on the organization as on its projects, the organization stays the tenant."""
    head = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Organization(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)


class Workspace(Base):
    __tablename__ = "workspaces"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)


class Project(Base):
    __tablename__ = "projects"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)
    workspace_id = Column(Integer, ForeignKey("workspaces.id"), nullable=False)
'''

    def tables(owner: str, names: list[str]) -> str:
        return "".join(f'''

class {name}(Base):
    __tablename__ = "{name.lower()}s"
    id = Column(Integer, primary_key=True)
    {owner}_id = Column(Integer, ForeignKey("{owner}s.id"), nullable=False)
''' for name in names)

    data = ["Span", "Trace", "Testset", "Testcase", "Workflow", "Revision", "Secret", "Webhook", "Folder", "Event"]
    root = project(tmp_path / "a", {"app/__init__.py": "", "app/models.py": head + tables("project", data)})
    index, _ = index_of(root)
    assert index.tenant.models == ["Project"], index.tenant.reason
    assert "Organization" in index.tenant.reason and "10 models" in index.tenant.reason
    assert index.model("app.models.Span").tenant_field == "project_id"
    assert {"organization_id", "workspace_id"} <= index.tenant_names

    billing = ["Invoice", "Subscription", "Member", "Domain", "Provider", "Meter", "Plan", "Seat"]
    root = project(tmp_path / "b", {"app/__init__.py": "", "app/models.py": head + tables("project", data)
                                    + tables("organization", billing)})
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"], "10 tables against 10 do not move the boundary"
    assert index.model("app.models.Span").bound_via == "project_id"


def test_a_tenant_key_column_with_no_model_behind_it(tmp_path: Path) -> None:
    """MindsDB keys its tables by a plain `company_id` and keeps no Company model; the project
    model that two tables point to is not the boundary. A key most tables may leave empty is
    not one either. Where the model is there (SuperAGI's `Organisation`, with no ForeignKey to
    it anywhere), the columns named for it point to it all the same."""
    models = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Project(Base):
    __tablename__ = "project"
    id = Column(Integer, primary_key=True)
    company_id = Column(String, nullable=False)


class Predictor(Base):
    __tablename__ = "predictor"
    id = Column(Integer, primary_key=True)
    company_id = Column(String, nullable=False)
    project_id = Column(Integer, ForeignKey("project.id"), nullable=False)


class View(Base):
    __tablename__ = "view"
    id = Column(Integer, primary_key=True)
    company_id = Column(String, nullable=False)
    project_id = Column(Integer, ForeignKey("project.id"), nullable=False)


class Integration(Base):
    __tablename__ = "integration"
    id = Column(Integer, primary_key=True)
    company_id = Column(String, nullable=False)
    engine = Column(String)


class Job(Base):
    __tablename__ = "jobs"
    id = Column(Integer, primary_key=True)
    company_id = Column(String, nullable=False)
    schedule = Column(String)


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"
    id = Column(Integer, primary_key=True)
    client_id = Column(String, nullable=False)
'''
    root = project(tmp_path / "a", {"app/__init__.py": "", "app/models.py": models})
    index, _ = index_of(root)
    assert index.tenant.fields == ["company_id"] and not index.tenant.models, index.tenant.reason
    assert "5 models carry it" in index.tenant.reason
    assert index.model("app.models.Integration").tenant_field == "company_id"

    optional = models.replace("company_id = Column(String, nullable=False)",
                              "company_id = Column(String, nullable=True)")
    root = project(tmp_path / "b", {"app/__init__.py": "", "app/models.py": optional})
    index, _ = index_of(root)
    assert index.tenant.models == ["Project"], "a key every row may leave empty labels rows"

    with_model = models + '''

class Company(Base):
    __tablename__ = "company"
    id = Column(Integer, primary_key=True)
'''
    root = project(tmp_path / "c", {"app/__init__.py": "", "app/models.py": with_model})
    index, _ = index_of(root)
    assert index.tenant.models == ["Company"], "SuperAGI: `organisation_id` columns name the Organisation model"
    assert "or the column `company_id`" in index.tenant.reason
    assert index.model("app.models.Integration").tenant_field == "company_id"


def test_the_model_django_scopes_managers_scope_by_is_the_tenant(tmp_path: Path) -> None:
    """pretalx: `ScopedManager(event="event")` on a base of its models names Event, a name no list
    of tenant words holds. A model that replaces the inherited manager with a plain one is not
    scoped by django-scopes any more."""
    models = '''
from django.db import models
from django_scopes import ScopedManager


class Organiser(models.Model):
    name = models.CharField(max_length=100)


class Event(models.Model):
    organiser = models.ForeignKey(Organiser, on_delete=models.CASCADE)
    slug = models.SlugField()


class EventModel(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE)
    objects = ScopedManager(event="event")

    class Meta:
        abstract = True


class Submission(EventModel):
    title = models.CharField(max_length=200)


class Room(EventModel):
    name = models.CharField(max_length=100)


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE)
    objects = ScopedManager(event="submission__event")


class Sponsor(EventModel):
    objects = models.Manager()
'''
    root = project(tmp_path, {"talks/__init__.py": "", "talks/models.py": models})
    index, _ = index_of(root)
    assert index.tenant.models == ["Event"], index.tenant.reason
    assert "django-scopes" in index.tenant.reason
    assert index.model("talks.models.Room").auto_scoped and index.model("talks.models.Answer").auto_scoped
    sponsor = index.model("talks.models.Sponsor")
    assert sponsor.tenant_field == "event" and not sponsor.auto_scoped, "its plain manager adds no filter"


def test_helper_parameters_that_every_call_site_fills_with_the_caller(tmp_path: Path) -> None:
    services = '''
def memberships_of(db, email, *, active=True):
    return db.query(email, active)


def rename(db, user_id, name):
    return db.update(user_id, name)


class Invites:
    def accept(self, email, tenant_id):
        return email, tenant_id


class Members:
    def expel(self, email):
        return email


def delete_key(user_id, prefix):
    return user_id, prefix


def revoke(db, owner_id):
    return owner_id


members = Members()
'''
    routes = '''
from app import services
from app.services import Invites, Members, members, memberships_of, rename


def mine(request, user, db):
    memberships_of(db, user.email)
    services.memberships_of(db, email=request.user.email, active=False)
    Invites().accept(str(request.state.user_id), request.GET["tenant"])
    Members().expel(user.email)


def rename_member(request, db):
    rename(db, request.user.id, request.POST["name"])
    rename(db, request.POST["id"], request.POST["name"])
    members.expel(request.POST["email"])  # an instance imported by name: its method runs


def spread(db, args):
    Invites().accept(*args)


def delete_key(request, prefix):
    # The route shares its service's name; only the service takes user_id.
    services.delete_key(user_id=request.state.user_id, prefix=prefix)


def revoke(request, db):
    services.revoke(db, request.user.id)


def revoke_all(owners, db):
    # Named like the route above and the service: which one `revoke(db, owner)` runs is unknown.
    for owner in owners:
        revoke(db, owner)
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/services.py": services, "app/routes.py": routes})
    index, _ = index_of(root)
    assert index.caller_parameters == {"f:memberships_of#email", "f:delete_key#user_id"}, \
        "one call site with another value, or *args, is enough"


def test_serializer_data_keys_every_view_fills_with_the_caller(tmp_path: Path) -> None:
    """MaxKB's chat views make their serializers with `request.auth.application_id`, the token
    the authentication verified; a key that some view fills from the body, or a class some view
    makes from data that cannot be read, is not the caller's."""
    views = '''
from .serializers import ChatRecords, History, Profile


def records(request, chat_id):
    return ChatRecords(data={"application_id": request.auth.application_id, "chat_id": chat_id}).list()


def more_records(request):
    return ChatRecords(data={"application_id": request.auth.application_id,
                             "chat_id": request.data["chat_id"]}).list()


def history(request):
    return History(data={"chat_user_id": request.user.id}).list()


def history_of(request):
    return History(data=request.data).list()


def profile(request):
    return Profile(data={"user_id": str(request.user.pk)}).one()
'''
    root = project(tmp_path, {"chat/__init__.py": "", "chat/views.py": views})
    index, _ = index_of(root)
    assert index.caller_data_keys == {"ChatRecords#application_id", "Profile#user_id"}


def test_a_method_called_on_an_imported_instance_is_reached(tmp_path: Path) -> None:
    """`from app.jobs import jobs_controller` may bind an instance as well as a module, so
    `jobs_controller.job_names()` reaches the method too; `import app.billing` binds a module."""
    jobs = '''
class JobsController:
    def job_names(self):
        return []


jobs_controller = JobsController()
'''
    billing = '''
class Ledger:
    def close_month(self):
        return None


def close_month():
    return None
'''
    routes = '''
from flask import Flask

import billing
from jobs import jobs_controller

app = Flask(__name__)


@app.get("/jobs")
def jobs():
    billing.close_month()
    return {"names": jobs_controller.job_names()}
'''
    root = project(tmp_path, {"jobs.py": jobs, "billing.py": billing, "routes.py": routes})
    index, _ = index_of(root)
    assert {"m:job_names", "f:job_names", "f:close_month"} <= index.request_reachable
    assert "m:close_month" not in index.request_reachable, "a module's function is no method"


def test_a_staff_views_post_is_not_reached_by_every_super_post(tmp_path: Path) -> None:
    """A staff-only view's `post` runs the instance-wide task; an ordinary form view's
    `super().post(...)` must not make that task a request path, though both methods are `post`."""
    tasks = '''
from celery import shared_task

from .models import Event


@shared_task
def update_check():
    return {"events": Event.objects.count()}
'''
    views = '''
from django.contrib.admin.views.decorators import staff_member_required
from django.utils.decorators import method_decorator
from django.views.generic import FormView

from .tasks import update_check


class StaffMemberRequiredMixin:
    @method_decorator(staff_member_required)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class UpdateCheckView(StaffMemberRequiredMixin, FormView):
    def post(self, request, *args, **kwargs):
        update_check()
        return super().post(request, *args, **kwargs)


class ProfileView(FormView):
    def post(self, request, *args, **kwargs):
        request.session["seen"] = True
        return super().post(request, *args, **kwargs)
'''
    models = '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Event(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
'''
    root = project(tmp_path, {"events/__init__.py": "", "events/models.py": models, "events/tasks.py": tasks,
                              "events/views.py": views})
    index, _ = index_of(root)
    assert "f:update_check" in index.quiet_reachable
    assert "f:update_check" not in index.request_reachable


def test_sqlalchemy_query_all_runs_the_query_and_django_all_does_not(tmp_path: Path) -> None:
    services = '''
from django.db import models


def open_views(session, View):
    return session.query(View).filter(View.closed.is_(False)).all()


def flask_views(View):
    return View.query.filter_by(closed=False).all()


def every_invoice(Invoice):
    return Invoice.objects.filter(closed=False).all()


def all_closed(views):
    return all(view.closed for view in views)
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/services.py": services})
    index, _ = index_of(root)
    assert index.query_builders == {"every_invoice"}


def test_sqlmodel_foreign_keys_in_field_and_in_its_sa_column(tmp_path: Path) -> None:
    models = '''
from typing import Optional
from uuid import UUID, uuid4

from sqlalchemy import Column, DateTime, ForeignKey
from sqlmodel import Field, SQLModel


class Tenant(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str


class Alert(SQLModel, table=True):
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id")
    fingerprint: str


class Service(SQLModel, table=True):
    id: Optional[int] = Field(primary_key=True, default=None)
    tenant_id: str = Field(sa_column=Column(ForeignKey("tenant.id")))
    updated_at: Optional[str] = Field(sa_column=Column(DateTime(timezone=True), name="updated"))


class ServiceDependency(SQLModel, table=True):
    id: Optional[int] = Field(primary_key=True, default=None)
    service_id: int = Field(sa_column=Column(ForeignKey("service.id", ondelete="CASCADE")))
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models})
    index, _ = index_of(root)
    assert index.tenant.models == ["Tenant"]
    assert index.model("app.models.Alert").tenant_field == "tenant_id"
    assert index.model("app.models.Service").tenant_field == "tenant_id"
    assert index.model("app.models.Service").fields["updated_at"].column == "updated"
    assert index.model("app.models.ServiceDependency").bound_via == "service_id"


NETBOX_LIKE = '''
from django.db import models


class Tenant(models.Model):
    name = models.CharField(max_length=100)


class Site(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True)


class Rack(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True)


class Circuit(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True)
'''


def test_a_tenant_key_that_every_model_may_leave_empty_is_not_an_isolation_boundary(tmp_path: Path) -> None:
    index, _ = index_of(project(tmp_path, {"dcim/models.py": NETBOX_LIKE}))
    assert not index.tenant.found
    assert "3 of the 3 models" in index.tenant.reason and "set [tool.prodready.tenant]" in index.tenant.reason


def test_a_few_shared_rows_do_not_hide_the_tenant(tmp_path: Path) -> None:
    # Templates may be shared (organization empty); tasks and projects always belong to one.
    shared_templates = NETBOX_LIKE.replace("on_delete=models.PROTECT, null=True, blank=True)\n\n\nclass Circuit",
                                           "on_delete=models.PROTECT)\n\n\nclass Circuit")
    optional_site = "tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True)"
    shared_templates = shared_templates.replace(f"class Site(models.Model):\n    {optional_site}",
                                                "class Site(models.Model):\n    tenant = models.ForeignKey(Tenant, "
                                                "on_delete=models.PROTECT)")
    index, _ = index_of(project(tmp_path, {"dcim/models.py": shared_templates}))
    assert index.tenant.models == ["Tenant"]


BASEROW_LIKE = '''
from django.db import models


class Workspace(models.Model):
    name = models.CharField(max_length=165)


class Database(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)


class Webhook(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)


class Template(models.Model):
    # The public template gallery: a template may have no workspace of its own.
    workspace = models.ForeignKey(Workspace, on_delete=models.SET_NULL, null=True)


class TrashEntry(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True)
'''


def test_a_tenant_key_left_empty_by_half_the_models_still_isolates_the_others(tmp_path: Path) -> None:
    index, _ = index_of(project(tmp_path, {"core/models.py": BASEROW_LIKE}))
    assert index.tenant.models == ["Workspace"]


CTF_LIKE = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Teams(db.Model):
    __tablename__ = "teams"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(128))


class Users(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    team_id = db.Column(db.Integer, db.ForeignKey("teams.id"))


class Challenges(db.Model):
    __tablename__ = "challenges"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))


class Hints(db.Model):
    __tablename__ = "hints"
    id = db.Column(db.Integer, primary_key=True)
    challenge_id = db.Column(db.Integer, db.ForeignKey("challenges.id"))


class Submissions(db.Model):
    __tablename__ = "submissions"
    id = db.Column(db.Integer, primary_key=True)
    challenge_id = db.Column(db.Integer, db.ForeignKey("challenges.id"))
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    team_id = db.Column(db.Integer, db.ForeignKey("teams.id"))


class Awards(db.Model):
    __tablename__ = "awards"
    id = db.Column(db.Integer, primary_key=True)
    challenge_id = db.Column(db.Integer, db.ForeignKey("challenges.id"))
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    team_id = db.Column(db.Integer, db.ForeignKey("teams.id"))


class Unlocks(db.Model):
    __tablename__ = "unlocks"
    id = db.Column(db.Integer, primary_key=True)
    hint_id = db.Column(db.Integer, db.ForeignKey("hints.id"))
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    team_id = db.Column(db.Integer, db.ForeignKey("teams.id"))
'''


def test_teams_whose_rows_point_to_shared_content_are_no_tenant(tmp_path: Path) -> None:
    """A CTF's teams: solves and unlocks record which team took part, against challenges and
    hints every team shares. Querying them by id is how the platform works, not a leak."""
    index, _ = index_of(project(tmp_path, {"ctf/models.py": CTF_LIKE}))
    assert not index.tenant.found
    assert "3 of the 3 references" in index.tenant.reason and "`Challenges`" in index.tenant.reason


def test_teams_that_own_the_content_they_point_to_are_the_tenant(tmp_path: Path) -> None:
    # Each team writes its own challenges: the rows point to content of the same team.
    owned = CTF_LIKE.replace('    name = db.Column(db.String(80))\n',
                             '    name = db.Column(db.String(80))\n    team_id = db.Column(db.Integer, '
                             'db.ForeignKey("teams.id"))\n')
    index, _ = index_of(project(tmp_path, {"ctf/models.py": owned}))
    assert index.tenant.models == ["Teams"]
    three_of_four = BASEROW_LIKE.replace("Webhook(models.Model):\n    workspace = models.ForeignKey(Workspace, "
                                         "on_delete=models.CASCADE)", "Webhook(models.Model):\n    workspace = "
                                         "models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True)")
    assert three_of_four != BASEROW_LIKE
    index, _ = index_of(project(tmp_path / "three", {"core/models.py": three_of_four}))
    assert not index.tenant.found and "3 of the 4 models" in index.tenant.reason


MANAGED_BY_ORGANIZATION = {
    "utils/mixins.py": '''
from django.db import models

from account.models import Organization
from utils.context import current_organization


class OrganizationMixin(models.Model):
    # Empty only in rows written before organizations existed; save() fills it.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        abstract = True


class OrganizationManagerMixin(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(organization=current_organization())
''',
    "account/models.py": '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)
''',
    "flows/models.py": '''
from django.db import models

from utils.mixins import OrganizationManagerMixin, OrganizationMixin


class FlowManager(OrganizationManagerMixin, models.Manager):
    pass


class ConnectorManager(OrganizationManagerMixin, models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("flow")


class LegacyManager(OrganizationManagerMixin, models.Manager):
    def get_queryset(self):
        return models.QuerySet(self.model, using=self._db)  # every organization's rows


class Flow(OrganizationMixin):
    name = models.CharField(max_length=100)
    objects = FlowManager()


class Connector(OrganizationMixin):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE)
    objects = ConnectorManager()


class Tag(OrganizationMixin):
    label = models.CharField(max_length=40)
    objects = LegacyManager()


class Usage(OrganizationMixin):
    pages = models.IntegerField()


class Run(models.Model):
    # Empty only while the run is created; the flow is set before it starts.
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, null=True)
''',
    "flows/views.py": '''
from .models import Connector, Flow, Run, Tag, Usage


def flows(request):
    return list(Flow.objects.all())


def connectors(request):
    return list(Connector.objects.filter(flow_id=request.GET["flow"]))


def tags(request):
    return list(Tag.objects.all())


def usage(request):
    return Usage.objects.count()


def every_flow(request):
    return Flow._base_manager.count()


def run_status(request):
    return Run.objects.get(pk=request.GET["run"]).status
''',
}


def test_managers_that_filter_by_an_optional_key_make_it_the_tenant(tmp_path: Path) -> None:
    """Most keys to the Organization may be empty, which alone says it labels rows rather than
    isolates them; but the default managers of two models filter by it, so it is the boundary,
    and a row without one is unfinished rather than shared. A manager inherits its base's filter
    unless it replaces get_queryset outright."""
    import analyzer

    root = project(tmp_path, MANAGED_BY_ORGANIZATION)
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"]
    assert "the default managers of 2 filter by it" in index.tenant.reason
    assert index.scoped_manager_classes >= {"OrganizationManagerMixin", "FlowManager", "ConnectorManager"}
    assert "LegacyManager" not in index.scoped_manager_classes
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    # The keys may be empty only until save() fills them: no row is shared, and a leak is an error;
    # a run whose key to its flow may be empty belongs to the flow's organization all the same.
    assert [m.bound_via for m in index.models_named("Run")] == ["flow"]
    assert sorted((f.line, f.severity.value) for f in report.findings if f.path == "flows/views.py") == [
        (14, "error"), (18, "error"), (22, "error"), (26, "error")]

    unmanaged = {**MANAGED_BY_ORGANIZATION, "utils/mixins.py": MANAGED_BY_ORGANIZATION["utils/mixins.py"].replace(
        ".filter(organization=current_organization())", ".filter(deleted_at=None)")}
    index, _ = index_of(project(tmp_path / "unmanaged", unmanaged))
    assert not index.tenant.found and "4 of the 4 models" in index.tenant.reason


ORGANIZATION_ABOVE_WORKSPACE = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
'''


def test_the_tenant_above_the_tenant_scopes_too(tmp_path: Path) -> None:
    index, _ = index_of(project(tmp_path, {"app/models.py": ORGANIZATION_ABOVE_WORKSPACE}))
    assert index.tenant.models == ["Workspace"]
    assert index.is_tenant_lookup("organization_id") and index.is_tenant_lookup("workspace_id")


def test_queries_on_models_with_shared_rows_are_warnings(tmp_path: Path) -> None:
    import analyzer

    models = DJANGO_CORE + '''

class Template(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)


class Invoice(OrgOwned):
    number = models.CharField(max_length=20)
'''
    views = '''
from .models import Invoice, Template


def templates(request):
    return list(Template.objects.all())


def invoices(request):
    return list(Invoice.objects.all())
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    severities = {f.message.split("`")[1]: f.severity.value for f in report.findings}
    assert severities == {"Template": "warning", "Invoice": "error"}


def test_the_default_filter_backends_scope_the_views_that_keep_them(tmp_path: Path) -> None:
    """DRF runs `DEFAULT_FILTER_BACKENDS` on every view's list and get_object() unless the view
    names backends of its own: a project backend named for the tenant scopes the querysets the
    views hand to DRF, not those a view's own action runs."""
    import analyzer

    settings = '''
REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": ["core.filters.OrganizationFilterBackend", "core.filters.NameOrdering"],
}
'''
    filters = '''
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from .context import current_organization, organization_path


class OrganizationFilterBackend(BaseFilterBackend):
    def filter_queryset(self, request, queryset, view):
        return queryset.filter(**{organization_path(queryset.model): current_organization()})


class NameOrdering(OrderingFilter):
    ordering_fields = ["name"]
'''
    views = '''
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from .models import Invoice


class InvoiceViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return Invoice.objects.all()

    @action(detail=False, methods=["post"])
    def void(self, request):
        return Response(Invoice.objects.filter(pk=request.data["id"]).update(number=""))


class InvoiceSearchViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [SearchFilter]
    search_fields = ["number"]

    def get_queryset(self):
        return Invoice.objects.all()
'''
    files = {"core/__init__.py": "", "config/__init__.py": "", "core/models.py": INVOICES_AND_CUSTOMERS,
             "core/filters.py": filters, "core/views.py": views, "config/settings.py": settings}
    root = project(tmp_path, files)
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert sorted(f.line for f in report.findings) == [16, 24]

    unnamed = {**files, "core/filters.py": filters.replace("OrganizationFilterBackend", "ContextFilterBackend"),
               "config/settings.py": settings.replace("OrganizationFilterBackend", "ContextFilterBackend")}
    report = analyzer.analyze([project(tmp_path / "unnamed", unnamed)],
                              Config(root=(tmp_path / "unnamed").resolve(), select=("TEN",)))
    assert sorted(f.line for f in report.findings) == [12, 16, 24], "a backend that names no tenant scopes nothing"


def test_a_primary_key_named_after_its_model_is_a_lookup_by_key(tmp_path: Path) -> None:
    """`profile_id = UUIDField(primary_key=True)`: `get(profile_id=...)` picks one row by its key,
    as `get(pk=...)` does, so a key the client sends reaches another tenant's row."""
    import analyzer

    models = DJANGO_CORE + '''

class Customer(OrgOwned):
    name = models.CharField(max_length=100)


class Tool(OrgOwned):
    tool_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=100)


class Profile(models.Model):
    profile_id = models.UUIDField(primary_key=True)
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE)
    chunk_size = models.IntegerField()
'''
    views = '''
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Profile, Tool


@api_view(["GET"])
def tool_name(request):
    return Response(Tool.objects.get(tool_id=request.GET["tool"]).name)


@api_view(["POST"])
def chunk_size(request):
    return Response(Profile.objects.get(profile_id=request.data["profile"]).chunk_size)


@api_view(["POST"])
def tool_chunk_size(request):
    tool = Tool.objects.get(tool_id=request.data["tool"], organization=request.user.organization)
    return Response(Profile.objects.get(profile_id=request.data["profile"], tool=tool).chunk_size)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert sorted((f.line, f.message.split(" without")[0]) for f in report.findings) == [
        (10, "`Tool` is fetched by primary key"), (15, "`Profile` is picked by primary key")]


def test_staff_only_view_classes_are_warnings(tmp_path: Path) -> None:
    """`@method_decorator(staff_member_required, name="get")` on a class guards its handlers as
    much as the decorator on a function does: operators look across tenants by design."""
    import analyzer

    views = '''
from django.contrib.admin.views.decorators import staff_member_required
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from .models import Invoice


@method_decorator(name="get", decorator=staff_member_required())
class UsageReport(TemplateView):
    def get_context_data(self, **kwargs):
        return {"invoices": Invoice.objects.count()}


class PublicReport(TemplateView):
    def get_context_data(self, **kwargs):
        return {"invoice_total": Invoice.objects.count()}


@allow_permission([ROLE.ADMIN, ROLE.MEMBER])
def invoice_count(request):
    # Members get in too: a role list that names ADMIN is no staff-only guard.
    return Invoice.objects.count()
'''
    root = project(tmp_path, {"core/models.py": INVOICES_AND_CUSTOMERS, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert sorted((f.line, f.severity.value) for f in report.findings) == [
        (12, "warning"), (17, "error"), (23, "error")]


def test_views_behind_an_operator_permission_class_are_warnings(tmp_path: Path) -> None:
    """`permission_classes = (SuperuserPermission,)` lets only the instance's operators in; a
    tenant's own administrators (`OrganizationAdminPermission`) see their tenant only."""
    import analyzer

    views = '''
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Invoice
from .permissions import OrganizationAdminPermission, SuperuserPermission


class InvoiceStats(APIView):
    permission_classes = (SuperuserPermission,)

    def get(self, request):
        return Response({"numbers": list(Invoice.objects.values_list("number", flat=True))})


class InvoiceTotals(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        return Response({"numbers": list(Invoice.objects.values_list("number", flat=True))})


class OrganizationInvoiceStats(APIView):
    permission_classes = (OrganizationAdminPermission,)

    def get(self, request):
        return Response({"numbers": list(Invoice.objects.values_list("number", flat=True))})
'''
    permissions = '''
from rest_framework.permissions import BasePermission


class SuperuserPermission(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_superuser


class OrganizationAdminPermission(BasePermission):
    def has_permission(self, request, view):
        return request.user.role == "admin"
'''
    root = project(tmp_path, {"core/models.py": INVOICES_AND_CUSTOMERS, "core/views.py": views,
                              "core/permissions.py": permissions})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert sorted((f.line, f.severity.value) for f in report.findings) == [
        (14, "warning"), (21, "warning"), (28, "error")]


SCHEMA_PER_TENANT = {
    "app/models.py": '''
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"
    __table_args__ = {"schema": "core"}
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50))


class Incident(Base):
    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey(Organization.id))


class Signal(Base):
    __tablename__ = "signal"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey(Organization.id))


class ApiKey(Base):
    __tablename__ = "api_key"
    __table_args__ = ({"schema": "core"},)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey(Organization.id))
''',
    "app/database.py": '''
from sqlalchemy.orm import Session


def session_for(engine, organization):
    return Session(bind=engine.execution_options(schema_translate_map={None: f"org_{organization.slug}"}))
''',
    "app/routes.py": '''
from fastapi import APIRouter

from .models import ApiKey, Incident

router = APIRouter()


@router.get("/incidents/{incident_id}")
def read_incident(incident_id: int, db_session):
    return db_session.get(Incident, incident_id)


@router.get("/keys/{key_id}")
def read_key(key_id: int, db_session):
    return db_session.get(ApiKey, key_id)
''',
}


def test_tables_of_the_default_schema_are_isolated_by_a_schema_per_tenant(tmp_path: Path) -> None:
    root = project(tmp_path, SCHEMA_PER_TENANT)
    index, _ = index_of(root)
    assert index.tenant_schemas == "app/database.py:6"
    models = {m.name: m for m in index.models.values()}
    assert models["Incident"].auto_scoped and models["Signal"].auto_scoped
    assert not models["ApiKey"].auto_scoped and models["ApiKey"].schema == "core"
    findings = analyzer.analyze([root], Config(root=root.resolve())).findings
    assert [(f.rule, f.path, f.line) for f in findings if f.rule.startswith("TEN")] == [
        ("TEN002", "app/routes.py", 16)]


def test_a_manager_method_handed_the_tenant_scopes_a_views_queryset(tmp_path: Path) -> None:
    """Shuup's PageView: `get_queryset` returns `self.model.objects.for_shop(self.request.shop)`,
    a method of a queryset class from a package the scan cannot read."""
    views = '''
from django.views.generic import DetailView

from .models import Page


class PageView(DetailView):
    model = Page

    def get_queryset(self):
        return self.model.objects.for_organization(self.request.user.organization)


class PagePreview(DetailView):
    model = Page

    def get_queryset(self):
        return self.model.objects.for_language(self.request.LANGUAGE_CODE)
'''
    models = DJANGO_CORE + '''

from cms_kit.querysets import PageQuerySet


class Page(OrgOwned):
    url = models.CharField(max_length=200)
    objects = PageQuerySet.as_manager()


class Menu(OrgOwned):
    title = models.CharField(max_length=200)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("core/views.py", 15)]


def test_default_object_permissions_guard_drf_detail_views(tmp_path: Path) -> None:
    """Label Studio's REST_FRAMEWORK defaults end in a class whose `has_object_permission` asks
    the row about the caller: every detail view that keeps the defaults checks the row it serves."""
    settings = '''
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": [
        "core.permissions.OrganizationObjects",
        "rest_framework.permissions.IsAuthenticated",
    ],
}
'''
    permissions = '''
from rest_framework.permissions import BasePermission


class OrganizationObjects(BasePermission):
    def has_object_permission(self, request, view, obj):
        return obj.organization_id == request.user.organization_id


class OwnerObjects(OrganizationObjects):
    message = "Only the owner may do this."
'''
    views = '''
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .models import Menu, Page
from .permissions import OwnerObjects


class PageDetail(generics.RetrieveUpdateDestroyAPIView):
    queryset = Page.objects.all()


class PageOwnerDetail(generics.RetrieveUpdateAPIView):
    queryset = Page.objects.all()
    permission_classes = [IsAuthenticated, OwnerObjects]


class MenuDetail(generics.RetrieveUpdateDestroyAPIView):
    queryset = Menu.objects.all()
    permission_classes = [IsAuthenticated]


class MenuPreview(generics.RetrieveAPIView):
    queryset = Menu.objects.all()
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [IsAuthenticated]


class MenuPublish(generics.CreateAPIView):
    queryset = Menu.objects.all()

    def post(self, request, pk):
        menu = self.get_object()
        return Response({"published": menu.publish()})


class MenuClone(generics.CreateAPIView):
    queryset = Menu.objects.all()

    def post(self, request):
        source = self.get_queryset().get(pk=request.data["source"])
        return Response({"id": source.clone().pk})
'''
    models = PAGES_AND_MENUS
    root = project(tmp_path, {"config/settings.py": settings, "core/models.py": models,
                              "core/permissions.py": permissions, "core/views.py": views})
    index, _ = index_of(root)
    assert index.default_permissions == ("OrganizationObjects", "IsAuthenticated")
    assert index.object_permissions == {"OrganizationObjects", "OwnerObjects"}
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("core/views.py", 21), ("core/views.py", 39)]


def test_imports_from_a_source_folder_that_is_itself_a_package(tmp_path: Path) -> None:
    """`label_studio/manage.py` puts `label_studio/` on sys.path, so its modules import
    `from core.views import ...` although the folder is a package too: the base class that
    narrows get_queryset is found all the same."""
    base_views = '''
from rest_framework import generics


class CallerRowsList(generics.ListAPIView):
    def get_queryset(self):
        return super().get_queryset().filter(organization=self.request.user.organization)


class SearchList(generics.ListAPIView):
    def get_queryset(self):
        return super().get_queryset().filter(url__icontains=self.request.query_params["q"])
'''
    views = '''
from core.base_views import CallerRowsList, SearchList
from core.models import Page


class PageList(CallerRowsList):
    queryset = Page.objects.all()


class PageSearch(SearchList):
    queryset = Page.objects.all()
'''
    models = PAGES_AND_MENUS
    root = project(tmp_path, {"app/__init__.py": "", "app/manage.py": "", "app/core/__init__.py": "",
                              "app/core/models.py": models, "app/core/base_views.py": base_views,
                              "app/core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("app/core/views.py", 11)]


def test_tests_are_left_out_of_the_index_and_parsed_only_for_a_rule(tmp_path: Path) -> None:
    """A test module's models are not the project's schema, and no rule reads tests by default:
    such a module is read but never parsed, which on a large Django project is a third of them."""
    from analyzer.engine import parse_files

    models = PAGES_AND_MENUS
    test_module = '''
from django.db import models

from core.models import Organization, Page


class ThrowawayWidget(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)


def test_page_lookup(db):
    assert Page.objects.get(pk=1).url == "/"
'''
    root = project(tmp_path, {"core/models.py": models, "core/tests/test_pages.py": test_module})
    index, _ = index_of(root)
    assert {m.name for m in index.models.values()} == {"Organization", "OrgOwned", "Page", "Menu"}
    test_file = root / "core" / "tests" / "test_pages.py"
    [default] = parse_files([test_file], Config(root=root.resolve()))[0]
    assert default.module is None
    tenant_everywhere = Config(root=root.resolve(), tenant=TenantConfig(exempt_paths=("**/migrations/**",)))
    [checked] = parse_files([test_file], tenant_everywhere)[0]
    assert checked.module is not None


TENANT_BASE = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


def tenant_keyed_models(*names: str) -> str:
    """A declarative Base, `Tenant`, and one model per name keyed by `tenant_id`."""
    return TENANT_BASE + "".join(
        f'''

class {name}(Base):
    __tablename__ = "{name.lower()}s"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
''' for name in names)


def test_fastapi_routes_behind_an_admin_dependency_are_warnings(tmp_path: Path) -> None:
    """An admin API guarded on its router, its decorator or a parameter, or made a router of its
    own under /admin, looks across tenants by design, like a Django view behind
    `staff_member_required`; the same lookup for a signed-in member is an error."""
    import analyzer

    models = tenant_keyed_models('Client', 'User')
    routes = '''
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import get_session
from app.deps import current_member, get_current_superuser, is_authenticated_admin_api
from app.models import Client, User

admin_router = APIRouter(dependencies=[Depends(is_authenticated_admin_api)])
router = APIRouter()


@admin_router.get("/admin/clients/{client_id}")
def admin_client(client_id: int, session: Session = Depends(get_session)):
    return session.get(Client, client_id)


@router.get("/superuser/users/{user_id}", dependencies=[Depends(get_current_superuser)])
def superuser_user(user_id: int, session: Session = Depends(get_session)):
    return session.scalars(select(User).where(User.id == user_id)).one()


@router.get("/operator/clients/{client_id}")
def operator_client(client_id: int, admin=Depends(get_current_superuser), session: Session = Depends(get_session)):
    return session.get(Client, client_id)


@router.get("/clients/{client_id}")
def member_client(client_id: int, member=Depends(current_member), session: Session = Depends(get_session)):
    return session.get(Client, client_id)


ops = APIRouter(prefix="/admin/clients")  # the middleware asks every /admin/ path for the operators' key
team = APIRouter(prefix="/teams/{team_id}/admin")  # a team's own admins


@ops.get("/{client_id}/usage")
def client_usage(client_id: int, session: Session = Depends(get_session)):
    return session.get(Client, client_id)


@team.get("/clients/{client_id}")
def team_client(client_id: int, session: Session = Depends(get_session)):
    return session.get(Client, client_id)


class ClientsRouter:
    def __init__(self):
        self.router = APIRouter()
        self.admin_router = APIRouter()
        self.router.add_api_route("/clients/{client_id}/notes", self.client_notes, methods=["GET"])
        self.admin_router.add_api_route("/clients/{client_id}/refresh", self.refresh_client, methods=["POST"])

    async def client_notes(self, client_id: int, session: Session = Depends(get_session)):
        return session.get(Client, client_id)

    async def refresh_client(self, client_id: int, session: Session = Depends(get_session)):
        return session.get(Client, client_id)
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models, "app/routes.py": routes})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    lines = routes.splitlines()

    def route_of(line: int) -> str:
        return next(text.split("def ")[1].split("(")[0] for text in reversed(lines[:line]) if "def " in text)

    assert {route_of(f.line): f.severity.value for f in report.findings} == {
        "admin_client": "warning", "superuser_user": "warning", "operator_client": "warning", "member_client": "error",
        "client_usage": "warning", "team_client": "error", "client_notes": "error", "refresh_client": "warning"}


def test_a_dependency_lookup_is_checked_only_when_every_dependant_checks_the_row(tmp_path: Path) -> None:
    import analyzer

    models = tenant_keyed_models('Project', 'Report')
    routes = '''
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from app.deps import current_member, get_session
from app.models import Project, Report

router = APIRouter()


def project_in_path(project_id: int, session: Session = Depends(get_session)) -> Project:
    return session.get(Project, project_id)


def report_in_path(report_id: int, session: Session = Depends(get_session)) -> Report:
    return session.get(Report, report_id)


@router.get("/projects/{project_id}")
def read_project(project: Project = Depends(project_in_path), member=Depends(current_member)):
    if project.tenant_id != member.tenant_id:
        raise HTTPException(status_code=404)
    return project


@router.get("/reports/{report_id}")
def read_report(report: Report = Depends(report_in_path), member=Depends(current_member)):
    if report.tenant_id != member.tenant_id:
        raise HTTPException(status_code=404)
    return report


@router.get("/reports/{report_id}/raw")
def read_raw_report(report: Report = Depends(report_in_path)):
    return report
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models, "app/routes.py": routes})
    index, _ = index_of(root)
    assert "project_in_path" in index.checked_dependencies
    assert "report_in_path" not in index.checked_dependencies  # read_raw_report uses the row unchecked
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [routes.splitlines()[f.line - 1].strip() for f in report.findings] == [
        "return session.get(Report, report_id)"]


def test_the_subject_of_a_verified_token_is_the_caller_but_decoded_bytes_are_not(tmp_path: Path) -> None:
    import analyzer

    models = tenant_keyed_models('Member', 'Board')
    deps = '''
import jwt
from fastapi import Depends, Header
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Board, Member
from app.settings import SECRET_KEY


def current_member(authorization: str = Header(...), session: Session = Depends(get_session)) -> Member:
    claims = jwt.decode(authorization.removeprefix("Bearer "), SECRET_KEY, algorithms=["HS256"])
    return session.get(Member, int(claims["sub"]))


def board_from_header(x_board: bytes = Header(...), session: Session = Depends(get_session)) -> Board:
    return session.get(Board, int(x_board.decode("utf-8")))
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models, "app/deps.py": deps})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [deps.splitlines()[f.line - 1].strip() for f in report.findings] == [
        'return session.get(Board, int(x_board.decode("utf-8")))']


def test_a_rebuilt_index_reads_each_unchanged_module_once(monkeypatch) -> None:
    """The language server rebuilds the index over the same trees at each edit to a models
    file: what each module adds (its calls and handlers, its protections, its imports) is read
    from a tree once, and the rebuilt index says what the first one said."""
    root = Path(__file__).resolve().parents[1] / "fixtures" / "django_saas"
    config = discover_config(root)
    files, _ = discover([root], config)
    parsed, _ = parse_files(files, config)
    first = index_files(parsed, config)
    read = []
    for module, name in ((handlers, "_called_keys"), (security, "_cookie_dependencies")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, original=original: read.append(args) or original(*args))
    again = index_files(parsed, config)
    assert read == []
    assert (again.request_reachable, again.quiet_reachable) == (first.request_reachable, first.quiet_reachable)
    assert first.request_reachable and first.query_builders and first.keyed_helpers
    assert (again.query_builders, again.keyed_helpers) == (first.query_builders, first.keyed_helpers)
    assert again.security == first.security and again.unloaded_model_modules == first.unloaded_model_modules


def test_a_manager_overriding_a_django_method_does_not_scope_that_method_everywhere(tmp_path: Path) -> None:
    """One manager's `get_or_create` that adds the space makes that manager safe, not every
    model's `get_or_create`; a method of the project's own name (`for_space`) is learned."""
    models = '''
from django.db import models


class Space(models.Model):
    name = models.CharField(max_length=80)


class TagQuerySet(models.QuerySet):
    def for_space(self, space):
        return self.filter(space=space)


class TagManager(models.Manager):
    def get_or_create(self, *args, space=None, **kwargs):
        return super().get_or_create(*args, space=space, **kwargs)

    def get_queryset(self):
        return TagQuerySet(self.model, using=self._db)


class Tag(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE)
    name = models.CharField(max_length=80)
    objects = TagManager()


class Note(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE)
    text = models.TextField()
'''
    views = '''
from django.http import JsonResponse

from .models import Note, Tag


def note_copy(request):
    note, _ = Note.objects.get_or_create(pk=request.GET["id"])
    tags = Tag.objects.for_space(request.space)
    return JsonResponse({"text": note.text, "tags": [t.name for t in tags]})
'''
    root = project(tmp_path, {"notes/__init__.py": "", "notes/models.py": models, "notes/views.py": views})
    index, _ = index_of(root)
    assert "for_space" in index.scoping_methods and "get_or_create" not in index.scoping_methods
    report = analyzer.analyze([root], Config(root=root.resolve()))
    assert [(f.rule, f.path, f.line) for f in report.findings if f.rule.startswith("TEN")] == \
        [("TEN001", "notes/views.py", 8)]


def test_generic_views_that_pick_their_own_object_or_only_serve_as_bases(tmp_path: Path) -> None:
    """pretix's organizer views: an UpdateView with `model = Team` whose `get_object` looks the
    row up within the organizer, and list and detail bases that only narrowing subclasses extend."""
    views = '''
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, UpdateView

from .models import Menu, Page


class PageEdit(UpdateView):
    model = Page
    fields = ["url"]

    def get_object(self, queryset=None):
        return get_object_or_404(Page, organization=self.request.user.organization, pk=self.kwargs["pk"])


class PageCheckedEdit(UpdateView):
    model = Page
    fields = ["url"]

    def get_object(self, queryset=None):
        page = super().get_object(queryset)
        if not page.url:
            raise ValueError("no url")
        return page


class PageList(ListView):
    model = Page

    def get_object(self, queryset=None):
        return None


class MenuListView(ListView):
    model = Menu


class OrganizationMenusView(MenuListView):
    def get_queryset(self):
        return Menu.objects.filter(organization=self.request.user.organization)


class MenuDetailView(DetailView):
    model = Menu


class MenuSearchView(MenuDetailView):
    def get_queryset(self):
        return Menu.objects.filter(title__icontains=self.request.GET.get("q", ""))
'''
    models = PAGES_AND_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert sorted((f.path, f.line) for f in report.findings) == [
        ("core/views.py", 17), ("core/views.py", 28), ("core/views.py", 49)]  # PageCheckedEdit, PageList, and
    # MenuSearchView's own unscoped query


def test_a_view_behind_a_staff_mixin_is_an_operators(tmp_path: Path) -> None:
    """pretix's `UpdateCheckView(StaffMemberRequiredMixin, FormView)` runs a count of every
    event: an operator's view, so a warning, where the same view without the mixin is an error."""
    views = '''
from django.http import JsonResponse
from django.views import View

from .models import Page
from .permissions import StaffMemberRequiredMixin


class PageStatsView(StaffMemberRequiredMixin, View):
    def get(self, request):
        return JsonResponse({"pages": Page.objects.count()})


class PublicPageStatsView(View):
    def get(self, request):
        return JsonResponse({"pages": Page.objects.count()})
'''
    permissions = '''
from django.core.exceptions import PermissionDenied


class StaffMemberRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied()
        return super().dispatch(request, *args, **kwargs)
'''
    models = PAGES_AND_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views, "core/permissions.py": permissions})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.severity.value) for f in report.findings] == [(11, "warning"), (16, "error")]


def test_a_branch_for_superusers_reads_across_tenants_for_operators(tmp_path: Path) -> None:
    """pretix's `events_with_access`: every event for a staff session, the user's own otherwise."""
    views = '''
from django.http import JsonResponse

from .models import Page


def pages(request):
    if request.user.is_superuser:
        rows = Page.objects.all()
    else:
        rows = Page.objects.filter(url__startswith=request.GET.get("prefix", "/"))
    return JsonResponse({"pages": [p.url for p in rows]})
'''
    models = PAGES_AND_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.severity.value) for f in report.findings] == [(9, "warning"), (11, "error")]


def test_a_narrowing_skipped_for_operators_leaves_a_warning(tmp_path: Path) -> None:
    """sentry's app catalogue: every caller but a superuser gets the rows of their own
    organizations; a narrowing skipped on some other condition still leaks to everyone."""
    views = '''
from django.http import JsonResponse

from .models import Page
from .permissions import is_active_superuser


def drafts(request):
    rows = Page.objects.filter(url__startswith="/drafts/")
    if not is_active_superuser(request):
        rows = rows.filter(organization__in=request.user.organizations.all())
    return JsonResponse({"pages": [p.url for p in rows]})


def archive(request):
    rows = Page.objects.filter(url__startswith="/archive/")
    if request.user.is_staff:
        pass
    else:
        rows = rows.filter(organization=request.user.organization)
    return JsonResponse({"pages": [p.url for p in rows]})


def recent(request):
    rows = Page.objects.filter(url__startswith="/recent/")
    if request.GET.get("mine"):
        rows = rows.filter(organization=request.user.organization)
    return JsonResponse({"pages": [p.url for p in rows]})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/views.py": views,
                              "core/permissions.py": "def is_active_superuser(request):\n    return False\n"})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.severity.value) for f in report.findings] == [
        (9, "warning"), (16, "warning"), (25, "error")]


SERVICES_BEHIND_A_SERVER = {
    "app/__init__.py": "",
    "app/models.py": '''
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)


class Block(Base):
    __tablename__ = "block"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey(Organization.id))
    label: Mapped[str] = mapped_column(String(50))


class Agent(Base):
    __tablename__ = "agent"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey(Organization.id))
''',
    "app/server.py": '''
from sqlalchemy import select

from .models import Block


class BlockManager:
    def get_block(self, session, block_id):
        return session.scalars(select(Block).where(Block.id == block_id)).one()


class Server:
    def __init__(self):
        self.block_manager = BlockManager()


def get_server():
    return Server()
''',
    "app/routes.py": '''
from fastapi import APIRouter, Depends

from .server import Server, get_server

router = APIRouter()
internal = APIRouter(prefix="/_internal_blocks")


@router.get("/blocks/{block_id}")
def read_block(block_id: int, session, server: "Server" = Depends(get_server)):
    return server.block_manager.get_block(session, block_id).label


@router.get("/admin/blocks/{block_id}", tags=["admin"])
def read_any_block(block_id: int, session, server: "Server" = Depends(get_server)):
    return server.block_manager.get_block(session, block_id).label


@internal.get("/{block_id}")
def read_block_for_a_service(block_id: int, session, server: "Server" = Depends(get_server)):
    return server.block_manager.get_block(session, block_id).label
''',
}


def test_services_behind_an_injected_server_and_how_routes_are_grouped(tmp_path: Path) -> None:
    """letta's routes reach their managers as `server.block_manager.get_block(...)`, the server
    annotated as a string; its operators' routes carry `tags=["admin"]`, its service routes live
    under `/_internal_...`."""
    root = project(tmp_path, SERVICES_BEHIND_A_SERVER)
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.severity.value) for f in report.findings] == [
        ("app/routes.py", 12, "error"), ("app/routes.py", 17, "warning")]


def test_a_queryset_handed_to_get_object_or_404_is_judged_once_with_its_lookup(tmp_path: Path) -> None:
    """pretix's gift card page: `get_object_or_404(GiftCard.objects.filter(Q(owner_ticket_id=pos.pk) |
    Q(owner_ticket__addon_to_id=pos.pk)), pk=...)` keeps the cards of a position the page holds."""
    views = '''
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.http import JsonResponse

from .models import Attachment, Page


def page_file(request, pk):
    page = get_object_or_404(Page, pk=pk, organization=request.user.organization)
    own = Attachment.objects.filter(Q(page_id=page.pk) | Q(page__parent_id=page.pk))
    return JsonResponse({"name": get_object_or_404(own, pk=request.GET["file"]).name})


def any_page_file(request, pk):
    found = get_object_or_404(Attachment.objects.filter(name__endswith=".pdf"), pk=request.GET["file"])
    return JsonResponse({"name": found.name})
'''
    models = DJANGO_CORE + '''


class Page(OrgOwned):
    url = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)


class Attachment(OrgOwned):
    page = models.ForeignKey(Page, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("core/views.py", 16)]


def test_a_lookups_key_is_traced_back_to_the_parameter_it_came_from() -> None:
    """What `Block.id.in_(...)` compares with, named by the parameter a caller fills."""
    import astroid

    from analyzer.rules.tenant.chains import key_name

    module = astroid.parse('''
def create(project_id, body):
    project_id = int(project_id)
    same = project_id
    chosen = body
    chosen = body.model_copy(update={"ids": body.ids[:100]})
    wanted = list(chosen.ids or [])
    fresh = uuid4()
    return same, wanted, fresh
''')
    returned = module.body[0].body[-1].value.elts
    assert [key_name(value) for value in returned] == ["project_id", "body.ids", "fresh"]


def test_rows_pointing_at_a_held_row_through_a_plain_column_follow_that_row(tmp_path: Path) -> None:
    """`Grant.objects.filter(target=page.id)`: a reference column that is no foreign key, matched
    with the key of a row the view loaded for its tenant; the same column matched with an id
    from the query string is any tenant's."""
    views = '''
from django.http import JsonResponse

from .models import Grant, Page


def revoke_page_grants(request, pk):
    page = Page.objects.get(pk=pk, organization=request.user.organization)
    Grant.objects.filter(target=page.id).delete()
    return JsonResponse({"page": page.url})


def revoke_grants(request):
    Grant.objects.filter(target=request.GET["target"]).delete()
    return JsonResponse({})
'''
    models = PAGES_AND_MENUS + '''

class Grant(OrgOwned):
    target = models.CharField(max_length=64)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(14, "TEN001")]


def test_rows_pointing_at_each_held_row_follow_those_rows(tmp_path: Path) -> None:
    """`Grant.objects.filter(target_id__in=[page.menu_id for page in pages])`: the keys of rows
    the view loaded for its tenant, gathered into a list or a dict's keys; the same lookup with
    ids from the query string is any tenant's."""
    views = '''
from django.http import JsonResponse

from .models import Grant, Page


def menu_grants(request):
    pages = Page.objects.filter(organization=request.user.organization)
    grants = Grant.objects.filter(target_id__in=[page.menu_id for page in pages])
    return JsonResponse({"grants": [g.role for g in grants]})


def menu_grants_by_page(request):
    by_menu = {page.menu_id: page for page in Page.objects.filter(organization=request.user.organization)}
    grants = Grant.objects.filter(target_id__in=by_menu.keys())
    return JsonResponse({"grants": [g.role for g in grants]})


def grants_of(request):
    grants = Grant.objects.filter(target_id__in=request.GET.getlist("menu"))
    return JsonResponse({"grants": [g.role for g in grants]})
'''
    models = PAGES_AND_MENUS + '''

class Grant(OrgOwned):
    target_id = models.IntegerField()
    role = models.CharField(max_length=20)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(20, "TEN001")]


def test_a_check_of_each_row_in_a_loop_checks_the_rows(tmp_path: Path) -> None:
    """`for page in pages: if not can_edit_page(request.user, page): raise PermissionDenied`:
    every row the ids picked is checked before use; without the loop's check they are any
    tenant's pages."""
    views = '''
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse

from .models import Page
from .permissions import can_edit_page


def publish_pages(request):
    pages = Page.objects.filter(id__in=request.POST.getlist("page"))
    for page in pages:
        if not can_edit_page(request.user, page):
            raise PermissionDenied
    pages.update(url="/published")
    return JsonResponse({"published": len(pages)})


def archive_pages(request):
    pages = Page.objects.filter(id__in=request.POST.getlist("page"))
    for page in pages:
        page.url = "/archived" + page.url
        page.save()
    return JsonResponse({"archived": len(pages)})
'''
    permissions = '''
def can_edit_page(user, page):
    return page.organization_id == user.organization_id
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/views.py": views,
                              "core/permissions.py": permissions})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(19, "TEN001")]


def test_rows_asked_only_whether_they_exist_and_whose_they_are_are_not_served(tmp_path: Path) -> None:
    """`providers = Page.objects.filter(url=...)`, then `providers.exists()`, `len(providers)` and
    `providers[0].organization_id`: a sign-in page working out which tenant a link belongs to
    reads no row's data; reading `providers[0].url` does."""
    views = '''
from django.http import JsonResponse
from django.shortcuts import redirect

from .models import Page


def sign_in_from_page(request):
    pages = Page.objects.filter(url=request.GET["url"])
    if not pages.exists() or len(pages) > 1:
        return redirect("/login")
    return redirect(f"/orgs/{pages[0].organization_id}/login")


def page_preview(request):
    pages = Page.objects.filter(url=request.GET["url"])
    if not pages.exists():
        return redirect("/login")
    return JsonResponse({"url": pages[0].url})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(16, "TEN001")]


def test_a_key_the_server_sets_on_a_form_row_is_the_servers(tmp_path: Path) -> None:
    """`note = form.save(commit=False); note.page_id = page.id`: the row came from the client's
    form, but the key it is read for was set by the server from a row it looked up; without that
    assignment the key is the client's."""
    views = '''
from django import forms
from django.http import JsonResponse

from .models import Menu, Page


class MenuForm(forms.ModelForm):
    class Meta:
        model = Menu
        fields = ["title", "page"]


def add_menu(request, token):
    page = Page.objects.get(share_token=token)
    form = MenuForm(request.POST)
    if form.is_valid():
        menu = form.save(commit=False)
        menu.page_id = page.id
        menu.save()
        shown = Page.objects.get(id=menu.page_id)
        return JsonResponse({"url": shown.url})
    return JsonResponse({}, status=400)


def add_menu_to_any_page(request):
    form = MenuForm(request.POST)
    if form.is_valid():
        menu = form.save()
        shown = Page.objects.get(id=menu.page_id)
        return JsonResponse({"url": shown.url})
    return JsonResponse({}, status=400)
'''
    models = DJANGO_CORE + '''

class Page(OrgOwned):
    url = models.CharField(max_length=200)
    share_token = models.CharField(max_length=64)


class Menu(OrgOwned):
    title = models.CharField(max_length=200)
    page = models.ForeignKey(Page, on_delete=models.CASCADE)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(30, "TEN001")]


def test_lookups_set_on_a_dict_narrow_the_query_they_are_unpacked_into(tmp_path: Path) -> None:
    """`lookups["organization_id__in"] = organization_ids` under `if organization_ids is not
    None:` before `Page.objects.filter(**lookups)`: the service narrows whenever its caller names
    the tenants. A dict that only ever gets other lookups leaves every tenant's rows."""
    services = '''
from .models import Page


def find_pages(organization_ids=None, url=None):
    lookups = {}
    if organization_ids is not None:
        lookups["organization_id__in"] = organization_ids
    if url is not None:
        lookups["url"] = url
    return [page.url for page in Page.objects.filter(**lookups)]


def find_pages_by_url(url=None, prefix=None):
    lookups = {}
    if url is not None:
        lookups["url"] = url
    if prefix is not None:
        lookups["url__startswith"] = prefix
    return [page.url for page in Page.objects.filter(**lookups)]
'''
    views = '''
from django.http import JsonResponse

from .services import find_pages, find_pages_by_url


def pages(request):
    return JsonResponse({"pages": find_pages([request.user.organization_id], request.GET.get("url"))})


def pages_by_url(request):
    return JsonResponse({"pages": find_pages_by_url(request.GET.get("url"))})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/services.py": services,
                              "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/services.py", 20, "TEN001")]


def test_a_count_guarding_a_lookup_of_whose_rows_they_are_reads_nothing(tmp_path: Path) -> None:
    """A job given one organization that asks `if len(pages) == 0:` before gathering the other
    tenants holding the same page reads no page; counting every tenant's pages into its answer
    reads them all."""
    tasks = '''
from .models import Menu, Page


def shares_the_page(organization_id, url):
    pages = Page.objects.filter(url=url)
    if len(pages) == 0:
        return False
    owners = {page.organization_id for page in pages}
    return owners != {organization_id}


def page_usage(organization_id, url):
    pages = Page.objects.filter(url=url)
    return {"organization": organization_id, "pages": len(pages)}


def sync_menus(organization_id):
    for menu in Menu.objects.filter(organization_id=organization_id):
        shares_the_page(organization_id, menu.title)
        page_usage(organization_id, menu.title)
'''
    views = '''
from django.http import JsonResponse

from .tasks import sync_menus


def sync(request):
    sync_menus(request.user.organization_id)
    return JsonResponse({})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/tasks.py": tasks, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/tasks.py", 14, "TEN001")]


def test_rows_published_to_every_tenant_are_a_catalogue(tmp_path: Path) -> None:
    """`Integration.objects.filter(status=Integration.Status.PUBLISHED)` lists what owners
    published for every organization to install; drafts, or a status the client picks, are
    each organization's own."""
    views = '''
from django.http import JsonResponse

from .models import Integration


def marketplace(request):
    listed = Integration.objects.filter(status=Integration.Status.PUBLISHED)
    return JsonResponse({"integrations": [i.name for i in listed]})


def marketplace_by_name(request):
    listed = Integration.objects.filter(status="published", name__icontains=request.GET["q"])
    return JsonResponse({"integrations": [i.name for i in listed]})


def drafts(request):
    listed = Integration.objects.filter(status=Integration.Status.DRAFT)
    return JsonResponse({"integrations": [i.name for i in listed]})


def by_status(request):
    listed = Integration.objects.filter(status=request.GET["status"])
    return JsonResponse({"integrations": [i.name for i in listed]})
'''
    models = PAGES_AND_MENUS + '''

class Integration(OrgOwned):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(18, "TEN001"), (23, "TEN001")]


def test_attributes_a_field_validator_loaded_are_the_servers_rows(tmp_path: Path) -> None:
    """In a DRF serializer's `validate(self, attrs)`, `attrs["menus"]` is what `validate_menus`
    returned: rows it loaded and checked one by one. A field with no validator of its own is
    the ids the client sent."""
    serializers = '''
from rest_framework import serializers

from .models import Menu, Page
from .permissions import can_see_menu


class PinSerializer(serializers.Serializer):
    menus = serializers.ListField(child=serializers.IntegerField())
    pages = serializers.ListField(child=serializers.IntegerField())

    def validate_menus(self, menu_ids):
        request = self.context["request"]
        menus = Menu.objects.filter(id__in=menu_ids)
        for menu in menus:
            if not can_see_menu(request.user, menu):
                raise serializers.ValidationError("no such menu")
        return menus

    def validate(self, attrs):
        attrs = super().validate(attrs)
        pinned = Page.objects.filter(menu_id__in=[menu.id for menu in attrs["menus"]]).count()
        if pinned > 10:
            raise serializers.ValidationError("too many pages pinned to these menus")
        shown = Page.objects.filter(menu_id__in=attrs["pages"])
        return {**attrs, "shown": [page.url for page in shown]}
'''
    permissions = '''
def can_see_menu(user, menu):
    return menu.organization_id == user.organization_id
'''
    views = '''
from django.http import JsonResponse

from .serializers import PinSerializer


def pin(request):
    serializer = PinSerializer(data=request.POST, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return JsonResponse(serializer.validated_data)
'''
    models = PAGES_IN_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/serializers.py": serializers,
                              "core/permissions.py": permissions, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/serializers.py", 25, "TEN001")]


def test_keys_in_a_dict_of_lookups_make_a_helper_keyed(tmp_path: Path) -> None:
    """`lookups = {"id__in": page_ids}; Page.objects.filter(**lookups)` in a helper looks rows up
    by the keys its caller hands in, as `filter(id__in=page_ids)` does: judged where a view
    hands it ids, reported where they are the client's."""
    services = '''
from .models import Page


def page_urls(page_ids, prefix=None):
    lookups = {"id__in": page_ids}
    if prefix:
        lookups["url__startswith"] = prefix
    return [page["url"] for page in Page.objects.filter(**lookups).values("url")]
'''
    views = '''
from django.http import JsonResponse

from .models import Page
from .services import page_urls


def my_page_urls(request):
    mine = list(Page.objects.filter(organization=request.user.organization).values_list("id", flat=True))
    return JsonResponse({"urls": page_urls(mine, request.GET.get("prefix"))})


def page_urls_of(request):
    return JsonResponse({"urls": page_urls(request.GET.getlist("page"))})
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_AND_MENUS,
                              "core/services.py": services, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 14, "TEN001")]


def test_a_narrowing_by_what_the_caller_gave_whenever_it_gave_it(tmp_path: Path) -> None:
    """`if menus: pages = pages.filter(menu__in=menus)`: a service narrows to the menus every
    caller hands in whenever there are some, as `if self.group_id:` narrows to a tenant; a
    narrowing under a test of something else is skipped whenever that is empty, and one by an
    optional parameter whenever a caller leaves it out."""
    services = '''
from .models import Page


def page_urls(menus, prefix):
    pages = Page.objects.filter(url__startswith=prefix)
    if menus:
        pages = pages.filter(menu__in=menus)
    return [page.url for page in pages]


def page_urls_unless_all(menus, prefix, everything):
    pages = Page.objects.filter(url__startswith=prefix)
    if not everything:
        pages = pages.filter(menu__in=menus)
    return [page.url for page in pages]


def page_urls_of_any_menu(prefix, menus=None):
    pages = Page.objects.filter(url__startswith=prefix)
    if menus:
        pages = pages.filter(menu__in=menus)
    return [page.url for page in pages]
'''
    views = '''
from django.http import JsonResponse

from .models import Menu
from .services import page_urls, page_urls_of_any_menu, page_urls_unless_all


def urls(request):
    menus = Menu.objects.filter(organization=request.user.organization)
    return JsonResponse({"urls": page_urls(menus, request.GET["prefix"]),
                         "all": page_urls_unless_all(menus, request.GET["prefix"], request.GET.get("all")),
                         "any": page_urls_of_any_menu(request.GET["prefix"])})
'''
    models = PAGES_IN_MENUS
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": models, "core/services.py": services,
                              "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [
        ("core/services.py", 13, "TEN001"), ("core/services.py", 20, "TEN001")]


def test_a_narrowing_under_a_test_that_the_tenant_key_was_given(tmp_path: Path) -> None:
    """`if "organization_id" in filters:` before narrowing to it: the tenant is named in the test
    as a string key, as it is as a name in `if organization_id:`; a narrowing to the tenant under
    a test of another key is skipped whenever that key is missing."""
    services = '''
from .models import Page


def page_urls(filters):
    pages = Page.objects.filter(url__startswith=filters.get("prefix", ""))
    if "organization_id" in filters:
        pages = pages.filter(organization_id=filters["organization_id"])
    return [page.url for page in pages]


def archived_page_urls(filters):
    pages = Page.objects.filter(url__startswith=filters.get("prefix", ""))
    if "archived" in filters:
        pages = pages.filter(organization_id=filters["organization_id"])
    return [page.url for page in pages]
'''
    views = '''
from django.http import JsonResponse

from .services import archived_page_urls, page_urls


def urls(request):
    filters = {"organization_id": request.user.organization_id, "prefix": request.GET.get("prefix", "")}
    return JsonResponse({"urls": page_urls(filters), "archived": archived_page_urls(filters)})
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_AND_MENUS,
                              "core/services.py": services, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/services.py", 13, "TEN001")]


def test_a_call_into_the_standard_library_reaches_no_project_function(tmp_path: Path) -> None:
    """`asyncio.run(...)` in a view runs asyncio's `run`, not the project's start-up job of the
    same name; `maintenance.tidy()` on a project module does run the project's."""
    startup = '''
from .models import Page


def run():
    Page.objects.filter(url__startswith="/tmp/").update(url="/")
'''
    maintenance = '''
from .models import Menu


def tidy():
    Menu.objects.filter(title="").delete()
'''
    views = '''
import asyncio

from django.http import JsonResponse

from . import maintenance


async def ping():
    return "pong"


def health(request):
    return JsonResponse({"ping": asyncio.run(ping())})


def tidy(request):
    maintenance.tidy()
    return JsonResponse({})
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_AND_MENUS, "core/startup.py": startup,
                              "core/maintenance.py": maintenance, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/maintenance.py", 6, "TEN001")]


def test_an_extra_condition_written_from_keys_of_held_rows_narrows(tmp_path: Path) -> None:
    """`Page.objects.extra(where=["core_page.menu_id IN ({})".format(", ".join(str(m.id) for m
    in menus))])` with the menus a view loaded for its tenant narrows to their pages; the same
    condition written from ids in the query string does not."""
    views = '''
from django.http import JsonResponse

from .models import Menu, Page


def pages_of_direct(menus):
    return [page.url for page in Page.objects.extra(where=[
        "core_page.menu_id IN ({})".format(", ".join(str(m.id) for m in menus))])]


def menu_pages(request):
    menus = Menu.objects.filter(organization=request.user.organization)
    return JsonResponse({"pages": pages_of_direct(menus)})


def sent_menu_pages(request):
    ids = ", ".join(str(int(i)) for i in request.GET.getlist("menu"))
    pages = Page.objects.extra(where=[f"core_page.menu_id IN ({ids})"])
    return JsonResponse({"pages": [page.url for page in pages]})
'''
    models = PAGES_IN_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(19, "TEN001")]


def test_rows_narrowed_in_place_and_asked_whether_they_exist_are_not_served(tmp_path: Path) -> None:
    """A uniqueness check: `query = query.exclude(id=...)` keeps the rows under the same name,
    and `if query.exists():` only asks about them; reading the clashing row's address serves
    another tenant's page."""
    views = '''
from django.http import JsonResponse

from .models import Page


def check_address(request):
    query = Page.objects.filter(url=request.POST["url"])
    if request.POST.get("id"):
        query = query.exclude(id=request.POST["id"])
    if query.exists():
        return JsonResponse({"error": "A page has this address already"}, status=400)
    return JsonResponse({})


def show_clash(request):
    query = Page.objects.filter(url__iexact=request.POST["url"])
    if request.POST.get("id"):
        query = query.exclude(id=request.POST["id"])
    if query.exists():
        return JsonResponse({"clash": query.first().url}, status=400)
    return JsonResponse({})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(17, "TEN001")]


def test_a_foreign_key_to_the_tenant_imported_under_another_name(tmp_path: Path) -> None:
    """`from core.models import Organization as SuperOrganization` and a foreign key to
    `SuperOrganization`: the import names the tenant model, so the model is tenant-scoped by
    that key, and a lookup by it scopes the query."""
    imports = '''
from django.db import models

from core.models import Organization as SuperOrganization, OrgOwned


class ImportRecord(models.Model):
    owner = models.ForeignKey(SuperOrganization, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
'''
    views = '''
from django.http import JsonResponse

from .models import ImportRecord


def record(request, pk):
    found = ImportRecord.objects.get(pk=pk, owner_id=request.user.organization_id)
    return JsonResponse({"name": found.name})


def any_record(request, pk):
    found = ImportRecord.objects.get(pk=pk)
    return JsonResponse({"name": found.name})
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_AND_MENUS,
                              "imports/__init__.py": "", "imports/models.py": imports, "imports/views.py": views})
    index, _ = index_of(root)
    assert index.model("imports.models.ImportRecord").tenant_field == "owner"
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("imports/views.py", 13, "TEN001")]


def test_keys_gathered_from_a_held_rows_relation_are_that_rows(tmp_path: Path) -> None:
    """`ids = list(menu.pages.values_list("id", flat=True))` of a menu loaded for the tenant,
    then `Page.objects.filter(pk__in=ids)`: the menu's own pages; ids from the body are
    anyone's."""
    views = '''
from django.http import JsonResponse

from .models import Menu, Page


def copy_menu(request, pk):
    menu = Menu.objects.get(pk=pk, organization=request.user.organization)
    ids = list(menu.pages.values_list("id", flat=True))
    pages = Page.objects.filter(pk__in=ids)
    return JsonResponse({"pages": [page.url for page in pages]})


def copy_pages(request):
    ids = list(request.POST.getlist("page"))
    pages = Page.objects.filter(pk__in=ids)
    return JsonResponse({"pages": [page.url for page in pages]})
'''
    models = PAGES_IN_MENUS
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(16, "TEN001")]


def test_a_row_compared_with_the_callers_own_row_is_checked(tmp_path: Path) -> None:
    """`viewer = Menu.objects.get(pk=request.menu_id)` (set on the request by the server's
    middleware), then `if not (viewer == menu or menu.is_under(viewer)): return 404` for the
    menu the page belongs to: the page is checked against the caller's place in the tree. A
    menu named in the query string is not the caller's."""
    views = '''
from django.http import JsonResponse

from .models import Menu, Page


def page_detail(request, pk):
    page = Page.objects.get(pk=pk)
    viewer = Menu.objects.get(pk=request.menu_id)
    menu = page.menu if page.menu_id else viewer
    if not (viewer == menu or menu.is_under(viewer)):
        return JsonResponse({}, status=404)
    return JsonResponse({"url": page.url})


def page_in_menu(request, pk):
    page = Page.objects.get(pk=pk)
    chosen = Menu.objects.get(pk=request.GET["menu"])
    if not (chosen == page.menu or page.menu.is_under(chosen)):
        return JsonResponse({}, status=404)
    return JsonResponse({"url": page.url})
'''
    models = DJANGO_CORE + '''

class Menu(OrgOwned):
    title = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)


class Page(OrgOwned):
    url = models.CharField(max_length=200)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(17, "TEN001"), (18, "TEN001")]


def test_a_model_chosen_by_a_conditional_expression_is_followed(tmp_path: Path) -> None:
    """`Source = Page if ... else DraftPage`, both keyed by the organization: a query on
    `Source` narrowed to the tenant narrows what it is handed to, and one left unnarrowed
    returns every tenant's pages."""
    views = '''
from django.http import JsonResponse

from .models import DraftPage, Menu, Page


def menus_with_pages(request):
    Source = Page if request.GET.get("published") else DraftPage
    pages = Source.objects.filter(organization=request.user.organization).values_list("id", flat=True)
    menus = Menu.objects.filter(pages__in=pages)
    return JsonResponse({"menus": [menu.title for menu in menus]})


def every_page(request):
    Source = Page if request.GET.get("published") else DraftPage
    return JsonResponse({"pages": [page.url for page in Source.objects.all()]})
'''
    models = DJANGO_CORE + '''

class Menu(OrgOwned):
    title = models.CharField(max_length=200)


class Page(OrgOwned):
    url = models.CharField(max_length=200)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="pages")


class DraftPage(OrgOwned):
    url = models.CharField(max_length=200)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="drafts")
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(16, "TEN001")]


def test_keys_read_from_the_rows_of_a_query_held_in_a_variable(tmp_path: Path) -> None:
    """`rows = menus.values("id", "title")` of the menus a caller handed in, then
    `Page.objects.filter(menu_id__in={row["id"] for row in rows})`: keys of loaded rows; the same
    set built from the request body's values (`dict.values()`) is the client's."""
    services = '''
from .models import Page


def pages_of(menus):
    rows = menus.values("id", "title")
    return [page.url for page in Page.objects.filter(menu_id__in={row["id"] for row in rows})]
'''
    views = '''
from django.http import JsonResponse

from .models import Menu, Page
from .services import pages_of


def menu_pages(request):
    return JsonResponse({"pages": pages_of(Menu.objects.filter(organization=request.user.organization))})


def sent_menu_pages(request):
    sent = request.POST.dict()
    pages = Page.objects.filter(menu_id__in={v for v in sent.values()})
    return JsonResponse({"pages": [page.url for page in pages]})
'''
    models = PAGES_IN_MENUS
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": models, "core/services.py": services,
                              "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 14, "TEN001")]


def test_a_parent_key_from_the_body_looked_up_with_the_tenant_first(tmp_path: Path) -> None:
    """`Menu.objects.get(pk=menu_id, organization=...)` before `Page.objects.filter(menu_id=
    menu_id)`: the key from the body was found among the tenant's menus first. Found only after
    the pages were read it checked nothing, nor does `filter(pk__in=menu_ids, organization=...)`,
    which keeps the tenant's menus and says nothing of the other ids."""
    views = '''
from django.http import JsonResponse

from .models import Menu, Page


def menu_pages(request):
    menu_id = request.POST["menu"]
    menu = Menu.objects.get(pk=menu_id, organization=request.user.organization)
    pages = Page.objects.filter(menu_id=menu_id)
    return JsonResponse({"menu": menu.title, "pages": [page.url for page in pages]})


def menu_pages_checked_late(request):
    menu_id = request.POST["menu"]
    pages = Page.objects.filter(menu_id=menu_id)
    menu = Menu.objects.get(pk=menu_id, organization=request.user.organization)
    return JsonResponse({"menu": menu.title, "pages": [page.url for page in pages]})


def pages_of_menus(request):
    menu_ids = request.POST.getlist("menu")
    menus = Menu.objects.filter(pk__in=menu_ids, organization=request.user.organization)
    pages = Page.objects.filter(menu_id__in=menu_ids)
    return JsonResponse({"menus": [menu.title for menu in menus], "pages": [page.url for page in pages]})
'''
    models = DJANGO_CORE + '''

class Menu(OrgOwned):
    title = models.CharField(max_length=200)


class Page(models.Model):
    url = models.CharField(max_length=200)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE)


class Label(OrgOwned):
    name = models.CharField(max_length=50)
'''
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(16, "TEN001"), (24, "TEN001")]


def test_code_that_runs_only_in_a_single_tenant_deployment(tmp_path: Path) -> None:
    """`if not settings.SINGLE_ORGANIZATION: raise ...` first thing in a view: it serves only an
    instance with one organization, where every page is that organization's. A guard on another
    setting says nothing of how many tenants there are."""
    views = '''
from django.conf import settings
from django.http import Http404, JsonResponse

from .models import Page


def instance_pages(request):
    from .models import Menu

    if not settings.SINGLE_ORGANIZATION:
        raise Http404("only on single-organization instances")
    return JsonResponse({"pages": [page.url for page in Page.objects.all()], "menus": Menu.objects.count()})


def beta_pages(request):
    if not settings.PAGES_BETA:
        raise Http404("not enabled")
    return JsonResponse({"pages": [page.url for page in Page.objects.all()]})
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(19, "TEN001")]


def test_graphql_resolvers_are_request_handlers(tmp_path: Path) -> None:
    """A strawberry field and an ariadne resolver run for a request with the arguments the
    client sent: a page fetched by that id alone is any tenant's. A method that only happens to
    take an `info` argument is no resolver."""
    schema = '''
import strawberry
from ariadne import QueryType
from strawberry.types import Info

from .models import Page

query = QueryType()


@strawberry.type
class Query:
    @strawberry.field
    def page(self, info: Info, id: strawberry.ID) -> str:
        return Page.objects.get(pk=id).url

    @strawberry.field
    def my_page(self, info: Info, id: strawberry.ID) -> str:
        return Page.objects.get(pk=id, organization=info.context.request.user.organization).url


@query.field("page")
def resolve_page(obj, info, id):
    return Page.objects.get(pk=id).url


class PageCache:
    def describe(self, info, id):
        return Page.objects.get(pk=id).url
'''
    root = project(tmp_path, {"core/models.py": PAGES_AND_MENUS, "core/schema.py": schema})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.line, f.rule) for f in report.findings] == [(15, "TEN001"), (24, "TEN001")]


def test_a_task_queued_with_the_id_of_a_row_just_saved(tmp_path: Path) -> None:
    """`serializer.save(...)` then `crawl_page.delay(serializer.data["id"])`: the id of the row
    the server just wrote, serialized back; queued with the id from the request body, the task
    fetches any tenant's page."""
    tasks = '''
from celery import shared_task

from .models import Page


@shared_task
def crawl_page(page_id):
    page = Page.objects.get(pk=page_id)
    return page.url
'''
    views = '''
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .serializers import PageSerializer
from .tasks import crawl_page


@api_view(["POST"])
def create_page(request):
    serializer = PageSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save(organization=request.user.organization)
    crawl_page.delay(serializer.data["id"])
    return Response(serializer.data)


@api_view(["POST"])
def recrawl_page(request):
    crawl_page.delay(request.data["id"])
    return Response({})
'''
    serializers = '''
from rest_framework import serializers

from .models import Page


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = ["id", "url"]
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_AND_MENUS, "core/tasks.py": tasks,
                              "core/views.py": views, "core/serializers.py": serializers})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 20, "TEN001")]


def test_a_key_kept_in_a_mapping_field_of_a_held_row_is_that_rows(tmp_path: Path) -> None:
    """`Page.objects.get(pk=menu.settings.get("home"))` for each menu of the caller's: the home
    page's id was stored with the menu, as `menu.home_id` would be; the same key read from the
    request's body is the client's."""
    views = '''
from django.http import JsonResponse

from .models import Menu, Page


def home_pages(request):
    shown = {"menus": Menu.objects.filter(organization=request.user.organization)}
    homes = []
    for menu in shown["menus"]:
        homes.append(Page.objects.get(pk=menu.settings.get("home")).url)
        homes.append(Page.objects.get(pk=menu.settings["fallback"]).url)
    return JsonResponse({"homes": homes})


def sent_home_page(request):
    return JsonResponse({"home": Page.objects.get(pk=request.data.get("home")).url})
'''
    models = PAGES_IN_MENUS.replace('title = models.CharField(max_length=200)',
                                    'title = models.CharField(max_length=200)\n    settings = models.JSONField()')
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 17, "TEN001")]


def test_a_parent_queryset_read_only_by_a_lookup_that_checks_the_row(tmp_path: Path) -> None:
    """Label Studio's nested views keep `parent_queryset = Project.objects.all()`, read only by a
    mixin that looks the URL's row up and hands it to `self.check_object_permissions`, whose
    default class asks the row about the caller. A mixin that serves the row unchecked is a
    lookup by the URL's id alone."""
    settings = '''
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["core.permissions.OrganizationObjects"]}
'''
    permissions = '''
from rest_framework.permissions import BasePermission


class OrganizationObjects(BasePermission):
    def has_object_permission(self, request, view, obj):
        return obj.organization_id == request.user.organization_id
'''
    mixins = '''
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property


class CheckedParent:
    parent_queryset = None

    @cached_property
    def parent_object(self):
        menu = get_object_or_404(self.parent_queryset, pk=self.kwargs["menu_pk"])
        self.check_object_permissions(self.request, menu)
        return menu


class UncheckedParent:
    parent_queryset = None

    @cached_property
    def parent_object(self):
        return get_object_or_404(self.parent_queryset, pk=self.kwargs["menu_pk"])
'''
    views = '''
from rest_framework import generics

from .mixins import CheckedParent, UncheckedParent
from .models import Menu, Section


class MenuSections(CheckedParent, generics.ListCreateAPIView):
    queryset = Section.objects.all()
    parent_queryset = Menu.objects.all()

    def filter_queryset(self, queryset):
        return queryset.filter(menu=self.parent_object)

    def perform_create(self, serializer):
        serializer.save(menu=self.parent_object)


class MenuSectionsV2(UncheckedParent, generics.ListCreateAPIView):
    queryset = Section.objects.all()
    parent_queryset = Menu.objects.all()

    def filter_queryset(self, queryset):
        return queryset.filter(menu=self.parent_object)

    def perform_create(self, serializer):
        serializer.save(menu=self.parent_object)
'''
    models = PAGES_IN_MENUS + '''

class Section(models.Model):
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=200)
'''
    urls = '''
from django.urls import path

from .views import MenuSections, MenuSectionsV2

urlpatterns = [
    path("menus/<int:menu_pk>/sections/", MenuSections.as_view()),
    path("v2/menus/<int:menu_pk>/sections/", MenuSectionsV2.as_view()),
]
'''
    root = project(tmp_path, {"config/settings.py": settings, "core/__init__.py": "", "core/models.py": models,
                              "core/permissions.py": permissions, "core/mixins.py": mixins, "core/views.py": views,
                              "core/urls.py": urls})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 21, "TEN001")]


def test_a_body_key_the_views_serializer_validated_before_perform_create(tmp_path: Path) -> None:
    """pretix's `perform_create` looks up `self.request.data["addon_category"]` again after DRF
    ran the view's serializer over the same body, whose `validate_addon_category` checks the
    value against the event in its context. A serializer without that validator let any id
    through."""
    serializers = '''
from rest_framework import serializers

from .models import Page


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = ("url", "menu")

    def validate_menu(self, menu):
        if menu.organization_id != self.context["request"].user.organization_id:
            raise serializers.ValidationError("Unknown menu.")
        return menu


class PlainPageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = ("url", "menu")
'''
    views = '''
from django.shortcuts import get_object_or_404
from rest_framework import generics

from .models import Menu, Page
from .serializers import PageSerializer, PlainPageSerializer


class PageList(generics.ListCreateAPIView):
    serializer_class = PageSerializer

    def get_queryset(self):
        return Page.objects.filter(organization=self.request.user.organization)

    def perform_create(self, serializer):
        menu = get_object_or_404(Menu, pk=self.request.data["menu"])
        serializer.save(menu=menu, organization=menu.organization)


class PageListV2(generics.ListCreateAPIView):
    serializer_class = PlainPageSerializer

    def get_queryset(self):
        return Page.objects.filter(organization=self.request.user.organization)

    def perform_create(self, serializer):
        menu = get_object_or_404(Menu, pk=self.request.data["menu"])
        serializer.save(menu=menu, organization=menu.organization)
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_IN_MENUS,
                              "core/serializers.py": serializers, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 27, "TEN001")]


def test_a_serializer_field_whose_every_use_checks_the_chosen_row(tmp_path: Path) -> None:
    """Label Studio's `LabelBulkUpdateSerializer.project` accepts any project's id, and the one
    view that makes it hands the chosen project to `check_object_permissions` (another looks it up
    again among the caller's). A serializer whose chosen row is saved as it is was never checked."""
    serializers = '''
from rest_framework import serializers

from .models import Menu, Page


class MenuResetSerializer(serializers.Serializer):
    menu = serializers.PrimaryKeyRelatedField(queryset=Menu.objects.all())


class PageMoveSerializer(serializers.Serializer):
    menu = serializers.PrimaryKeyRelatedField(queryset=Menu.objects.all())
    page = serializers.IntegerField()


class PageCreateSerializer(serializers.ModelSerializer):
    menu = serializers.PrimaryKeyRelatedField(queryset=Menu.objects.all())

    class Meta:
        model = Page
        fields = ("url", "menu")
'''
    views = '''
from django.shortcuts import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Menu, Page
from .serializers import MenuResetSerializer, PageCreateSerializer, PageMoveSerializer


class MenuReset(APIView):
    def post(self, request):
        serializer = MenuResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        menu = serializer.validated_data["menu"]
        self.check_object_permissions(request, menu)
        return Response({"reset": menu.pages.update(url="")})


class PageMove(APIView):
    def post(self, request):
        serializer = PageMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        menu = get_object_or_404(Menu.objects.filter(organization=request.user.organization),
                                 pk=serializer.validated_data["menu"].pk)
        return Response({"moved": menu.pages.filter(pk=serializer.validated_data["page"]).exists()})


class PageCreate(APIView):
    def post(self, request):
        serializer = PageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        page = serializer.save(organization=request.user.organization)
        return Response({"id": page.pk})
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_IN_MENUS,
                              "core/serializers.py": serializers, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/serializers.py", 17, "TEN001")]


def test_a_slug_kept_in_the_session_is_the_servers(tmp_path: Path) -> None:
    """Read the Docs' sign-up hook joins the team whose slug the invitation view kept in
    `request.session`: the server wrote it there, as it writes a row's key. A slug from the
    query string is the client's."""
    views = '''
from django.http import JsonResponse

from .models import Page


def last_page(request):
    return JsonResponse({"url": Page.objects.get(slug=request.session["last_page"]).url})


def sent_page(request):
    return JsonResponse({"url": Page.objects.get(slug=request.GET["page"]).url})
'''
    models = PAGES_IN_MENUS.replace('url = models.CharField(max_length=200)',
                                    'url = models.CharField(max_length=200)\n    slug = models.SlugField()')
    root = project(tmp_path, {"core/models.py": models, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 12, "TEN001")]


def test_claims_of_a_verified_token_and_a_middleware_that_sets_the_requests_tenant(tmp_path: Path) -> None:
    """A FastAPI template looks the caller up by the `sub` of `payload = jwt.decode(...)`, a name
    that usually holds a request's body; its middleware looks the user up to set
    `request.state.org_id`, before any tenant is known. A route that looks a user up by the id
    in its URL, or by a `sub` read from the query string, picks anyone's."""
    models = '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Organization(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    org_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)
    email = Column(String, nullable=False)


class Task(Base):
    __tablename__ = "tasks"
    id = Column(Integer, primary_key=True)
    org_id = Column(Integer, ForeignKey("organizations.id"), nullable=False)
'''
    routes = '''
from fastapi import APIRouter, Depends, Request
from jose import jwt
from starlette.middleware.base import BaseHTTPMiddleware

from .db import SessionLocal, get_db
from .models import User

router = APIRouter()


def current_user(token: str, db=Depends(get_db)):
    payload = jwt.decode(token, "secret", algorithms=["HS256"])
    return db.get(User, int(payload["sub"]))


def user_id_from(request: Request):
    token = request.headers["authorization"].split()[1]
    return int(jwt.decode(token, "secret", algorithms=["HS256"])["sub"])


class OrganizationMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        user = SessionLocal().get(User, user_id_from(request))
        request.state.org_id = user.org_id
        return await call_next(request)


@router.get("/users/{user_id}")
def read_user(user_id: int, db=Depends(get_db)):
    return db.get(User, user_id)


@router.get("/me")
def read_me(request: Request, db=Depends(get_db)):
    payload = request.query_params
    return db.get(User, int(payload["sub"]))
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models, "app/routes.py": routes})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [
        ("app/routes.py", 31, "TEN002"), ("app/routes.py", 37, "TEN002")]


def test_foreign_keys_to_a_table_whose_plural_name_is_computed(tmp_path: Path) -> None:
    """A base whose `declared_attr` names each table with inflect's plural (`tenants`), which the
    index can only guess as the singular: `ForeignKey("tenants.id")` still points to Tenant."""
    models = '''
import inflect
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.ext.declarative import as_declarative, declared_attr

plural = inflect.engine()


@as_declarative()
class Base:
    @declared_attr
    def __tablename__(cls) -> str:
        return plural.plural(cls.__name__.lower())


class Tenant(Base):
    id = Column(Integer, primary_key=True)


class Role(Base):
    id = Column(Integer, primary_key=True)
    tenant_id = Column(Integer, ForeignKey("tenants.id"), nullable=False)


class Category(Base):
    id = Column(Integer, primary_key=True)
    tenant_id = Column(Integer, ForeignKey("tenants.id"), nullable=False)


class Entry(Base):
    id = Column(Integer, primary_key=True)
    category_id = Column(Integer, ForeignKey("categories.id"), nullable=False)
    title = Column(String)
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models})
    index, _ = index_of(root)
    assert index.tenant.models == ["Tenant"], index.tenant.reason
    assert index.model("app.models.Role").tenant_field == "tenant_id"
    assert index.model("app.models.Entry").bound_via == "category_id"


def test_a_project_on_django_tenants_keeps_tenants_apart_by_schema(tmp_path: Path) -> None:
    """django-tenants gives each `TenantMixin` row its own schema: the organization that notes
    point to is not a key any query must filter by, and `prodready index` says why."""
    models = '''
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Client(TenantMixin):
    name = models.CharField(max_length=100)


class Domain(DomainMixin):
    pass


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Note(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    body = models.TextField()


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    name = models.CharField(max_length=40)
'''
    views = '''
from django.http import JsonResponse

from .models import Note


def note(request, pk):
    return JsonResponse({"body": Note.objects.get(pk=pk).body})
'''
    root = project(tmp_path, {"clients/__init__.py": "", "clients/models.py": models, "clients/views.py": views})
    index, _ = index_of(root)
    assert not index.tenant.models and "`Client`" in index.tenant.reason and "schema" in index.tenant.reason
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert report.findings == []

    own_mixin = models.replace("from django_tenants.models import DomainMixin, TenantMixin\n", '''

class TenantMixin(models.Model):
    class Meta:
        abstract = True


class DomainMixin(models.Model):
    class Meta:
        abstract = True
''')
    root = project(tmp_path / "own", {"clients/__init__.py": "", "clients/models.py": own_mixin,
                                      "clients/views.py": views})
    index, _ = index_of(root)
    assert index.tenant.models == ["Organization"], "a project's own TenantMixin keeps no schema apart"


def test_generic_views_whose_mixins_narrow_or_check_the_row(tmp_path: Path) -> None:
    """A time-tracking app's mixins: `get_queryset` narrows to the caller's organization in a
    `try` and empties the queryset in its `except`; `has_permission()`, run by `dispatch`, takes
    `self.get_object()` and looks up the caller's membership of it; another `dispatch` looks the
    URL's invitation up and checks the caller administers its organization. An invitation found
    by its token is the token holder's. The same views without those mixins serve any row."""
    models = '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    role = models.CharField(max_length=20)


class Contact(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)


class ProjectMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    token = models.CharField(max_length=64, unique=True)
'''
    mixins = '''
from django.core.exceptions import PermissionDenied

from .models import Invitation, Membership, ProjectMember


class OrganizationObjectsMixin:
    def get_queryset(self):
        queryset = super().get_queryset()
        try:
            membership = Membership.objects.get(user=self.request.user)
            queryset = queryset.filter(organization=membership.organization)
        except Membership.DoesNotExist:
            queryset = queryset.none()
        return queryset


class ProjectMemberMixin:
    def has_permission(self):
        project = self.get_object()
        return ProjectMember.objects.filter(project=project, user=self.request.user).exists()

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class InvitationAdminMixin:
    def dispatch(self, request, *args, **kwargs):
        invitation = Invitation.objects.get(pk=self.kwargs.get("pk"))
        organization_pk = invitation.organization_id
        if not Membership.objects.filter(user=request.user, organization_id=organization_pk, role="admin").exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
'''
    views = '''
from django.views.generic import DeleteView, DetailView

from .mixins import InvitationAdminMixin, OrganizationObjectsMixin, ProjectMemberMixin
from .models import Contact, Invitation, Project


class ContactDetail(OrganizationObjectsMixin, DetailView):
    model = Contact


class ProjectDetail(ProjectMemberMixin, DetailView):
    model = Project


class InvitationCancel(InvitationAdminMixin, DeleteView):
    model = Invitation


class InvitationAccept(DetailView):
    model = Invitation
    slug_field = "token"


class ContactDetailV2(DetailView):
    model = Contact


class ProjectDetailV2(DetailView):
    model = Project


class InvitationCancelV2(DeleteView):
    model = Invitation


class InvitationAcceptV2(DetailView):
    model = Invitation
    slug_field = "organization__name"
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": models, "core/mixins.py": mixins,
                              "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [
        ("core/views.py", 26), ("core/views.py", 30), ("core/views.py", 34), ("core/views.py", 38)]


def test_a_default_queryset_no_caller_leaves_to_the_helper(tmp_path: Path) -> None:
    """`get_optimized_queryset(cls, queryset=None)` falls back to `Page.objects.all()`, but every
    view hands it the caller's pages, so the fallback never runs. The menus' helper is also called
    with nothing by one view, which then lists every tenant's menus."""
    serializers = '''
from rest_framework import serializers

from .models import Menu, Page


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = ("url",)

    @classmethod
    def get_optimized_queryset(cls, queryset=None):
        if queryset is None:
            queryset = Page.objects.all()
        return queryset.select_related("menu")


class MenuSerializer(serializers.ModelSerializer):
    class Meta:
        model = Menu
        fields = ("title",)

    @classmethod
    def with_pages(cls, queryset=None):
        if queryset is None:
            queryset = Menu.objects.all()
        return queryset.prefetch_related("pages")
'''
    views = '''
from rest_framework import generics

from .models import Menu, Page
from .serializers import MenuSerializer, PageSerializer


class PageList(generics.ListAPIView):
    serializer_class = PageSerializer

    def get_queryset(self):
        return self.serializer_class.get_optimized_queryset(
            Page.objects.filter(organization=self.request.user.organization))


class MenuList(generics.ListAPIView):
    serializer_class = MenuSerializer

    def get_queryset(self):
        return self.serializer_class.with_pages(Menu.objects.filter(organization=self.request.user.organization))


class AllMenus(generics.ListAPIView):
    serializer_class = MenuSerializer

    def get_queryset(self):
        return MenuSerializer.with_pages()
'''
    root = project(tmp_path, {"core/__init__.py": "", "core/models.py": PAGES_IN_MENUS,
                              "core/serializers.py": serializers, "core/views.py": views})
    given = index_of(root)[0].always_given
    assert "get_optimized_queryset#queryset" in given and "with_pages#queryset" not in given
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/serializers.py", 27, "TEN001")]


def test_a_get_queryset_that_narrows_what_its_base_viewset_narrowed(tmp_path: Path) -> None:
    """A law firm's viewsets extend `ScopedModelViewSet`, whose `get_queryset` filters by the
    request's organization, and add a search to `super().get_queryset()`. Over a base that
    narrows nothing, the same search serves every tenant's rows."""
    views = '''
from rest_framework import viewsets

from .models import Menu, Page


class ScopedModelViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return super().get_queryset().filter(organization=self.request.user.organization)


class PlainModelViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return super().get_queryset().order_by("-id")


class PageViewSet(ScopedModelViewSet):
    queryset = Page.objects.all()

    def get_queryset(self):
        pages = super().get_queryset()
        search = self.request.query_params.get("search")
        if search:
            pages = pages.filter(url__icontains=search)
        return pages


class MenuViewSet(PlainModelViewSet):
    queryset = Menu.objects.all()

    def get_queryset(self):
        menus = super().get_queryset()
        search = self.request.query_params.get("search")
        if search:
            menus = menus.filter(title__icontains=search)
        return menus
'''
    root = project(tmp_path, {"core/models.py": PAGES_IN_MENUS, "core/views.py": views})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("core/views.py", 29, "TEN001")]


def test_the_tenant_of_each_row_a_sweep_reads_is_not_one_tenant_held(tmp_path: Path) -> None:
    """A data migration command goes through every menu and reads each one's organization
    (`org = menu.organization`), then every page: a sweep across tenants on purpose. A command
    given one organization that reads every page answers for the wrong rows."""
    sweep = '''
from django.core.management.base import BaseCommand

from core.models import Menu, Page


class Command(BaseCommand):
    def handle(self, *args, **options):
        for menu in Menu.objects.all():
            org = menu.organization
            self.stdout.write(f"{org.pk}: {menu.title}")
        for page in Page.objects.all():
            self.stdout.write(page.url)
'''
    one = '''
from django.core.management.base import BaseCommand

from core.models import Organization, Page


class Command(BaseCommand):
    def handle(self, *args, **options):
        org = Organization.objects.get(pk=options["organization"])
        for page in Page.objects.all():
            self.stdout.write(f"{org.pk}: {page.url}")
'''
    root = project(tmp_path, {"core/models.py": PAGES_IN_MENUS,
                              "core/management/commands/sweep_titles.py": sweep,
                              "core/management/commands/list_pages.py": one})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.severity) for f in report.findings] == [
        ("core/management/commands/list_pages.py", 10, "warning")]


def test_a_sign_in_that_looks_the_user_up_by_email_regardless_of_case(tmp_path: Path) -> None:
    """A Flask ERP signs users in with `User.query.filter(func.lower(User.email) == email.lower())`:
    the case-insensitive form of the identity lookup every sign-in makes. The same comparison on
    a task's title finds every tenant's tasks."""
    models = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Organization(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False)
    email = db.Column(db.String(200), nullable=False)


class Task(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False)
    title = db.Column(db.String(200), nullable=False)
'''
    routes = '''
from flask import Blueprint, jsonify, request
from sqlalchemy import func

from .models import Task, User

bp = Blueprint("auth", __name__)


@bp.post("/login")
def login():
    email = request.form["email"]
    user = User.query.filter(func.lower(User.email) == email.lower()).first()
    return jsonify({"ok": user is not None and user.check_password(request.form["password"])})


@bp.get("/tasks/by-title")
def task_by_title():
    task = Task.query.filter(func.lower(Task.title) == request.args["title"].lower()).first()
    return jsonify({"title": task.title if task else None})
'''
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": models, "app/routes.py": routes})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("app/routes.py", 19, "TEN002")]


OPEN_CORE_ROUTE = '''
from fastapi import APIRouter, Depends

from auth import current_context
from chalicelib.utils import pg_client

router = APIRouter()


@router.get("/projects")
def list_projects(context=Depends(current_context)):
    with pg_client.PostgresClient() as cur:
        cur.execute("SELECT project_id, name FROM public.projects WHERE deleted_at IS NULL")
        return cur.fetchall()


@router.get("/projects/v2")
def list_projects_v2(context=Depends(current_context)):
    with pg_client.PostgresClient() as cur:
        cur.execute("SELECT project_id, name FROM public.projects WHERE tenant_id = %(tenant_id)s",
                    {"tenant_id": context.tenant_id})
        return cur.fetchall()
'''


def test_each_edition_of_an_open_core_schema_judges_its_own_code(tmp_path: Path) -> None:
    """The community schema has one implicit tenant and no `tenant_id`; the enterprise copy
    under `ee/` adds it. Community routes are judged against the community tables."""
    community = '''
CREATE TABLE public.tenants (tenant_id integer NOT NULL DEFAULT 1, name text NOT NULL);
CREATE TABLE public.projects (project_id integer PRIMARY KEY, name text NOT NULL, deleted_at timestamp);
CREATE TABLE public.users (user_id integer PRIMARY KEY, email text NOT NULL);
'''
    enterprise = '''
CREATE TABLE public.tenants (tenant_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.projects (project_id integer PRIMARY KEY, name text NOT NULL, deleted_at timestamp,
    tenant_id integer NOT NULL REFERENCES public.tenants (tenant_id));
CREATE TABLE public.users (user_id integer PRIMARY KEY, email text NOT NULL,
    tenant_id integer NOT NULL REFERENCES public.tenants (tenant_id));
'''
    root = project(tmp_path, {
        "scripts/schema/postgresql/init_schema.sql": community,
        "ee/scripts/schema/postgresql/init_schema.sql": enterprise,
        "api/routers/projects.py": OPEN_CORE_ROUTE,
        "ee/api/routers/projects.py": OPEN_CORE_ROUTE,
    })
    index, _ = index_of(root)
    assert index.tenant.tables == ["tenants"]
    assert index.table("projects").tenant_column is None
    assert index.table("projects", "ee/api/routers/projects.py").tenant_column == "tenant_id"
    assert index.table("projects", "ee/api/routers/projects.py").primary_key == "project_id"
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("ee/api/routers/projects.py", 13)]


def test_an_oauth_client_found_by_its_client_id_is_an_identity_lookup(tmp_path: Path) -> None:
    """The token endpoint finds the client by the id it presents before it knows the tenant;
    the same client picked by its row id from the URL is the classic cross-tenant read."""
    root = project(tmp_path, {"auth/__init__.py": "", "auth/models.py": '''
import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(Tenant.id))


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(Tenant.id))
''', "auth/token.py": '''
from fastapi import APIRouter, Depends, Form
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.db import get_session
from auth.models import Client

router = APIRouter()


@router.post("/token")
async def token(client_id: str = Form(...), session: AsyncSession = Depends(get_session)):
    client = (await session.execute(select(Client).where(Client.client_id == client_id))).scalar_one_or_none()
    return {"client": client.id if client else None}


@router.get("/clients/{pk}")
async def client_detail(pk: str, session: AsyncSession = Depends(get_session)):
    client = (await session.execute(select(Client).where(Client.id == pk))).scalar_one_or_none()
    return {"client": client.id if client else None}
'''})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("auth/token.py", 20)]


def test_a_flask_sqlalchemy_query_class_that_filters_scopes_its_model(tmp_path: Path) -> None:
    """`Person.query.get(id, project)` calls the model's own `query_class`, whose `get` adds the
    project filter; `filter_by` on the same query is Flask-SQLAlchemy's and adds nothing."""
    root = project(tmp_path, {"budget/__init__.py": "", "budget/models.py": '''
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.query import Query

db = SQLAlchemy()


class Project(db.Model):
    id = db.Column(db.String(64), primary_key=True)
    name = db.Column(db.UnicodeText)


class Person(db.Model):
    class PersonQuery(Query):
        def get(self, id, project):
            return Person.query.filter(Person.id == id).filter(Person.project_id == project.id).one_or_none()

    query_class = PersonQuery

    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.String(64), db.ForeignKey("project.id"), nullable=False)
    name = db.Column(db.UnicodeText)


class Bill(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.String(64), db.ForeignKey("project.id"), nullable=False)
    payer_id = db.Column(db.Integer, db.ForeignKey("person.id"))
''', "budget/web.py": '''
from flask import Blueprint, abort, g

from budget.models import Person

main = Blueprint("main", __name__)


@main.route("/<project_id>/members/<member_id>")
def member(member_id):
    person = Person.query.get(member_id, g.project)
    return person.name if person else abort(404)


@main.route("/<project_id>/members/<member_id>/v2")
def member_v2(member_id):
    person = Person.query.filter_by(id=member_id).first()
    return person.name if person else abort(404)
'''})
    index, _ = index_of(root)
    assert index.model("budget.models.Person").scoped_query_methods == {"get"}
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("budget/web.py", 17)]


DATASETS_MODELS = '''
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    dataset_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))


class DocumentSegment(Base):
    __tablename__ = "document_segments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    document_id: Mapped[str] = mapped_column(String(36))
'''

DATASETS_SERVICES = '''
from extensions import db
from models.dataset import Dataset, Document


class NoPermissionError(Exception):
    pass


class DatasetService:
    @staticmethod
    def get_dataset(dataset_id):
        return db.session.query(Dataset).filter_by(id=dataset_id).first()

    @staticmethod
    def check_dataset_permission(dataset, user):
        if dataset.tenant_id != user.current_tenant_id:
            raise NoPermissionError("You do not have permission to access this dataset.")


class DocumentService:
    @staticmethod
    def get_document_by_id(document_id):
        return db.session.query(Document).where(Document.id == document_id).first()

    @staticmethod
    def get_documents(dataset_id):
        return db.session.query(Document).where(Document.dataset_id == dataset_id).all()

    @staticmethod
    def get_error_documents():
        return db.session.query(Document).where(Document.status == "error").all()
'''

DATASETS_ROUTES = '''
from flask_restx import Resource
from werkzeug.exceptions import Forbidden, NotFound

from controllers.console import console_ns
from extensions import db
from libs.login import current_account_with_tenant, login_required
from models.dataset import DocumentSegment
from services.dataset_service import DatasetService, DocumentService, NoPermissionError


@console_ns.route("/datasets/<uuid:dataset_id>")
class DatasetApi(Resource):
    @login_required
    def get(self, dataset_id):
        current_user, _ = current_account_with_tenant()
        dataset = DatasetService.get_dataset(str(dataset_id))
        try:
            DatasetService.check_dataset_permission(dataset, current_user)
        except NoPermissionError as e:
            raise Forbidden(str(e))
        return {"documents": len(DocumentService.get_documents(str(dataset_id)))}


@console_ns.route("/datasets/<uuid:dataset_id>/name")
class DatasetNameApi(Resource):
    @login_required
    def get(self, dataset_id):
        dataset = DatasetService.get_dataset(str(dataset_id))
        return {"name": dataset.name}


class DocumentResource(Resource):
    def get_document(self, document_id):
        _, current_tenant_id = current_account_with_tenant()
        document = DocumentService.get_document_by_id(document_id)
        if document is None or document.tenant_id != current_tenant_id:
            raise NotFound("Document not found.")
        return document


@console_ns.route("/documents/<uuid:document_id>/segments")
class DocumentSegmentsApi(DocumentResource):
    @login_required
    def get(self, document_id):
        document = self.get_document(str(document_id))
        count = db.session.query(DocumentSegment).where(DocumentSegment.document_id == str(document_id)).count()
        return {"name": document.name, "segments": count}


@console_ns.route("/documents/<uuid:document_id>/segments/v2")
class DocumentSegmentsApiV2(Resource):
    @login_required
    def get(self, document_id):
        document = DocumentService.get_document_by_id(str(document_id))
        count = db.session.query(DocumentSegment).where(DocumentSegment.document_id == str(document_id)).count()
        return {"name": document.name, "segments": count}


@console_ns.route("/documents/errors")
class ErrorDocumentsApi(Resource):
    @login_required
    def get(self):
        return {"documents": len(DocumentService.get_error_documents())}
'''


def test_rows_checked_after_a_helper_fetched_them_and_their_children(tmp_path: Path) -> None:
    """dify's datasets: no foreign keys, the dataset fetched by a service and checked by
    `check_dataset_permission`, a base resource whose `get_document` raises on another tenant's
    document, and segments read by the key of that checked document. Each has an unchecked twin."""
    root = project(tmp_path, {
        "models/__init__.py": "", "models/dataset.py": DATASETS_MODELS,
        "services/__init__.py": "", "services/dataset_service.py": DATASETS_SERVICES,
        "controllers/__init__.py": "", "controllers/datasets.py": DATASETS_ROUTES,
    })
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    found = sorted((f.path, f.line) for f in report.findings)
    assert found == [
        ("controllers/datasets.py", 29),  # get_dataset by the URL's id, never checked
        ("controllers/datasets.py", 55),  # get_document_by_id by the URL's id, never checked
        ("controllers/datasets.py", 56),  # segments of that unchecked document
        ("services/dataset_service.py", 32),  # every tenant's failed documents
    ]


def test_a_static_method_handed_the_statement_passes_it_through(tmp_path: Path) -> None:
    """`stmt = Run.preload_outputs(stmt)` returns the statement with loader options: the tenant
    criterion added after it still narrows the select it was handed."""
    root = project(tmp_path, {"runs/__init__.py": "", "runs/models.py": '''
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Output(Base):
    __tablename__ = "outputs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    app_id: Mapped[str] = mapped_column(String(36))
    output: Mapped[Output] = relationship()

    @staticmethod
    def preload_outputs(query):
        return query.options(selectinload(Run.output))
''', "runs/api.py": '''
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from runs.db import get_session
from runs.models import Run
from runs.security import current_tenant_id

router = APIRouter()


@router.get("/apps/{app_id}/runs")
def list_runs(app_id: str, tenant_id: str = Depends(current_tenant_id), session: Session = Depends(get_session)):
    stmt = Run.preload_outputs(select(Run))
    stmt = stmt.where(Run.tenant_id == tenant_id, Run.app_id == app_id)
    return session.scalars(stmt).all()


@router.get("/apps/{app_id}/runs/v2")
def list_runs_v2(app_id: str, session: Session = Depends(get_session)):
    stmt = Run.preload_outputs(select(Run))
    stmt = stmt.where(Run.app_id == app_id)
    return session.scalars(stmt).all()
'''})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("runs/api.py", 22)]


def test_each_key_of_a_list_the_caller_handed_over(tmp_path: Path) -> None:
    """A task handed document ids deletes each document's segments: its caller chose the
    documents, as it would have chosen one. The same loop over ids the client sent is a leak."""
    root = project(tmp_path, {
        "models/__init__.py": "", "models/dataset.py": DATASETS_MODELS,
        "tasks/__init__.py": "", "tasks/clean_document_task.py": '''
from celery import shared_task

from extensions import db
from models.dataset import DocumentSegment


@shared_task(queue="dataset")
def clean_document_task(document_ids):
    for document_id in document_ids:
        db.session.query(DocumentSegment).where(DocumentSegment.document_id == document_id).delete()
    db.session.commit()
''',
        "controllers/__init__.py": "", "controllers/segments.py": '''
from flask import request
from flask_restx import Resource

from controllers.console import console_ns
from extensions import db
from libs.login import current_account_with_tenant, login_required
from models.dataset import Document, DocumentSegment
from tasks.clean_document_task import clean_document_task


@console_ns.route("/datasets/<uuid:dataset_id>/clean")
class DatasetCleanApi(Resource):
    @login_required
    def post(self, dataset_id):
        _, tenant_id = current_account_with_tenant()
        documents = db.session.query(Document).where(Document.tenant_id == tenant_id,
                                                     Document.dataset_id == str(dataset_id)).all()
        clean_document_task.delay([document.id for document in documents])
        return {"result": "success"}


@console_ns.route("/segments/batch-delete")
class SegmentBatchDeleteApi(Resource):
    @login_required
    def post(self):
        for document_id in request.json["document_ids"]:
            db.session.query(DocumentSegment).where(DocumentSegment.document_id == document_id).delete()
        db.session.commit()
        return {"result": "success"}
'''})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("controllers/segments.py", 28)]


def test_a_service_that_verifies_the_signed_link_before_it_fetches(tmp_path: Path) -> None:
    """A preview link signed by the server: the service keeps the verdict of
    `verify_image_signature` and raises when it is false, so only whoever was handed the link
    can present the id. The same fetch without the check is a leak at the route."""
    root = project(tmp_path, {
        "models/__init__.py": "", "models/dataset.py": DATASETS_MODELS,
        "services/__init__.py": "", "services/file_service.py": '''
from werkzeug.exceptions import NotFound

from core import file_helpers
from extensions import db
from models.dataset import Document


class FileService:
    def get_preview(self, document_id, timestamp, nonce, sign):
        result = file_helpers.verify_image_signature(document_id=document_id, timestamp=timestamp, nonce=nonce,
                                                     sign=sign)
        if not result:
            raise NotFound("File not found or signature is invalid")
        return db.session.query(Document).where(Document.id == document_id).first()

    def get_preview_unsigned(self, document_id):
        return db.session.query(Document).where(Document.id == document_id).first()
''',
        "controllers/__init__.py": "", "controllers/previews.py": '''
from flask import request
from flask_restx import Resource

from controllers.files import files_ns
from services.file_service import FileService


@files_ns.route("/files/<uuid:document_id>/preview")
class PreviewApi(Resource):
    def get(self, document_id):
        args = request.args
        document = FileService().get_preview(str(document_id), args["timestamp"], args["nonce"], args["sign"])
        return {"name": document.name}


@files_ns.route("/files/<uuid:document_id>/preview/v2")
class PreviewApiV2(Resource):
    def get(self, document_id):
        document = FileService().get_preview_unsigned(str(document_id))
        return {"name": document.name}
'''})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("controllers/previews.py", 20)]


LABELLING = {
    "labelling/__init__.py": "",
    "labelling/models.py": '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)


class Importer(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)


class Task(models.Model):
    # Left empty while an import runs, and deleted with its project.
    project = models.ForeignKey(Project, null=True, on_delete=models.CASCADE)


class Sample(models.Model):
    # A public sample a project may have started from: it outlives the project.
    project = models.ForeignKey(Project, null=True, on_delete=models.SET_NULL)


class Draft(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
''',
    "labelling/services.py": '''
from .models import Draft


def discard_draft(draft_id):
    Draft.objects.filter(id=draft_id).delete()
''',
    "labelling/views.py": '''
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse

from .models import Draft
from .services import discard_draft


def submit(request):
    draft_id = request.POST["draft_id"]
    draft = Draft.objects.filter(id=draft_id).first()
    if draft and draft.user_id != request.user.id:
        raise PermissionDenied
    discard_draft(draft_id)
    return JsonResponse({"ok": True})


def submit_unchecked(request):
    draft_id = request.POST["draft_id"]
    discard_draft(draft_id)
    return JsonResponse({"ok": True})
''',
}


def test_a_row_deleted_with_its_parent_belongs_to_it_though_its_key_may_be_empty(tmp_path: Path) -> None:
    index, _ = index_of(project(tmp_path, LABELLING))
    assert [m.bound_via for m in index.models_named("Task")] == ["project"]
    assert [m.bound_via for m in index.models_named("Draft")] == ["task"]
    assert not any(m.is_tenant_bound for m in index.models_named("Sample")), "SET_NULL: it outlives the project"


def test_a_key_whose_row_the_handler_checked_may_be_handed_on(tmp_path: Path) -> None:
    root = project(tmp_path, LABELLING)
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("labelling/views.py", 20)]


UPTIME = {
    "uptime/__init__.py": "",
    "uptime/models.py": '''
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class MonitorManager(models.Manager):
    def with_check_annotations(self):
        return self.annotate(checks=models.Count("checks"))

    def of_organization(self, organization):
        return self.filter(organization=organization)


class Monitor(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    url = models.URLField()

    objects = MonitorManager()


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
''',
    "uptime/views.py": '''
from django.http import JsonResponse

from .models import Monitor


def monitors(request):
    rows = Monitor.objects.with_check_annotations().order_by("url")
    return JsonResponse({"urls": [m.url for m in rows]})


def my_monitors(request):
    rows = Monitor.objects.with_check_annotations().filter(organization=request.user.organization)
    return JsonResponse({"urls": [m.url for m in rows]})


def organization_monitors(request):
    rows = Monitor.objects.of_organization(request.user.organization).with_check_annotations()
    return JsonResponse({"urls": [m.url for m in rows]})
''',
}


def test_a_manager_method_that_only_annotates_keeps_every_tenants_rows(tmp_path: Path) -> None:
    root = project(tmp_path, UPTIME)
    index, _ = index_of(root)
    assert "with_check_annotations" in index.derived_methods and "of_organization" in index.scoping_methods
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("TEN",)))
    assert [(f.path, f.line) for f in report.findings] == [("uptime/views.py", 8)]


DASHBOARDS = {
    "dash/__init__.py": "",
    "dash/models.py": '''
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Organization(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)


class Query(Base):
    __tablename__ = "queries"
    id = Column(Integer, primary_key=True)
    org_id = Column(Integer, ForeignKey("organizations.id"))


class DataSource(Base):
    __tablename__ = "data_sources"
    id = Column(Integer, primary_key=True)
    org_id = Column(Integer, ForeignKey("organizations.id"))


class Alert(Base):
    __tablename__ = "alerts"
    id = Column(Integer, primary_key=True)
    # Declared the legacy way: nullable by SQLAlchemy's default, never meant to be empty.
    query_id = Column(Integer, ForeignKey("queries.id"))


class Snapshot(Base):
    __tablename__ = "snapshots"
    id = Column(Integer, primary_key=True)
    # Kept when its query is deleted: the parent is optional on purpose.
    query_id = Column(Integer, ForeignKey("queries.id"), nullable=True)
''',
}


def test_a_sqlalchemy_key_nullable_only_by_default_binds_its_row(tmp_path: Path) -> None:
    index, _ = index_of(project(tmp_path, DASHBOARDS))
    assert index.tenant.models == ["Organization"]
    assert [m.bound_via for m in index.models_named("Alert")] == ["query_id"]
    assert not any(m.is_tenant_bound for m in index.models_named("Snapshot")), "nullable=True: optional on purpose"


def test_a_chain_of_model_classes_deeper_than_the_stack_inherits_every_field(tmp_path: Path) -> None:
    """Generated models: 1,500 classes, each the base of the one written above it, so that no
    class's bases are known before its own turn comes."""
    depth = 1500
    classes = [f"class M{n}(M{n + 1}):\n    f{n} = models.IntegerField()\n" for n in range(depth - 1)]
    classes.append(f"class M{depth - 1}(models.Model):\n"
                   "    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n")
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": (
        "from django.db import models\n\n\nclass Organization(models.Model):\n    name = models.CharField()\n\n\n"
        + "\n\n".join(classes))})
    index, skipped = index_of(root)
    assert skipped == []
    first = index.model("app.models.M0")
    assert first is not None and first.is_tenant_scoped
    assert set(first.fields) == {"organization", *(f"f{n}" for n in range(depth - 1))}
