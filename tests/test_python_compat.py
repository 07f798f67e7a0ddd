"""PEP 701, PEP 695 and PEP 758 syntax on Python 3.11: rewritten so that it parses, with every line and column kept."""

from __future__ import annotations

import ast

import pytest

import analyzer
from analyzer.config import Config, TenantConfig
from analyzer.lang.python_compat import rewrite_newer_syntax

CASES = {
    "alias": "type Json = dict[str, object]\n",
    "generic alias": "type Pair[T] = tuple[T, T]\n",
    "generic function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "bounded class": "class Box[T: (int, str)](dict):\n    pass\n",
    "async, over lines": "async def run[\n    T,\n\n    U,\n](x: T) -> U:\n    pass\n",
    "indented method": "class A:\n    def get[T](self, key: T) -> T:\n        return key\n",
    "except list": "try:\n    pass\nexcept TimeoutError, ConnectionError:\n    pass\n",
    "except star list": "try:\n    pass\nexcept* ValueError, errors.Timeout:  # retried\n    pass\n",
    "own quotes in a field": """label = f'{ctx['request'].user} ({counts["open"]:>4}) {{raw}}'\n""",
    "own quotes, twice": 'print(f"{len(db["tags"]) + len(db["categories"])} keywords {x!r:>{width}}")\n',
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_rewrite_parses_and_keeps_every_line(source: str) -> None:
    rewritten = rewrite_newer_syntax(source)
    assert rewritten is not None
    ast.parse(rewritten)
    assert rewritten.count("\n") == source.count("\n")


def test_no_rewrite_for_ordinary_code_or_a_variable_named_type() -> None:
    assert rewrite_newer_syntax("x = items[0]\n") is None
    assert rewrite_newer_syntax("""x = f"{row['name']}" + 'it''s'  # f"{a["b"]}" in a comment\n""") is None
    assert rewrite_newer_syntax("type = 'invoice'\nprint(type)\n") is None
    assert rewrite_newer_syntax("try:\n    pass\nexcept (KeyError, IndexError) as error:\n    pass\n") is None


def test_a_field_3_11_cannot_hold_is_left_to_the_parser() -> None:
    """A backslash or a string with both quotes inside a field: no swap makes it legal."""
    assert rewrite_newer_syntax("""s = f"{re.split(r'\\s', line)[-1]}, "\n""") is None
    assert rewrite_newer_syntax("""s = f"{d["it's"]}"\n""") is None


def test_an_exception_list_keeps_the_columns_before_its_colon() -> None:
    source = "try:\n    pass\nexcept TimeoutError, ConnectionError:\n    pass\n"
    assert rewrite_newer_syntax(source).splitlines()[2] == "except(TimeoutError, ConnectionError):"


MODELS = """from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))


"""
ROUTE = """@router.get("/orders/{order_id}")
async def load[T](order_id: int, session=Depends(get_session)) -> T:
    return await session.scalar(select(Order).where(Order.id == order_id))
"""


def test_findings_in_generic_code_keep_their_columns() -> None:
    text = "from fastapi import Depends\nfrom sqlalchemy import select\n" + MODELS + ROUTE
    config = Config(tenant=TenantConfig(fields=("tenant_id",)))
    findings = [f for f in analyzer.analyze_source(text, "app/routes.py", config) if f.rule == "TEN002"]
    assert findings
    lines = text.split("\n")
    for finding in findings:
        assert lines[finding.line - 1][finding.column - 1:].startswith("select(Order)")


def test_a_module_with_a_3_12_fstring_is_analysed_not_skipped() -> None:
    text = ("from fastapi import Depends\nfrom sqlalchemy import select\n" + MODELS +
            """@router.get("/orders/{order_id}")\nasync def load(order_id: int, session=Depends(get_session)):\n"""
            """    order = await session.scalar(select(Order).where(Order.id == order_id))\n"""
            """    return {"label": f"{order.meta["label"]} #{order.id}"}\n""")
    config = Config(tenant=TenantConfig(fields=("tenant_id",)))
    problems: list[str] = []
    findings = [f for f in analyzer.analyze_source(text, "app/routes.py", config, problems=problems)
                if f.rule == "TEN002"]
    assert problems == [] and len(findings) == 1
    line = text.split("\n")[findings[0].line - 1]
    assert line[findings[0].column - 1:].startswith("select(Order)")
