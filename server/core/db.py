"""Database helpers shared by the service lines."""

from django.db.models import QuerySet


def lock_in_order(queryset: QuerySet) -> None:
    """Lock these rows until the transaction ends (SELECT ... FOR UPDATE, in primary-key order
    so that two callers can never deadlock on them).

    Used before "least loaded" picks: the second of two concurrent picks waits for the first
    to commit and then counts it. (SQLite runs one writing transaction at a time anyway.)
    """
    list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True))
