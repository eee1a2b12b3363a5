"""The Terraform module of the vLLM engine: formatted, valid for the provider, and carrying the catalog's image,
the host AMI per version and the vLLM environment, in regions with different registries."""
import json
import pathlib
import re
import subprocess

import pytest

from tf_support import initialized_copy, terraform

ROOT = pathlib.Path(__file__).resolve().parents[2]
VARIANTS = {
    "vllm-0.17-us-east-1": ["--engine", "vllm", "--vllm-version", "0.17.0"],
    "vllm-0.17-eu-south-1": ["--engine", "vllm", "--vllm-version", "0.17.0", "--region", "eu-south-1"],
}


@pytest.fixture(scope="module")
def synthesized(slmstack_bin, tmp_path_factory):
    out = {}
    for name, flags in VARIANTS.items():
        folder = tmp_path_factory.mktemp(name)
        subprocess.run([slmstack_bin, "synth", "--format", "terraform", "--out", str(folder), *flags],
                       check=True, capture_output=True, text=True)
        out[name] = folder
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fmt_and_validate(synthesized, variant, tf_env, tmp_path):
    fmt = terraform(["fmt", "-check", "-diff", "-recursive"], synthesized[variant] / "terraform", tf_env)
    assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
    module = initialized_copy(synthesized[variant], tf_env, tmp_path / "tf")
    result = terraform(["validate"], module, tf_env)
    assert result.returncode == 0 and "The configuration is valid" in result.stdout, result.stdout + result.stderr


def _local_map(text, name):
    block = re.search(name + r" = \{\n(.*?)\n  \}", text, re.DOTALL).group(1)
    return dict(re.findall(r'"([^"]+)"\s*=\s*"([^"]+)"', block))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_image_ami_and_environment_follow_the_catalog(synthesized, variant):
    text = (synthesized[variant] / "terraform" / "sagemaker.tf").read_text()
    sdk = json.loads((ROOT / "tools" / "catalog" / "huggingface-vllm.json").read_text())["inference"]["versions"]
    tags = _local_map(text, "vllm_image_tags")
    # the module offers the versions built for CUDA 12: the provider refuses CUDA 13's host AMI (see the refusal test)
    offered = [v for v in sdk if not sdk[v]["container_version"]["gpu"].startswith("cu13")]
    assert sorted(tags) == sorted(offered) and len(offered) < len(sdk)
    for version, tag in tags.items():
        entry = sdk[version]
        assert tag == f"{entry['tag_prefix']}-gpu-{entry['py_versions'][0]}-{entry['container_version']['gpu']}"
    accounts = _local_map(text, "vllm_registry_accounts")
    assert accounts["eu-south-1"] == sdk["0.21.0"]["registries"]["eu-south-1"] == "692866216735"
    amis = _local_map(text, "vllm_inference_amis")
    assert amis == {v: "al2-ami-sagemaker-inference-gpu-3-1" for v in offered}
    assert "inference_ami_version                             = local.inference_ami_version" in text
    assert "SM_VLLM_MAX_MODEL_LEN          = tostring(var.max_total_tokens)" in text
    assert "SM_VLLM_TENSOR_PARALLEL_SIZE   = tostring(local.instance.gpu_count)" in text
    assert "fit_usable_bytes = local.instance.gpu_count * local.instance.gib_per_gpu * 1073741824 * var.gpu_memory_utilization" in text
    # TGI's own settings are not variables of a vLLM module
    variables = (synthesized[variant] / "terraform" / "variables.tf").read_text()
    assert 'variable "vllm_version"' in variables and 'variable "tgi_version"' not in variables
    assert 'variable "max_batch_prefill_tokens"' not in variables and "MAX_BATCH_PREFILL_TOKENS" not in text


def test_a_version_whose_host_ami_the_provider_refuses_is_refused_in_one_line(slmstack_bin, tmp_path):
    """vLLM 0.21 (CUDA 13) needs al2023-ami-sagemaker-inference-gpu-4-1, which hashicorp/aws 5.100.0 does not accept:
    synth says so and names the way out instead of writing a module that fails at plan."""
    done = subprocess.run([slmstack_bin, "synth", "--format", "terraform", "--engine", "vllm", "--vllm-version", "0.21.0",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stderr.strip()
    assert "\n" not in message and "al2023-ami-sagemaker-inference-gpu-4-1" in message and "--vllm-version 0.17.0" in message
    ok = subprocess.run([slmstack_bin, "synth", "--format", "cloudformation", "--engine", "vllm", "--vllm-version", "0.21.0",
                         "--out", str(tmp_path / "cfn")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
