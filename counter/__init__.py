"""IKD Counter: assisted IKD activation at the Disdukcapil counter."""

__version__ = "0.1.0"
