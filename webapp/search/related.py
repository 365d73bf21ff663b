"""Related articles: for each article, the others a reader would choose next, with why.

Computed once per generation from the index's statistics; see `compute_related`. Its weights
and cut-offs are in `tuning`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from webapp.model import Article, Related, body_links
from webapp.search import segment_files, tuning, vocabulary
from webapp.search.body_terms import BodyStats, Wording, telling_terms
from webapp.search.indexing import BODY_TERMS


@dataclass(frozen=True)
class RelatedInput:
    """What related scoring needs of one article: its text, topics, date and the articles
    its body links to, in order (picklable).

    The text begins with a line holding the title, and is needed only for the articles
    whose lists are being computed.
    """

    text: str
    topics: tuple[tuple[str, str], ...]  # (slug, name) of each topic
    ordinal: int
    links: tuple[str, ...] = ()


def related_input(article: Article, with_text: bool = True) -> RelatedInput:
    """Return an article's RelatedInput, with or without its text."""
    # The title is repeated so its words weigh more among the key terms.
    text = "\n".join([article.title] * tuning.TITLE_REPEATS + [article.summary, article.own_text])
    topics = tuple((t.slug, t.name) for t in article.topics)
    return RelatedInput(text if with_text else "", topics,
                        article.date.toordinal(), body_links(article))  # fmt: skip


def compute_related(
    directory: Path,
    articles: Mapping[str, Article],
    slugs: Iterable[str] | None = None,
    limit: int = 4,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[Related]]:
    """Return, for each slug (all if None), the most related public articles, best first,
    each with the reason it is there.

    The articles its body links to lead, the closest first (scored as below, with no
    cut-off). The others are scored: half their more-like-this score relative to the best
    candidate, half their *coverage* (the share of the article's key-term weight they
    contain, which unlike a BM25 score means the same in every index), plus TOPIC_BONUS for
    how specific the topics they share are, plus BACKLINK_BONUS when they link to this
    article. Only candidates that score MIN_SCORE are kept, so an article with nothing in
    common gets no padding. The weights and cut-offs named here are in `tuning`.

    More-like-this is Whoosh's own recipe computed straight from the index statistics: the
    key terms are the article's top KEY_TERMS by Bo1 (`whoosh.classify.Expander`) among the
    terms that carry meaning and that another article has, and candidates are the best
    MLT_CANDIDATES by BM25F over the body for those terms, boosted by their Bo1 weights, as
    `searcher.search(Or([...]))` ranks them, gathered from each key term's best
    MLT_POSTINGS documents. Postings and statistics are read once and shared by all
    articles. With an `executor`, slugs are shared out between `workers` processes.
    """
    public = {s: a for s, a in articles.items() if not a.draft}
    wanted = list(public if slugs is None else slugs)
    need = set(wanted)
    inputs = {s: related_input(a, s in need) for s, a in public.items()}
    return related_lists(
        directory,
        inputs,
        wanted,
        limit,
        executor,
        workers,
        progress,
        more_texts=lambda slugs: {s: related_input(public[s]) for s in slugs},
    )


def related_lists(
    directory: Path,
    inputs: Mapping[str, RelatedInput],
    slugs: list[str],
    limit: int = 4,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    more_texts: Callable[[list[str]], Mapping[str, RelatedInput]] | None = None,
    newcomers: Iterable[str] = (),
) -> dict[str, list[Related]]:
    """Return related lists for `slugs`, given every public article's RelatedInput;
    `progress(done, total)` is told as each process's share is done.

    Closeness in wording counts both ways, so the text of every article close to one of
    `slugs` is needed too: `more_texts(slugs)` returns the RelatedInput, text included, of
    those `inputs` has without text.

    `newcomers` (among `slugs`: articles an update added or changed) may now belong in the
    lists of articles not in `slugs`: those among a newcomer's closest in wording that would
    score it past the cut-off have their lists returned too. (The articles a newcomer links
    to, whose "links here" changed, are for the caller to put in `slugs`.)
    """
    inputs = dict(inputs)
    library = _Neighbourhood(inputs)
    rounds = _Rounds(slugs, list(newcomers), inputs, library, more_texts)
    matches = _text_matches(directory, inputs, slugs, executor, workers, progress, rounds)
    return {
        slug: _related_to(slug, matches, library, limit) if slug in inputs else []
        for slug in [*slugs, *sorted(rounds.joined)]
    }


class _Rounds:
    """The texts to read after the first matches, round by round (see `related_lists`):
    those close to the lists being made, then the articles that may now list a newcomer
    (again, with the words they share), then those close to these."""

    def __init__(self, slugs, newcomers, inputs, library, more_texts):
        self.redoing = list(slugs)
        self.newcomers = [s for s in newcomers if s in inputs]
        self.inputs, self.library, self.more_texts = inputs, library, more_texts
        self.joined: set[str] = set()
        self.looked = False

    def __call__(self, matches: Mapping[str, Mapping[str, _TextMatch]]) -> _NextTexts | None:
        if close := self._close_texts(matches):
            return close, False
        if self.looked or not self.newcomers:
            return None
        self.looked = True
        doing = set(self.redoing)
        # (Those a newcomer links to, or linked to before, are being redone already.)
        joined = {other for new in self.newcomers for other in matches.get(new, {})
                  if other not in doing and other in matches
                  and _pair_score(other, new, matches, self.library) is not None}  # fmt: skip
        self.joined = joined
        self.redoing += sorted(joined)
        # Their own closeness was read without the words shown as reasons: read again.
        return self._texts(sorted(joined)), True

    def _close_texts(self, matches) -> dict[str, str]:
        """The texts of the articles close to those being redone whose closeness is unknown."""
        wanted = {other for slug in self.redoing for other in matches.get(slug, {})}
        return self._texts(sorted(wanted - matches.keys()))

    def _texts(self, slugs: list[str]) -> dict[str, str]:
        without_text = [s for s in slugs if not self.inputs[s].text]
        if without_text and self.more_texts is not None:
            self.inputs.update(self.more_texts(without_text))
        return {s: self.inputs[s].text for s in slugs if self.inputs[s].text}


class _TextMatch(NamedTuple):
    """How close another article's body is to one article's key terms."""

    closeness: float  # its more-like-this score, relative to the best candidate's
    coverage: float  # the share of the key-term weight it holds
    words: tuple[str, ...]  # the two most telling words it shares, as the article writes them

    @property
    def score(self) -> float:
        """Closeness and coverage, `tuning.CLOSENESS_SHARE` of it closeness."""
        share = tuning.CLOSENESS_SHARE
        return share * self.closeness + (1 - share) * self.coverage


def _text_matches(
    directory: Path,
    inputs: Mapping[str, RelatedInput],
    slugs: list[str],
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    then: _MoreTexts | None = None,
) -> dict[str, dict[str, _TextMatch]]:
    """Return, for each of `slugs` that has its text in `inputs`, the articles closest to
    it in wording, shared out between `workers` processes with an `executor`; and for
    those `then(matches)` names (their texts by slug), their closest articles too, without
    the words they share (no list of theirs is shown)."""
    slugs = [s for s in slugs if s in inputs and inputs[s].text]
    public = frozenset(inputs)
    if executor is not None and workers > 1 and len(slugs) >= 2 * workers:
        step = -(-len(slugs) // workers)
        shards = [slugs[i : i + step] for i in range(0, len(slugs), step)]
        # Each process gets the text of its own slugs only.
        jobs = [
            executor.submit(
                _matches_for, str(directory), {s: inputs[s].text for s in shard}, public
            )  # fmt: skip
            for shard in shards
        ]
        matches: dict[str, dict[str, _TextMatch]] = {}
        for job in jobs:
            matches.update(job.result())
            if progress:
                progress(len(matches), len(slugs))
        while then is not None and (more := then(matches)):
            texts, with_words = more
            matches.update(_matches_for(str(directory), texts, public, with_words=with_words))
        return matches
    matches = _matches_for(str(directory), {s: inputs[s].text for s in slugs}, public,
                           then=then)  # fmt: skip
    if progress:
        progress(len(slugs), len(slugs))
    return matches


# The texts to read next, and whether with the words they share; None when there are none.
_NextTexts = tuple[dict[str, str], bool]
_MoreTexts = Callable[[Mapping[str, Mapping[str, "_TextMatch"]]], _NextTexts | None]


def _matches_for(directory: str, texts: dict[str, str], public: frozenset[str],
                 with_words: bool = True,
                 then: _MoreTexts | None = None) -> dict[str, dict[str, _TextMatch]]:  # fmt: skip
    ix = segment_files.open_dir(directory)
    try:
        with ix.searcher() as searcher:
            body_terms = vocabulary.read(Path(directory) / BODY_TERMS)
            stats = BodyStats(
                searcher, body_terms, public, bulk=len(texts) > 50, documents=len(public)
            )
            matches = {slug: _closest_in_wording(stats, slug, text, with_words)
                       for slug, text in texts.items()}  # fmt: skip
            # Read with the same statistics and postings already read: close articles
            # share key terms.
            while then is not None and (more := then(matches)):
                texts, with_words = more
                matches.update((slug, _closest_in_wording(stats, slug, text, with_words))
                               for slug, text in texts.items())  # fmt: skip
            return matches
    finally:
        ix.close()


class _Neighbourhood:
    """What every public article shares with others: topics, how specific each topic is,
    and who links to whom."""

    def __init__(self, public: dict[str, RelatedInput]):
        self.public = public
        self.topics = {s: dict(r.topics) for s, r in public.items()}
        self.by_topic: dict[str, list[str]] = defaultdict(list)
        for slug, _item in sorted(public.items(), key=lambda kv: (-kv[1].ordinal, kv[0])):
            for topic in self.topics[slug]:
                self.by_topic[topic].append(slug)
        self.linked_from: dict[str, set[str]] = defaultdict(set)
        for slug, item in public.items():
            for target in item.links:
                self.linked_from[target].add(slug)
        total = len(public)
        # 1 for a topic on two articles (the fewest that can share it), 0 for one on all.
        self.specificity = {
            topic: (math.log(total / len(holders)) / math.log(total / 2) if total > 2 else 1.0)
            for topic, holders in self.by_topic.items()
        }

    def shared_topics(self, slug: str, other: str) -> list[tuple[float, str]]:
        """Return (specificity, name) of the topics both articles have, most specific first."""
        mine, theirs = self.topics[slug], self.topics[other]
        return sorted(((self.specificity[t], mine[t]) for t in mine.keys() & theirs.keys()),
                      reverse=True)  # fmt: skip


def _closest_in_wording(stats: BodyStats, slug: str, text: str,
                        with_words: bool = True) -> dict[str, _TextMatch]:  # fmt: skip
    """Return the articles whose bodies hold the most of this text's key terms, by
    more-like-this score and by coverage, each with the words it shares (none unless
    `with_words`)."""
    wording = Wording(stats.analyzer, text)
    key_terms, overall = telling_terms(stats, wording)
    if not key_terms:
        return {}
    # Coverage is measured against the shared key terms (a word no other article has cannot
    # be matched, so it counts against none), unless the article's most telling words are
    # mostly its own: then it is about something no other article covers.
    shared_weight = sum(weight for _, weight in key_terms)
    total_weight = (
        shared_weight if shared_weight >= tuning.OWN_WORDS * overall else overall
    ) or 1.0
    # BM25F over the body, as Whoosh scores Or([Term("body", t, boost=w), ...]).
    postings = [(stats.postings(term), weight) for term, weight in key_terms]
    candidates = set().union(*(stats.champion_documents(term) for term, _ in key_terms))
    candidates &= stats.public_documents
    names = stats.names
    candidates.discard(next((d for d in candidates if names[d] == slug), -1))
    # Each candidate's sum of weight * term score, added up term by term in key-term order
    # (as `sum` over the terms would; a term it lacks adds nothing), visiting only the
    # candidates each term's postings hold.
    scores: dict[int, float] = dict.fromkeys(candidates, 0)
    for found, weight in postings:
        for docnum in candidates & found.keys():
            scores[docnum] += weight * found[docnum]
    hits = heapq.nsmallest(tuning.MLT_CANDIDATES, scores.items(), key=lambda x: (-x[1], x[0]))
    best = max((score for _, score in hits), default=1.0) or 1.0
    words = wording.surface_words(t for t, _ in key_terms) if with_words and hits else {}
    matches = {}
    for docnum, score in hits:
        held = [(weight, term) for (found, weight), (term, _) in
                zip(postings, key_terms, strict=True) if docnum in found]  # fmt: skip
        shown = [word for _, term in sorted(held, reverse=True) if (word := words.get(term))]
        matches[names[docnum]] = _TextMatch(
            score / best, sum(weight for weight, _ in held) / total_weight, tuple(shown[:2])
        )
    return matches


def _related_to(slug: str, matches: Mapping[str, Mapping[str, _TextMatch]],
                library: _Neighbourhood, limit: int) -> list[Related]:  # fmt: skip
    public = library.public
    article = public[slug]
    mine = matches.get(slug, {})
    linked = [s for s in article.links if s in public and s != slug][:limit]
    candidates = {s for s in mine if s in public}
    if tuning.TOPIC_BONUS * tuning.SHARED_TOPICS >= tuning.MIN_SCORE:  # topics alone may do
        for topic in library.topics[slug]:
            candidates.update(library.by_topic.get(topic, [])[: tuning.TOPIC_CANDIDATES])
    candidates |= library.linked_from.get(slug, set())
    scored = []
    for other in candidates - {slug} - set(linked):
        found = _pair_score(slug, other, matches, library)
        if found is not None:
            score, shared, links_here = found
            there = mine.get(other)
            # Ties go to the closer text, then the newer article: never to the alphabet alone.
            cover = there.coverage if there else 0.0
            rank = (-round(score, 9), -cover, -public[other].ordinal, other)
            scored.append((rank, other, (shared, links_here, there.words if there else ())))
    scored.sort()
    # Linked articles lead, the closest first: where a link falls in the text says little
    # about how much a reader of this article wants the other next.
    # Rounded as the others' ranks are, so a rebuild and an update order ties alike.
    closeness = {s: round(_closeness(slug, s, matches, library), 9) for s in linked}
    linked.sort(key=lambda s: -closeness[s])
    chosen = [Related(s, "Linked in this article") for s in linked]
    for _, other, (shared, links_here, words) in scored[: limit - len(chosen)]:
        chosen.append(Related(other, _reason(shared, links_here, words)))
    return chosen


def _closeness(slug: str, other: str, matches: Mapping[str, Mapping[str, _TextMatch]],
               library: _Neighbourhood) -> float:  # fmt: skip
    """Return how related `other` is to `slug`, with no cut-off."""
    found = _pair_score(slug, other, matches, library, cut_off=0.0)
    return found[0] if found is not None else 0.0


def _pair_score(slug: str, other: str, matches: Mapping[str, Mapping[str, _TextMatch]],
                library: _Neighbourhood, cut_off: float | None = None):  # fmt: skip
    """Return how related `other` is to `slug` (score, shared topics, whether it links
    here), or None if it scores less than the cut-off."""
    links_here = other in library.linked_from.get(slug, ())
    there = matches.get(slug, {}).get(other)
    closeness = 0.0
    if there is not None:
        # Related both ways: how much of this article's wording the other holds, and
        # how much of the other's this one holds. An article that mentions this one's
        # subject in passing is close one way only.
        back = matches.get(other, {}).get(slug)
        closeness = (1 - tuning.REVERSE_WEIGHT) * there.score
        closeness += tuning.REVERSE_WEIGHT * (back.score if back else 0.0)
    # A shared topic adds at most TOPIC_BONUS: most candidates that only share a broad
    # topic cannot reach the cut-off, and need not have their topics compared.
    cut_off = tuning.MIN_SCORE if cut_off is None else cut_off
    best_case = closeness + tuning.TOPIC_BONUS * tuning.SHARED_TOPICS
    if best_case + tuning.BACKLINK_BONUS * links_here < cut_off:
        return None
    shared = library.shared_topics(slug, other)
    specificity = sum(value for value, _ in shared[: tuning.SHARED_TOPICS])
    score = closeness + tuning.TOPIC_BONUS * specificity
    score += tuning.BACKLINK_BONUS * links_here
    return (score, shared, links_here) if score >= cut_off else None


def _reason(shared, links_here: bool, found: tuple[str, ...]) -> str:
    """Return in plain words why a candidate is related: a link, a topic or shared words."""
    if links_here:
        return "Links to this article"
    if shared and (shared[0][0] >= tuning.MIN_SPECIFICITY or not found):
        return f"Also about {shared[0][1]}"
    if len(found) == 2:
        return f"Also about {found[0]} and {found[1]}"
    if found:
        return f"Also about {found[0]}"
    return f"Also about {shared[0][1]}" if shared else "Close in wording"
