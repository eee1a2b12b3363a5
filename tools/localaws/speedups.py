"""Changes to how moto works that change nothing it answers: only what a request costs.

Applied by moto_main.run to every server (and by the fork server before it forks). Each is checked by
Tests/localaws/test_speedups.py: same answer as moto's own code, less work.
"""
from __future__ import annotations


def account_lookup_creates_no_backend() -> None:
    """moto finds the account of a request's access key by indexing each account's IAM backend with every
    partition name (eight), which creates the IAM backend of each partition that does not exist yet —
    and each loads the 1,300 AWS managed policies. A key exists only in a backend that exists, so the
    lookup reads the backends that are there and creates none (it was most of a server's first signed
    request: seconds of CPU)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam import models

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(models.iam_backends.items()):
            for partition in models.PARTITION_NAMES:
                backend = dict.get(account, partition)
                if backend is not None and access_key in backend.access_keys:
                    return account_id
        return DEFAULT_ACCOUNT_ID

    get_account_id_from.__doc__ = "moto's get_account_id_from, without creating backends (localaws speedups)"
    models.get_account_id_from = get_account_id_from


ALL = [account_lookup_creates_no_backend]


def apply_all() -> None:
    """Apply every speed-up (idempotent: each replaces a function by name)."""
    for speedup in ALL:
        speedup()
