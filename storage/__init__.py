"""briefbot's database layer: models, the engine and session factory, query functions.

This package imports nothing else of briefbot's. Query functions take an
``AsyncSession`` as their first argument and never commit: the caller owns the
unit of work.
"""
