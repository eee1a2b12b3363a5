"""Every resource type a stack option produces is known everywhere a type must be known: the local AWS's
verifier has a checker for it (tools/localaws/verify*.py), `cost` prices it or lists it as free (never
"not priced", never left off), and Terraform translates it or the option refuses Terraform in one line.
A type added to the model without one of them fails here, naming the type and the option."""
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "localaws"))
import verify  # noqa: E402

# Options that change which resource types the stack has; each alone and the operations set together.
VARIANTS = {
    "default": [],
    "operations": ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"],
    "streaming": ["--streaming", "on"],
    "account-role": ["--api-gateway-account", "on"],
    "no-nat": ["--nat-gateway", "off"],
    "scale-to-zero": ["--scaling", "zero", "--max-instances", "2", "--ttl", "4h"],
    "weights-s3": ["--weights", "s3"],
}


def synth(binary, out, options, fmt):
    return subprocess.run([binary, "synth", "--format", fmt, "--out", str(out), *options], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_type_has_a_checker_a_price_rule_and_a_translation(slmstack_bin, tmp_path, variant):
    options = VARIANTS[variant]
    made = synth(slmstack_bin, tmp_path / "cfn", options, "cloudformation")
    assert made.returncode == 0, made.stderr
    template = json.loads(next((tmp_path / "cfn" / "cloudformation").glob("*.template.json")).read_text())
    types = sorted({r["Type"] for r in template["Resources"].values()})
    assert types, "no resources"
    assert [t for t in types if t not in verify.CHECKERS] == [], f"{variant}: no verifier checker (tools/localaws/verify*.py CHECKERS)"

    cost = subprocess.run([slmstack_bin, "cost", "--format", "json", *options], capture_output=True, text=True, timeout=60)
    assert cost.returncode == 0, cost.stderr
    lines = json.loads(cost.stdout)["lines"]
    unpriced = sorted({line["resourceType"] for line in lines if line["kind"] != "free" and line.get("monthly") is None})
    assert unpriced == [], f"{variant}: types without a price rule in Sources/Cost"
    # and no resource is dropped: each one that exists whatever the parameters is on a priced or a free line
    accounted = {name for line in lines for name in line["resource"].split(", ")}
    unconditional = {name for name, resource in template["Resources"].items() if "Condition" not in resource}
    assert sorted(unconditional - accounted) == [], f"{variant}: resources on no cost line (Sources/Cost/Inventory+Rules.swift)"

    terraform = synth(slmstack_bin, tmp_path / "tf", options, "terraform")
    if terraform.returncode != 0:
        # an option Terraform cannot express refuses in one line that says so, never a missing translation
        message = terraform.stderr.strip()
        assert terraform.returncode == 2 and "\n" not in message, message
        assert "no Terraform translation" not in message, f"{variant}: {message}"
