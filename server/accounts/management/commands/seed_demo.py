from django.core.management.base import BaseCommand

from server.accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisations and users (safe to run again)."

    def handle(self, *args, **options) -> None:
        organisations = seed_demo()
        self.stdout.write(f"Demo organisations: {len(organisations)}; users: {len(DEMO_USERS)}")


def print_logins(write) -> None:
    write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for username, (role, org_code, full_name) in DEMO_USERS.items():
        write(f"  {username:<12} {role.label:<32} {org_code:<12} {full_name}")
