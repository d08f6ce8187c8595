"""The bad-input corpus: hostile and broken files made by ``make_corpus.py``, outcomes in ``expected.yaml``."""
