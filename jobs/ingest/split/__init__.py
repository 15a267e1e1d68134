"""Splitting a brief into its stories: blocks > clean > segment, with the rules."""
