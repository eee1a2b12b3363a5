"""The Lambda code inlined in the synthesized CloudFormation template is the tested handler.

For each `templates/cloudformation/*.template.json`, every AWS::Lambda::Function's `Code.ZipFile`
must equal inline(templates/lambda/handler.py) byte for byte, and the code taken from the
template (not the file) must serve both routes and a few errors against the fake SageMaker.
"""

import json
import pathlib

import pytest

from shim_support import HANDLER, ROOT, Shim, load_shim
from inline import inline

TEMPLATES = sorted((ROOT / "templates" / "cloudformation").glob("*.template.json"))


def zipfiles():
    found = []
    for path in TEMPLATES:
        resources = json.loads(path.read_text()).get("Resources", {})
        for name, resource in sorted(resources.items()):
            if resource.get("Type") == "AWS::Lambda::Function" and "ZipFile" in resource.get("Properties", {}).get("Code", {}):
                found.append((f"{path.name}:{name}", resource["Properties"]["Code"]["ZipFile"]))
    return found


@pytest.fixture(params=zipfiles() or [None], ids=lambda z: z[0] if z else "none")
def zipfile(request):
    if request.param is None:
        pytest.skip("no synthesized template yet" if not TEMPLATES else "no inline Lambda code in " + ", ".join(p.name for p in TEMPLATES))
    return request.param[1]


def test_inlined_code_is_the_tested_file(zipfile):
    assert isinstance(zipfile, str), "Code.ZipFile must be a literal string, not an intrinsic function"
    assert zipfile == inline(HANDLER.read_text())


def test_code_from_the_template_serves_requests(zipfile, stack_env, fake, capsys):
    stack_env.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
    shim = Shim(load_shim(zipfile), capsys)
    status, out = shim.call("/invoke", {"prompt": "hi", "parameters": {"max_new_tokens": 3}})
    assert (status, out["generated_text"]) == (200, "Paris is the")
    assert fake.requests[-1]["body"]["inputs"] == "hi"
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]})
    assert (status, out["object"]) == (200, "chat.completion")
    assert shim.call("/invoke", {"prompt": ""})[0] == 400
    assert shim.call("/invoke", {"prompt": "x" * 30000})[0] == 413
    assert shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stream": True})[0] == 400
    assert shim.call("/nope", {})[0] == 404
    assert len(fake.requests) == 2
