"""briefbot's background work: fetching, parsing, splitting, tagging, planning, scheduling."""
