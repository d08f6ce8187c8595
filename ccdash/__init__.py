"""ccdash — contact-center operations dashboard: Excel exports → one trusted set of indicators."""

__version__ = "0.1.0"
