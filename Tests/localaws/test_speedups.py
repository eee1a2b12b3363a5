"""The local AWS's speed-ups (tools/localaws/speedups.py) answer as moto does and do less work."""
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "localaws"))


@pytest.fixture
def iam_models(monkeypatch):
    """moto's IAM models in this process (without the AWS managed policies the servers load: the lookup
    does not read them), and moto's own account lookup put back afterwards."""
    pytest.importorskip("moto")
    from moto.iam import models

    monkeypatch.setattr(models, "get_account_id_from", models.get_account_id_from)
    return models


def test_account_lookup_creates_no_backend(iam_models):
    import speedups

    moto_lookup = iam_models.get_account_id_from
    account = str(uuid.uuid4().int)[:12]
    backend = iam_models.iam_backends[account]["aws"]
    backend.create_user("us-east-1", "speedup-user", path="/")
    key = backend.create_access_key("speedup-user").access_key_id
    partitions_before = set(dict.keys(iam_models.iam_backends[account]))

    speedups.account_lookup_creates_no_backend()
    assert iam_models.get_account_id_from(key) == account
    unknown = iam_models.get_account_id_from("AKIAUNKNOWNKEY000000")
    # the speed-up created no backend of another partition for the account; moto's own lookup does
    assert set(dict.keys(iam_models.iam_backends[account])) == partitions_before == {"aws"}
    assert (moto_lookup(key), moto_lookup("AKIAUNKNOWNKEY000000")) == (account, unknown)
    assert len(dict.keys(iam_models.iam_backends[account])) > 1, "moto's own lookup creates the other partitions' backends"
