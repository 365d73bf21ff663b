"""Ranking search results: which documents a query matches and their BM25F scores.

Whoosh scores a query by walking a tree of matchers one posting at a time, in Python, at one
to two microseconds a posting; a two-letter prefix expanded to a dozen common words touches
tens of thousands. The queries this site builds have few shapes (terms, phrases, and OR or
AND of those, one per meaning word: see `query.groups`), so they are evaluated here on whole
posting lists instead:

- a term's BM25F score in a document does not depend on the query, so each term's scores are
  computed once per open index, a block of postings at a time, and kept (bounded in size);
- OR adds and AND intersects those score tables, which are plain dictionaries;
- a phrase is first the AND of its words, then checked against stored positions, only in the
  documents that have every word.

Scores follow Whoosh's BM25F exactly (the same formula, statistics and document lengths, and
field boosts are already in the posting weights), so one group ranks as Whoosh would rank it,
and a full table of matches gives the exact total without a second counting pass. Several
groups are then combined, weighted by the share of them a document matches (see
`Ranker.rank`). No Flask.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterable

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.searching import Results
from whoosh.util.numeric import byte_to_length

from webapp.search import tuning

# Document entries kept in score tables per open index (about 100 bytes each): bounds memory.
MAX_CACHED_POSTINGS = 400_000

Scores = dict[int, float]
# What a score table is kept under: (field, term) for a term, (field, (word, ...)) for a phrase.
TableKey = tuple[str, "str | tuple[str, ...]"]


class Ranker:
    """Evaluates queries against one open searcher; not thread-safe (callers hold a lock)."""

    def __init__(self, searcher, fields: Iterable[str]):
        self._searcher = searcher
        weighting = searcher.weighting
        self._b, self._k1 = weighting.B, weighting.K1
        self._leaves = list(searcher.reader().leaf_readers())
        # Every document's length of each field, per segment: scoring reads one for every
        # posting. Read now, while the index is being opened, not in the first searches.
        self._lengths = [
            {field: field_lengths(segment, field, 1) for field in fields}
            for segment, _ in self._leaves
        ]
        self._tables: OrderedDict[TableKey, Scores] = OrderedDict()
        self._cached = 0
        # One int object per document number, shared by every score table: a table then
        # holds only references, and a generation's tables are few large blocks of memory
        # instead of millions of small objects, which a replaced generation would leave
        # scattered (and unreturnable) among the new one's.
        self._docnums = list(range(searcher.reader().doc_count_all()))

    def recent_tables(self) -> list[TableKey]:
        """Return the keys of the score tables kept (bounded by MAX_CACHED_POSTINGS), most
        recently used first: what this index's visitors searched lately, to warm a new
        index with."""
        return list(reversed(self._tables))

    def prepare(self, keys: Iterable[TableKey]) -> None:
        """Compute the score tables of these keys now (another index's `recent_tables`),
        in this index's own statistics: only which tables are wanted carries over."""
        for field, text in reversed(list(keys)):
            if isinstance(text, tuple):
                self._phrase(field, list(text))
            else:
                self.term_scores(field, text)

    def rank(
        self,
        groups: list[wq.Query],
        limit: int | None,
        near: Iterable[tuple[str, str]] = (),
    ) -> tuple[Results, int]:
        """Return the best `limit` hits (all if None) of documents matching any group, and
        the total.

        A document's score is its BM25F score for the groups it matches times the share of
        the groups it matches (the coordination factor of Lucene's classic scoring), so an
        article holding more of the words that carry meaning ranks higher without one rare
        word deciding everything. `tuning.WEIGHTED_SHARE` of that share weighs each group by
        its best score in any document, so holding the rare word of a query counts for more
        than holding its common one. Each `near` pair of terms that stand close together in
        a field adds a bonus (see `tuning`).
        """
        if not groups:
            return Results(self._searcher, wq.NullQuery, []), 0
        tables = [self.evaluate(group) for group in groups]
        if len(tables) == 1:
            scores = tables[0]
        else:
            # What each group adds to the share: part for being one of the groups, part for
            # how much it can score (its best score: a rare word outweighs a common one).
            best = [max(table.values(), default=0.0) for table in tables]
            weighted, counted = tuning.WEIGHTED_SHARE, 1 - tuning.WEIGHTED_SHARE
            total = sum(best) or 1.0
            adds = [counted / len(tables) + weighted * b / total for b in best]
            summed: Scores = {}
            share: dict[int, float] = {}
            for table, add in zip(tables, adds, strict=True):
                for docnum, score in table.items():
                    summed[docnum] = summed.get(docnum, 0.0) + score
                    share[docnum] = share.get(docnum, 0.0) + add
            scores = {d: s * share[d] for d, s in summed.items()}
        near = list(near)
        if near:
            top = heapq.nsmallest(tuning.NEAR_CANDIDATES, scores.items(), key=_rank)
            bonus = self._nearness(near, sorted(d for d, _ in top))
            scores = {d: s + bonus.get(d, 0.0) for d, s in scores.items()}
        if limit is None or limit >= len(scores):
            best = sorted(scores.items(), key=_rank)
        else:
            best = heapq.nsmallest(limit, scores.items(), key=_rank)
        top_n = [(score, docnum) for docnum, score in best]
        return Results(self._searcher, wq.Or(groups), top_n), len(scores)

    def matching(self, groups: list[wq.Query], docnums: Iterable[int]) -> set[int]:
        """Return those of `docnums` that match any of the groups (as `rank` counts them)."""
        tables = [self.evaluate(group) for group in groups]
        return {d for d in docnums if any(d in table for table in tables)}

    def _nearness(self, pairs: list[tuple[str, str]], docnums: list[int]) -> dict[int, float]:
        bonus: dict[int, float] = {}
        for first, second in pairs:
            best: dict[int, float] = {}
            for field in tuning.NEAR_FIELDS:
                positions = [
                    {d: m.value_as("positions") for d, m in self.postings_at(field, t, docnums)}
                    for t in (first, second)
                ]
                for docnum in positions[0].keys() & positions[1].keys():
                    if _within(positions[0][docnum], positions[1][docnum], tuning.NEAR_WINDOW):
                        score = self.term_scores(field, first).get(docnum, 0.0)
                        score += self.term_scores(field, second).get(docnum, 0.0)
                        best[docnum] = max(best.get(docnum, 0.0), tuning.NEAR_BONUS * score)
            for docnum, extra in best.items():
                bonus[docnum] = bonus.get(docnum, 0.0) + extra
        return bonus

    def evaluate(self, q: wq.Query) -> Scores:
        """Return {document number: score} for every live document the query matches.

        The result may be a cached table: callers must not change it.
        """
        if isinstance(q, wq.Term):
            return self.term_scores(q.fieldname, q.text)
        if isinstance(q, wq.Phrase):
            return self._phrase(q.fieldname, list(q.words))
        if isinstance(q, wq.Or):
            return _union([self.evaluate(sub) for sub in q.subqueries])
        if isinstance(q, wq.And):
            return _intersection([self.evaluate(sub) for sub in q.subqueries])
        raise TypeError(f"query.groups makes no {type(q).__name__} queries")

    def term_scores(self, field: str, text: str) -> Scores:
        """Return the term's BM25F score in every live document whose field has it."""
        key = (field, text)
        found = self._kept(key)
        return found if found is not None else self._keep(key, self._read_term(field, text))

    def _kept(self, key: TableKey) -> Scores | None:
        """Return the table kept under `key`, now the most recently used, or None."""
        found = self._tables.get(key)
        if found is not None:
            self._tables.move_to_end(key)
        return found

    def _keep(self, key: TableKey, found: Scores) -> Scores:
        self._tables[key] = found
        self._cached += len(found)
        while self._cached > MAX_CACHED_POSTINGS and len(self._tables) > 1:
            _, dropped = self._tables.popitem(last=False)
            self._cached -= len(dropped)
        return found

    def _read_term(self, field: str, text: str) -> Scores:
        searcher = self._searcher
        found: Scores = {}
        if (field, text) not in searcher.reader():
            return found
        # Whoosh's BM25F: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average)).
        idf = searcher.idf(field, text)
        k1 = self._k1
        numerator = idf * (k1 + 1)
        base = k1 * (1 - self._b)
        per_length = k1 * self._b / (searcher.avg_field_length(field) or 1)
        docnums = self._docnums
        # Equal scores share one float: lengths come in 256 steps and term frequencies are
        # small, so a term has few distinct scores (see `_docnums` for why this matters).
        shared: dict[float, float] = {}
        share = shared.setdefault
        for (segment, offset), by_field in zip(self._leaves, self._lengths, strict=True):
            if (field, text) not in segment:
                continue
            if field not in by_field:
                by_field[field] = field_lengths(segment, field, 1)
            lengths = by_field[field]
            for ids, weights in posting_blocks(segment.postings(field, text)):
                for docnum, tf in zip(ids, weights, strict=True):
                    score = numerator * tf / (tf + base + per_length * lengths[docnum])
                    found[docnums[docnum + offset]] = share(score, score)
        return found

    def postings_at(self, field: str, text: str, docnums: list[int]):
        """Yield (document number, matcher on its posting) for each of the sorted live
        documents whose field has the term."""
        for segment, offset in self._leaves:
            end = offset + segment.doc_count_all()
            local = [d - offset for d in docnums if offset <= d < end]
            if not local or (field, text) not in segment:
                continue
            matcher = segment.postings(field, text)
            if type(matcher).__name__ == "FilterMatcher":
                # Whoosh's wrapper only skips deleted documents, and these are all live.
                matcher = matcher.child
            for docnum in local:
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    yield docnum + offset, matcher

    def _phrase(self, field: str, words: list[str]) -> Scores:
        key = (field, tuple(words))
        found = self._kept(key)
        if found is not None:
            return found
        # Whoosh scores a phrase match as the AND of its words; only the matching differs.
        candidates = _intersection([self.term_scores(field, word) for word in words])
        if candidates:
            candidates = {docnum: candidates[docnum]
                          for docnum in self._with_phrase(field, words, candidates)}  # fmt: skip
        return self._keep(key, candidates)

    def _with_phrase(self, field: str, words: list[str], candidates: Iterable[int]):
        """Yield the candidates in which the words stand next to each other, in order."""
        wanted = set(candidates)
        for segment, offset in self._leaves:
            local = {d - offset for d in wanted if offset <= d < offset + segment.doc_count_all()}
            if not local:
                continue
            decode = segment.schema[field].format.decoder("positions")
            starts: dict[int, set[int]] | None = None
            # The rarest word first: it leaves the fewest documents to look at for the rest.
            by_rarity = sorted(enumerate(words), key=lambda w: len(self.term_scores(field, w[1])))
            for shift, word in by_rarity:
                found: dict[int, set[int]] = {}
                for ids, _, values in posting_blocks(segment.postings(field, word), True):
                    for i, docnum in enumerate(ids):
                        if docnum in local:
                            found[docnum] = {p - shift for p in decode(values[i])}
                # Where the phrase can still start, document by document.
                if starts is None:
                    starts = found
                else:
                    starts = {d: s & found[d] for d, s in starts.items() if d in found}
                    starts = {d: s for d, s in starts.items() if s}
                local = set(starts)
                if not local:
                    break
            for docnum in starts or ():
                yield docnum + offset


def field_lengths(segment, field: str, default: int) -> list[int | None]:
    """Return every document's length of the field in one segment, as Whoosh's
    `doc_field_length(docnum, field, default)` gives it, read in one go.

    Scoring needs the length of every document it scores, and Whoosh reads each from its
    column file separately: ten thousand calls took most of a second whenever an index was
    opened. The column is one byte a document (Whoosh's compressed length), so its bytes are
    read at once and mapped through the same table; any other layout is read the slow way.
    """
    count = segment.doc_count_all()
    try:
        column = segment._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)  # noqa: SLF001 - see the docstring
        if column is None:
            return [default] * count
        stored = column._count  # noqa: SLF001 - documents past it have the default byte, 0
        if column._fixedlen != 1 or column._default != 0:  # noqa: SLF001 - see the docstring
            raise AttributeError("not a one-byte length column")
        data = column._dbfile.get(column._basepos, stored)  # noqa: SLF001 - see the docstring
    except AttributeError:
        return [segment.doc_field_length(d, field, default) for d in range(count)]
    return [_LENGTHS[byte] for byte in data[:count]] + [None] * max(0, count - len(data))


# Whoosh's doc_field_length: None for a zero byte, else the length the byte stands for.
_LENGTHS = [byte_to_length(byte) if byte else None for byte in range(256)]


def _within(first: list[int], second: list[int], window: int) -> bool:
    """Say whether some position of one list is within `window` of some of the other."""
    i = j = 0
    while i < len(first) and j < len(second):
        if abs(first[i] - second[j]) <= window:
            return True
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return False


def _rank(item: tuple[int, float]) -> tuple[float, int]:
    # Best score first; equal scores in document order, as Whoosh's collector breaks ties.
    docnum, score = item
    return -score, docnum


def _union(tables: list[Scores]) -> Scores:
    tables = [t for t in tables if t]
    if not tables:
        return {}
    tables.sort(key=len, reverse=True)
    merged = dict(tables[0])
    get = merged.get
    for table in tables[1:]:
        for docnum, score in table.items():
            merged[docnum] = get(docnum, 0.0) + score
    return merged


def _intersection(tables: list[Scores]) -> Scores:
    if not tables or not all(tables):
        return {}
    if len(tables) == 1:
        return tables[0]
    tables = sorted(tables, key=len)
    common = set(tables[0]).intersection(*tables[1:])
    return {docnum: sum(table[docnum] for table in tables) for docnum in common}


def posting_blocks(matcher, values: bool = False):
    """Yield a term's postings as (document numbers, weights[, values]) lists, a block at a time.

    Whoosh's per-posting calls (id, weight, next) are most of the cost of reading a long
    posting list; a segment's own matcher decodes whole blocks, which are read here directly,
    leaving out deleted documents where Whoosh wraps the matcher to skip them. Any other
    matcher is read the slow, public way.
    """
    deleted: frozenset[int] | set[int] = frozenset()
    if type(matcher).__name__ == "FilterMatcher" and matcher._exclude and matcher.boost == 1:  # noqa: SLF001 - see the docstring
        deleted, matcher = matcher._ids, matcher.child  # noqa: SLF001 - see the docstring
    if type(matcher).__name__ == "W3LeafMatcher":
        while matcher.is_active():
            start = matcher._i  # noqa: SLF001 - see the docstring
            matcher._read_ids()  # noqa: SLF001 - see the docstring
            matcher._read_weights()  # noqa: SLF001 - see the docstring
            block = [matcher._ids[start:], matcher._weights[start:]]  # noqa: SLF001 - see the docstring
            if values:
                matcher._read_values()  # noqa: SLF001 - see the docstring
                block.append(matcher._values[start:])  # noqa: SLF001 - see the docstring
            if deleted:
                kept = [i for i, docnum in enumerate(block[0]) if docnum not in deleted]
                block = [[column[i] for i in kept] for column in block]
            yield tuple(block)
            matcher._next_block()  # noqa: SLF001 - see the docstring
        return
    columns: tuple[list, ...] = ([], [], []) if values else ([], [])
    while matcher.is_active():
        columns[0].append(matcher.id())
        columns[1].append(matcher.weight())
        if values:
            columns[2].append(matcher.value())
        matcher.next()
    yield columns
