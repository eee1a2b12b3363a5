"""Several models in one scale-to-zero stack (`--scaling zero --models`, issue 20 item 3) deployed on the
local AWS: two inference components, each with its own scalable target, wake policy and
NoCapacityInvocationFailures alarm; the unmodified openai client lists both models, a request for one at
zero answers 503 with Retry-After and wakes that one alone, its answer names it once awake, an unknown
model is OpenAI's 404 model_not_found, `slmstack invoke --model-id` reaches the other and `slmstack invoke`
without it the default, `status` shows both,
destroy leaves nothing.

The local AWS runs with LOCALAWS_WAKE_SECONDS=30 (a wake takes 5-10 minutes on AWS).
"""
import subprocess
import sys
import time

import pytest

from deploy_support import ROOT, copies, verify, waking_local_aws

sys.path.insert(0, str(ROOT / "Tests" / "localaws"))
from test_invoke import user_request_url  # noqa: E402

try:
    import openai
except ImportError:
    openai = None

CANNED = [sys.executable, str(ROOT / "tools" / "localaws" / "canned_answer.py")]
STACK = "zeromodels"
FIRST, SECOND = "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "Qwen/Qwen2.5-0.5B-Instruct"


@pytest.fixture(scope="module")
def waking_aws(slmstack_bin, tmp_path_factory):
    """A local AWS of its own whose copies take 30 s to start."""
    with waking_local_aws(tmp_path_factory.mktemp("zeromodels"), slmstack_bin, 30) as aws:
        yield aws


def wait_copies(aws, name, want, limit=120):
    deadline = time.monotonic() + limit
    while copies(aws, name) != want:
        assert time.monotonic() < deadline, f"{name}: copies {copies(aws, name)}, not {want}, after {limit} s"
        time.sleep(1)


def ask(client, model):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": "What is the capital of France?"}])


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_two_models_deploy_route_wake_destroy(waking_aws, tmp_path):
    aws = waking_aws
    deployed = aws.run("deploy", "--yes", "--stack-name", STACK, "--scaling", "zero", "--models", f"{FIRST},{SECOND}:copies=2", timeout=600)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    outputs = dict(line.split(None, 1) for line in deployed.stdout.split("outputs:\n", 1)[1].splitlines() if line.startswith("  "))
    first, second = f"{STACK}-model", f"{STACK}-model2"
    assert outputs["InferenceComponentName"] == first and outputs["InferenceComponentNames"] == f"{first},{second}"

    snapshot = tmp_path / "snapshot.json"
    checked = verify(aws, STACK, "--snapshot", str(snapshot))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sagemaker = aws.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])["ProductionVariants"][0]
    # one copy of the first and two of the second, each on its own ml.g5.xlarge (one GPU each)
    assert config["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 3}
    listed = {c["InferenceComponentName"] for c in sagemaker.list_inference_components(EndpointNameEquals=outputs["EndpointName"])["InferenceComponents"]}
    assert listed == {first, second}
    models = {name: sagemaker.describe_inference_component(InferenceComponentName=name)["Specification"]["ModelName"] for name in listed}
    environment = {name: sagemaker.describe_model(ModelName=model)["PrimaryContainer"]["Environment"]["HF_MODEL_ID"] for name, model in models.items()}
    assert environment == {first: FIRST, second: SECOND}
    assert copies(aws, first) == (1, 1) and copies(aws, second) == (1, 1)
    aas = aws.client("application-autoscaling")
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert sorted((t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets if STACK in t["ResourceId"]) == [
        (f"inference-component/{first}", 0, 1), (f"inference-component/{second}", 0, 2)]
    alarms = aws.client("cloudwatch").describe_alarms()["MetricAlarms"]
    woken = sorted(d["Value"] for a in alarms if a["MetricName"] == "NoCapacityInvocationFailures" for d in a["Dimensions"])
    assert woken == [first, second]
    status = aws.run("status", "--stack-name", STACK)
    assert f"copies      {first}: 1 running" in status.stdout and f"copies      {second}: 1 running" in status.stdout, status.stdout
    assert "instances   2 x ml.g5.xlarge" in status.stdout, status.stdout

    # idle: both scale in to zero, and managed scaling removes the instances
    for name in (first, second):
        sagemaker.update_inference_component_runtime_config(InferenceComponentName=name, DesiredRuntimeConfig={"CopyCount": 0})
    assert "instances   0 x ml.g5.xlarge" in aws.run("status", "--stack-name", STACK).stdout

    key = aws.client("apigateway").get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
    chat_url = user_request_url(aws.env["AWS_ENDPOINT_URL"], outputs["ChatCompletionsUrl"])
    client = openai.OpenAI(base_url=chat_url.rsplit("/chat/completions", 1)[0], api_key="unused", max_retries=0, timeout=60,
                           default_headers={"x-api-key": key})
    # GET /v1/models goes through the same gateway: both models, the default first
    assert [m.id for m in client.models.list()] == [FIRST, SECOND]
    with pytest.raises(openai.NotFoundError) as raised:
        ask(client, "gpt-4o")
    assert (raised.value.status_code, raised.value.code) == (404, "model_not_found")
    assert copies(aws, first) == (0, 0) and copies(aws, second) == (0, 0), "an unknown model wakes nothing"

    # a request for the second model at zero: 503 with Retry-After, and only the second wakes
    with pytest.raises(openai.InternalServerError) as raised:
        ask(client, SECOND)
    assert (raised.value.status_code, raised.value.code) == (503, "model_starting")
    assert raised.value.response.headers["retry-after"] == "30"
    assert copies(aws, second)[1] == 1 and copies(aws, first) == (0, 0)
    wait_copies(aws, second, (1, 1))
    subprocess.run([*CANNED, "Paris is the capital of France."], check=True, env=aws.environ(), capture_output=True)
    answer = ask(client, SECOND)
    assert answer.model == SECOND and answer.choices[0].message.content == "Paris is the capital of France."
    assert copies(aws, first) == (0, 0), "the first model stays asleep while the second serves"

    # slmstack invoke --model-id reaches the first: it waits through the wake with a progress line
    subprocess.run([*CANNED, "Lyon is not the capital."], check=True, env=aws.environ(), capture_output=True)
    invoked = aws.run("invoke", "Is Lyon the capital of France?", "--stack-name", STACK, "--model-id", FIRST, timeout=300)
    assert invoked.returncode == 0, invoked.stdout + invoked.stderr
    assert invoked.stdout.strip() == "Lyon is not the capital." and "waking: the model is starting" in invoked.stderr
    assert copies(aws, first) == (1, 1) and copies(aws, second) == (1, 1)
    status = aws.run("status", "--stack-name", STACK)
    assert "instances   2 x ml.g5.xlarge" in status.stdout and f"{first}: 1 running" in status.stdout and f"{second}: 1 running" in status.stdout

    # without --model-id, invoke asks the stack's default: the first answers, the second (scaled in) stays asleep
    sagemaker.update_inference_component_runtime_config(InferenceComponentName=second, DesiredRuntimeConfig={"CopyCount": 0})
    for route in ([], ["--chat"]):
        subprocess.run([*CANNED, "Bonjour."], check=True, env=aws.environ(), capture_output=True)
        default = aws.run("invoke", "Say hello in French.", "--stack-name", STACK, *route, timeout=120)
        assert default.returncode == 0 and default.stdout.strip() == "Bonjour." and "waking" not in default.stderr, default.stdout + default.stderr
    assert copies(aws, second) == (0, 0)

    destroyed = aws.run("destroy", "--yes", "--stack-name", STACK, timeout=600)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    gone = verify(aws, STACK, "--expect-gone", "--snapshot", str(snapshot))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert sagemaker.list_inference_components()["InferenceComponents"] == []
    assert [t for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] if STACK in t["ResourceId"]] == []
