"""One module per source: the pinned files, the format they are in, and how they are converted."""
