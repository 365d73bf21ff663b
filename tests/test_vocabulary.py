"""The vocabulary answers "Did you mean" and completions as the Whoosh field it replaced did,
and an update leaves it as counting everything afresh would."""

from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from webapp.search import analysis, vocabulary

from .conftest import SAMPLE_CONTENT

TEXTS = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE_CONTENT / "articles").glob("*.md"))]
TEXTS += ["Café naïve Ｒｅｌａｔｉｏｎｓｈｉｐ", "the of a", "", "x" * 50 + " ok _a_ 12 3"]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Return the texts' vocabulary (written and read back) and a Whoosh reader of the same
    words indexed as the old `words` field was."""
    folder = tmp_path_factory.mktemp("vocabulary")
    path = folder / vocabulary.FILE
    vocabulary.write(path, vocabulary.count(TEXTS))
    ix = whoosh_index.create_in(
        str(folder), Schema(words=TEXT(analysis.word_analyzer(), phrase=False))
    )
    with ix.writer() as writer:
        for text in TEXTS:
            writer.add_document(words=text)
    with ix.reader() as reader:
        yield vocabulary.read(path), reader
    ix.close()


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def test_same_words_and_document_counts(both):
    vocab, reader = both
    terms = [_text(t) for t in reader.lexicon("words")]
    assert len(vocab) == len(terms) > 1000
    for term in terms:
        assert vocab.doc_frequency(term) == reader.doc_frequency("words", term), term
    assert vocab.doc_frequency("notawordatall") == 0
    assert vocab.doc_frequency("") == 0


def test_same_completions(both):
    vocab, reader = both
    terms = [_text(t) for t in reader.lexicon("words")]
    for prefix in sorted({t[:n] for t in terms for n in (1, 2, 3)}) + ["", "zz", "\uffff"]:
        whoosh = [(w, _text(t)) for w, t in reader.most_frequent_terms("words", 10, prefix)]
        assert vocab.most_frequent(10, prefix) == whoosh, prefix


def test_same_near_words(both):
    vocab, reader = both
    rng = random.Random(5)
    terms = [_text(t) for t in reader.lexicon("words")]
    typos = []
    for term in rng.sample(terms, 60):
        i = rng.randrange(1, len(term) + 1)
        letter = rng.choice("aeinorst")
        typos += [term[:i] + letter + term[i:], term[:i] + letter + term[i + 1 :], term[:-1]]
    for word in typos + ["qqqqzzzz", "x"]:
        for distance in (1, 2):
            whoosh = set(reader.terms_within("words", word, distance, prefix=1))
            assert vocab.within(word, distance, prefix=1) == whoosh, (word, distance)


def test_an_update_gives_what_counting_afresh_gives(tmp_path):
    updated, fresh = tmp_path / "updated", tmp_path / "fresh"
    vocabulary.write(updated, vocabulary.count(TEXTS))
    added = ["Brand new words: kayaking, zeppelins.", TEXTS[0] + " and one more line"]
    vocabulary.update(updated, removed=TEXTS[:3], added=added)
    vocabulary.write(fresh, vocabulary.count(TEXTS[3:] + added))
    assert updated.read_bytes() == fresh.read_bytes()
    kept = vocabulary.count(TEXTS[3:] + added).documents
    gone = vocabulary.count(TEXTS[:3]).documents.keys() - kept.keys()
    assert gone and not any(vocabulary.read(updated).doc_frequency(w) for w in gone)


def test_an_empty_vocabulary(tmp_path):
    vocabulary.write(tmp_path / "v", vocabulary.count([]))
    vocab = vocabulary.read(tmp_path / "v")
    assert len(vocab) == 0
    assert vocab.most_frequent(10, "ab") == [] and vocab.within("abc", 1) == set()


@pytest.mark.parametrize("cut", [0, 5, 30, -1])
def test_a_cut_short_file_is_refused(tmp_path, cut):
    path = tmp_path / "v"
    vocabulary.write(path, vocabulary.count(TEXTS))
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(ValueError):
        vocabulary.read(path)
