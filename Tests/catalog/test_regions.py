"""The region and engine image catalog (Sources/StackModel/Catalog/Regions.generated.swift) is what
tools/catalog/refresh_regions.py makes of its sources: the vendored SageMaker Python SDK image configs
(huggingface-llm.json for TGI, huggingface-vllm.json for vLLM) and the installed cfn-lint's region lists."""
import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import pytest

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


def _engine_table(name: str, engine: str) -> str:
    """One engine's part of a nested table (`.tgi: [` ... `],`)."""
    table = _table(name)
    start = table.index(f"        .{engine}: [")
    return table[start:table.index("\n        ],", start)]


def _sdk(engine: str) -> dict:
    name = {"tgi": "huggingface-llm.json", "vllm": "huggingface-vllm.json"}[engine]
    return json.loads((SCRIPT.parent / name).read_text())["inference"]["versions"]


def test_committed_swift_matches_the_script_output() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    script = _script()
    assert script.build(*script.load(SCRIPT.parent)) == GENERATED.read_text()


def test_check_notices_a_stale_file(tmp_path) -> None:
    stale = tmp_path / "Regions.generated.swift"
    stale.write_text(GENERATED.read_text().replace('"us-east-1": "763104351884",\n', "", 1))
    result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--output", str(stale)], capture_output=True, text=True)
    assert result.returncode == 1 and "out of date" in result.stderr


def test_regions_without_sagemaker_cloudformation_types_are_not_supported() -> None:
    supported = set(re.findall(r'"([a-z]{2}-[a-z]+-\d)": "\d{12}"', _engine_table("registryAccounts", "tgi")))
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
    for engine in ("tgi", "vllm"):
        for region in re.findall(r'"([a-z]{2}-[a-z]+-\d)": "\d{12}"', _engine_table("registryAccounts", engine)):
            assert set(types) <= script.region_types(region), region


@pytest.mark.parametrize("engine", ["tgi", "vllm"])
def test_registry_accounts_come_from_the_sdk_json(engine) -> None:
    sdk = _sdk(engine)
    pairs = re.findall(r'"([a-z]{2}-[a-z]+-\d)": "(\d{12})"', _engine_table("registryAccounts", engine))
    assert len(pairs) == 22
    for version in re.findall(r'"(\d+\.\d+\.\d+)": EngineImage', _engine_table("images", engine)):
        for region, account in pairs:
            assert sdk[version]["registries"][region] == account, (engine, version, region)


@pytest.mark.parametrize("engine, floor", [("tgi", "2.4.0"), ("vllm", "0.14.0")])
def test_image_tags_follow_the_sdk_rule(engine, floor) -> None:
    """Every version from the floor, tag `{tag_prefix}-gpu-{py}-{container_version}` as the SDK's image_uris builds it."""
    sdk = _sdk(engine)
    listed = dict(re.findall(r'"(\d+\.\d+\.\d+)": EngineImage\(tag: "([^"]+)", cuda: "[\d.]+"\)', _engine_table("images", engine)))
    key = lambda v: tuple(int(p) for p in v.split("."))
    assert sorted(listed, key=key) == [v for v in sorted(sdk, key=key) if key(v) >= key(floor)]
    for version, tag in listed.items():
        entry = sdk[version]
        assert tag == f"{entry['tag_prefix']}-gpu-{entry['py_versions'][0]}-{entry['container_version']['gpu']}"


def test_newest_tgi_is_the_last_sagemaker_image() -> None:
    assert '"3.3.6": EngineImage(tag: "2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04", cuda: "12.4")' in _engine_table("images", "tgi")


def test_cuda_version_is_read_from_the_container_version() -> None:
    script = _script()
    assert script.cuda("cu124-ubuntu22.04-v2.2") == "12.4"
    assert script.cuda("cu130-ubuntu22.04") == "13.0"
    with pytest.raises(SystemExit):
        script.cuda("ubuntu22.04")


def test_validate_names_the_engine_image_and_refuses_an_unknown_version(slmstack_bin) -> None:
    ok = subprocess.run([slmstack_bin, "validate", "--engine", "vllm", "--region", "eu-south-1"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "engine: vllm 0.21.0, image tag 0.21.0-transformers5.8.1-gpu-py312-cu130-ubuntu22.04 (the newest)" in ok.stdout
    assert "host AMI al2023-ami-sagemaker-inference-gpu-4-1 (driver 580)" in ok.stdout
    bad = subprocess.run([slmstack_bin, "validate", "--engine", "vllm", "--vllm-version", "0.9.2"], capture_output=True, text=True)
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert bad.returncode == 2 and len(lines) == 1, bad.stderr
    assert lines[0].startswith("error: vllm-version: unknown vLLM version '0.9.2': set vllm-version (--vllm-version) to one of 0.14.0, 0.17.0, 0.21.0")
    assert "newest 0.21.0, image tag 0.21.0-transformers5.8.1-gpu-py312-cu130-ubuntu22.04" in lines[0]


def test_validate_warns_for_a_gated_model(slmstack_bin) -> None:
    result = subprocess.run([slmstack_bin, "validate", "--model-id", "google/gemma-3-270m"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stderr.startswith("warning: model-id: google/gemma-3-270m is gated on the Hugging Face Hub"), result.stderr


def test_validate_refuses_a_region_without_sagemaker_types(slmstack_bin) -> None:
    result = subprocess.run([slmstack_bin, "validate", "--region", "il-central-1"], capture_output=True, text=True)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "il-central-1 has no CloudFormation support for AWS::SageMaker::Endpoint" in lines[0]
    assert "set region (--region) to one of" in lines[0]
