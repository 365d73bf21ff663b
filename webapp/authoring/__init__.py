"""Files to model: the maintainers' Markdown, front matter and pages read and validated."""
