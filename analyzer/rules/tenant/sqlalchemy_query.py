"""TEN002: a SQLAlchemy query on a tenant-scoped model without a tenant criterion."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...config import Config
from ...model import Finding, Severity
from ..base import Rule, RuleContext
from . import CWE_639, OWASP_BOLA
from .chains import outermost_call
from .context import verdict
from .keyed_helpers import keyed_helper_call
from .narrowing import narrowed_elsewhere
from .policy import tenant_severity
from .sqlalchemy_queries import SqlalchemyQueries


class UnfilteredSqlalchemyQuery(Rule):
    """A SQLAlchemy query on a tenant-scoped model has no tenant criterion.

    ## Why is this bad?
    `session.get(Order, order_id)` or `select(Order).where(Order.id == order_id)` returns the
    order whatever tenant it belongs to: any user who changes the id in the URL reads another
    customer's data. Every statement on a tenant-scoped model needs a criterion on the tenant
    column (`Order.tenant_id == tenant_id`, `filter_by(tenant_id=...)`), AND-ed with the rest;
    inside `or_()` it holds only for some rows. A criterion against a subquery of the tenant's
    own rows narrows only by the id or a foreign key (`Order.id.in_(...)`): another tenant's
    rows can share any other value (`Span.trace_id.in_(...)`). Criteria spread from a list
    (`filter(*criteria)`) count when the list gets the tenant's on every path, and so do
    criteria added after a helper handed the statement gave it back (`stmt =
    Run.preload_outputs(select(Run))`). Statements are safe when the session applies a global
    criterion (`with_loader_criteria` in the statement's options or in a `do_orm_execute`
    listener), and `Model.query` calls that a Flask-SQLAlchemy model's own `query_class`
    overrides with a tenant criterion (`Person.query.get(id, project)`) are safe. A criterion on
    the caller's own identity (`Membership.email == user.email`, or a helper parameter that
    every call site fills with it) or on a value the code has just drawn at random (a fresh key
    prefix checked for uniqueness) selects no other tenant's chosen row.

    A statement is an error where a request can run it: in a route, in a FastAPI dependency
    (its parameters are the request's own values), in the wrapper of a decorator the project
    puts on its routes (`@get_app_model`, whose `decorated_view(*args, **kwargs)` loads
    `kwargs["app_id"]`), or in a function any of these calls. A wrapper's lookup whose row is
    handed on neither to the view nor to anything else only decides whether the view runs
    (`if not dataset.enable_api: raise Forbidden()`), and is not reported. Behind an
    admin guard (`APIRouter(dependencies=[Depends(require_admin)])`), or on an operators'
    router of its own (`admin_router`, `APIRouter(prefix="/admin")`), it is a warning. Where
    no request reaches it, it is not reported, except as a warning in commands and jobs that
    work for one tenant. A lookup by id in a dependency is not reported when every route that
    depends on it checks the row's tenant before using it. Nor is a statement in a function
    whose docstring says it works across tenants ("across workspaces", "cross-tenant"): the
    author decided it where a reviewer reads it.

    A lookup by id in a service is judged at the route that calls it, where the id's origin
    shows: ids from the path, the query string or the JSON body (fields of a pydantic body model
    included, `Block.id.in_(agent_create.block_ids)`) are the client's, also when the route
    reaches the service through an injected object (`server.agent_manager.get_agent(...)` with
    `server: SyncServer = Depends(get_server)`). A route that checks the row the service returns
    (`dataset = get_dataset(dataset_id)`, then `check_dataset_permission(dataset, current_user)`
    or `if dataset.tenant_id != current_tenant_id: raise`), or calls a helper that does, is
    safe, and so are the rows it then reads by that row's key (`DocumentSegment.document_id ==
    document_id`). A column named after a tenant-owned model's key (`Document.dataset_id`)
    refers to it, foreign key or not. A primary key need not be called `id` (`workflow_run_id =
    Column(String, primary_key=True)`). A service that adds the tenant's criterion whenever it
    is given the tenant (`if organization_id: query =
    query.filter_by(organization_id=organization_id)`) is safe where the route hands it one,
    unless the lookup sits in a branch where it does not (`if resource_model == App:` picks by
    id alone, while the `else` adds the tenant); inside such a branch the model handed in is
    the one compared. A
    column the code fills with a fresh secret (`state=secrets.token_urlsafe(32)`) is a
    capability, like a token: an OAuth callback that finds its row by that state reaches no one
    else's. So is an id in a link the server signed, once `if not verify_..._signature(id, sig):
    raise` has checked it, in the route or in the service before its lookup (also with the
    verdict kept first: `result = verify_image_signature(...)`, `if not result: raise`). A join
    to a subquery of one tenant's rows on the tenant column (`Workflow.organization_id ==
    latest.c.organization_id`) carries that tenant over.

    ## Example
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    from app.deps import current_tenant, get_session

    router = APIRouter()


    class Base(DeclarativeBase):
        pass


    class Tenant(Base):
        __tablename__ = "tenants"
        id: Mapped[int] = mapped_column(primary_key=True)


    class Customer(Base):
        __tablename__ = "customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))


    @router.get("/orders/{order_id}")
    def order_detail(order_id: int, session: Session = Depends(get_session), tenant_id: int = Depends(current_tenant)):
        return session.scalars(select(Order).where(Order.id == order_id)).one()
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    from app.deps import current_tenant, get_session

    router = APIRouter()


    class Base(DeclarativeBase):
        pass


    class Tenant(Base):
        __tablename__ = "tenants"
        id: Mapped[int] = mapped_column(primary_key=True)


    class Customer(Base):
        __tablename__ = "customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))


    @router.get("/orders/{order_id}")
    def order_detail(order_id: int, session: Session = Depends(get_session), tenant_id: int = Depends(current_tenant)):
        statement = select(Order).where(Order.id == order_id, Order.tenant_id == tenant_id)
        return session.scalars(statement).one()
    ```
    """

    code = "TEN002"
    name = "unfiltered-sqlalchemy-query"
    severity = Severity.ERROR
    languages = ("python",)
    references = (CWE_639, OWASP_BOLA)
    local_to_statement = True
    node_types = (nodes.Call,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return tenant_severity(relpath, config, self.severity) is not None

    def applies_to(self, ctx: RuleContext) -> bool:
        return any(m.framework == "sqlalchemy" for m in ctx.index.scoped_models) and super().applies_to(ctx)

    def check(self, node: nodes.Call, ctx: RuleContext) -> Iterator[Finding]:
        if outermost_call(node) is not node:
            return
        resolver = SqlalchemyQueries(ctx.index)
        helper = keyed_helper_call(node, resolver, lambda call: resolver.resolve(call) if resolver.is_birth(call)
                                   else None)
        if helper is not None:
            model = helper.model
            severity = helper.severity(node, ctx, self.severity)
            if severity is not None:
                column = model.tenant_column or model.tenant_field or model.bound_via
                yield ctx.finding(self, ctx.positions.span(node), helper.message(f"a criterion on `{column}`"),
                                  severity=severity)
            return
        if not resolver.is_birth(node):
            return
        chain = resolver.resolve(node)
        severity = verdict(node, chain, resolver, ctx, self.severity)
        if severity is None or narrowed_elsewhere(node, resolver):
            return
        model = chain.model
        column = model.tenant_column or model.tenant_field or model.bound_via
        if chain.keyed:
            message = (f"`{model.name}` is fetched by primary key without a criterion on `{column}`: any user "
                       f"who changes the id reads another tenant's row")
        else:
            message = f"`{model.name}` is queried without a criterion on `{column}`, so it reaches every tenant's rows"
        yield ctx.finding(self, ctx.positions.span(node), message, severity=severity)
