"""Every lever of search ranking, completions and related articles, named in one place.

Change a value here and run `make quality` (scripts/quality.py): it measures search and the
related panels against the judgments in tests/ and writes docs/search-quality.md. A knob
marked *rebuild* is baked into the index and takes effect only after `index rebuild`; the
others apply to the next generation built (related lists) or at once (search). The modules
that use a knob read it from here when they run (`tuning.NAME`), so a script may sweep one.
"""

from __future__ import annotations

# --- Field weights (rebuild) -------------------------------------------------------------
# A word found in the title, tags or a section heading scores this many times a word in the
# summary or body. Whoosh multiplies them into the posting weights when it indexes, so a
# change needs `index rebuild`.
TITLE_BOOST = 3.0
TAGS_BOOST = 2.0
HEADINGS_BOOST = 2.0

# --- BM25F --------------------------------------------------------------------------------
# How fast repeating a word stops adding to its score (k1: 0 counts a word once, larger
# counts repeats longer) and how much a long field is marked down (b: 0 not at all, 1 in
# full proportion to its length). Search and related articles score with the same values;
# these are Whoosh's defaults.
BM25_K1 = 1.2
BM25_B = 0.75

# --- How many of the words must match -----------------------------------------------------
# None must: a document matching any of the query's meaning words (filler such as "how" or
# "I" left out) is found, and its score is multiplied by the share of them it matches, so
# one holding every word ranks above one holding the rarest alone, and a query with a word
# no article has still finds the rest (`ranking.Ranker.rank`). There is no AND first and OR
# after: the share does that work in one pass. WEIGHTED_SHARE of the share weighs each word by
# its best score in any article instead of counting it as one: for "overthinking everything"
# the article on anxiety (overthinking) outranks the one that only says "everything" often.
WEIGHTED_SHARE = 0.5

# --- Nearness -----------------------------------------------------------------------------
# Two words typed next to each other that stand within NEAR_WINDOW positions of each other
# in one of NEAR_FIELDS (stop words are not counted) add NEAR_BONUS times their score there.
# Only the NEAR_CANDIDATES best documents are looked at, so its cost stays constant. A quoted
# phrase is a match condition, not a bonus: its words must stand side by side, in order.
NEAR_WINDOW = 3
NEAR_BONUS = 0.5
NEAR_CANDIDATES = 20
NEAR_FIELDS = ("title", "headings", "body")

# --- Completions (as you type) ------------------------------------------------------------
# The word being typed completes to at most this many of its most frequent words in the body
# (and terms in titles and tags): a short prefix over a large vocabulary is what makes
# as-you-type slow. A prefix of n letters completes to COMPLETIONS_PER_LETTER * n body words,
# up to MAX_COMPLETIONS.
MAX_COMPLETIONS = 25
COMPLETIONS_PER_LETTER = 5
TITLE_COMPLETIONS = 15
TAG_COMPLETIONS = 5

# --- Related articles (next build or update) ----------------------------------------------
# An article's key terms: its KEY_TERMS most telling body words (Bo1, as Whoosh's Expander),
# from a text with its title repeated TITLE_REPEATS times so the title's words weigh more.
KEY_TERMS = 10
TITLE_REPEATS = 2
# Words among the EVERYDAY_WORDS most used in English ("back", "little", "people", "open")
# are no key terms unless the article's title uses them ("work" in "Stress and burnout at
# work"): on every subject they say little about which one an article is on. The words are
# listed in webapp/search/everyday-words.txt; after changing this, rewrite it with
# `python scripts/everyday_words.py`.
EVERYDAY_WORDS = 1000
# Candidates: per key term its MLT_POSTINGS best documents, of which the MLT_CANDIDATES best
# by more-like-this score are kept; and per shared topic its TOPIC_CANDIDATES newest
# articles, so a topic on every article stays cheap.
MLT_POSTINGS = 50
MLT_CANDIDATES = 20
TOPIC_CANDIDATES = 50
# Closeness in wording: CLOSENESS_SHARE of it is the more-like-this score relative to the
# best candidate's, the rest the share of the article's key-term weight the other holds.
CLOSENESS_SHARE = 0.5
# Closeness is counted both ways: this share of it is how much of the other article's
# key-term weight this one holds, the rest how much of this one's the other holds.
REVERSE_WEIGHT = 0.5
# Below this share of its most telling words being shared, an article is about something
# no other covers, and coverage is measured against all its words.
OWN_WORDS = 0.5
# A shared topic adds TOPIC_BONUS times how specific it is (1 for a topic on two articles,
# 0 for one on every article; the SHARED_TOPICS most specific shared topics count), so a
# broad tag such as "self-care" says little and a narrow one such as "grief" says much.
TOPIC_BONUS = 0.2
SHARED_TOPICS = 2
BACKLINK_BONUS = 0.1  # the other article links to this one
# The cut-off: a candidate the author did not link must score this much (chosen from the
# judgments: see docs/search-quality.md, whose table sweeps it).
MIN_SCORE = 0.55
MIN_SPECIFICITY = 0.5  # a shared topic this specific is reason enough to name it
