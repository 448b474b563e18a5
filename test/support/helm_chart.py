"""The Helm chart under deploy/helm/llmops, linted and rendered by Helm itself and checked
against the Kubernetes API schemas - what `helm lint`, `helm template | kubeconform` do in CI.

Helm is the real Go implementation (helm-python-sdk bundles Helm 4 as a shared library, so no
helm binary and no cluster are needed); the schemas are the Kubernetes OpenAPI schemas bundled
by kubernetes-validate. Rendering is offline: `lookup` answers nothing, as in `helm template`.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python
import yaml
from kubernetes_validate import utils as kube_schema

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "deploy" / "helm" / "llmops"
RELEASE = "llmops-test"
NAMESPACE = "llmops"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schema bundled.
KUBE_VERSIONS = ("1.25.0", kube_schema.latest_version())


def values_file(name: str) -> dict[str, Any]:
    return yaml.safe_load((CHART_DIR / "ci" / name).read_text())


def lint(chart_dir: Path = CHART_DIR, values: dict | None = None) -> dict[str, Any]:
    """`helm lint --strict` (warnings count as failures)."""
    return helm_python.lint(str(chart_dir), values, strict=True, namespace=NAMESPACE,
                            kube_version=f"v{KUBE_VERSIONS[-1]}")


@dataclass
class Rendered:
    """The documents of one `helm template`, with the lookups the checks need."""

    documents: list[dict[str, Any]]
    notes: str
    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for doc in self.documents:
            self.by_kind.setdefault(doc["kind"], []).append(doc)

    def get(self, kind: str, name: str) -> dict[str, Any]:
        matches = [d for d in self.by_kind.get(kind, []) if d["metadata"]["name"] == name]
        assert len(matches) == 1, f"{kind}/{name}: {len(matches)} rendered"
        return matches[0]

    def workloads(self) -> list[dict[str, Any]]:
        return self.by_kind.get("Deployment", []) + self.by_kind.get("Job", [])

    def secret_data(self, name: str) -> dict[str, str]:
        return {k: base64.b64decode(v).decode() for k, v in self.get("Secret", name).get("data", {}).items()}


def render(values: dict | None = None, chart_dir: Path = CHART_DIR, **options) -> Rendered:
    """`helm template` (an install by default). Raises Helm's error for bad values or templates."""
    with helm_python.Chart.load(str(chart_dir)) as chart:
        manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE,
                                 **({"is_install": True} | options))
    documents, notes = [], ""
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        documents += [doc for doc in yaml.safe_load_all(text) if doc]
    return Rendered(documents, notes)


def schema_errors(document: dict[str, Any], kube_version: str) -> str | None:
    """None when the document is valid for that Kubernetes version (strict: no unknown fields)."""
    try:
        kube_schema.validate(document, kube_version, strict=True)
    except kube_schema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path)
        return f"{document['kind']}/{document['metadata']['name']}: {where}: {exc.message}"
    except kube_schema.SchemaNotFoundError as exc:  # an unknown kind/apiVersion is an error too
        return exc.message
    return None


def component(name: str) -> str:
    return f"{RELEASE}-{name}"


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]
