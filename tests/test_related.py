"""Related articles as the site serves them: chosen at build time, kept current by updates."""

from __future__ import annotations

import random
import re

from lxml import html

from webapp.authoring import reader
from webapp.building import pipeline
from webapp.config import load_site_settings
from webapp.generation.folder import current_generation
from webapp.generation.snapshot import load_snapshot
from webapp.search import indexing, spelling, tuning, vocabulary
from webapp.search.crisis import support_article_fields

from .conftest import drop_links_to

ARTICLE = "the-therapeutic-relationship"


def related_slugs(client, slug: str) -> list[str]:
    html = client.get(f"/articles/{slug}/related", headers={"HX-Request": "true"}).get_data(True)
    return re.findall(r'<h3><a href="/articles/([^"]+)"', html)


def test_panel_lists_related_articles_and_never_itself(client):
    slugs = related_slugs(client, ARTICLE)
    assert 1 <= len(slugs) <= 4
    assert ARTICLE not in slugs
    assert len(set(slugs)) == len(slugs)


def test_order_is_stable_across_builds(client, runner):
    first = related_slugs(client, ARTICLE)
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert related_slugs(client, ARTICLE) == first


def test_removed_and_drafted_articles_leave_panels_after_an_update(client, runner, content_dir):
    before = related_slugs(client, ARTICLE)
    # Not one the crisis panel leads with: removing that is refused (tests/test_crisis.py).
    crisis = load_site_settings(content_dir)["crisis"]
    leading = [slug for _, slug in support_article_fields(crisis)]
    gone, drafted = [slug for slug in before if slug not in leading][:2]
    (content_dir / "articles" / f"{gone}.md").unlink()
    path = content_dir / "articles" / f"{drafted}.md"
    path.write_text(path.read_text().replace("\n---\n", "\ndraft: true\n---\n", 1))
    drop_links_to(content_dir, gone)  # or the update refuses, as a rebuild would
    drop_links_to(content_dir, drafted)
    result = runner.invoke(args=["index", "update"])
    assert result.exit_code == 0, result.output
    after = related_slugs(client, ARTICLE)
    assert gone not in after and drafted not in after
    assert after, "other related articles remain"
    for slug in after:
        assert client.get(f"/articles/{slug}").status_code == 200


def test_an_article_with_nothing_in_common_says_so(client, runner, content_dir):
    (content_dir / "articles" / "bee-keeping-notes.md").write_text(
        "---\ntitle: Beekeeping notes\nsummary: Hives, frames and honey.\ndate: 2026-05-01\n"
        "tags: [hobbies]\n---\nSmokers calm colonies; supers hold honeycomb frames.\n"
    )
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    html = client.get("/articles/bee-keeping-notes/related").get_data(as_text=True)
    assert "No related articles yet" in html and 'href="/topics"' in html


def reserved_rows(client, slug: str) -> int:
    html = client.get(f"/articles/{slug}").get_data(True)
    return int(re.search(r'id="related-panel" class="related-panel rows-(\d)"', html).group(1))


def test_the_placeholder_reserves_a_row_for_each_article_the_panel_will_hold(
    client, runner, content_dir
):
    # An article related to one other only: its panel must not keep three empty rows.
    (content_dir / "articles" / "bee-keeping-notes.md").write_text(
        "---\ntitle: Beekeeping notes\nsummary: Hives, frames and honey.\ndate: 2026-05-01\n"
        "tags: [hobbies]\n---\nSmokers calm colonies; supers hold honeycomb frames.\n"
    )
    (content_dir / "articles" / "more-bee-keeping.md").write_text(
        "---\ntitle: More beekeeping\nsummary: Swarms and queens.\ndate: 2026-05-02\n"
        "tags: [hobbies]\n---\nSmokers calm colonies before the honeycomb frames come out.\n"
    )
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    counts = set()
    for slug in ["bee-keeping-notes", ARTICLE, "living-with-grief"]:
        shown = len(related_slugs(client, slug))
        counts.add(shown)
        assert reserved_rows(client, slug) == max(shown, 1), slug
    assert 1 in counts and 4 in counts


def test_related_lists_are_stored_with_the_generation(index_dir):
    snapshot = load_snapshot(index_dir)
    try:
        assert set(snapshot.related) == set(snapshot.library.articles)
    finally:
        snapshot.close()


def test_unknown_article_has_no_panel(client):
    assert client.get("/articles/nope/related").status_code == 404
    response = client.get("/articles/nope/related", headers={"HX-Request": "true"})
    assert response.status_code == 404


# Made-up words for made-up articles: each article draws its words from a few themes, so
# some articles share many words and some few, and the statistics matter to the ranking.
THEMES = [
    "harbour tide pier gull rope anchor",
    "garden seed soil rake bloom weed",
    "kettle teapot biscuit saucer brew steam",
    "lantern candle wick glow dusk ember",
    "violin cello bow string rosin tune",
]


def write_generated_article(folder, number: int, seed: int) -> str:
    rng = random.Random(seed)
    themes = rng.sample(THEMES, 2)
    words = [rng.choice(rng.choice(themes).split()) for _ in range(rng.randint(30, 120))]
    slug = f"generated-{number}"
    # A link whose words are left out of the body's counts (see `Article.own_text`).
    link = f"[{' '.join(rng.sample(rng.choice(themes).split(), 2))}](/articles/generated-0)"
    (folder / f"{slug}.md").write_text(
        f"---\ntitle: Generated {number}\nsummary: A generated sample.\ndate: 2026-01-01\n"
        f"---\n{' '.join(words)} {link}.\n",
        encoding="utf-8",
    )
    return slug


def test_an_update_lists_an_edited_article_s_related_as_a_rebuild_would(content_dir, tmp_path):
    # Whoosh's statistics still count an edited article's old version until its segment is
    # merged away; related scoring uses the live articles' counts, so the lists an update
    # recomputes are the lists a full rebuild of the same content gives.
    folder = content_dir / "articles"
    slugs = [write_generated_article(folder, n, seed=n) for n in range(40)]
    updated_dir, rebuilt_dir = tmp_path / "updated", tmp_path / "rebuilt"
    pipeline.rebuild(content_dir, updated_dir)
    for round_ in range(3):
        for number in range(round_, 40, 5):
            write_generated_article(folder, number, seed=1000 * (round_ + 1) + number)
        pipeline.update(content_dir, updated_dir)
    pipeline.rebuild(content_dir, rebuilt_dir)
    terms = [
        vocabulary.read(folder / current_generation(folder) / "whoosh" / indexing.BODY_TERMS)
        for folder in (updated_dir, rebuilt_dir)
    ]
    assert terms[0].tally() == terms[1].tally()
    updated = load_snapshot(updated_dir)
    rebuilt = load_snapshot(rebuilt_dir)
    try:
        edited = [slugs[n] for n in range(2, 40, 5)]  # edited by the last update
        assert all(rebuilt.related[slug] for slug in edited)
        assert {s: updated.related[s] for s in edited} == {s: rebuilt.related[s] for s in edited}
        # And for the same reasons.
        assert {s: [r.why for r in updated.related[s]] for s in edited} == {
            s: [r.why for r in rebuilt.related[s]] for s in edited
        }
    finally:
        updated.close()
        rebuilt.close()


# --- what the panel picks, and why ----------------------------------------------------------


def panel(client, slug: str) -> list[tuple[str, str]]:
    """Return (slug, reason) for each item of an article's related panel, in order."""
    page = html.fromstring(client.get(f"/articles/{slug}/related").get_data())
    return [
        (li.xpath(".//h2/a/@href | .//h3/a/@href")[0].rsplit("/", 1)[-1],
         " ".join(li.xpath('.//p[@class="related-reason"]/text()')))
        for li in page.xpath('//ul[@class="related-list"]/li')
    ]  # fmt: skip


def test_articles_linked_in_the_body_lead(client):
    # "Stress and burnout at work" links to boundaries, sleep and low mood.
    items = panel(client, "stress-and-burnout-at-work")
    assert sorted(items[:3]) == [
        ("setting-healthy-boundaries", "Linked in this article"),
        ("sleep-and-mental-health", "Linked in this article"),
        ("when-low-mood-becomes-depression", "Linked in this article"),
    ]


def test_linked_articles_come_closest_first_not_in_the_order_of_the_text(client, content_dir):
    # "Living with grief" mentions the article on sleep before the one on supporting someone
    # who is grieving; a reader who has just read about grief wants the second one first.
    text = (content_dir / "articles" / "living-with-grief.md").read_text(encoding="utf-8")
    assert text.index("/articles/sleep-and-mental-health") < text.index(
        "/articles/supporting-someone-who-is-grieving"
    )
    assert panel(client, "living-with-grief")[:2] == [
        ("supporting-someone-who-is-grieving", "Linked in this article"),
        ("sleep-and-mental-health", "Linked in this article"),
    ]


def test_every_item_says_why_it_is_there(client, content_dir):
    for slug in sorted(p.stem for p in (content_dir / "articles").glob("*.md")):
        if slug.startswith("draft-"):
            continue
        for other, why in panel(client, slug):
            assert why, f"{other} under {slug} gives no reason"


def test_a_broad_topic_alone_does_not_pad_a_panel(client):
    # "Living with grief" shares only the broad "self-care" topic with "Saying no".
    assert "living-with-grief" not in dict(panel(client, "saying-no-without-guilt"))


def test_a_link_added_by_an_update_leads_the_panel_and_counts_for_the_other(
    client, runner, content_dir
):
    path = content_dir / "articles" / "understanding-anxiety.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nSee also [grief](/articles/living-with-grief).\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["index", "update"]).exit_code == 0
    assert ("living-with-grief", "Linked in this article") in panel(client, "understanding-anxiety")


def listing(snapshot, slugs) -> dict[str, set[str]]:
    """Return, for each of `slugs`, the articles whose related lists name it."""
    return {
        slug: {other for other, items in snapshot.related.items() if slug in map(str, items)}
        for slug in slugs
    }


def test_articles_published_by_an_update_join_the_panels_a_rebuild_would_put_them_in(
    content_dir, tmp_path
):
    folder = content_dir / "articles"
    for number in range(40):
        write_generated_article(folder, number, seed=number)
    updated_dir, rebuilt_dir = tmp_path / "updated", tmp_path / "rebuilt"
    pipeline.rebuild(content_dir, updated_dir)
    added = [write_generated_article(folder, number, seed=number) for number in range(40, 46)]
    pipeline.update(content_dir, updated_dir)
    pipeline.rebuild(content_dir, rebuilt_dir)
    updated, rebuilt = load_snapshot(updated_dir), load_snapshot(rebuilt_dir)
    try:
        expected = listing(rebuilt, added)
        assert sum(map(len, expected.values())) >= len(added)
        assert listing(updated, added) == expected
    finally:
        updated.close()
        rebuilt.close()


def test_a_draft_published_by_an_update_joins_the_panels_a_rebuild_would_put_it_in(
    runner, content_dir, index_dir, tmp_path
):
    slug = "draft-coming-soon-working-with-couples"
    path = content_dir / "articles" / f"{slug}.md"
    path.write_text(path.read_text().replace("draft: true\n", "", 1))
    assert runner.invoke(args=["index", "update"]).exit_code == 0
    pipeline.rebuild(content_dir, tmp_path / "rebuilt")
    updated, rebuilt = load_snapshot(index_dir), load_snapshot(tmp_path / "rebuilt")
    try:
        expected = listing(rebuilt, [slug])
        assert expected[slug]
        assert listing(updated, [slug]) == expected
    finally:
        updated.close()
        rebuilt.close()


def test_an_everyday_word_is_never_the_reason_unless_the_title_uses_it(client, content_dir):
    # "Also about back and little" says nothing about why an article is there.
    everyday = spelling.everyday_words()
    library = reader.load_library(content_dir)
    topics = {t.name.lower() for a in library.articles.values() for t in a.topics}
    for slug, article in library.articles.items():
        if article.draft:
            continue
        title = set(re.findall(r"[\w']+", article.title.lower()))
        for other, why in panel(client, slug):
            named = why.removeprefix("Also about ").lower()
            if not why.startswith("Also about ") or named in topics:
                continue
            words = set(named.split(" and "))
            assert not (words & everyday) - title, f"{other} under {slug}: {why!r}"


def test_the_everyday_word_list_is_pyspellcheckers_most_used_words():
    listed = spelling.EVERYDAY_WORDS_FILE.read_text(encoding="utf-8").split()
    assert listed == spelling.most_used_words(tuning.EVERYDAY_WORDS), (
        "webapp/search/everyday-words.txt is out of date: run python scripts/everyday_words.py"
    )
