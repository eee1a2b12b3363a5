"""Fixtures of the Terraform suites: the synthesized modules and an offline-initialized copy of each."""
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import tf_mirror  # noqa: E402
import tf_support  # noqa: E402
from tf_support import OPS_SETTINGS, initialized_copy, skip_loudly  # noqa: E402


@pytest.fixture(scope="module")
def synth(slmstack_bin, tmp_path_factory):
    """`synth --format all` of the default stack: both renderers, one run."""
    out = tmp_path_factory.mktemp("synth")
    subprocess.run([slmstack_bin, "synth", "--format", "all", "--out", str(out)], check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def synth_ops(slmstack_bin, tmp_path_factory):
    """`synth --format all` of the operations variant."""
    out = tmp_path_factory.mktemp("synth-ops")
    subprocess.run([slmstack_bin, "synth", "--format", "all", "--out", str(out), *OPS_SETTINGS], check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def tf_env(request, tmp_path_factory):
    """The environment for an offline `terraform init`: terraform and its provider, found by tf_mirror."""
    config, found = tf_mirror.cli_config(tmp_path_factory.mktemp("tf-cli"))
    if config is None:
        skip_loudly(request, f"Terraform suites: {found}")
    print(f"terraform provider from {found}")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env.setdefault("GOGC", tf_support.GOGC)
    for key in [k for k in env if k.startswith("TF_VAR_") or k.startswith("AWS_")]:
        del env[key]
    return env


@pytest.fixture(scope="module")
def module_dir(synth, tf_env, tmp_path_factory):
    """A copy of the synthesized module, initialized offline."""
    return initialized_copy(synth, tf_env, tmp_path_factory.mktemp("tf"))


@pytest.fixture(scope="module")
def ops_module_dir(synth_ops, tf_env, tmp_path_factory):
    """A copy of the operations variant, initialized offline."""
    return initialized_copy(synth_ops, tf_env, tmp_path_factory.mktemp("tf-ops"))
