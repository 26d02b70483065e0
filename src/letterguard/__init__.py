"""letterguard: write and check the letters a candidate sends after a job interview."""

__version__ = "0.1.0"
