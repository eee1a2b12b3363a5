"""`slmstack cost --weights s3`: the NAT gateway, its address and the weights' NAT processing drop out, S3
storage of the staged weights comes in, the S3 gateway endpoint is free. Figures by hand from the embedded
us-east-1 prices (730 hours a month) and TinyLlama's size (1.1 billion parameters, 2 bytes each)."""
import json
import subprocess

import pytest

HOURS = 730
NAT = 0.045 * HOURS + 0.005 * HOURS          # NAT gateway hours and its public IPv4 address
WEIGHTS_GB = 1.1e9 * 2 / 1e9
NAT_WEIGHTS = WEIGHTS_GB * 0.045             # the weights through NAT once per instance per month
S3_STORAGE = WEIGHTS_GB * 0.023              # S3 Standard, per GB-month


def report(slmstack_bin, *args):
    result = subprocess.run([slmstack_bin, "cost", "--format", "json", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_weights_s3_drops_nat_and_adds_storage(slmstack_bin):
    hub, s3 = report(slmstack_bin), report(slmstack_bin, "--weights", "s3")
    assert s3["monthly"]["total"] == pytest.approx(hub["monthly"]["total"] - NAT - NAT_WEIGHTS + S3_STORAGE)
    assert not [l for l in s3["lines"] if l["resourceType"] in ("AWS::EC2::NatGateway", "AWS::EC2::EIP")]
    storage = [l for l in s3["lines"] if l["resourceType"] == "AWS::S3::Bucket"]
    assert len(storage) == 1 and storage[0]["quantity"] == pytest.approx(WEIGHTS_GB) and storage[0]["unitPrice"] == 0.023
    assert storage[0]["kind"] == "baseline"
    free = {l["resource"] for l in s3["lines"] if l["kind"] == "free"}
    assert "S3GatewayEndpoint" in free
    assert any("gateway endpoint" in a and "no NAT gateway" in a for a in s3["assumptions"])
    # paused, the storage stays (the staged copy is not part of the stack): paused costs that much more than before
    assert s3["whenPaused"]["monthly"]["total"] == pytest.approx(hub["whenPaused"]["monthly"]["total"] + S3_STORAGE)


def test_template_priced_the_same(slmstack_bin, tmp_path):
    """cost --diff reads the committed template: a weights s3 template read back prices the same."""
    subprocess.run([slmstack_bin, "synth", "--weights", "s3", "--out", str(tmp_path)], check=True, capture_output=True)
    diff = subprocess.run([slmstack_bin, "cost", "--weights", "s3", "--diff", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert diff.returncode == 0, diff.stderr
    assert "no change" in diff.stdout and "Total: +$0.00/month" in diff.stdout, diff.stdout
