"""Warnings that help a writer: safe messaging about suicide and self-harm, near-duplicate
tags and overdue reviews. They never block publishing unless `content check --strict`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from webapp.authoring.reader import load_library
from webapp.building import advice, safe_messaging

from .conftest import SAMPLE_CONTENT, change_site_settings

TODAY = dt.date(2026, 11, 27)
SUPPORT = "If you need to talk, call Samaritans free on 116 123."


def write_article(
    content_dir: Path,
    slug: str,
    body: str,
    *,
    title: str = "A test article",
    summary: str = "A short summary.",
    tags: str = "[testing]",
    reviewed: str | None = None,
) -> str:
    """Write an article (its body starts on line 8, or 9 with `reviewed`); return its source."""
    lines = ["---", f"title: {title}", f"summary: {summary}", "date: 2026-01-01", f"tags: {tags}"]
    if reviewed:
        lines.append(f"reviewed: {reviewed}")
    lines += ["---", "", body]
    (content_dir / "articles" / f"{slug}.md").write_text("\n".join(lines) + "\n", "utf-8")
    return f"content/articles/{slug}.md"


def warnings(content_dir: Path, today: dt.date = TODAY) -> list[str]:
    return [str(w) for w in advice.find_warnings(content_dir, load_library(content_dir), today)]


def about(found: list[str], source: str) -> list[str]:
    return [w for w in found if w.startswith(source)]


def test_the_sample_content_has_no_warnings():
    assert advice.problems(SAMPLE_CONTENT) == []
    assert warnings(SAMPLE_CONTENT) == []


# Each rule: what the writer wrote, the words quoted back, and words of the suggestion.
PHRASES = [
    ("He committed suicide last spring.", "committed suicide", 'write "died by suicide"'),
    ("After a failed suicide attempt she found help.", "failed suicide attempt", "attempted"),
    (
        "Her first attempt at suicide was unsuccessful, and the unsuccessful attempt left her "
        "ashamed.",
        "unsuccessful attempt",
        '"a suicide attempt"',
    ),  # fmt: skip
    ("Papers wrote of a suicide epidemic among students.", "suicide epidemic", "a rise in"),
    ("They called it an epidemic of suicides.", "epidemic of suicides", "a rise in suicides"),
    ("Suicide is never the easy way out.", "easy way out", "help exists"),
    ("Some people are called suicide-prone.", "suicide-prone", "at higher risk of suicide"),
    ("The suicide victim was 20.", "suicide victim", "a person who died by suicide"),
    ("Self-harm is not just a cry for help.", "just a cry for help", "sign of distress"),
    ("People think self-harm is attention seeking.", "attention seeking", "sign of distress"),
    ("The bridge became a suicide hotspot.", "suicide hotspot", "leave the place out"),
    ("He died by suicide; he was found hanged.", "hanged", '"died by suicide" is enough'),
    ("She took her own life in front of a train.", "in front of a train", "how and where"),
    ("He took an overdose of paracetamol.", "overdose of paracetamol", "leave out the substance"),
    ("She attempted suicide by taking 40 tablets.", "40 tablets", "leave out the amount"),
    ("Her self-harm involved a razor.", "razor", "leave out implements"),
]


@pytest.mark.parametrize(("body", "quoted", "suggestion"), PHRASES)
def test_each_phrase_the_guidance_advises_against_is_quoted_with_its_suggestion(
    content_dir, body, quoted, suggestion
):
    source = write_article(content_dir, "on-suicide", f"Some words first.\n\n{body}\n\n{SUPPORT}")
    found = about(warnings(content_dir), source)
    assert len(found) == 1, found
    assert found[0].startswith(f'{source}:10: body: "{quoted}": ')
    assert suggestion in found[0] and "Why: " in found[0]


def test_title_and_summary_are_checked_and_named_with_their_lines(content_dir):
    source = write_article(
        content_dir,
        "why-people-die",
        SUPPORT,
        title="Why people commit suicide",
        summary="A suicide epidemic? What the figures say.",
    )
    found = about(warnings(content_dir), source)
    assert [w.split(": ")[0:3] for w in found] == [
        [f"{source}:2", "title", '"commit suicide"'],
        [f"{source}:3", "summary", '"suicide epidemic"'],
    ]


@pytest.mark.parametrize(
    "body",
    [
        "A failed attempt at the exam is not the end of the world.",
        "Hanging a picture can be surprisingly satisfying.",
        "Take 2 tablets with water, as the packet says.",
        "Use a razor-sharp knife to cut the bread.",
        "There is no easy way out of a disagreement with a friend.",
    ],
)
def test_method_and_attempt_words_far_from_any_mention_of_suicide_are_left_alone(content_dir, body):
    source = write_article(content_dir, "everyday", body)
    assert about(warnings(content_dir), source) == []


def test_a_method_word_is_warned_of_only_near_a_mention(content_dir):
    far = " ".join(["Ordinary words here."] * 12)  # 36 words: further than NEAR_WORDS
    body = f"He died by suicide.\n\n{far}\n\nHe was found hanging on to hope.\n\n{SUPPORT}"
    source = write_article(content_dir, "far-apart", body)
    assert about(warnings(content_dir), source) == []
    near = f"He died by suicide and was found hanged.\n\n{SUPPORT}"
    write_article(content_dir, "far-apart", near)
    found = about(warnings(content_dir), source)
    assert len(found) == 1 and found[0].startswith(f'{source}:8: body: "hanged": ')


def test_a_mention_of_suicide_without_support_is_warned_of_naming_where_and_what_to_add(
    content_dir,
):
    source = write_article(content_dir, "unsupported", "Words.\n\nSome people think about suicide.")
    found = about(warnings(content_dir), source)
    assert found == [
        f'{source}:10: body: mentions "suicide" but offers no support: give a number to call '
        "(112 or 116 123) or link to /articles/when-low-mood-becomes-depression"
    ]


def test_self_harm_counts_as_a_mention_too(content_dir):
    source = write_article(content_dir, "self-harm", "Self-harm is more common than many think.")
    found = about(warnings(content_dir), source)
    assert len(found) == 1 and 'mentions "Self-harm" but offers no support' in found[0]


@pytest.mark.parametrize(
    "support",
    [
        "Call Samaritans on 116 123.",
        "In an emergency call 999.",
        "Text SHOUT to 85258.",
        "Call [Samaritans](tel:116123).",
        "Read [when low mood becomes depression](/articles/when-low-mood-becomes-depression).",
    ],
)
def test_a_number_to_call_or_a_support_article_counts_as_support(content_dir, support):
    body = f"Thoughts of suicide are common.\n\n{support}"
    source = write_article(content_dir, "supported", body)
    assert about(warnings(content_dir), source) == []


def test_a_link_to_an_article_tagged_as_support_counts_as_support(content_dir):
    write_article(content_dir, "getting-help", SUPPORT, tags="[crisis support]")
    body = "Thoughts of suicide are common.\n\nSee [getting help](/articles/getting-help)."
    source = write_article(content_dir, "supported", body)
    assert about(warnings(content_dir), source) == []


def test_the_practice_edits_the_phrases_and_their_suggestions(content_dir):
    source = write_article(content_dir, "words", f"Suicide is a taboo subject.\n\n{SUPPORT}")
    assert about(warnings(content_dir), source) == []
    with (content_dir / safe_messaging.FILE).open("a", encoding="utf-8") as guide:
        guide.write(
            '\n  - phrase: taboo\n    suggestion: try "hard to talk about"\n'
            "    why: it sounds forbidden\n"
        )
    assert about(warnings(content_dir), source) == [
        f'{source}:8: body: "taboo": try "hard to talk about". Why: it sounds forbidden.'
    ]


def test_without_the_file_there_are_no_safe_messaging_warnings(content_dir):
    source = write_article(content_dir, "on-suicide", "He committed suicide.")
    (content_dir / safe_messaging.FILE).unlink()
    assert about(warnings(content_dir), source) == []
    assert advice.problems(content_dir) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("phrases: [{phrase: 'a ...', suggestion: x, why: y}]",
         "safe-messaging.yml: phrases[1].phrase: pattern 'a ...' ends with '...'"),
        ("phrases: [{phrase: taboo, why: y}]",
         "safe-messaging.yml: phrases[1].suggestion: is required"),
        ("phrases: [{phrase: taboo, suggestion: x, why: y, near: true}]",
         "safe-messaging.yml: phrases[1].near: is not a field we use"),
        ("mentions: [", "safe-messaging.yml: is not valid YAML"),
    ],
)  # fmt: skip
def test_an_entry_that_cannot_be_used_is_a_problem_naming_it(content_dir, text, problem):
    (content_dir / safe_messaging.FILE).write_text(text, encoding="utf-8")
    found = advice.problems(content_dir)
    assert len(found) == 1 and found[0].startswith(problem), found


# --- tags --------------------------------------------------------------------------------


def test_a_tag_a_letter_away_from_another_is_named_with_the_files_using_the_rarer(
    content_dir,
):
    for number in range(3):
        write_article(content_dir, f"common-{number}", "Words.", tags="[resilience]")
    rare = write_article(content_dir, "rare", "Words.", tags="[anxiety, resilence]")
    found = [w for w in warnings(content_dir) if ": tags: " in w]
    assert found == [
        f'{rare}:5: tags: "resilence" (1 article) looks like "resilience" (3 articles): if they '
        f'are one topic, write it one way. "resilence" is in {rare}'
    ]


def test_tags_written_with_a_space_and_a_hyphen_are_near_duplicates(content_dir):
    spaced = write_article(content_dir, "spaced", "Words.", tags="[self care]")
    found = [w for w in warnings(content_dir) if ": tags: " in w]
    assert len(found) == 1
    assert found[0].startswith(f'{spaced}:5: tags: "self care" (1 article) looks like "self-care"')


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        ("couple", "couples", True),  # a plural is the same topic
        ("mother", "father", False),  # two real words are two topics
        ("panic", "manic", False),  # too short to tell a slip from a different word
        ("boundaries", "boundries", True),
        ("work stress", "work stres", True),
    ],
)
def test_which_tags_count_as_near_duplicates(content_dir, first, second, alike):
    write_article(content_dir, "first", "Words.", tags=f"[{first}]")
    write_article(content_dir, "second", "Words.", tags=f"[{second}]")
    found = [w for w in warnings(content_dir) if ": tags: " in w]
    assert bool(found) == alike, found


# --- reviews -----------------------------------------------------------------------------


def test_overdue_reviews_are_listed_most_overdue_first_with_the_days(content_dir):
    # Three years after `reviewed` (site.yml), a review is due.
    write_article(content_dir, "due-this-year", "Words.", reviewed="2023-01-01")
    write_article(content_dir, "long-overdue", "Words.", reviewed="2022-06-01")
    write_article(content_dir, "just-overdue", "Words.", reviewed="2023-11-20")
    write_article(content_dir, "not-yet-due", "Words.", reviewed="2024-01-01")
    found = [w for w in warnings(content_dir) if ": reviewed: " in w]
    assert [w.split(" (")[0] for w in found] == [
        "content/articles/long-overdue.md:6: reviewed: review overdue by 544 days",
        "content/articles/due-this-year.md:6: reviewed: review overdue by 330 days",
        "content/articles/just-overdue.md:6: reviewed: review overdue by 7 days",
    ]
    assert found[0].endswith(
        "(last reviewed 2022-06-01, due 2025-06-01): check the article is still right, then "
        "set reviewed to that day's date"
    )


def test_the_review_interval_comes_from_site_settings(content_dir):
    source = write_article(content_dir, "reviewed", "Words.", reviewed="2025-11-01")
    assert about([w for w in warnings(content_dir) if ": reviewed: " in w], source) == []
    change_site_settings(content_dir, review_interval_years=1)
    found = about([w for w in warnings(content_dir) if ": reviewed: " in w], source)
    assert found == [
        f"{source}:6: reviewed: review overdue by 26 days (last reviewed 2025-11-01, due "
        "2026-11-01): check the article is still right, then set reviewed to that day's date"
    ]


# --- the command ---------------------------------------------------------------------------


def test_content_check_prints_warnings_after_problems_and_passes_unless_strict(runner, content_dir):
    source = write_article(content_dir, "on-suicide", f"He committed suicide.\n\n{SUPPORT}")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert f'{source}:8: body: "committed suicide": write "died by suicide"' in result.output
    summary = "Checked 18 articles, 1 draft, 2 authors and 5 pages: 0 problems, 1 warning."
    assert summary in result.output

    result = runner.invoke(args=["content", "check", "--strict"])
    assert result.exit_code == 1
    assert "0 problems, 1 warning." in result.output
    assert "With --strict, warnings fail the check" in result.output


def test_content_check_strict_passes_on_the_sample_content(runner):
    result = runner.invoke(args=["content", "check", "--strict"])
    assert result.exit_code == 0, result.output
    assert "0 problems." in result.output and "warning" not in result.output


def test_a_broken_safe_messaging_file_fails_content_check(runner, content_dir):
    (content_dir / safe_messaging.FILE).write_text("phrases: [{phrase: taboo, why: y}]", "utf-8")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "safe-messaging.yml: phrases[1].suggestion: is required" in result.output


def test_a_hostile_safe_messaging_file_is_named_not_expanded_or_waited_on(content_dir):
    # It is read like every other content file: aliases refused, a named pipe never opened.
    path = content_dir / safe_messaging.FILE
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
    )
    path.write_text(bomb + "phrases: []\n", "utf-8")
    [problem] = advice.problems(content_dir)
    assert (
        problem.startswith(f"{safe_messaging.FILE}: is not valid YAML at line 2")
        and "alias" in problem
    )
    path.unlink()
    os.mkfifo(path)
    [problem] = advice.problems(content_dir)
    assert problem.startswith(f"{safe_messaging.FILE}: is a named pipe"), problem


def test_editing_the_safe_messaging_file_leaves_the_index_up_to_date(runner, content_dir):
    with (content_dir / safe_messaging.FILE).open("a", encoding="utf-8") as guide:
        guide.write("\n# a note from the practice\n")
    result = runner.invoke(args=["index", "status"])
    assert "unchanged since this build" in result.output, result.output


# --- the preview ---------------------------------------------------------------------------


def test_the_preview_shows_an_articles_warnings_above_it(tmp_path):
    from .browser.test_preview import preview  # the command as a writer runs it

    content_dir, index_dir = tmp_path / "content", tmp_path / "index"
    shutil.copytree(SAMPLE_CONTENT, content_dir)
    write_article(content_dir, "on-suicide", f"He committed suicide.\n\n{SUPPORT}")
    with preview(content_dir, index_dir, tmp_path / "preview.log") as url:
        page = urllib.request.urlopen(f"{url}/articles/on-suicide").read().decode()
        other = urllib.request.urlopen(f"{url}/articles/living-with-grief").read().decode()
    box = page.index('class="preview-warnings"')
    assert box < page.index('<article class="article"')  # above the article, not instead
    assert "1 suggestion for this article" in page
    assert "Line 8, body: &#34;committed suicide&#34;: write &#34;died by suicide&#34;" in page
    assert "preview-warnings" not in other  # only the article's own
    assert "1 warning(s)" in (tmp_path / "preview.log").read_text()


def test_saving_the_safe_messaging_file_rechecks_the_preview_without_a_rebuild(tmp_path):
    from webapp.generation.folder import current_generation
    from webapp.preview import Preview

    content_dir, index_dir = tmp_path / "content", tmp_path / "index"
    shutil.copytree(SAMPLE_CONTENT, content_dir)
    checked = []
    preview = Preview(content_dir, index_dir, lambda c, i: checked.append(c) or ([], []))
    preview.refresh()
    built = current_generation(index_dir)
    preview.refresh({safe_messaging.FILE})
    assert current_generation(index_dir) == built and len(checked) == 2
    grief = content_dir / "articles" / "living-with-grief.md"
    grief.write_text(grief.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    preview.refresh({"articles/living-with-grief.md"})  # an article still builds
    assert current_generation(index_dir) != built
