"""The ``briefbot`` command line."""
