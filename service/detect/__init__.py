"""Detection: how one text relates to another. Pure functions of texts (cleaning, tokens, weights,
fingerprints, alignment, verification, thresholds), with no Redis and no Flask in them."""
