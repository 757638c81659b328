"""Provenance: names the most likely original of a news text, and says how similar it is."""
