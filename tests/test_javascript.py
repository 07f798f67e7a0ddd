"""The script front: regions of pages and components, positions in the original file, skips."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import analyzer
from analyzer.config import Config
from analyzer.lang.javascript import mask_template_tags, parse_script_file
from analyzer.lang.web_storage import MENTIONS


def test_template_tags_are_masked_to_the_same_length() -> None:
    text = "a {{ user.name }}\n{% if x %}b{% endif %} {# note\nmore #}"
    masked = mask_template_tags(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert "{{" not in masked and "{%" not in masked and "{#" not in masked
    assert masked.startswith("a _____________")


def test_regions_of_a_template_and_of_a_component() -> None:
    page = ('<form onsubmit="save()">\n<script>let a = {{ x|tojson }};</script>\n'
            '<script type="application/json">{"token": 1}</script>\n<script type="text/template"><b></script>\n')
    regions = parse_script_file(page, "t.html", "html").regions
    assert [r.source.decode() for r in regions] == ["save()", "let a = " + "_" * len("{{ x|tojson }}") + ";"]
    component = '<template><p @click="go(1)">{{ n }}</p></template>\n<script lang="ts">let n: number = 1</script>'
    regions = parse_script_file(component, "C.vue", "vue").regions
    assert [(r.grammar, r.source.decode()) for r in regions] == [("javascript", "go(1)"),
                                                                 ("typescript", "let n: number = 1")]


def test_scripts_of_a_page_nested_deeper_than_the_html_grammar_follows_are_still_read() -> None:
    """tree-sitter's HTML scanner loses track past about 2,000 open tags and recovers with an
    ERROR: the script's body is still there, just after its start tag."""
    def page(depth: int, key: str) -> str:
        script = f'<script type="module">\nlocalStorage.setItem("{key}", value);\n</script>\n'
        return "<div>\n" * depth + script + "</div>\n" * depth

    for depth in (10, 3000):
        findings = analyzer.analyze_source(page(depth, "accessToken"), "templates/deep.html")
        assert [(f.rule, f.line) for f in findings] == [("AUTH001", depth + 2)], depth
        assert analyzer.analyze_source(page(depth, "theme"), "templates/deep.html") == [], depth
    # What follows the first script is parsed again: the recovered body ran on over it.
    more = '<script type="text/template"><b></script>\n<p onclick="go()">x</p><script>sessionStorage.x = 1</script>'
    regions = parse_script_file(page(3000, "theme") + more, "deep.html", "html").regions
    assert [r.source.decode().strip() for r in regions] == ['localStorage.setItem("theme", value);', "go()",
                                                            "sessionStorage.x = 1"]
    text = page(3000, "theme") + more
    assert [r.offset for r in regions][1:] == [text.index("go()"), text.index("sessionStorage.x")]


def test_findings_in_templates_point_at_the_storage_call_past_non_ascii_text() -> None:
    page = ('<p>Connecté en tant que {{ user.name }} — ü</p><button onclick="localStorage.setItem(\'jwt\', t)">\n'
            '<script>\n  /* élan */ sessionStorage.setItem("accessToken", "{{ token }}");\n</script>\n')
    findings = analyzer.analyze_source(page, "templates/home.html")
    spans = [(f.rule, f.line, f.column, f.end_line, f.end_column) for f in findings]
    first = page.split("\n")[0]
    column = first.index("localStorage") + 1
    assert spans == [
        ("AUTH001", 1, column, 1, column + len("localStorage.setItem('jwt', t)")),
        ("AUTH001", 3, 14, 3, 14 + len('sessionStorage.setItem("accessToken", "{{ token }}")')),
    ]


def test_bundles_and_vendored_scripts_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "static" / "vendor").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "static" / "vendor" / "lib.js").write_text('localStorage.setItem("token", t);\n')
    (tmp_path / "src" / "app.min.js").write_text('localStorage.setItem("token", t);\n')
    (tmp_path / "src" / "bundle.js").write_text("var a=1;" * 3000 + '\nlocalStorage.setItem("token", t);\n')
    svg_path = "M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2z " * 60
    (tmp_path / "src" / "Icon.tsx").write_text(f'export const Icon = () => <svg><path d="{svg_path}" /></svg>;\n')
    (tmp_path / "src" / "app.js").write_text('localStorage.setItem("token", t);\n')
    report = analyzer.analyze([tmp_path], Config(root=tmp_path))
    assert [(f.path, f.rule) for f in report.findings] == [("src/app.js", "AUTH001")]
    reasons = {s.path: s.reason for s in report.summary.skipped}
    assert reasons["static/vendor/lib.js"].startswith("vendored or built script")
    assert reasons["src/app.min.js"].startswith("vendored or built script")
    assert reasons["src/bundle.js"] == "minified script (24035 characters on 3 lines)"
    assert "src/Icon.tsx" not in reasons, "one long SVG path does not make a component minified"


def test_broken_scripts_and_unbalanced_templates_do_not_stop_the_scan() -> None:
    broken = "<div><p>unclosed <script>if (x { localStorage.setItem('token', t)</script>\n{% if %}"
    findings = analyzer.analyze_source(broken, "templates/broken.html")
    assert [f.rule for f in findings] == ["AUTH001"]
    assert analyzer.analyze_source("function (( {", "src/broken.ts") == []


def test_scripts_no_rule_can_judge_are_not_parsed() -> None:
    """A front end's components mostly never touch storage or cookies: they are read, not parsed."""
    from analyzer.engine import ParsedFile, parse_source
    from analyzer.workspace import SourceFile

    def parsed(text: str, config: Config) -> bool:
        item = parse_source(SourceFile(path=Path("src/a.ts"), relpath="src/a.ts", language="typescript", text=text),
                            config)
        return isinstance(item, ParsedFile) and item.script is not None

    everything = Config()
    assert not parsed("export const total = (items: Item[]) => items.reduce((a, b) => a + b.price, 0);", everything)
    for mention in ('localStorage.getItem("k")', 'const { localStorage: ls } = window', 'import store from "store2"',
                    "store.set('token', t)", "localforage.setItem(k, v)", 'document.cookie = "a=b"',
                    "Cookies.set('session', s)", "import { persist } from 'zustand/middleware'"):
        assert parsed(mention, everything), mention
    assert not parsed("Cookies.set('session', s)", Config(ignore=["AUTH003"]))
    assert parsed('localStorage.setItem("token", t)', Config(ignore=["AUTH003"]))


@settings(max_examples=500, deadline=None)
@given(st.from_regex(MENTIONS.pattern))
def test_every_text_the_storage_pattern_finds_holds_one_of_the_words_looked_for_first(text: str) -> None:
    """A script is searched for the pattern only when it holds one of the words: a match without
    any would be a script never parsed, and its token in localStorage never reported."""
    assert MENTIONS.search(text)


def test_a_lone_surrogate_in_a_buffer_costs_no_finding() -> None:
    """tree-sitter reads UTF-8, which cannot hold one: the whole file was left unparsed."""
    for text, path in (("let t = 1; // \udcff\nlocalStorage.setItem('jwt', t);\n", "a.js"),
                       ("<p>\udcff</p><script>\nlocalStorage.setItem('jwt', t);\n</script>\n", "a.html")):
        findings = analyzer.analyze_source(text, path)
        assert [(f.rule, f.line, f.column) for f in findings] == [("AUTH001", 2, 1)], path
