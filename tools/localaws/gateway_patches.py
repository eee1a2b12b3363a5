"""Fixes 35-36 (registered in patches.py): API Gateway's own answers for a deployed REST API.

- `apigateway_gateway_responses`: API Gateway's own errors (401, 403, 429, 5xx ...) take the API's
  gateway responses: status code, body template, static headers.
- `apigateway_usage_plan_limits`: a usage plan's throttle (token bucket per key) and quota (per key
  per period) answer 429 THROTTLED / QUOTA_EXCEEDED.

Like authorizer_patches.py they plug into invoke_patches.py's user-request route by replacing its
`gateway_error_answer` and wrapping its `authorize`, so each can be switched off alone. AWS references:
gateway response types (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html),
usage plans (.../api-gateway-api-usage-plans.html). Tests: Tests/localaws/test_authorizer_fixes.py.
"""
from __future__ import annotations

import datetime
import json
import re
import threading
import time
from typing import Any

import invoke_patches as ip

_limits_lock = threading.Lock()
_buckets: dict[tuple[str, str], tuple[float, float]] = {}  # (plan, key) -> (tokens, last refill)
_quotas: dict[tuple[str, str, str], int] = {}  # (plan, key, period start) -> requests counted


# --------------------------------------------------------------------------------------------
# 35. Gateway responses
# --------------------------------------------------------------------------------------------
_CONTEXT_VAR = re.compile(r"\$(\{)?context\.([A-Za-z0-9_.]*[A-Za-z0-9_])(?(1)\})")


def _render(template: str, err: ip.GatewayError, request_id: str, api_id: str) -> str:
    values = {"error.message": "" if err.message is None else err.message,
              "error.messageString": json.dumps(err.message),
              "error.responseType": err.response_type, "error.validationErrorString": "",
              "requestId": request_id, "extendedRequestId": request_id, "apiId": api_id}
    return _CONTEXT_VAR.sub(lambda mt: values.get(mt.group(2), ""), template)


def gateway_error_with_responses(err: ip.GatewayError, api_id: str, stage: str,
                                 request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """invoke_patches.gateway_error_answer with the API's gateway responses (they come with a
    deployment, so a stage that does not exist answers API Gateway's built-in body)."""
    try:
        _backend, api = ip._find_api(api_id)
        responses = api.gateway_responses if stage in api.stages else {}
    except ip.GatewayError:
        responses = {}
    fallback = responses.get("DEFAULT_4XX" if err.status < 500 else "DEFAULT_5XX")
    gr = responses.get(err.response_type) or fallback
    if gr is None:
        return err.status, [("Content-Type", "application/json")], json.dumps({"message": err.message}).encode()
    # a status set on the DEFAULT_ type applies to every response of that class without its own
    status = int(gr.status_code or (fallback.status_code if fallback is not None else None) or err.status)
    templates = gr.response_templates or {}
    template = templates.get("application/json") or next(iter(templates.values()), None)
    body = _render(template, err, request_id, api_id) if template is not None else json.dumps({"message": err.message})
    headers = [("Content-Type", "application/json")]
    for name, value in (gr.response_parameters or {}).items():
        if name.startswith("gatewayresponse.header.") and isinstance(value, str) and value.startswith("'"):
            headers.append((name[len("gatewayresponse.header."):], value.strip("'")))
    return status, headers, body.encode()


def apigateway_gateway_responses() -> None:
    """API Gateway's own errors take the API's gateway responses (AWS::ApiGateway::GatewayResponse).

    Without it every gateway error is the built-in `{"message": "..."}` with its default status,
    whatever the API configures. Now the response of the error's type (UNAUTHORIZED,
    INVALID_API_KEY, ACCESS_DENIED, MISSING_AUTHENTICATION_TOKEN, THROTTLED, QUOTA_EXCEEDED,
    AUTHORIZER_CONFIGURATION_ERROR ...), else DEFAULT_4XX / DEFAULT_5XX, gives the status (its own,
    else the DEFAULT_ type's, else the type's default), the body (the application/json template with
    $context.error.message, $context.error.messageString (quoted), $context.error.responseType,
    $context.requestId substituted; other $context variables render empty) and static headers
    (`gatewayresponse.header.X: 'value'`).
    """
    ip.gateway_error_answer = gateway_error_with_responses


# --------------------------------------------------------------------------------------------
# 36. Usage plan throttle and quota, per API key
# --------------------------------------------------------------------------------------------
def _period_start(period: str, now: datetime.datetime) -> str:
    day = now.date()
    if period == "WEEK":
        day = day - datetime.timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    return day.isoformat()


def meter(backend: Any, api: Any, stage: str, key: Any, method: str, resource_path: str) -> None:
    """Count one request of `key` on the usage plans of api/stage; 429 when throttled or out of quota."""
    now = time.monotonic()
    for plan in list(backend.usage_plans.values()):
        stages = [s for s in plan.api_stages or [] if s.get("apiId") == api.id and s.get("stage") == stage]
        if not stages or key.id not in backend.usage_plan_keys.get(plan.id, {}):
            continue
        throttle = dict(plan.throttle or {})
        throttle.update((stages[0].get("throttle") or {}).get(f"{resource_path}/{method}") or {})
        with _limits_lock:
            rate, burst = float(throttle.get("rateLimit") or 0), float(throttle.get("burstLimit") or 0)
            if rate > 0 or burst > 0:
                tokens, last = _buckets.get((plan.id, key.id), (max(burst, 1.0), now))
                tokens = min(max(burst, 1.0), tokens + (now - last) * rate)
                if tokens < 1:
                    _buckets[(plan.id, key.id)] = (tokens, now)
                    raise ip.GatewayError(429, "Too Many Requests", "TooManyRequestsException",
                                          f"usage plan {plan.id}: {rate}/s, burst {burst:g}", "THROTTLED")
                _buckets[(plan.id, key.id)] = (tokens - 1, now)
            quota = plan.quota or {}
            if quota.get("limit"):
                slot = (plan.id, key.id, _period_start(quota.get("period", "DAY"), datetime.datetime.now(datetime.timezone.utc)))
                if _quotas.get(slot, 0) >= int(quota["limit"]):
                    raise ip.GatewayError(429, "Limit Exceeded", "LimitExceededException",
                                          f"usage plan {plan.id}: quota {quota['limit']} per {quota.get('period')}", "QUOTA_EXCEEDED")
                _quotas[slot] = _quotas.get(slot, 0) + 1


def apigateway_usage_plan_limits() -> None:
    """A usage plan's throttle and quota apply per API key (429 THROTTLED, 429 QUOTA_EXCEEDED).

    Without it keys are checked but never limited. Now each request whose method needs a key is
    counted against every usage plan of the API stage that holds the key, whatever the key's source
    (x-api-key or an authorizer's usageIdentifierKey): a token bucket of burstLimit tokens refilled
    at rateLimit per second (a per-method throttle in the plan's apiStages wins) answers 429
    "Too Many Requests" when empty, and a counter per quota period (DAY, WEEK from Monday, MONTH
    from the 1st, UTC) answers 429 "Limit Exceeded" once `limit` requests were counted. AWS applies
    both on a best-effort basis; here they are exact, so tests can rely on them.
    """
    inner = ip.authorize

    def authorize(req: Any, backend: Any, api: Any, stage: str, res: Any, m: Any, path: str,
                  request_id: str) -> tuple[Any, dict[str, Any] | None]:
        key, ctx = inner(req, backend, api, stage, res, m, path, request_id)
        if key is not None:
            meter(backend, api, stage, key, m.http_method, res.get_path())
        return key, ctx

    ip.authorize = authorize
