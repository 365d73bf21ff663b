"""Words to results: analysis shared by indexing and queries, the Whoosh index, ranking,
related articles and the crisis check."""
