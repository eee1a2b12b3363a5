"""The region catalog (Sources/StackModel/Catalog/Regions.generated.swift) is what tools/catalog/refresh_regions.py
makes of its sources: the vendored SageMaker Python SDK image config and the installed cfn-lint's region lists."""
import importlib.util
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "catalog" / "refresh_regions.py"
GENERATED = ROOT / "Sources" / "StackModel" / "Catalog" / "Regions.generated.swift"
NO_SAGEMAKER_TYPES = ["ap-south-2", "ap-southeast-4", "ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1"]


def _script():
    spec = importlib.util.spec_from_file_location("refresh_regions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(name: str) -> str:
    text = GENERATED.read_text()
    start = text.index(f"public static let {name}")
    return text[start:text.index("\n    ]", start)]


def test_committed_swift_matches_the_script_output() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _script().build(json.loads((SCRIPT.parent / "huggingface-llm.json").read_text()),
                           "tools/catalog/huggingface-llm.json") == GENERATED.read_text()


def test_check_notices_a_stale_file(tmp_path) -> None:
    stale = tmp_path / "Regions.generated.swift"
    stale.write_text(GENERATED.read_text().replace('"us-east-1": "763104351884",\n', ""))
    result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--output", str(stale)], capture_output=True, text=True)
    assert result.returncode == 1 and "out of date" in result.stderr


def test_regions_without_sagemaker_cloudformation_types_are_not_supported() -> None:
    supported = set(re.findall(r'"([a-z]{2}-[a-z]+-\d)": "\d{12}"', _table("tgiRegistryAccounts")))
    missing = _table("missingCloudFormationTypes")
    for region in NO_SAGEMAKER_TYPES:
        assert region not in supported
        assert f'"{region}": ["AWS::SageMaker::Endpoint", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Model"]' in missing
    assert {"us-east-1", "eu-west-1", "ap-northeast-1"} <= supported
    assert len(supported) == 22


def test_every_supported_region_has_every_stack_type_in_cfn_lint() -> None:
    script = _script()
    types = script.stack_types()
    assert "AWS::SageMaker::Endpoint" in types and "AWS::ApiGateway::Account" in types
    for region in re.findall(r'"([a-z]{2}-[a-z]+-\d)": "\d{12}"', _table("tgiRegistryAccounts")):
        assert set(types) <= script.region_types(region), region


def test_registry_accounts_come_from_the_sdk_json() -> None:
    sdk = json.loads((SCRIPT.parent / "huggingface-llm.json").read_text())["inference"]["versions"]
    for region, account in re.findall(r'"([a-z]{2}-[a-z]+-\d)": "(\d{12})"', _table("tgiRegistryAccounts")):
        assert sdk["3.2.3"]["registries"][region] == account


def test_validate_refuses_a_region_without_sagemaker_types(slmstack_bin) -> None:
    result = subprocess.run([slmstack_bin, "validate", "--region", "il-central-1"], capture_output=True, text=True)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "il-central-1 has no CloudFormation support for AWS::SageMaker::Endpoint" in lines[0]
    assert "set region (--region) to one of" in lines[0]
