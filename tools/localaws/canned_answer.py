#!/usr/bin/env python3
"""Queue the answer the model would give, on the local AWS (no model runs there).

    python3 tools/localaws/canned_answer.py "Paris is the capital of France."

Reads AWS_ENDPOINT_URL and AWS_REGION from the environment (the local AWS env file) and queues one
TGI-shaped response in moto's SageMaker Runtime: the next new invocation of any endpoint in that
account and region returns it, in the shape the request asks of the endpoint's engine (fix 50,
engine_answers.py: a chat request gets TGI's or vLLM's chat.completion or its stream). Exit 2 when
AWS_ENDPOINT_URL does not point at a local server.
"""
import json
import os
import sys
import urllib.request


def main(argv):
    if len(argv) != 2 or not argv[1]:
        print("usage: canned_answer.py TEXT", file=sys.stderr)
        return 2
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
        print("canned_answer: AWS_ENDPOINT_URL must point at the local AWS (source its env file first)", file=sys.stderr)
        return 2
    text = argv[1]
    answer = [{"generated_text": text, "details": {"finish_reason": "eos_token", "generated_tokens": len(text.split()) + 1}}]
    body = json.dumps({"account_id": "123456789012", "region": os.environ.get("AWS_REGION", "us-east-1"),
                       "results": [{"Body": json.dumps(answer), "ContentType": "application/json"}]}).encode()
    request = urllib.request.Request(endpoint.rstrip("/") + "/moto-api/static/sagemaker/endpoint-results", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 201:
            print(f"canned_answer: the local AWS answered HTTP {response.status}", file=sys.stderr)
            return 1
    print(f"queued the model's answer on the local AWS: {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
