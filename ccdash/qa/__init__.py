"""The QA workbench: scoring forms chosen by business type, item-level scores, sampling, calibration."""
