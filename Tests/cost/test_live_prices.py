"""`slmstack cost --live-prices` against a fake AWS Price List API on loopback that answers in the
real GetProducts shape (PriceList items as JSON strings, NextToken paging) and checks what it is
sent: JSON 1.1, the GetProducts target, a SigV4 signature scoped to us-east-1/pricing."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import subprocess
import os


def product(usage, sku, usd):
    return json.dumps({
        "product": {"productFamily": "ML Instance", "sku": sku,
                    "attributes": {"usagetype": usage, "regionCode": "eu-west-2", "instanceName": "ml.g5.xlarge", "component": "Hosting"}},
        "serviceCode": "AmazonSageMaker",
        "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {"priceDimensions": {f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
            "unit": "Hrs", "pricePerUnit": {"USD": usd}, "description": "test"}}}}},
    })


class FakePricing(BaseHTTPRequestHandler):
    requests = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakePricing.requests.append({"target": self.headers.get("X-Amz-Target"), "type": self.headers.get("Content-Type"),
                                     "auth": self.headers.get("Authorization", ""), "body": body})
        filters = {f["Field"]: f["Value"] for f in body.get("Filters", [])}
        if filters.get("regionCode") == "eu-west-3":
            return self.reply(400, {"__type": "AccessDeniedException", "message": "User is not authorized to perform: pricing:GetProducts"})
        if body.get("NextToken") is None:
            # Page 1: products of the same instance that are not hosting.
            return self.reply(200, {"FormatVersion": "aws_v1", "NextToken": "page-2",
                                    "PriceList": [product("EUW2-Train:ml.g5.xlarge", "TRAIN", "1.6"),
                                                  product("EUW2-Notebk:ml.g5.xlarge", "NOTE", "1.5")]})
        return self.reply(200, {"FormatVersion": "aws_v1", "PriceList": [product("EUW2-Host:ml.g5.xlarge", "HOST", "1.7360000000")]})

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def pricing(tmp_path):
    FakePricing.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePricing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(slmstack_bin, endpoint, cache, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret-test", "AWS_ENDPOINT_URL_PRICING": endpoint,
                "SLMSTACK_CACHE_DIR": str(cache), "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
    return subprocess.run([slmstack_bin, "cost", "--live-prices", "--format", "json", *args], capture_output=True, text=True, env=env, timeout=60)


def test_live_price_replaces_the_fallback_and_is_cached(slmstack_bin, pricing, tmp_path):
    result = run(slmstack_bin, pricing, tmp_path, "--region", "eu-west-2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    line = next(l for l in report["lines"] if l["resource"] == "EndpointConfig")
    assert line["unitPrice"] == pytest.approx(1.736)
    assert line["monthly"] == pytest.approx(1.736 * 730)
    assert "EUW2-Host:ml.g5.xlarge" in line["priceSource"] and "SKU HOST" in line["priceSource"]
    assert not any("sagemaker.hosting" in w for w in report["warnings"]), "the live price needs no fallback warning"
    # Two pages were read; each request was JSON 1.1 GetProducts signed for us-east-1/pricing.
    assert [r["body"].get("NextToken") for r in FakePricing.requests] == [None, "page-2"]
    for request in FakePricing.requests:
        assert request["target"] == "AWSPriceListService.GetProducts"
        assert request["type"] == "application/x-amz-json-1.1"
        assert "/us-east-1/pricing/aws4_request" in request["auth"] and request["auth"].startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
        assert request["body"]["ServiceCode"] == "AmazonSageMaker"
    assert "secret-test" not in result.stdout + result.stderr

    again = run(slmstack_bin, pricing, tmp_path, "--region", "eu-west-2")
    assert again.returncode == 0 and len(FakePricing.requests) == 2, "the second run reads the day's cache"
    assert "from the cache" in again.stderr
    cached = json.loads((tmp_path / "prices.json").read_text())
    assert cached[0]["key"] == "sagemaker.hosting.ml.g5.xlarge" and cached[0]["region"] == "eu-west-2" and cached[0]["asOf"]


def test_price_list_error_is_reported_and_fails(slmstack_bin, pricing, tmp_path):
    result = run(slmstack_bin, pricing, tmp_path, "--region", "eu-west-3")
    assert result.returncode == 1
    assert "live prices: GetProducts for ml.g5.xlarge in eu-west-3 failed" in result.stderr
    assert "AccessDeniedException" in result.stderr
