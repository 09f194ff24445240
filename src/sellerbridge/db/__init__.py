"""The store (DESIGN.md section 2): SQLAlchemy 2 tables, repositories (all queries), the unit of work
(the only committer), Alembic migrations, and encryption of secrets and PII at rest (A3, B13).

Entry points: ``db.store.open_store(settings)`` / ``Store.connect(url, key)``; ``db.engine.make_engine``
and ``db.engine.migrate``; ``db.uow.UnitOfWork``; ``db.repositories.<area>``.
"""
