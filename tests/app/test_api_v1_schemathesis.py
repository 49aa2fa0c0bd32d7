"""Schemathesis against the app's WSGI interface, from the OpenAPI document the app serves: for every operation,
generated requests (valid and invalid parameters) sent with a valid token never get a server error, and every
answer matches the schema the document declares for its status. Offline, deterministic, bounded."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import Role
from plans.demo import data as D
from plans.demo import execution as demo_execution

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = {"generation": {"deterministic": True, "database": "none"}}  # no example database written to disk


@pytest.fixture
def api_headers(session, make_user, demo_cases):
    """A national reviewer's token (reads every plan), over the three test cases of docs/DOMAIN.md §14, Koniakary's
    adopted with its 2025 execution (the demo's)."""
    assert demo_execution.seed_koniakary_execution(session)
    issued = api_tokens_service.create_token(session, make_user(Role.REVIEWER, email="schemathesis@dgct.ml"),
                                             "Schemathesis")
    session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


# Schemathesis leaves out the operation that serves the document it was loaded from (/api/v1/openapi.json).
OPERATIONS = [("GET", "/api/v1/plans"), ("GET", "/api/v1/plans/{plan_uuid}"),
              ("GET", "/api/v1/plans/{plan_uuid}/execution")]
# Generated uuids name no plan (404 every time): the third target pins a real one so that 200 answers, the plan
# document included, are checked against the schema too.
TARGETS = [("GET", "/api/v1/plans", None), ("GET", "/api/v1/plans/{plan_uuid}", None),
           ("GET", "/api/v1/plans/{plan_uuid}", D.TC3_UUID), ("GET", "/api/v1/plans/{plan_uuid}/execution", None),
           ("GET", "/api/v1/plans/{plan_uuid}/execution", D.TC1_UUID)]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def _served_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG))


def test_every_operation_of_the_served_document_is_exercised(app):
    served = {(op.ok().method.upper(), op.ok().path) for op in _served_schema(app).get_all_operations()}
    assert served == set(OPERATIONS) == {(m, p) for m, p, _ in TARGETS}


# schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) does not run under pytest 9.2 (it sets
# a node attribute pytest no longer has), so each operation's strategy is driven by Hypothesis directly, as the
# schemathesis docs describe for "non-Schemathesis tests".
@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("method, path, plan_uuid", TARGETS,
                         ids=[f"{m} {p}" + (" (plan connu)" if u else "") for m, p, u in TARGETS])
def test_the_api_keeps_its_openapi_promises(app, api_headers, method, path, plan_uuid, mode):
    operation = _served_schema(app)[path][method]
    strategy = operation.as_strategy(generation_mode=mode,
                                     path_parameters={"plan_uuid": plan_uuid} if plan_uuid else None)
    statuses = []

    @given(case=strategy)
    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        response = case.call_and_validate(headers=api_headers, checks=CHECKS)
        statuses.append(response.status_code)

    check()
    if mode is GenerationMode.POSITIVE and (plan_uuid or "{" not in path):
        assert 200 in statuses  # successful answers were among those checked, not only refusals
