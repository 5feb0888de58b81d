from django.db import models


class WorkerHeartbeat(models.Model):
    """Each timer worker writes here every sweep, so /api/v1/health can tell it is alive."""

    name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()
    fired_total = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
