from django.apps import AppConfig


class OwnershipConfig(AppConfig):
    name = "ownership"
    verbose_name = "Ownership"

    def ready(self) -> None:
        from ownership import search_index  # noqa: F401  (connects the index's receivers)
