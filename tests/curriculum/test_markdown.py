from kaiku_training.core.markdown import render_markdown


def test_markdown_is_sanitised():
    html = render_markdown(
        'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> '
        '[x](javascript:alert(3)) <span style="color:red">s</span>'
    ).html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html and "style=" not in html


def test_tables_anchors_toc_and_admonitions():
    rendered = render_markdown('## Kortin käyttö\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n!!! tip "Vinkki"\n    Teksti\n')
    assert '<h2 id="kortin-kaytto">' in rendered.html
    assert "<table>" in rendered.html and 'class="admonition tip"' in rendered.html
    assert 'href="#kortin-kaytto"' in rendered.toc_html
    assert render_markdown("No headings.").toc_html == ""


def test_a_table_scrolls_in_a_focusable_box_named_after_its_header_row():
    html = render_markdown("| Task | What *it* means |\n|---|---|\n| 1 | 2 |\n").html
    assert html.startswith(
        '<div class="table-scroll" tabindex="0" role="region" aria-label="Task, What it means"><table>'
    )
    assert html.rstrip().endswith("</table></div>")
