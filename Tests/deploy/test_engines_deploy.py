"""Both engines deploy on the local AWS through CloudFormation: the endpoint configuration keeps the host AMI
chosen for the image's CUDA, and the model runs the catalog's image with the engine's own environment."""
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sdk(name):
    return json.loads((ROOT / "tools" / "catalog" / name).read_text())["inference"]["versions"]


@pytest.mark.parametrize("engine, flags, sdk, version, ami", [
    ("tgi", [], "huggingface-llm.json", "3.3.6", "al2-ami-sagemaker-inference-gpu-3-1"),
    ("vllm", ["--engine", "vllm"], "huggingface-vllm.json", "0.21.0", "al2023-ami-sagemaker-inference-gpu-4-1"),
])
def test_engine_deploys_with_its_image_ami_and_environment(local_aws, engine, flags, sdk, version, ami):
    stack = f"engine-{engine}"
    deployed = local_aws.run("deploy", "--yes", "--stack-name", stack, *flags, timeout=300)
    try:
        assert deployed.returncode == 0, deployed.stderr
        sagemaker = local_aws.client("sagemaker")
        endpoint = sagemaker.describe_endpoint(EndpointName=f"{stack}-endpoint")
        variant = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])["ProductionVariants"][0]
        assert variant["InferenceAmiVersion"] == ami
        assert variant["ContainerStartupHealthCheckTimeoutInSeconds"] == (600 if engine == "tgi" else 1200)
        container = sagemaker.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]
        entry = _sdk(sdk)[version]
        tag = f"{entry['tag_prefix']}-gpu-{entry['py_versions'][0]}-{entry['container_version']['gpu']}"
        assert container["Image"] == f"{entry['registries']['us-east-1']}.dkr.ecr.us-east-1.amazonaws.com/{entry['repository']}:{tag}"
        expected = {"HF_MODEL_ID": "TinyLlama/TinyLlama-1.1B-Chat-v1.0"}
        if engine == "tgi":
            expected |= {"SM_NUM_GPUS": "1", "MAX_INPUT_TOKENS": "1536", "MAX_TOTAL_TOKENS": "2048", "MAX_BATCH_PREFILL_TOKENS": "3072"}
        else:
            expected |= {"SM_VLLM_MAX_MODEL_LEN": "2048", "SM_VLLM_TENSOR_PARALLEL_SIZE": "1", "SM_VLLM_GPU_MEMORY_UTILIZATION": "0.9"}
        assert container["Environment"] == expected
    finally:
        destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack, timeout=300)
        assert destroyed.returncode == 0, destroyed.stderr
