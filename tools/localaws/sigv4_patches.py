"""Fix 1: moto's SigV4 re-check accepts correctly signed requests (`sigv4_empty_payload`, `sigv4_raw_path`)."""
from __future__ import annotations

from typing import Any


# --------------------------------------------------------------------------------------------
# 1. SigV4: body-less requests of REST-JSON services
# --------------------------------------------------------------------------------------------
def sigv4_empty_payload() -> None:
    """Hash the real (empty) body of GET/DELETE requests when moto re-checks a SigV4 signature.

    moto recomputes the signature from `self._body or self._data`; for a body-less request of a
    REST-JSON service (Lambda, API Gateway, Scheduler ...) `_data` is the header dict, so every
    correctly signed GET/DELETE is rejected with SignatureDoesNotMatch. Query-protocol POSTs keep
    moto's own re-encoding of the form parameters (werkzeug consumed the body).
    """
    from botocore.awsrequest import AWSRequest
    from moto.iam import access_control as ac

    def _create_aws_request(self: Any) -> AWSRequest:
        signed_headers = self._get_string_between(
            "SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed_headers, self._headers)
        body = self._body
        if not body:
            ctype = next((str(v).lower() for k, v in self._headers.items() if k.lower() == "content-type"), "")
            if "x-www-form-urlencoded" in ctype or isinstance(self._data, (bytes, str)):
                body = self._data
            else:
                body = b""
        request = AWSRequest(method=self._method, url=self._path, data=body, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    ac.IAMRequestBase._create_aws_request = _create_aws_request


def sigv4_raw_path() -> None:
    """Check SigV4 against the path as sent (percent-encoded), not the decoded one.

    A Lambda call addressed by ARN (`GetPolicy`, `GetFunction` ... with FunctionName=arn:aws:lambda:...)
    puts `arn%3Aaws%3A...` in the path; moto re-signs the decoded `arn:aws:...` path, so the canonical
    URI differs and the correctly signed request is rejected with SignatureDoesNotMatch.
    """
    from urllib.parse import urlparse

    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
            if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
                return
            parsed_url = urlparse(self.uri)
            path = getattr(self, "raw_path", None) or parsed_url.path
            if parsed_url.query:
                path += "?" + parsed_url.query
            iam_request = iam_request_cls(account_id=self.current_account, method=self.method, path=path,
                                          data=self.data, body=self.raw_body, headers=self.headers,
                                          action=self._get_action())
            iam_request.check_signature()
            iam_request.check_action_permitted(resource)
        else:
            ActionAuthenticatorMixin.request_count += 1

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
