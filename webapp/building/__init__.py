"""Building generations: rebuild, update, checks, pre-rendering and the swap (the CLI's job;
web processes never import this)."""
