from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProcessesConfig(AppConfig):
    name = "server.processes"
    label = "processes"

    def ready(self) -> None:
        from server.accounts.models import Organisation, organisation_moved
        from server.processes import (
            deadlines,
            handlers,  # noqa: F401 - registers the shared service tasks
        )
        from server.processes.models import DeadlineSetting, HumanTask, ProcessInstance, Subscription

        def follow_move(sender, *, old_path: str, new_path: str, **kwargs) -> None:
            from server.accounts.models import move_paths
            from server.core.db import lock_in_order

            # The lock order (services.locks): the cases, in primary-key order, then their tasks.
            lock_in_order(ProcessInstance.objects.filter(org_path__startswith=old_path))
            move_paths(ProcessInstance.objects.all(), "org_path", old_path, new_path)
            move_paths(HumanTask.objects.all(), "org_path", old_path, new_path)
            move_paths(Subscription.objects.all(), "org_path", old_path, new_path)
            deadlines.settings_changed()

        organisation_moved.connect(follow_move, weak=False, dispatch_uid="processes.follow_move")

        def forget_settings(**_: object) -> None:
            deadlines.settings_changed()

        for model in (DeadlineSetting, Organisation):
            post_save.connect(
                forget_settings, sender=model, weak=False, dispatch_uid=f"deadlines.saved.{model.__name__}"
            )
            post_delete.connect(
                forget_settings, sender=model, weak=False, dispatch_uid=f"deadlines.deleted.{model.__name__}"
            )
