"""Shipments from the warehouse (C1, C2, H1): the draft a warehouse posts and its checks against the order
(``model.py``), Amazon's carrier codes (``carriers.py``), tracking-number checks (``tracking.py``), the
shipment CSV (``csv_import.py``) and the late-shipment rule (``deadlines.py``). Pure: stdlib only."""
