"""The review store: every year's canonical tables, classification, quarantine, watermarks
and run log. SQLite file by default (WAL: readers while a flow writes), PostgreSQL by URL
(``KONRAY_STORE_URL`` or ``--store``); the same SQLAlchemy Core code for both.
"""

from konray_review.store.engine import default_url, make_engine
from konray_review.store.errors import StoreError
from konray_review.store.store import CommitStats, Store

__all__ = ["CommitStats", "Store", "StoreError", "default_url", "make_engine"]
