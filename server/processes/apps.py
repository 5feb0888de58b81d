from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "server.processes"
    label = "processes"

    def ready(self) -> None:
        from server.accounts.models import organisation_moved
        from server.processes.models import HumanTask, ProcessInstance

        def follow_move(sender, *, old_path: str, new_path: str, **kwargs) -> None:
            from server.accounts.models import move_paths

            move_paths(ProcessInstance.objects.all(), "org_path", old_path, new_path)
            move_paths(HumanTask.objects.all(), "org_path", old_path, new_path)

        organisation_moved.connect(follow_move, weak=False, dispatch_uid="processes.follow_move")
