"""cfn-lint and checkov on synthesized templates: 0 errors, 0 warnings, 0 failed checks.

The committed default template and several variants (another region and instance family, 3 AZs,
no NAT, no API Gateway account setting, a larger model, every operations feature on, alarms off) are synthesized by the real binary, then linted by the real tools.
"""
import json
import pathlib
import subprocess

import pytest

from lint_tools import ROOT, run_checkov, tool

VARIANTS = {
    "default": [],
    "eu-west-2-g6-3az": ["--region", "eu-west-2", "--instance-type", "ml.g6.xlarge", "--az-count", "3"],
    "no-nat": ["--nat-gateway", "off"],
    "no-api-gateway-account": ["--api-gateway-account", "off"],
    "hermes-8b-g6e": ["--model-id", "NousResearch/Hermes-3-Llama-3.1-8B", "--instance-type", "ml.g6e.xlarge",
                      "--max-input-tokens", "4096", "--max-total-tokens", "8192", "--max-batch-prefill-tokens", "8192"],
    "every-operations-feature": ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com",
                                 "--min-instances", "1", "--max-instances", "3"],
    "no-alarms-no-idle": ["--alarms", "off", "--idle-hours", "0"],
}


@pytest.fixture(scope="module")
def templates(slmstack_bin, tmp_path_factory):
    out = {}
    for name, flags in VARIANTS.items():
        folder = tmp_path_factory.mktemp(name)
        subprocess.run([slmstack_bin, "synth", "--out", str(folder), "--stack-name", "lint", *flags],
                       check=True, capture_output=True, text=True)
        out[name] = folder / "cloudformation" / "lint.template.json"
    return out


def test_committed_template_is_linted_too():
    assert (ROOT / "templates" / "cloudformation" / "slmstack.template.json").exists()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cfn_lint_reports_nothing(templates, variant):
    cfn_lint = tool("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed: run `make deps`"
    result = subprocess.run([cfn_lint, "--format", "parseable", str(templates[variant])], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", f"cfn-lint findings:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_checkov_finds_no_failed_check(templates, variant):
    results, summary = run_checkov(templates[variant], "cloudformation")
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == [], f"checkov failed checks: {failed}"
    assert summary["passed"] > 50, summary


def test_every_checkov_skip_has_a_reason(templates):
    document = json.loads(pathlib.Path(templates["default"]).read_text())
    skips = [(name, skip) for name, resource in document["Resources"].items()
             for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips, "expected documented skips"
    for name, skip in skips:
        assert skip["id"].startswith("CKV") and len(skip["comment"]) > 30, (name, skip)


def test_skips_are_needed(templates, tmp_path):
    """Removing the skips makes exactly the skipped checks fail: none is there for nothing on CloudFormation
    unless checkov does not evaluate it for CloudFormation at all (those apply to the Terraform output)."""
    document = json.loads(pathlib.Path(templates["every-operations-feature"]).read_text())
    skipped = {}
    for name, resource in document["Resources"].items():
        for skip in resource.pop("Metadata", {}).get("checkov", {}).get("skip", []):
            skipped[(skip["id"], name)] = skip["comment"]
    bare = tmp_path / "bare.template.json"
    bare.write_text(json.dumps(document))
    results, _ = run_checkov(bare, "cloudformation")
    failed = {(c["check_id"], c["resource"].split(".", 1)[1]) for c in results["failed_checks"]}
    assert failed, "without the skips some checks must fail"
    assert failed <= set(skipped), f"failures not covered by a documented skip: {failed - set(skipped)}"


def test_readme_diagram_is_the_generated_one():
    """The README shows `slmstack graph`'s output; `make check` keeps templates/graph current and this
    keeps the README's copy equal to it."""
    readme = (ROOT / "README.md").read_text()
    diagram = (ROOT / "templates" / "graph" / "slmstack.mmd").read_text()
    assert "```mermaid\n" + diagram in readme, "README diagram is stale: paste templates/graph/slmstack.mmd into it"
