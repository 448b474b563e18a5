"""Property-based fuzz of every operation of /openapi.json (console, /openapi and /v1), with
schemathesis, against the app in-process on SQLite and on PostgreSQL, authenticated with a real
JWT or API key. Each generated request must get:

- no 5xx;
- a status code, content type and body that the published schema allows;
- no secret in the answer: the caller's API key and JWT, the account's password, the stored
  provider key.

Bounded and deterministic: EXAMPLES positive and EXAMPLES // 2 negative (schema-violating) cases
per operation, drawn with `derandomize=True` (the same cases on every run, no example database),
no shrinking; every failure of every operation is reported at once. Random ids only reach "not
found", so operations whose path ids the fixture can own (a dataset, a spare API key) get
EXAMPLES // 2 more positive cases with those real ids (deletes last).
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _auth_header(target, operation) -> dict[str, str]:
    security = operation.definition.raw.get("security") or []
    schemes = {name for requirement in security for name in requirement}
    if "ApiKey" in schemes:
        return {"Authorization": f"Bearer {target.api_key}"}
    if "ConsoleJWT" in schemes:
        token = target.fresh_jwt() if operation.path == "/auth/logout" else target.jwt
        return {"Authorization": f"Bearer {token}"}
    return {}


def _secret_check(secrets: tuple[str, ...]):
    def no_secret_in_response(ctx, response, case) -> None:
        text = response.content.decode("utf-8", "replace")
        for secret in secrets:
            if secret in text or any(secret in v for vs in response.headers.values() for v in vs):
                raise AssertionError(f"a secret ({secret[:6]}…) is echoed in the response")

    return no_secret_in_response


def _fuzz(operation, target, mode: GenerationMode, examples: int, cases: list, failures: list,
          path_parameters: dict | None = None) -> None:
    headers = _auth_header(target, operation)
    secret_check = _secret_check(target.secrets)

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        cases.append(1)
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, additional_checks=[secret_check], headers=headers)
        except (AssertionError, FailureGroup) as exc:  # a FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}{path_parameters or ''}] "
                            f"-> {response.status_code}: {str(exc).strip()[:600]}\n  {case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:  # negative mode: an operation without inputs has nothing to violate
        assert mode is GenerationMode.NEGATIVE, operation.path


def _seedable(operation, owned: dict[str, str]) -> dict[str, str] | None:
    names = {p.name for p in operation.path_parameters}
    return {n: owned[n] for n in names} if names and names <= set(owned) else None


def test_every_operation_survives_generated_requests(fuzz_target, record_property):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_target.app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=lambda op: (op.path, op.method))
    surfaces = {op.definition.raw["tags"][0] for op in operations}
    assert {"console", "openapi", "openai", "ops"} <= surfaces and len(operations) >= 50
    cases: list = []
    failures: list[str] = []
    for operation in operations:
        _fuzz(operation, fuzz_target, GenerationMode.POSITIVE, EXAMPLES, cases, failures)
        _fuzz(operation, fuzz_target, GenerationMode.NEGATIVE, EXAMPLES // 2, cases, failures)
    seeded = [(op, ids) for op in operations if (ids := _seedable(op, fuzz_target.owned_ids))]
    assert len(seeded) >= 8, [op.path for op, _ in seeded]
    for operation, ids in sorted(seeded, key=lambda item: item[0].path.endswith("/delete")):
        _fuzz(operation, fuzz_target, GenerationMode.POSITIVE, EXAMPLES // 2, cases, failures, ids)
    record_property("fuzz_cases", len(cases))
    print(f"\nfuzz [{fuzz_target.name}]: {len(operations)} operations ({len(seeded)} also with owned ids), "
          f"{len(cases)} cases, {len(failures)} failures")
    assert not failures, f"{len(failures)} of {len(cases)} generated requests failed:\n" + "\n".join(failures[:40])


def test_the_secret_check_is_not_vacuous():
    """The secret check flags a secret in a body or a header, and only then."""
    from types import SimpleNamespace

    check = _secret_check(("llmops-secret-key", "Passw0rd"))
    check(None, SimpleNamespace(content=b'{"api_key": "llmops-****-key"}', headers={"x": ["y"]}), None)
    for leaked in (SimpleNamespace(content=b'{"message": "key llmops-secret-key"}', headers={}),
                   SimpleNamespace(content=b"{}", headers={"X-Debug": ["Passw0rd"]})):
        try:
            check(None, leaked, None)
        except AssertionError as exc:
            assert "a secret" in str(exc)
        else:
            raise AssertionError("an echoed secret went unnoticed")
