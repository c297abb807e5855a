"""Demo data: a generator of the canonical import files with planted, known fraud."""
