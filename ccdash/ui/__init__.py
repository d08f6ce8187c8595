"""Streamlit helpers shared by ``app.py`` and ``pages/*.py`` (the only Streamlit code outside the pages)."""
