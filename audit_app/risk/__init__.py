"""Risk engine: features, encodings, models and the metrics used to judge them."""
