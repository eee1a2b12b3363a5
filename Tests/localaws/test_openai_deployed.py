"""The unmodified `openai` Python client against the default stack deployed on the local AWS.

`OpenAI(base_url=<ApiUrl>v1, api_key=KEY)` — how every OpenAI-compatible server is used — sends the
key as `Authorization: Bearer`; the API's key authorizer hands it to API Gateway, which checks it
against the usage plan and limits it per key. Chat, models.list, no key, a wrong key, a quota per
key, and the older `x-api-key` header beside a placeholder Bearer token.

`openai` is not in the system Python: run with a venv that has it (the pin is in the lead's test
requirements). Without it every test here is skipped, with the reason printed.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from localaws_support import LocalAws, unique
from test_invoke import PARIS, TEMPLATE, queue_tgi, user_request_url

try:
    import openai
except ImportError:  # pragma: no cover - depends on the interpreter
    openai = None

pytestmark = pytest.mark.skipif(openai is None, reason="SKIPPED: the `openai` package is not installed in this Python "
                                                        "(use a venv with the pinned openai client)")
MODEL = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"


class Deployed:
    def __init__(self, la: LocalAws, name: str, outputs: dict[str, str], key: str) -> None:
        self.la, self.name, self.outputs, self.key = la, name, outputs, key
        self.base_url = user_request_url(la.endpoint, outputs["ApiUrl"]) + "v1"

    def client(self, api_key: str | None = None, **kwargs: Any) -> Any:
        return openai.OpenAI(base_url=self.base_url, api_key=api_key or self.key, max_retries=0, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def deployed(localaws: LocalAws) -> Iterator[Deployed]:
    name = unique("oai")
    st = localaws.deploy(name, TEMPLATE.read_text())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    key = localaws.client("apigateway").get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
    yield Deployed(localaws, name, outputs, key)
    localaws.client("cloudformation").delete_stack(StackName=name)


def test_models_list_names_the_model_chat_answers_name(deployed: Deployed) -> None:
    models = deployed.client().models.list()
    assert [m.id for m in models.data] == [MODEL]
    assert models.data[0].object == "model" and models.data[0].owned_by == "TinyLlama"
    assert isinstance(models.data[0].created, int) and models.data[0].created > 0
    queue_tgi(deployed.la, PARIS)
    answer = deployed.client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Capital of France?"}])
    assert answer.model == models.data[0].id
    assert answer.choices[0].message.content == "Paris."
    assert answer.usage.completion_tokens == 3


def test_chat_with_parameters_and_a_bearer_key(deployed: Deployed) -> None:
    queue_tgi(deployed.la, PARIS)
    answer = deployed.client().chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}],
        max_tokens=16, temperature=0, stop=["\n\n"])
    assert answer.object == "chat.completion" and answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == "Paris."


def test_the_x_api_key_header_still_works_beside_a_placeholder_bearer(deployed: Deployed) -> None:
    client = deployed.client(api_key="placeholder", default_headers={"x-api-key": deployed.key})
    assert [m.id for m in client.models.list().data] == [MODEL]


def test_no_key_is_an_authentication_error(deployed: Deployed) -> None:
    client = deployed.client(api_key="unused")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list(extra_headers={"Authorization": openai.omit})  # the client sends no key at all
    assert caught.value.status_code == 401
    assert caught.value.code == "UNAUTHORIZED" and caught.value.type == "invalid_request_error"
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}],
                                       extra_headers={"Authorization": openai.omit})


def test_a_wrong_key_is_refused_by_api_gateway(deployed: Deployed) -> None:
    for api_key in ("not-the-key", deployed.key + "x"):
        with pytest.raises(openai.PermissionDeniedError) as caught:
            deployed.client(api_key=api_key).models.list()
        assert caught.value.status_code == 403
        assert caught.value.code == "INVALID_API_KEY" and caught.value.message.endswith("Forbidden")


def test_a_bearer_key_is_limited_by_its_own_usage_plan(deployed: Deployed) -> None:
    # A second key on a second usage plan of the same stage, with a quota of 2 requests a day.
    ag = deployed.la.client("apigateway")
    api_id = deployed.outputs["ApiUrl"].split("//")[1].split(".")[0]
    stage = deployed.outputs["ApiUrl"].rstrip("/").rsplit("/", 1)[1]
    plan = ag.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api_id, "stage": stage}],
                                quota={"limit": 2, "period": "DAY"})
    key = ag.create_api_key(name=unique("key"), enabled=True)
    ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    limited = deployed.client(api_key=key["value"])
    assert [m.id for m in limited.models.list().data] == [MODEL]
    assert [m.id for m in limited.models.list().data] == [MODEL]
    with pytest.raises(openai.RateLimitError) as caught:
        limited.models.list()
    assert caught.value.status_code == 429 and caught.value.code == "QUOTA_EXCEEDED"
    # the stack's own key is not affected
    assert [m.id for m in deployed.client().models.list().data] == [MODEL]
    body = json.loads(caught.value.response.text)
    assert set(body["error"]) == {"message", "type", "param", "code"}


def test_stream_on_a_stack_without_streaming_names_the_setting(deployed: Deployed) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        list(deployed.client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True))
    assert caught.value.param == "stream" and caught.value.code == "unsupported"
    assert "--streaming on" in caught.value.message
