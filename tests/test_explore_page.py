"""The explore page: every section, captions computed from the data, self-contained, DRMs marked.

Figures are not drawn here (test_explore_cli.py draws them all); captions and tables are what is checked."""

from __future__ import annotations

import pytest
from report_support import DRM, check_markdown, check_page, cohort, skip_drawing

import hivcli.pages.explore_page
from features.cohort_stats import cohort_stats
from hivcli.pages.explore_page import SECTIONS, build_explore_page


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    fs, calls = cohort(n=200, seed=0)
    stats = cohort_stats(fs, calls, DRM)
    out = tmp_path_factory.mktemp("explore")
    with pytest.MonkeyPatch.context() as mp:
        skip_drawing(mp, hivcli.pages.explore_page)
        html_path, md_path = build_explore_page(stats, "a synthetic test cohort").write(out, "explore")
    return stats, html_path, md_path


def test_page_has_every_section_and_embeds_its_figures(written):
    stats, html_path, md_path = written
    page = check_page(html_path, SECTIONS)
    md = check_markdown(md_path, page["text"], SECTIONS.values())
    assert page["images"] == 7 == md.count("![")
    assert "a synthetic test cohort" in page["text"]


def test_captions_state_numbers_computed_from_the_data(written):
    stats, _, md_path = written
    md = md_path.read_text()
    rate = 100 * stats.responders / stats.n
    assert f"{rate:.1f}% of {stats.n} patients responded ({stats.responders} responders" in md
    assert "20 patients (10.0%) lack PR, 0 lack RT and 0 lack both" in md
    assert "Resp correlates most strongly with NRTI DRMs" in md
    assert "RT:M184V is the most associated with response" in md
    assert "coverage drops below 90% of its maximum from RT201 on" in md


def test_mutation_table_marks_known_drms(written):
    _, html_path, md_path = written
    md = md_path.read_text()
    row = next(line for line in md.splitlines() if line.startswith("| **RT:M184V**"))
    assert "| **NRTI** |" in row
    assert 'class="mark"><strong>RT:M184V</strong>' in html_path.read_text()
