"""Repositories: every query of the hub, one module per area. Functions take a ``Session`` and never
commit (``db.uow.UnitOfWork`` does). Rows come out as frozen records whose secret and PII fields
are filled only on request and never shown in a repr (A3, B13).
"""
