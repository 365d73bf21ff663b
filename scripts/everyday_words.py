"""Rewrite webapp/search/everyday-words.txt: English's `tuning.EVERYDAY_WORDS` most used
words by pyspellchecker's frequencies, which related articles leave out of key terms.

Run it after changing `tuning.EVERYDAY_WORDS` or upgrading pyspellchecker;
tests/test_related.py fails while the file and the library disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.search import spelling, tuning


def main() -> None:
    words = spelling.most_used_words(tuning.EVERYDAY_WORDS)
    spelling.EVERYDAY_WORDS_FILE.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{spelling.EVERYDAY_WORDS_FILE}: {len(words)} words")


if __name__ == "__main__":
    main()
