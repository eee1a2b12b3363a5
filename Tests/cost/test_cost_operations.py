"""`slmstack cost` as a user runs it: the paused price, the TTL ceiling, the autoscaling range, and
the budget gate (exit 3) checked against the autoscaling maximum. Figures by hand from the embedded
us-east-1 prices (730 hours a month)."""
import json
import subprocess

import pytest

ENDPOINT = 1.4084 * 730                      # one ml.g5.xlarge
NAT_HOURS = 0.045 * 730
ADDRESS = 0.005 * 730
NAT_WEIGHTS = 2.2 * 0.045                    # TinyLlama's weights through NAT, once per instance
BASELINE = ENDPOINT + NAT_HOURS + ADDRESS + 0.01 * 2 * 730 + 1 + 6 * 0.10   # + key, 6 alarms


def cost(slmstack_bin, *args):
    return subprocess.run([slmstack_bin, "cost", *args], capture_output=True, text=True, timeout=60)


def report(slmstack_bin, *args):
    result = cost(slmstack_bin, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_paused_is_running_less_endpoint_nat_and_address(slmstack_bin):
    running = report(slmstack_bin)
    paused = running["whenPaused"]
    removed = ENDPOINT + NAT_HOURS + ADDRESS + NAT_WEIGHTS + 3 * 0.10   # and the 3 alarms on the endpoint
    assert paused["monthly"]["total"] == pytest.approx(running["monthly"]["total"] - removed)
    assert paused["savingMonthly"] == pytest.approx(removed)
    assert running["monthly"]["baseline"] == pytest.approx(BASELINE)
    table = cost(slmstack_bin).stdout
    assert "Paused    $17.86/month, $0.02/hour with Paused=true (slmstack pause): saves $1,065.03/month" in table


def test_ttl_shows_the_most_the_standing_charges_can_cost(slmstack_bin):
    ttl = report(slmstack_bin, "--ttl", "4h")["ttl"]
    assert ttl["minutes"] == 240 and ttl["maxCost"] == pytest.approx(BASELINE / 730 * 4)
    assert "TTL 4h    CloudFormation: at most $5.92 before the stack deletes itself" in cost(slmstack_bin, "--ttl", "4h").stdout
    assert "**TTL 4h: at most $5.92** with CloudFormation" in cost(slmstack_bin, "--ttl", "4h", "--format", "markdown").stdout
    # Terraform's schedule deletes only the endpoint: the rest keeps billing until terraform destroy
    terraform = ttl["terraform"]
    assert terraform["endpointMaxCost"] == pytest.approx(ENDPOINT / 730 * 4)
    assert terraform["keepsBillingMonthly"] == pytest.approx(BASELINE - ENDPOINT)
    assert terraform["keepsBilling"][0] == "NatGateway" and "Endpoint" not in terraform["keepsBilling"]
    assert "Terraform: at most $5.63 for the endpoint, which the schedule deletes;" in cost(slmstack_bin, "--ttl", "4h").stdout


def test_autoscaling_range_and_budget_gate_on_the_maximum(slmstack_bin):
    scaled = report(slmstack_bin, "--max-instances", "3")
    endpoint = next(l for l in scaled["lines"] if l["resource"] == "EndpointConfig" and l["kind"] == "baseline")
    assert endpoint["monthly"] == pytest.approx(ENDPOINT) and endpoint["monthlyMax"] == pytest.approx(3 * ENDPOINT)
    assert scaled["autoscaling"]["minInstances"] == 1 and scaled["autoscaling"]["maxInstances"] == 3
    assert scaled["autoscaling"]["monthlyMax"]["total"] == pytest.approx(scaled["monthly"]["total"] + 2 * ENDPOINT + 2 * NAT_WEIGHTS)

    # $1,083.09 at one instance is within $1,200; $3,139.55 at three is not: the gate takes the maximum.
    assert cost(slmstack_bin, "--budget", "1200").returncode == 0
    over = cost(slmstack_bin, "--max-instances", "3", "--budget", "1200")
    assert over.returncode == 3
    assert "over budget: $3,139.55/month at the autoscaling maximum (3 instances) is $1,939.55 over $1,200.00" in over.stderr
    assert "OVER by $1,939.55 (checked against the autoscaling maximum, 3 instances)" in over.stdout
