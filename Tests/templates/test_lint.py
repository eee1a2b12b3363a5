"""cfn-lint and checkov on synthesized templates: 0 errors, 0 warnings, 0 failed checks.

The committed default template and several variants (another region and instance family, 3 AZs,
no NAT, no API Gateway account setting, a larger model, every operations feature on, alarms off, streaming,
the vLLM engine in three regions, scale to zero with one and two models and with weights from S3, weights from S3 with each engine) are synthesized by the real binary, then linted by the real tools.
"""
import json
import pathlib
import subprocess

import pytest

from lint_tools import ROOT, checkov_per_file, tool

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
    "streaming": ["--streaming", "on"],
    # vLLM: CUDA 13 image and AMI in two regions with their own registries, a CUDA 12 one on a 4-GPU type
    "vllm-us-east-1": ["--engine", "vllm"],
    "vllm-eu-south-1": ["--engine", "vllm", "--region", "eu-south-1"],
    "vllm-0.17-ap-northeast-3-g5-12xlarge": ["--engine", "vllm", "--vllm-version", "0.17.0", "--region", "ap-northeast-3",
                                             "--instance-type", "ml.g5.12xlarge"],
    "scale-to-zero": ["--scaling", "zero", "--max-instances", "2", "--ttl", "4h", "--alarm-email", "ops@example.com"],
    # several models on one endpoint, each its own component and scaling, sharing a 4-GPU instance
    "scale-to-zero-two-models": ["--scaling", "zero", "--instance-type", "ml.g5.12xlarge", "--models",
                                 "TinyLlama/TinyLlama-1.1B-Chat-v1.0:accelerators=2,Qwen/Qwen2.5-0.5B-Instruct:copies=3:accelerators=1"],
    "scale-to-zero-weights-s3": ["--scaling", "zero", "--weights", "s3"],
    "weights-s3": ["--weights", "s3"],
    "weights-s3-vllm": ["--weights", "s3", "--engine", "vllm"],
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


@pytest.fixture(scope="module")
def bare(templates, tmp_path_factory):
    """The fullest variant with every checkov skip removed, and the skips: {(check id, resource): why}."""
    document = json.loads(pathlib.Path(templates["every-operations-feature"]).read_text())
    skipped = {}
    for name, resource in document["Resources"].items():
        for skip in resource.pop("Metadata", {}).get("checkov", {}).get("skip", []):
            skipped[(skip["id"], name)] = skip["comment"]
    path = tmp_path_factory.mktemp("bare") / "bare.template.json"
    path.write_text(json.dumps(document))
    return path, skipped


@pytest.fixture(scope="module")
def cfn_lint_findings(templates):
    """cfn-lint once over every variant: {variant: its finding lines}."""
    cfn_lint = tool("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed: run `make venv`"
    paths = {str(path): name for name, path in templates.items()}
    result = subprocess.run([cfn_lint, "--format", "parseable", *paths], capture_output=True, text=True)
    findings = {name: [] for name in templates}
    for line in result.stdout.splitlines():
        owner = next((name for path, name in paths.items() if line.startswith(path + ":")), None)
        assert owner, f"cfn-lint said something about no variant: {line}\n{result.stderr}"
        findings[owner].append(line)
    assert result.returncode == 0 or any(findings.values()), f"cfn-lint failed without findings: {result.stderr}"
    return findings


@pytest.fixture(scope="module")
def checkov_results(templates, bare):
    """checkov once over every variant and the skip-less template (one process start instead of nine)."""
    return checkov_per_file([*templates.values(), bare[0]], "cloudformation")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cfn_lint_reports_nothing(cfn_lint_findings, variant):
    assert cfn_lint_findings[variant] == [], "cfn-lint findings:\n" + "\n".join(cfn_lint_findings[variant])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_checkov_finds_no_failed_check(templates, checkov_results, variant):
    result = checkov_results[templates[variant]]
    assert result["failed"] == [], f"checkov failed checks: {result['failed']}"
    assert result["passed"] > 50, result


def test_every_checkov_skip_has_a_reason(templates):
    document = json.loads(pathlib.Path(templates["default"]).read_text())
    skips = [(name, skip) for name, resource in document["Resources"].items()
             for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips, "expected documented skips"
    for name, skip in skips:
        assert skip["id"].startswith("CKV") and len(skip["comment"]) > 30, (name, skip)


def test_skips_are_needed(bare, checkov_results):
    """Removing the skips makes exactly the skipped checks fail: none is there for nothing on CloudFormation
    unless checkov does not evaluate it for CloudFormation at all (those apply to the Terraform output)."""
    path, skipped = bare
    failed = {(check_id, resource.split(".", 1)[1]) for check_id, resource in checkov_results[path]["failed"]}
    assert failed, "without the skips some checks must fail"
    assert failed <= set(skipped), f"failures not covered by a documented skip: {failed - set(skipped)}"


def test_readme_diagram_is_the_generated_one():
    """The README shows `slmstack graph`'s output; `make check` keeps templates/graph current and this
    keeps the README's copy equal to it."""
    readme = (ROOT / "README.md").read_text()
    diagram = (ROOT / "templates" / "graph" / "slmstack.mmd").read_text()
    assert "```mermaid\n" + diagram in readme, "README diagram is stale: paste templates/graph/slmstack.mmd into it"
